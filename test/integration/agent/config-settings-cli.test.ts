/**
 * Moving an agent to a new server from the command line: `esg-sync settings show|set` (values
 * checked and refused in words, exit 2), `esg-sync config export FILE` (no secret in the file; it
 * says which secrets to add again and how) and `esg-sync config import FILE [--dry-run]` (what
 * was added, changed, left and not imported, and why). In-process CLI with no agent running,
 * against the sandbox platform; the connection's secret is where the product looks for it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionService } from '../../../main/engine/connections';
import { Engine } from '../../../main/engine/engine';
import { KeychainSecretStore } from '../../../main/engine/secrets';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { runCliInProcess } from '../../helpers/cli-in-process';
import { probeKeychain, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';
import { MemorySecrets, energyCsv, engineOnSandbox } from '../mappings-api/helpers';

let sandbox: RunningSandbox;
let root: string;
/** The old server's data folder, and the new one's. */
let oldDir: string;
let newDir: string;
let keychain: KeychainSecretStore | null = null;
let savedEnv: NodeJS.ProcessEnv;
const exported = () => join(root, 'agent-config.json');

const on = (dataDir: string) => (...argv: string[]) => runCliInProcess(['--data-dir', dataDir, ...argv]);

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-config-cli-'));
  oldDir = join(root, 'data');
  newDir = join(root, 'new-server');
  const bills = join(root, 'Bills');
  mkdirSync(bills);
  writeFileSync(join(bills, 'electricity.csv'), energyCsv());
  const meters = join(root, 'meters.sqlite');
  const db = new Database(meters);
  db.exec("CREATE TABLE readings (site TEXT, kwh REAL); INSERT INTO readings VALUES ('LON-01', 1)");
  db.close();

  // The old server: a connection, a folder, a password-less SQLite source and a password-protected
  // PostgreSQL one, a mapping and a paused, scheduled job.
  const { engine, ok } = await engineOnSandbox(root, sandbox.url);
  await ok('sources.addFolder', { name: 'Bills', path: bills, include: ['*.csv'], usePolling: true });
  await ok('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file: meters, table: 'readings' });
  engine.store.sources.insert({
    id: 'erp',
    name: 'ERP',
    kind: 'database',
    config: { kind: 'postgres', host: 'db.internal', port: 5432, database: 'energy', user: 'esg', table: 'usage', passwordRef: 'source:erp' },
    paused: false,
    sandbox: false,
    status: 'idle',
    statusMessage: null,
    createdAt: new Date().toISOString(),
  });
  const s = await ok<{ draft: Record<string, unknown> }>('mappings.suggest', { sourceId: 'bills', connectionId: 'sandbox' });
  const mapping = await ok<{ id: string }>('mappings.save', { profile: { ...s.draft, name: 'Bills kWh', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } } });
  const job = await ok<{ id: string }>('jobs.add', { name: 'Bills to platform', type: 'ingest', connectionId: 'sandbox', sourceId: 'bills', mappingId: mapping.id, config: { schedule: '0 6 * * *', timezone: 'Europe/London', catchUp: 'skip' } });
  await ok('jobs.pause', { jobId: job.id });
  await engine.stop();

  const probe = await probeKeychain();
  keychain = probe.ok ? new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE }) : null;
  await keychain?.set('sandbox', 'sandbox-secret');
  savedEnv = { ...process.env };
  Object.assign(process.env, keychain ? { ESG_SYNC_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE } : { ESG_SYNC_ALLOW_ENV_SECRETS: '1', ESG_SYNC_SECRET_SANDBOX: 'sandbox-secret' });
});

