/**
 * config.export and config.import through the engine's dispatcher (what the Settings page calls
 * over the bridge, and `esg-sync config` through callEngine): the file holds no secret and names
 * what to add again; a dry run on a fresh agent changes nothing; the import adds what it can, says
 * why not the rest, and finds a connection added since by name; a file that is not an export, of
 * a newer format or damaged is refused in words. Real SQLite, the sandbox platform over loopback.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigExportResult, ConfigImportResult } from '../../../shared/contract/config';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { MemorySecrets, energyCsv, engineOnSandbox, type ApiAnswer } from '../mappings-api/helpers';

let sandbox: RunningSandbox;
let root: string;
let oldEngine: Engine;
let oldOk: <T>(method: string, params: unknown) => Promise<T>;
let newEngine: Engine;
let newCall: (method: string, params: unknown) => Promise<ApiAnswer>;
let exported: ConfigExportResult;

const newOk = async <T>(method: string, params: unknown): Promise<T> => {
  const r = await newCall(method, params);
  if (!r.ok) throw new Error(`${method} failed: ${r.error!.code}: ${r.error!.message}`);
  return r.result as T;
};
const summary = (r: ConfigImportResult) => r.items.map((i) => `${i.kind} ${i.name}: ${i.outcome}`).sort();

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-config-transfer-'));
  const bills = join(root, 'Bills');
  mkdirSync(bills);
  writeFileSync(join(bills, 'electricity.csv'), energyCsv());
  const meters = join(root, 'meters.sqlite');
  const db = new Database(meters);
  db.exec("CREATE TABLE readings (site TEXT, kwh REAL); INSERT INTO readings VALUES ('LON-01', 1)");
  db.close();

  // The old computer: a connection, a folder, a password-less SQLite source and a password-protected
  // PostgreSQL one, a mapping, a paused job, and settings changed from the defaults.
  const old = await engineOnSandbox(join(root, 'old'), sandbox.url);
  oldEngine = old.engine;
  oldOk = old.ok;
  await oldOk('sources.addFolder', { name: 'Bills', path: bills, include: ['*.csv'], usePolling: true });
  await oldOk('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file: meters, table: 'readings' });
  oldEngine.store.sources.insert({
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
  const s = await oldOk<{ draft: Record<string, unknown> }>('mappings.suggest', { sourceId: 'bills', connectionId: 'sandbox' });
  const mapping = await oldOk<{ id: string }>('mappings.save', { profile: { ...s.draft, name: 'Bills kWh', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } } });
  const job = await oldOk<{ id: string }>('jobs.add', { name: 'Bills to platform', type: 'ingest', connectionId: 'sandbox', sourceId: 'bills', mappingId: mapping.id, config: { schedule: '0 6 * * *', timezone: 'Europe/London', catchUp: 'skip' } });
  await oldOk('jobs.pause', { jobId: job.id });
  await oldOk('settings.update', { retentionDays: 90, catchUp: 'skip' });

  // The new computer: nothing yet.
  newEngine = Engine.open({ dataDir: join(root, 'new'), mode: 'headless', fileLogs: false });
  await newEngine.initSecrets({ allowEnv: false, store: new MemorySecrets() });
  const dispatch = createDispatcher(createEngineApi(newEngine), newEngine.logger);
  newCall = (method, params) => dispatch(method, params) as Promise<ApiAnswer>;
});

afterAll(async () => {
  await oldEngine?.stop();
  await newEngine?.stop();
  await sandbox?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('config.export', () => {
  it('gives the configuration without any secret, and says which secrets to add again', async () => {
    exported = await oldOk<ConfigExportResult>('config.export', {});
    const { file } = exported;
    expect(file).toMatchObject({ kind: 'esg-sync-config', formatVersion: 1, settings: { retentionDays: 90, catchUp: 'skip' } });
    expect(file.settings).not.toHaveProperty('startAtLogin');
    expect(file.connections).toEqual([expect.objectContaining({ name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client' })]);
    expect(file.sources.map((x) => x.name).sort()).toEqual(['Bills', 'ERP', 'Meters']);
    expect(file.mappings).toEqual([expect.objectContaining({ name: 'Bills kWh', source: 'Bills', connection: 'Sandbox' })]);
    expect(file.jobs).toEqual([expect.objectContaining({ name: 'Bills to platform', paused: true, source: 'Bills', mapping: 'Bills kWh', connection: 'Sandbox' })]);
    const text = JSON.stringify(file);
    expect(text).not.toContain('sandbox-secret');
    expect(text).not.toMatch(/"(password|clientSecret|passwordRef)"/);
    expect(exported.leftOut).toEqual([]);
    expect(exported.savedTo).toBeNull();
    expect(exported.secretsToAddAgain.map((x) => `${x.kind} ${x.name} ${x.secret} ${x.when}`)).toEqual(['connection Sandbox client secret before import', 'source ERP database password before import']);
    expect(exported.secretsToAddAgain[1]!.how).toBe('printf %s "$DB_PASSWORD" | esg-sync source add-database ERP --kind postgres --host db.internal --port 5432 --database energy --user esg --table usage --password-stdin');
  });

  it('writes the file where the desktop save dialog chose (this user only), and refuses a path that is not a full .json path', async () => {
    const path = join(root, 'chosen.json');
    const r = await oldOk<ConfigExportResult>('config.export', { path });
    expect(r.savedTo).toBe(path);
    expect(statSync(path).mode & 0o077).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ kind: 'esg-sync-config', jobs: [expect.objectContaining({ name: 'Bills to platform' })] });
    const old = await engineOnSandbox(join(root, 'refusals'), sandbox.url);
    try {
      expect((await old.fails('config.export', { path: 'relative.json' })).message).toContain('is not a full path');
      expect((await old.fails('config.export', { path: join(root, 'x.csv') })).message).toContain('does not end in .json');
      expect((await old.fails('config.export', { path: join(root, 'no-such-folder', 'x.json') })).message).toContain('does not exist');
      expect((await old.fails('config.export', { extra: 1 })).code).toBe('invalid_params');
    } finally {
      await old.engine.stop();
    }
  });
});

describe('config.import', () => {
  it('on a fresh agent, a dry run says what it would do and changes nothing', async () => {
    const r = await newOk<ConfigImportResult>('config.import', { file: exported.file, dryRun: true, force: false });
    expect(r.dryRun).toBe(true);
    expect(r.settingChanges).toEqual(expect.arrayContaining([{ key: 'retentionDays', from: 365, to: 90 }, { key: 'catchUp', from: 'run-once', to: 'skip' }]));
    expect(summary(r)).toEqual([
      'connection Sandbox: not imported',
      'job Bills to platform: not imported',
      'mapping Bills kWh: not imported',
      'source Bills: would add',
      'source ERP: not imported',
      'source Meters: would add',
    ]);
    const conn = r.items.find((i) => i.kind === 'connection')!;
    expect(conn.note).toContain('its client secret is not in the file');
    // The command names this agent's data folder, which is not the default one.
    expect(conn.command).toContain(`esg-sync --data-dir ${join(root, 'new')} connection add --kind esg-api --name Sandbox`);
    expect(r.items.find((i) => i.kind === 'mapping')!.note).toBe('its connection "Sandbox" is not here (see above)');
    // A file from someone else is read before anything watches a folder or runs a query: what each source reads is said.
    expect(r.items.find((i) => i.name === 'Bills')!.detail).toBe(`watches the folder ${join(root, 'Bills')} (*.csv)`);
    expect(r.items.find((i) => i.name === 'Meters')!.detail).toBe(`reads the SQLite file ${join(root, 'meters.sqlite')}: the table readings`);
    expect(await newOk('sources.list', {})).toEqual([]);
    expect(await newOk('settings.get', {})).toMatchObject({ retentionDays: 365 });
  });

  it('imports what it can; once the connection is added, the rest, bound to this agent and paused as it was', async () => {
    const first = await newOk<ConfigImportResult>('config.import', { file: exported.file, dryRun: false, force: false });
    expect(first.settingsError).toBeNull();
    expect(summary(first)).toContain('source Bills: added');
    expect(summary(first)).toContain('job Bills to platform: not imported');
    expect(await newOk('settings.get', {})).toMatchObject({ retentionDays: 90, catchUp: 'skip' });

    await newOk('connections.add', { name: 'Sandbox', kind: 'esg-api', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
    const second = await newOk<ConfigImportResult>('config.import', { file: exported.file, dryRun: false, force: false });
    expect(second.settingChanges).toEqual([]);
    expect(summary(second)).toEqual([
      'connection Sandbox: already here',
      'job Bills to platform: added',
      'mapping Bills kWh: added',
      'source Bills: already here',
      'source ERP: not imported',
      'source Meters: already here',
    ]);
    const jobs = await newOk<{ name: string; paused: boolean; sourceId: string; connectionId: string; config: Record<string, unknown> }[]>('jobs.details', {});
    expect(jobs).toEqual([expect.objectContaining({ name: 'Bills to platform', paused: true, sourceId: 'bills', connectionId: 'sandbox', config: expect.objectContaining({ schedule: '0 6 * * *', catchUp: 'skip' }) })]);

    const third = await newOk<ConfigImportResult>('config.import', { file: exported.file, dryRun: true, force: false });
    expect(third.items.filter((i) => i.outcome !== 'already here').map((i) => i.name)).toEqual(['ERP']);
  });

  it('adds an export job whose destination password comes after the import, and says a failure of the engine method in its words', async () => {
    const destination = { kind: 'database', database: 'postgres', host: '127.0.0.1', port: 1, name: 'bi', user: 'esg', table: 'esg_submissions' };
    // A table each: two jobs in one table are refused.
    const job = (name: string, databasePasswordSaved: boolean) => ({ name, type: 'export', connection: 'Sandbox', config: { schedule: '0 5 * * *', timezone: 'UTC', export: { dataset: 'submissions', destination: { ...destination, table: databasePasswordSaved ? 'esg_submissions' : 'esg_submissions_2' } } }, databasePasswordSaved });
    const file = { kind: 'esg-sync-config', formatVersion: 1, jobs: [job('To BI', true), job('To BI (no password)', false)] };
    const r = await newOk<ConfigImportResult>('config.import', { file, dryRun: false, force: false });
    expect(r.items.find((i) => i.name === 'To BI')).toMatchObject({ outcome: 'added', note: expect.stringContaining("its destination database's password is not in the file") });
    expect(r.items.find((i) => i.name === 'To BI (no password)')).toMatchObject({ outcome: 'failed', note: expect.stringContaining('Cannot reach PostgreSQL at 127.0.0.1:1 to export to (ECONNREFUSED)') });
    expect(r.secretsToAddAgain).toEqual([expect.objectContaining({ kind: 'job', name: 'To BI', when: 'after import' })]);
    // A headless admin is given the command, not only the UI's button.
    expect(r.secretsToAddAgain[0]!.how).toContain('printf %s "$DB_PASSWORD" | esg-sync job edit \'To BI\' --db-password-stdin');
  });

  it('refuses a file that is not an export, of a newer format, or damaged, in words naming the file', async () => {
    const refused = async (file: unknown, fileName?: string) => {
      const r = await newCall('config.import', { file, dryRun: true, force: false, ...(fileName ? { fileName } : {}) });
      expect(r.ok).toBe(false);
      expect(r.error!.code).toBe('invalid_params');
      return r.error!.message;
    };
    expect(await refused({ schemaVersion: 1, name: 'x' }, 'profile.json')).toBe(
      'profile.json is not a configuration export of esg-sync (made by `esg-sync config export FILE`). It looks like a mapping profile: load it with `esg-sync mapping import FILE`.',
    );
    expect(await refused(null)).toMatch(/^The file is not a configuration export/);
    expect(await refused([1, 2])).toMatch(/^The file is not a configuration export/);
    expect(await refused({ kind: 'esg-sync-config', formatVersion: 2 })).toBe('The file was exported by a newer version of ESG Sync Agent (format 2; this one reads format 1). Update this agent first.');
    const damaged = await refused({ kind: 'esg-sync-config', formatVersion: 1, settings: { retentionDays: 0 }, jobs: [{ name: 'Nightly', type: 'sometimes' }] });
    expect(damaged).toContain('The file is damaged or was edited into a form this agent cannot read:');
    expect(damaged).toContain('- The setting "retentionDays" is out of range (at least 1).');
    expect(damaged).toContain('- The job "Nightly", its "type" must be one of "ingest", "export".');
    expect(damaged).not.toMatch(/Too small|Invalid option/);
    // The contract's own params are checked as for every method.
    const bad = await newCall('config.import', { file: {}, dryRun: 'yes' });
    expect(bad.error?.code).toBe('invalid_params');
  });
});
