/**
 * `esg-sync job show` and `job edit`, in-process with no agent running: an edit changes only what
 * its options name, refuses a contradiction, and the engine's own checks (a bad cron) reach the
 * person as exit code 2 with the reason.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../main/engine/engine';
import { runCliInProcess } from '../../helpers/cli-in-process';
import { removeDir } from '../../helpers/agent-process';
import { PG_URL, serverConn, whyNoPostgres } from '../../helpers/table-servers';

const dataDir = mkdtempSync(join(tmpdir(), 'esg-job-edit-'));

const pg = serverConn('postgres', PG_URL);
const noPostgres = await whyNoPostgres();
const cli = (...argv: string[]) => runCliInProcess(['--data-dir', dataDir, ...argv]);

beforeAll(async () => {
  // A connection and an export job straight in the store: no platform or keychain is needed to edit.
  const engine = Engine.open({ dataDir, mode: 'headless', fileLogs: false });
  const at = new Date().toISOString();
  engine.store.connections.insert({ id: 'c1', name: 'Production', kind: 'esg-api', baseUrl: 'https://example.test', authUrl: null, clientId: 'client', scopes: [], sandbox: false, createdAt: at, lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
  engine.store.jobs.insert({
    id: 'j1',
    name: 'Submissions out',
    type: 'export',
    connectionId: 'c1',
    sourceId: null,
    mappingId: null,
    config: { schedule: '0 6 * * *', timezone: 'UTC', onFileArrival: false, export: { dataset: 'submissions', destination: { kind: 'folder', path: join(dataDir, 'out'), format: 'csv', fileName: '{dataset}-{date}' }, nested: 'json' } },
    paused: false,
    cursor: '2026-01-01T00:00:00Z',
    createdAt: at,
  });
  await engine.stop();
});
afterAll(() => removeDir(dataDir));

describe('esg-sync job show / edit', () => {
  it('shows a job in words and as JSON', async () => {
    const human = await cli('job', 'show', 'Submissions out');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('schedule: At 06:00 (UTC)');
    expect(human.stdout).toContain(`export: Raw submissions → csv files in ${join(dataDir, 'out')}`);
    expect(human.stdout).toContain('cursor: 2026-01-01T00:00:00Z');
    const json = JSON.parse((await cli('--json', 'job', 'show', 'j1')).stdout) as { name: string; config: { schedule: string } };
    expect(json).toMatchObject({ name: 'Submissions out', config: { schedule: '0 6 * * *' } });
  });

  it('changes only the schedule and time zone it is given; the destination and cursor stay', async () => {
    const r = await cli('job', 'edit', 'Submissions out', '--schedule', '30 7 * * 1-5', '--timezone', 'Europe/Berlin');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Saved "Submissions out": At 07:30, Monday through Friday \(Europe\/Berlin\)/);
    const after = JSON.parse((await cli('--json', 'job', 'show', 'j1')).stdout) as { cursor: string; config: Record<string, unknown> };
    expect(after.cursor).toBe('2026-01-01T00:00:00Z');
    expect(after.config).toMatchObject({ schedule: '30 7 * * 1-5', timezone: 'Europe/Berlin', export: { dataset: 'submissions', destination: { format: 'csv' } } });
  });

  it('starts an export over: its next run exports everything again', async () => {
    const r = await cli('job', 'start-over', 'Submissions out');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('The next run of "Submissions out" exports the whole dataset again (it had exported up to 2026-01-01T00:00:00Z).');
    expect((JSON.parse((await cli('--json', 'job', 'show', 'j1')).stdout) as { cursor: string | null }).cursor).toBeNull();
  });

  it('sets the choice for missed runs with --catch-up, shows it in words, and keeps it through other edits', async () => {
    // Stored before jobs had the choice: it follows the agent's setting.
    const before = await cli('job', 'show', 'j1');
    expect(before.stdout).toContain("missed runs: as the agent's setting says (now: run once)");
    expect((JSON.parse((await cli('--json', 'job', 'show', 'j1')).stdout) as { config: { catchUp: string } }).config.catchUp).toBe('default');

    const skip = await cli('job', 'edit', 'j1', '--catch-up', 'skip');
    expect(skip.stderr).toBe('');
    expect(skip.code).toBe(0);
    expect((await cli('job', 'show', 'j1')).stdout).toContain("missed runs: skipped (this job's setting)");
    await cli('job', 'edit', 'j1', '--name', 'Submissions out');
    expect((JSON.parse((await cli('--json', 'job', 'show', 'j1')).stdout) as { config: { catchUp: string } }).config.catchUp).toBe('skip');

    const bad = await cli('job', 'edit', 'j1', '--catch-up', 'sometimes');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are default, run-once, skip/);
    expect((await cli('job', 'edit', 'j1', '--catch-up', 'default')).code).toBe(0);
    expect((JSON.parse((await cli('--json', 'job', 'show', 'j1')).stdout) as { config: { catchUp: string } }).config.catchUp).toBe('default');
  });

  it('refuses a bad cron, a contradiction, and mirror on an export job, with exit code 2', async () => {
    const bad = await cli('job', 'edit', 'j1', '--schedule', '99 * * * *');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a valid cron expression/);
    const both = await cli('job', 'edit', 'j1', '--schedule', '0 6 * * *', '--clear-schedule');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either --schedule CRON or --clear-schedule/);
    const mirror = await cli('job', 'edit', 'j1', '--mirror');
    expect(mirror.code).toBe(2);
    expect(mirror.stderr).toMatch(/ingest jobs only/);
    expect((JSON.parse((await cli('--json', 'job', 'show', 'j1')).stdout) as { schedule: string }).schedule).toBe('30 7 * * 1-5');
  });

  it('checks a table destination before saving: a server that does not answer is said, and nothing is saved', async () => {
    // Port 1: nothing listens there, so the connection is refused at once.
    const down = await cli('job', 'add', 'To BI', '--type', 'export', '--connection', 'Production', '--dataset', 'submissions', '--table', 'esg_submissions', '--db', 'postgres', '--db-name', 'bi', '--db-user', 'esg', '--db-port', '1');
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('Cannot reach PostgreSQL at 127.0.0.1:1 to export to (ECONNREFUSED). Check the host and port in the destination settings, and that the server is running.');
    expect((await cli('job', 'show', 'To BI')).code).not.toBe(0);
  });

  it.skipIf(noPostgres !== null)(`adds an export job to a PostgreSQL table with the --db options${noPostgres ? ` (skipped: ${noPostgres})` : ''}`, async () => {
    const added = await cli('--json', 'job', 'add', 'To PG', '--type', 'export', '--connection', 'Production', '--dataset', 'submissions', '--table', 'esg_submissions', '--db', 'postgres', '--db-host', pg.host, '--db-name', pg.database, '--db-user', pg.user, '--db-port', String(pg.port), '--key', 'id, period_start', '--schedule', '0 5 * * *', '--timezone', 'UTC');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const shown = JSON.parse((await cli('--json', 'job', 'show', 'To PG')).stdout) as { config: { export: unknown } };
    expect(shown.config.export).toEqual({ dataset: 'submissions', nested: 'json', contents: 'changes', destination: { kind: 'database', database: 'postgres', host: pg.host, port: pg.port, name: pg.database, user: pg.user, table: 'esg_submissions', keyColumns: ['id', 'period_start'] } });
  });

  it('adds an export job to a database table, and says what is missing from one', async () => {
    const added = await cli('--json', 'job', 'add', 'To BI', '--type', 'export', '--connection', 'Production', '--dataset', 'submissions', '--table', 'esg_submissions', '--db', 'sqlite', '--db-file', join(dataDir, 'bi-keys.sqlite'), '--key', 'id, period_start', '--schedule', '0 5 * * *', '--timezone', 'UTC', '--catch-up', 'run-once');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const shown = JSON.parse((await cli('--json', 'job', 'show', 'To BI')).stdout) as { config: { export: unknown; catchUp: string } };
    expect(shown.config.catchUp).toBe('run-once');
    expect((await cli('job', 'show', 'To BI')).stdout).toContain("missed runs: run once when the agent is back (this job's setting)");
    expect(shown.config.export).toEqual({ dataset: 'submissions', nested: 'json', contents: 'changes', destination: { kind: 'database', database: 'sqlite', file: join(dataDir, 'bi-keys.sqlite'), table: 'esg_submissions', keyColumns: ['id', 'period_start'] } });
    const missing = await cli('job', 'add', 'To BI 2', '--type', 'export', '--connection', 'Production', '--dataset', 'submissions', '--table', 't', '--db', 'mysql');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('A MariaDB/MySQL table needs --db-name and --db-user (and --db-password-stdin if the user has a password).');
    // An option the chosen database does not use is refused, not dropped.
    const sqliteWithHost = await cli('job', 'add', 'To BI 5', '--type', 'export', '--connection', 'Production', '--dataset', 'submissions', '--table', 't', '--db', 'sqlite', '--db-file', join(dataDir, 'x.sqlite'), '--db-name', 'bi');
    expect(sqliteWithHost.code).toBe(2);
    expect(sqliteWithHost.stderr).toContain('--db-name applies to a PostgreSQL or MariaDB/MySQL table; a SQLite table lives in the file given by --db-file.');
    const pgWithFile = await cli('job', 'add', 'To BI 6', '--type', 'export', '--connection', 'Production', '--dataset', 'submissions', '--table', 't', '--db-file', join(dataDir, 'x.sqlite'), '--db-name', 'bi', '--db-user', 'u');
    expect(pgWithFile.code).toBe(2);
    expect(pgWithFile.stderr).toContain('--db-file applies to a SQLite table; for PostgreSQL give --db-host, --db-name and --db-user.');
    const noFile = await cli('job', 'add', 'To BI 7', '--type', 'export', '--connection', 'Production', '--dataset', 'submissions', '--table', 't', '--db', 'sqlite');
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('A SQLite table needs --db-file');
    // A relative path is the person's, from where they typed it.
    const relative = await runCliInProcess(['--data-dir', dataDir, '--json', 'job', 'add', 'To BI rel', '--type', 'export', '--connection', 'Production', '--dataset', 'submissions', '--table', 't', '--db', 'sqlite', '--db-file', 'rel.sqlite'], { cwd: dataDir });
    expect(relative.stderr).toBe('');
    expect((JSON.parse((await cli('--json', 'job', 'show', 'To BI rel')).stdout) as { config: { export: { destination: { file: string } } } }).config.export.destination.file).toBe(join(dataDir, 'rel.sqlite'));
    const both = await cli('job', 'add', 'To BI 3', '--type', 'export', '--connection', 'Production', '--dataset', 'submissions', '--table', 't', '--out', '/tmp');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either --out FOLDER or --table TABLE/);
    const typo = await cli('job', 'add', 'To files', '--type', 'export', '--connection', 'Production', '--dataset', 'submissions', '--out', join(dataDir, 'no-such-folder'));
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(`The export folder ${join(dataDir, 'no-such-folder')} does not exist. Create it`);
    const nowhere = await cli('job', 'add', 'To BI 4', '--type', 'export', '--connection', 'Production', '--dataset', 'submissions');
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/needs a destination/);
  });

  it('refuses a table that already holds rows someone else wrote: a full run would delete them', async () => {
    const file = join(dataDir, 'legacy.sqlite');
    const db = new Database(file);
    db.exec("CREATE TABLE legacy (id TEXT PRIMARY KEY, note TEXT); INSERT INTO legacy VALUES ('legacy_2024_1', 'FY2024 manual load')");
    db.close();
    const add = () => cli('job', 'add', 'Into legacy', '--type', 'export', '--connection', 'Production', '--dataset', 'submissions', '--table', 'legacy', '--db', 'sqlite', '--db-file', file);
    const refused = await add();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('The table "legacy" already holds rows. An export keeps its table equal to the platform\'s data');
    expect((await cli('job', 'show', 'Into legacy')).code).not.toBe(0);
    const empty = new Database(file);
    empty.exec('DELETE FROM legacy');
    empty.close();
    const added = await add();
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
  });

  it('keys a table by what identifies the dataset\'s rows unless --key says otherwise, and refuses a key the rows never have', async () => {
    const added = await cli('--json', 'job', 'add', 'Aggregates', '--type', 'export', '--connection', 'Production', '--dataset', 'portfolio-metrics', '--table', 'esg_aggregates', '--db', 'sqlite', '--db-file', join(dataDir, 'bi.sqlite'));
    expect(added.stderr).toBe('');
    const shown = JSON.parse((await cli('--json', 'job', 'show', 'Aggregates')).stdout) as { config: { export: { destination: { keyColumns: string[] } } } };
    expect(shown.config.export.destination.keyColumns).toEqual(['entity_id', 'metric_id', 'period']);
    const wrong = await cli('job', 'add', 'Aggregates 2', '--type', 'export', '--connection', 'Production', '--dataset', 'portfolio-metrics', '--table', 'agg', '--db', 'sqlite', '--db-file', join(dataDir, 'bi.sqlite'), '--key', 'id');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('"id" is not a column of the dataset "portfolio-metrics", so no row could be written by that key. Its rows are identified by entity_id, metric_id, period (--key entity_id,metric_id,period).');
  });

  it('changes an export\'s destination, format, file name and contents with the options `job add` takes', async () => {
    const show = async () => (JSON.parse((await cli('--json', 'job', 'show', 'j1')).stdout) as { config: { export: Record<string, unknown> } }).config.export;
    expect((await cli('job', 'edit', 'j1', '--format', 'xlsx', '--file-name', 'esg-{date}', '--everything')).code).toBe(0);
    expect(await show()).toMatchObject({ contents: 'everything', destination: { kind: 'folder', path: join(dataDir, 'out'), format: 'xlsx', fileName: 'esg-{date}' } });
    // To a table: keyed by the dataset's own key; the folder's options no longer apply.
    const toTable = await cli('job', 'edit', 'j1', '--table', 'esg_submissions', '--db', 'sqlite', '--db-file', join(dataDir, 'bi.sqlite'), '--changes-only');
    expect(toTable.stderr).toBe('');
    expect(toTable.code).toBe(0);
    expect(await show()).toMatchObject({ contents: 'changes', destination: { kind: 'database', database: 'sqlite', file: join(dataDir, 'bi.sqlite'), table: 'esg_submissions', keyColumns: ['id'] } });
    const misplaced = await cli('job', 'edit', 'j1', '--format', 'csv');
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--format applies to an export to a folder; this one writes to a table.');
    expect((await cli('job', 'edit', 'j1', '--key', 'id,metric_id')).code).toBe(0);
    expect(await show()).toMatchObject({ destination: { table: 'esg_submissions', keyColumns: ['id', 'metric_id'] } });
    // And back to files, in a folder that exists.
    mkdirSync(join(dataDir, 'out'), { recursive: true });
    expect((await cli('job', 'edit', 'j1', '--out', join(dataDir, 'out'))).code).toBe(0);
    expect(await show()).toMatchObject({ destination: { kind: 'folder', path: join(dataDir, 'out'), format: 'csv' } });
    const both = await cli('job', 'edit', 'j1', '--everything', '--changes-only');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('either --everything or --changes-only');
  });

  it('sets the CSV layout with --csv-style, shows it, keeps it through other edits, and refuses it for other formats', async () => {
    const show = async () => (JSON.parse((await cli('--json', 'job', 'show', 'j1')).stdout) as { config: { export: { destination: Record<string, unknown> } } }).config.export.destination;
    expect((await cli('job', 'edit', 'j1', '--csv-style', 'semicolon')).code).toBe(0);
    expect(await show()).toMatchObject({ format: 'csv', csvStyle: 'semicolon' });
    expect((await cli('job', 'show', 'j1')).stdout).toContain('csv (semicolon-separated, decimal comma) files in');
    expect((await cli('job', 'edit', 'j1', '--file-name', 'for-excel')).code).toBe(0);
    expect(await show()).toMatchObject({ fileName: 'for-excel', csvStyle: 'semicolon' });
    const unknown = await cli('job', 'edit', 'j1', '--csv-style', 'pipe');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--csv-style is comma, semicolon, tab; "pipe" is not one.');
    const notCsv = await cli('job', 'edit', 'j1', '--format', 'xlsx', '--csv-style', 'tab');
    expect(notCsv.code).toBe(2);
    expect(notCsv.stderr).toContain('--csv-style applies to CSV files; this export writes xlsx.');
    // A workbook has no layout, but the job keeps it: back to CSV, the files are as they were.
    expect((await cli('job', 'edit', 'j1', '--format', 'xlsx')).code).toBe(0);
    expect((await cli('job', 'show', 'j1')).stdout).toContain('xlsx files in');
    expect((await cli('job', 'edit', 'j1', '--format', 'csv')).code).toBe(0);
    expect(await show()).toMatchObject({ format: 'csv', csvStyle: 'semicolon' });
  });

  it('lists a job without a schedule by what starts it, and says when all syncs are paused', async () => {
    const engine = Engine.open({ dataDir, mode: 'headless', fileLogs: false });
    const at = new Date().toISOString();
    engine.store.sources.insert({ id: 's-db', name: 'Meters DB', kind: 'database', config: { kind: 'sqlite', path: join(dataDir, 'm.db'), table: 'readings' }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: at });
    engine.store.sources.insert({ id: 's-dir', name: 'Drop', kind: 'folder', config: { path: join(dataDir, 'drop') }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: at });
    engine.store.mappings.save(
      {
        id: 'm-dir',
        name: 'Drops',
        sourceId: 's-dir',
        connectionId: 'c1',
        fingerprint: null,
        profile: { schemaVersion: 1, name: 'Drops', sourceId: 's-dir', connectionId: 'c1', shape: { kind: 'long', valueColumn: 'kWh' }, metric: { kind: 'fixed', metricId: 'm' }, entity: { kind: 'fixed', entityId: 'e' }, period: { kind: 'fixed', start: '2024-01-01', end: '2024-01-31' } },
      },
      at,
    );
    const ingest = (id: string, name: string, sourceId: string) =>
      engine.store.jobs.insert({ id, name, type: 'ingest', connectionId: 'c1', sourceId, mappingId: sourceId === 's-dir' ? 'm-dir' : null, config: { schedule: null, timezone: 'UTC', onFileArrival: sourceId === 's-dir' }, paused: false, cursor: null, createdAt: at });
    ingest('j-db', 'Meters in', 's-db');
    ingest('j-dir', 'Drops in', 's-dir');
    await engine.stop();

    const rowOf = (out: string, name: string) => out.split('\n').find((l) => l.startsWith(name)) ?? '';
    const list = await cli('job', 'list');
    expect(list.code).toBe(0);
    expect(rowOf(list.stdout, 'Meters in')).toContain('manual only');
    expect(rowOf(list.stdout, 'Drops in')).toContain('file arrival / manual');
    expect(list.stdout).not.toContain('paused until');
    const sources = await cli('source', 'list');
    expect(rowOf(sources.stdout, 's-db')).toContain('read on Run now only (no job has a schedule)');

    // Values on the platform the agent did not send: left by default, replaced once chosen.
    expect((await cli('job', 'show', 'Drops in')).stdout).toContain('values on the platform this agent did not send: left as they are (a row error says so)');
    const replacing = await cli('job', 'edit', 'Drops in', '--replace-existing');
    expect(replacing.code, replacing.stderr).toBe(0);
    expect(replacing.stdout).toContain('Replace values already on the platform that this agent did not send: on.');
    expect((await cli('job', 'show', 'Drops in')).stdout).toContain('values on the platform this agent did not send: replaced');
    // What a file with rejected rows sends: set with the option `job add` takes, said back and shown.
    expect((await cli('job', 'show', 'Drops in')).stdout).toContain('a file with rejected rows: sends its valid rows');
    const strict = await cli('job', 'edit', 'Drops in', '--all-or-nothing');
    expect(strict.code, strict.stderr).toBe(0);
    expect(strict.stdout).toContain('A file with rejected rows sends nothing.');
    expect((await cli('job', 'show', 'Drops in')).stdout).toContain('a file with rejected rows: sends nothing (all or nothing)');
    expect((JSON.parse((await cli('--json', 'job', 'show', 'Drops in')).stdout) as { config: { ingest: Record<string, unknown> } }).config.ingest).toMatchObject({ rejectPolicy: 'all-or-nothing', replaceExisting: true });
    expect((await cli('job', 'edit', 'Drops in', '--send-valid')).stdout).toContain('A file with rejected rows sends its valid rows.');
    expect((await cli('job', 'edit', 'Drops in', '--send-valid', '--all-or-nothing')).stderr).toContain('either --all-or-nothing or --send-valid');
    expect((await cli('job', 'edit', 'Submissions out', '--all-or-nothing')).stderr).toContain('--all-or-nothing applies to ingest jobs only.');
    const onExport = await cli('job', 'edit', 'Submissions out', '--replace-existing');
    expect(onExport.code).toBe(2);
    expect(onExport.stderr).toContain('--replace-existing applies to ingest jobs only.');

    expect((await cli('pause')).code).toBe(0);
    try {
      const paused = await cli('job', 'list');
      expect(paused.stdout).toContain('All syncs are paused until you run `esg-sync resume`.');
      // The JSON stays the list of jobs a script already reads.
      expect(Array.isArray(JSON.parse((await cli('--json', 'job', 'list')).stdout))).toBe(true);
    } finally {
      await cli('resume');
    }
  });
});