afterAll(async () => {
  process.env = savedEnv;
  await keychain?.delete('sandbox').catch(() => undefined);
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

describe('esg-sync settings', () => {
  it('shows the settings in words and as JSON', async () => {
    const human = await on(oldDir)('settings', 'show');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Run history kept for:\s+365 days/m);
    expect(human.stdout).toMatch(/^Runs kept at most:\s+100,000/m);
    expect(human.stdout).toMatch(/^Missed scheduled runs:\s+run once when the agent is back \(run-once\)/m);
    expect(human.stdout).toMatch(/^Files in processed\/ and failed\/ kept for:\s+forever \(never removed\) {2}\(--keep-folder-files N\|forever\)$/m);
    const json = JSON.parse((await on(oldDir)('--json', 'settings', 'show')).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ retentionDays: 365, retentionRuns: 100_000, catchUp: 'run-once', keepFolderFilesDays: null });
  });

  it('refuses values out of range or of the wrong kind in words, with exit code 2, and changes nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--retention-days', '0'], /--retention-days takes a whole number of days from 1 to 3,650 \(ten years\), not "0"\./],
      [['--retention-days', '2.5'], /--retention-days takes a whole number of days/],
      [['--keep-runs', '10'], /--keep-runs takes a whole number of runs from 100 to 10,000,000, not "10"\./],
      [['--catch-up', 'sometimes'], /--catch-up takes run-once \(.*\) or skip \(.*\), not "sometimes"\./],
      [['--notify-on-failure', 'maybe'], /--notify-on-failure takes yes or no, not "maybe"\./],
      [['--keep-folder-files', '0'], /--keep-folder-files takes a whole number of days from 1 to 3,650 \(ten years\), or forever to never remove them, not "0"\./],
      [['--keep-folder-files', 'a while'], /--keep-folder-files takes a whole number of days/],
      [[], /Name a setting to change/],
    ];
    for (const [args, said] of cases) {
      const r = await on(oldDir)('settings', 'set', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(said);
      expect(r.stderr).not.toMatch(/Too small|Too big|expected number|retentionDays:/);
    }
    const json = await on(oldDir)('--json', 'settings', 'set', '--keep-runs', '50');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: expect.stringContaining('--keep-runs takes a whole number of runs'), exitCode: 2 });
    expect(JSON.parse((await on(oldDir)('--json', 'settings', 'show')).stdout)).toMatchObject({ retentionDays: 365, retentionRuns: 100_000 });
  });

  it('changes only the settings named, says what changed, and keeps them', async () => {
    const r = await on(oldDir)('settings', 'set', '--retention-days', '90', '--catch-up', 'skip');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Run history kept for: 90 days (was 365 days).');
    expect(r.stdout).toContain('Missed scheduled runs: skipped until the next scheduled time (skip) (was run once when the agent is back (run-once)).');
    const again = JSON.parse((await on(oldDir)('--json', 'settings', 'set', '--retention-days', '90', '--keep-runs', '5000')).stdout) as { settings: Record<string, unknown>; changed: Record<string, unknown> };
    expect(again.changed).toEqual({ retentionRuns: { from: 100_000, to: 5000 } });
    expect(again.settings).toMatchObject({ retentionDays: 90, retentionRuns: 5000, catchUp: 'skip', notifyOnFailure: true });
  });

  it('turns the removal of old files in processed/ and failed/ on, and back off with "forever"', async () => {
    const on30 = await on(oldDir)('settings', 'set', '--keep-folder-files', '30');
    expect(on30.stderr).toBe('');
    expect(on30.code).toBe(0);
    expect(on30.stdout).toContain('Files in processed/ and failed/ kept for: 30 days (was forever (never removed)).');
    expect(on30.stdout).toContain('Files in processed/ and failed/ older than 30 days are removed in the background now');
    const off = JSON.parse((await on(oldDir)('--json', 'settings', 'set', '--keep-folder-files', 'forever')).stdout) as { settings: Record<string, unknown>; changed: Record<string, unknown> };
    expect(off.changed).toEqual({ keepFolderFilesDays: { from: 30, to: null } });
    expect(off.settings).toMatchObject({ keepFolderFilesDays: null, retentionDays: 90 });
  });
});

describe('esg-sync config export / import', () => {
  it('exports without any secret, and says which secrets to add again and how', async () => {
    const r = await on(oldDir)('config', 'export', exported());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Wrote ${exported()}: the settings, 1 connection, 3 sources, 1 mapping and 1 job.`);
    expect(r.stdout).toContain('Secrets are never exported: the file holds no client secret and no database password.');
    expect(r.stdout).toContain('connection "Sandbox" (client secret):');
    expect(r.stdout).toContain(`printf %s "$CLIENT_SECRET" | esg-sync connection add --kind esg-api --name Sandbox --base-url ${sandbox.url} --client-id sandbox-client`);
    expect(r.stdout).toContain('source "ERP" (database password):');
    expect(r.stdout).toContain('printf %s "$DB_PASSWORD" | esg-sync source add-database ERP --kind postgres --host db.internal --port 5432 --database energy --user esg --table usage --password-stdin');

    const text = readFileSync(exported(), 'utf8');
    expect(text).not.toContain('sandbox-secret');
    expect(text).not.toMatch(/"(password|clientSecret|passwordRef)"/);
    expect(statSync(exported()).mode & 0o077).toBe(0);
    const file = JSON.parse(text) as { kind: string; settings: Record<string, unknown>; sources: { name: string }[]; jobs: { name: string; paused: boolean; source: string; mapping: string }[] };
    expect(file.kind).toBe('esg-sync-config');
    expect(file.settings).toMatchObject({ retentionDays: 90, retentionRuns: 5000, catchUp: 'skip' });
    expect(file.sources.map((s) => s.name).sort()).toEqual(['Bills', 'ERP', 'Meters']);
    expect(file.jobs).toEqual([expect.objectContaining({ name: 'Bills to platform', paused: true, source: 'Bills', mapping: 'Bills kWh' })]);

    // An existing file is not replaced unless asked.
    const again = await on(oldDir)('config', 'export', exported());
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists. Choose another file, or add --force to replace it.');
    expect((await on(oldDir)('--json', 'config', 'export', exported(), '--force')).code).toBe(0);
  });

  it('on a new server, a dry run says what it would do and changes nothing', async () => {
    const r = await on(newDir)('config', 'import', exported(), '--dry-run');
    // Exit 2, as the import would be: a script checking first learns it would be incomplete.
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('nothing was changed');
    expect(r.stdout).toContain('Run history kept for: 90 days (was 365 days)');
    expect(r.stdout).toMatch(/Would add \(2\):\n {2}source "Bills"\n {6}watches the folder .*Bills \(\*\.csv\)\n {2}source "Meters"\n {6}reads the SQLite file .*meters\.sqlite: the table readings\n/);
    expect(r.stdout).toContain('connection "Sandbox": its client secret is not in the file');
    expect(r.stdout).toContain('mapping "Bills kWh": its connection "Sandbox" is not here (see above)');
    expect(JSON.parse((await on(newDir)('--json', 'settings', 'show')).stdout)).toMatchObject({ retentionDays: 365 });
    expect(JSON.parse((await on(newDir)('--json', 'source', 'list')).stdout)).toEqual([]);
  });

  it('imports what it can, says what needs a secret first (exit 2), and after the connection is added, the rest', async () => {
    const first = await on(newDir)('config', 'import', exported());
    expect(first.code).toBe(2);
    expect(first.stdout).toMatch(/Settings changed:\n {2}Run history kept for: 90 days \(was 365 days\)\n/);
    expect(first.stdout).toMatch(/Added \(2\):\n {2}source "Bills"\n {6}watches the folder .*\n {2}source "Meters"\n {6}reads the SQLite file .*\n/);
    expect(first.stdout).toContain('Not imported (4):');
    // The command to paste names this data folder, which is not the default one.
    expect(first.stdout).toContain(`esg-sync --data-dir ${newDir} connection add --kind esg-api --name Sandbox`);
    expect(first.stdout).toContain('source "ERP": its database password is not in the file');
    expect(first.stdout).toContain('job "Bills to platform": its connection "Sandbox" is not here (see above)');

    // The operator adds the connection with its secret (as `connection add --client-secret-stdin` does).
    const engine = Engine.open({ dataDir: newDir, mode: 'headless', fileLogs: false });
    const added = await new ConnectionService({ store: engine.store, secrets: () => new MemorySecrets() }).add({ name: 'Sandbox', kind: 'esg-api', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
    expect(added.saved).toBe(true);
    await engine.stop();

    const second = await on(newDir)('--json', 'config', 'import', exported());
    expect(second.code).toBe(2); // ERP still waits for its password
    const r = JSON.parse(second.stdout) as { items: { kind: string; name: string; outcome: string; command?: string }[]; settings: { changed: Record<string, unknown> } };
    expect(r.settings.changed).toEqual({});
    expect(r.items.map((i) => `${i.kind} ${i.name}: ${i.outcome}`).sort()).toEqual([
      'connection Sandbox: already here',
      'job Bills to platform: added',
      'mapping Bills kWh: added',
      'source Bills: already here',
      'source ERP: not imported',
      'source Meters: already here',
    ]);
    expect(r.items.find((i) => i.name === 'ERP')?.command).toMatch(/source add-database ERP .*--password-stdin$/);

    // Bound to this server's source, connection and mapping; paused and scheduled as it was.
    const job = JSON.parse((await on(newDir)('--json', 'job', 'show', 'Bills to platform')).stdout) as { paused: boolean; sourceId: string; connectionId: string; config: { schedule: string; timezone: string; catchUp: string } };
    expect(job).toMatchObject({ paused: true, sourceId: 'bills', connectionId: 'sandbox', config: { schedule: '0 6 * * *', timezone: 'Europe/London', catchUp: 'skip' } });
    const folder = JSON.parse((await on(newDir)('--json', 'source', 'show', 'Bills')).stdout) as { folder: { usePolling: boolean; include: string[] } };
    expect(folder.folder).toMatchObject({ usePolling: true, include: ['*.csv'] });
  });

  it('adds an export job whose destination password is entered after the import without opening the table; one with no password to enter is checked', async () => {
    const file = join(root, 'export-jobs.json');
    // Port 1: nothing listens there.
    const destination = { kind: 'database', database: 'postgres', host: '127.0.0.1', port: 1, name: 'bi', user: 'esg', table: 'esg_submissions' };
    // A table each: two jobs in one table are refused.
    const job = (name: string, databasePasswordSaved: boolean) => ({ name, type: 'export', connection: 'Sandbox', config: { schedule: '0 5 * * *', timezone: 'UTC', export: { dataset: 'submissions', destination: { ...destination, table: databasePasswordSaved ? 'esg_submissions' : 'esg_submissions_2' } } }, databasePasswordSaved });
    writeFileSync(file, JSON.stringify({ kind: 'esg-sync-config', formatVersion: 1, jobs: [job('To BI', true), job('To BI (no password)', false)] }));
    const r = JSON.parse((await on(newDir)('--json', 'config', 'import', file)).stdout) as { items: { name: string; outcome: string; note?: string }[] };
    expect(r.items.find((i) => i.name === 'To BI')).toMatchObject({ outcome: 'added', note: expect.stringContaining("its destination database's password is not in the file") });
    expect(r.items.find((i) => i.name === 'To BI (no password)')).toMatchObject({ outcome: 'failed', note: expect.stringContaining('Cannot reach PostgreSQL at 127.0.0.1:1 to export to (ECONNREFUSED)') });
    // Imported again (a second pass after adding what was missing): the password is still to enter.
    const again = JSON.parse((await on(newDir)('--json', 'config', 'import', file)).stdout) as { items: { name: string; outcome: string; note?: string }[] };
    expect(again.items.find((i) => i.name === 'To BI')).toMatchObject({ outcome: 'already here', note: expect.stringContaining("its destination database's password is not entered yet") });
    expect((await on(newDir)('job', 'remove', 'To BI')).code).toBe(0);
  });

  it('a dry run says what the import would refuse: a watched folder this computer does not have, a table it cannot open', async () => {
    const file = join(root, 'would-fail.json');
    const gone = join(root, 'no-such-share', 'bills');
    const destination = { kind: 'database', database: 'sqlite', file: join(root, 'no-such-folder', 'bi.sqlite'), table: 't' };
    writeFileSync(
      file,
      JSON.stringify({
        kind: 'esg-sync-config',
        formatVersion: 1,
        sources: [{ kind: 'folder', name: 'Share bills', folder: { path: gone } }],
        jobs: [{ name: 'To SQLite', type: 'export', connection: 'Sandbox', config: { schedule: '0 5 * * *', timezone: 'UTC', export: { dataset: 'submissions', destination } } }],
      }),
    );
    const dry = await on(newDir)('--json', 'config', 'import', file, '--dry-run');
    expect(dry.code).toBe(2);
    const items = (JSON.parse(dry.stdout) as { items: { name: string; outcome: string; note?: string }[] }).items;
    expect(items.find((i) => i.name === 'Share bills')).toEqual({ kind: 'source', name: 'Share bills', outcome: 'not imported', note: `it would not be added: The folder ${gone} does not exist. Check the path, or connect the drive or share it is on.` });
    expect(items.find((i) => i.name === 'To SQLite')).toMatchObject({ outcome: 'not imported', note: expect.stringContaining('it would not be added: The SQLite file') });
  });

  it('on the server it came from, finds everything already here (exit 0)', async () => {
    const r = await on(oldDir)('config', 'import', exported());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Settings: already the same.');
    expect(r.stdout).toContain('Already here, left as they are (6):');
  });

  it('says which settings of a source already here differ from the file, and leaves them', async () => {
    expect((await on(oldDir)('source', 'edit', 'Bills', '--include', '*.xlsx')).code).toBe(0);
    const r = JSON.parse((await on(oldDir)('--json', 'config', 'import', exported(), '--dry-run')).stdout) as { items: { name: string; outcome: string; note?: string }[] };
    const bills = r.items.find((i) => i.name === 'Bills')!;
    expect(bills.outcome).toBe('already here');
    expect(bills.note).toBe('its settings here differ from the file\'s, which were not applied: include ["*.xlsx"] here, ["*.csv"] in the file');
    expect(r.items.find((i) => i.name === 'Meters')!.note).toBeUndefined();
  });

  it('refuses a file that is not an export, in words', async () => {
    const profile = join(root, 'profile.json');
    writeFileSync(profile, JSON.stringify({ schemaVersion: 1, name: 'x' }));
    const wrong = await on(newDir)('config', 'import', profile);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('It looks like a mapping profile: load it with `esg-sync mapping import FILE`.');

    const damaged = join(root, 'damaged.json');
    writeFileSync(damaged, JSON.stringify({ kind: 'esg-sync-config', formatVersion: 1, settings: { retentionDays: 0 }, jobs: [{ name: 'Nightly', type: 'sometimes' }] }));
    const r = await on(newDir)('config', 'import', damaged);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('The setting "retentionDays" is out of range (at least 1).');
    expect(r.stderr).toContain('The job "Nightly", its "type" must be one of "ingest", "export".');
    expect(r.stderr).not.toMatch(/Too small|Invalid option/);
    expect(existsSync(join(root, 'nope.json'))).toBe(false);
    expect((await on(newDir)('config', 'import', join(root, 'nope.json'))).stderr).toContain('there is no such file');
  });
});
