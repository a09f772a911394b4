/**
 * The jobs methods through the dispatcher, on a real store in a temp folder (no platform needed):
 * what add and update accept and refuse, what an edit resets, and that a destination password is
 * write-only and removed with its job.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import type { SecretStore } from '../../../main/engine/secrets';
import { SLOT_KEY } from '../../../main/engine/sync/service';
import type { CallResponse } from '../../../shared/rpc';
import { memorySecretStore } from '../../helpers/memory-secrets';
import { PG_URL, serverConn, whyNoPostgres } from '../../helpers/table-servers';

let dir: string;
let engine: Engine;
let secrets: SecretStore;
let dispatch: ReturnType<typeof createDispatcher>;
const now = new Date('2026-11-23T10:00:00Z');

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-jobs-api-'));
  engine = Engine.open({ dataDir: dir, mode: 'headless', fileLogs: false, clock: { now: () => now } });
  secrets = memorySecretStore();
  await engine.initSecrets({ allowEnv: false, store: secrets });
  dispatch = createDispatcher(createEngineApi(engine));
  const at = now.toISOString();
  for (const [id, name, kind] of [['c1', 'Production', 'esg-api'], ['c2', 'Staging', 'esg-api'], ['c3', 'Supplier PACT', 'pact'], ['c4', 'Altruistiq', 'altruistiq']] as const) {
    engine.store.connections.insert({ id, name, kind, baseUrl: 'https://example.test', authUrl: null, clientId: `${id}-client`, scopes: [], sandbox: false, createdAt: at, lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
  }
  engine.store.sources.insert({ id: 's1', name: 'Utility bills', kind: 'folder', config: { path: join(dir, 'drop') }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: at });
  engine.store.sources.insert({ id: 's2', name: 'ERP energy', kind: 'database', config: { kind: 'sqlite', file: join(dir, 'erp.sqlite'), table: 'energy' }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: at });
  engine.store.mappings.save({ id: 'm1', name: 'Electricity', sourceId: 's1', connectionId: 'c1', fingerprint: null, profile: {} }, at);
  engine.store.mappings.save({ id: 'm4', name: 'Electricity (Altruistiq)', sourceId: 's1', connectionId: 'c4', fingerprint: null, profile: {} }, at);
  engine.store.mappings.save({ id: 'm2', name: 'Electricity (staging)', sourceId: 's1', connectionId: 'c2', fingerprint: null, profile: {} }, at);
});

afterEach(async () => {
  await engine.stop();
  rmSync(dir, { recursive: true, force: true });
});

function ok<T = Record<string, unknown>>(r: CallResponse): T {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}
function refused(r: CallResponse): { code: string; message: string } {
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
}

const ingest = (patch: Record<string, unknown> = {}) => ({
  name: 'Bills to platform',
  type: 'ingest',
  connectionId: 'c1',
  sourceId: 's1',
  mappingId: 'm1',
  config: { schedule: '0 6 * * *', timezone: 'Europe/London', ingest: { mirror: true } },
  ...patch,
});
const exportJob = (destination: Record<string, unknown>, patch: Record<string, unknown> = {}) => ({
  name: 'Submissions out',
  type: 'export',
  connectionId: 'c1',
  config: { schedule: '0 6 * * 1', timezone: 'UTC', export: { dataset: 'submissions', destination } },
  ...patch,
});
// Saving checks the destination as a run would open it (destination-check.test.ts): a SQLite file
// not made yet needs only its folder, so these tests need no server.
const biDest = () => ({ kind: 'database', database: 'sqlite', file: join(dir, 'bi.sqlite'), table: 'esg_submissions' });
const pg = serverConn('postgres', PG_URL);
const pgDest = { kind: 'database', database: 'postgres', host: pg.host, port: pg.port, name: pg.database, user: pg.user, table: 'esg_submissions' };
const noPostgres = await whyNoPostgres();

describe('jobs.add and jobs.get', () => {
  it('refuses an Altruistiq ingest job without the datasource its files go into, and saves it with one', async () => {
    const base = ingest({ connectionId: 'c4', mappingId: 'm4' });
    const e = refused(await dispatch('jobs.add', base));
    expect(e.code).toBe('invalid_params');
    expect(e.message).toMatch(/datasource id/);
    const added = ok<{ id: string }>(await dispatch('jobs.add', { ...base, config: { ...base.config, ingest: { mirror: false, datasourceId: 'ds_energy' } } }));
    const detail = ok<{ config: { ingest: { datasourceId: string } } }>(await dispatch('jobs.get', { jobId: added.id }));
    expect(detail.config.ingest.datasourceId).toBe('ds_energy');
  });

  it('saves an ingest job with its settings and reads it back in full, in the words the UI shows', async () => {
    const added = ok<{ id: string; scheduleText: string; nextRunAt: string }>(await dispatch('jobs.add', ingest()));
    expect(added.scheduleText).toBe('At 06:00 (Europe/London)');
    expect(added.nextRunAt).toBe('2026-11-24T06:00:00.000Z');
    const detail = ok<Record<string, unknown>>(await dispatch('jobs.get', { jobId: added.id }));
    expect(detail).toMatchObject({
      name: 'Bills to platform',
      sourceId: 's1',
      mappingId: 'm1',
      cursor: null,
      databasePasswordSaved: false,
      datasetLabel: null,
      config: { schedule: '0 6 * * *', timezone: 'Europe/London', onFileArrival: true, ingest: { mirror: true, maxDeleteShare: 0.5, rejectPolicy: 'send-valid', batchSize: 500, afterRun: 'move' } },
    });
    expect(ok<unknown[]>(await dispatch('jobs.details', {}))).toHaveLength(1);
  });

  it('refuses what could never run, saying which setting is wrong', async () => {
    expect(refused(await dispatch('jobs.add', ingest({ config: { schedule: '61 * * * *' } }))).message).toMatch(/not a valid cron expression/);
    expect(refused(await dispatch('jobs.add', ingest({ config: { timezone: 'Mars/Olympus' } }))).message).toMatch(/not a time zone/);
    expect(refused(await dispatch('jobs.add', ingest({ mappingId: 'm2' }))).message).toMatch(/made for the connection "Staging"/);
    expect(refused(await dispatch('jobs.add', ingest({ sourceId: null }))).message).toMatch(/needs a source/);
    // A mapping reads the columns of the source it was made for (the job form offers only those).
    expect(refused(await dispatch('jobs.add', ingest({ sourceId: 's2' }))).message).toMatch(/"Electricity" was made for the source "Utility bills".*make a mapping for "ERP energy"/);
    expect(refused(await dispatch('jobs.add', exportJob({ kind: 'folder', path: 'relative/out' }))).message).toMatch(/not a full path/);
    expect(refused(await dispatch('jobs.add', exportJob({ kind: 'folder', path: join(dir, 'out'), fileName: '{dataset}/{week}' }))).message).toMatch(/path separator/);
    expect(refused(await dispatch('jobs.add', exportJob({ kind: 'folder', path: join(dir, 'out') }, { connectionId: 'c3' }))).message).toMatch(/has no dataset "submissions"\. Choose one of: footprints \(Product carbon footprints \(PACT\)\)\./);
    expect(refused(await dispatch('jobs.add', exportJob({ ...pgDest, host: 'db.local', name: undefined }))).message).toMatch(/needs a database name and a user/);
    ok(await dispatch('jobs.add', ingest()));
    expect(refused(await dispatch('jobs.add', ingest())).code).toBe('conflict');
    expect(ok<unknown[]>(await dispatch('jobs.list', {}))).toHaveLength(1);
  });

  it('keeps only the half of the settings that belongs to the job type, and no file trigger for a database', async () => {
    const config = { schedule: '0 6 * * *', timezone: 'UTC', onFileArrival: true, export: { dataset: 'submissions', destination: biDest() } };
    engine.store.mappings.save({ id: 'm5', name: 'ERP electricity', sourceId: 's2', connectionId: 'c1', fingerprint: null, profile: {} }, now.toISOString());
    const id = ok<{ id: string }>(await dispatch('jobs.add', ingest({ sourceId: 's2', mappingId: 'm5', config }))).id;
    const saved = ok<{ config: Record<string, unknown> }>(await dispatch('jobs.get', { jobId: id })).config;
    expect(saved.export).toBeUndefined();
    expect(saved.onFileArrival).toBe(false); // a database has no files to arrive
    const exp = ok<{ id: string; sourceId: string | null }>(await dispatch('jobs.add', { ...exportJob(biDest()), sourceId: 's1', mappingId: 'm1', config: { ...config, ingest: { mirror: true } } }));
    expect(exp.sourceId).toBeNull();
    expect(ok<{ config: Record<string, unknown> }>(await dispatch('jobs.get', { jobId: exp.id })).config.ingest).toBeUndefined();
  });
});

describe("a job's choice for missed scheduled runs", () => {
  it('reads as "default" for a job saved before there was a choice, and an edit that does not name it keeps that', async () => {
    const at = now.toISOString();
    // The config exactly as an older agent stored it: no catchUp key.
    engine.store.jobs.insert({ id: 'old', name: 'Old job', type: 'ingest', connectionId: 'c1', sourceId: 's1', mappingId: 'm1', config: { schedule: '0 6 * * *', timezone: 'UTC', onFileArrival: true, ingest: { mirror: false } }, paused: false, cursor: null, createdAt: at });
    expect(ok<{ config: { catchUp: string } }>(await dispatch('jobs.get', { jobId: 'old' })).config.catchUp).toBe('default');
    ok(await dispatch('jobs.update', { jobId: 'old', ...ingest({ name: 'Old job', config: { schedule: '0 6 * * *', timezone: 'UTC' } }) }));
    expect(engine.store.jobs.get('old')!.config.catchUp).toBe('default');
  });

  it('is saved on add, changed on update, and an unknown value is refused naming the field', async () => {
    const id = ok<{ id: string }>(await dispatch('jobs.add', ingest({ config: { schedule: '0 6 * * *', timezone: 'UTC', catchUp: 'skip' } }))).id;
    expect(ok<{ config: { catchUp: string } }>(await dispatch('jobs.get', { jobId: id })).config.catchUp).toBe('skip');
    ok(await dispatch('jobs.update', { jobId: id, ...ingest({ config: { schedule: '0 6 * * *', timezone: 'UTC', catchUp: 'run-once' } }) }));
    expect(engine.store.jobs.get(id)!.config.catchUp).toBe('run-once');
    const bad = await dispatch('jobs.update', { jobId: id, ...ingest({ config: { schedule: '0 6 * * *', timezone: 'UTC', catchUp: 'always' } }) });
    expect(refused(bad).code).toBe('invalid_params');
    expect(JSON.stringify(bad)).toContain('catchUp');
    expect(engine.store.jobs.get(id)!.config.catchUp).toBe('run-once');
  });
});

describe('database destination password', () => {
  it.skipIf(noPostgres !== null)(`goes to the keychain, is never returned, and is removed with the job${noPostgres ? ` (skipped: ${noPostgres})` : ''}`, async () => {
    const id = ok<{ id: string }>(await dispatch('jobs.add', { ...exportJob(pgDest), databasePassword: 'hunter2-pg' })).id;
    expect(await secrets.get(`job:${id}:database`)).toBe('hunter2-pg');
    const detail = ok(await dispatch('jobs.get', { jobId: id }));
    expect(detail.databasePasswordSaved).toBe(true);
    expect(detail.datasetLabel).toBe('Raw submissions');
    expect(JSON.stringify(detail)).not.toContain('hunter2');
    expect(JSON.stringify(ok(await dispatch('jobs.details', {})))).not.toContain('hunter2');
    // An edit without a password keeps the saved one; with one, replaces it.
    ok(await dispatch('jobs.update', { jobId: id, ...exportJob(pgDest) }));
    expect(await secrets.get(`job:${id}:database`)).toBe('hunter2-pg');
    ok(await dispatch('jobs.update', { jobId: id, ...exportJob(pgDest), databasePassword: 'rotated' }));
    expect(await secrets.get(`job:${id}:database`)).toBe('rotated');
    ok(await dispatch('jobs.remove', { jobId: id }));
    expect(await secrets.get(`job:${id}:database`)).toBeNull();
  });
});

describe('jobs.update', () => {
  it('renames and reschedules; a new schedule forgets the old one’s last slot so nothing "missed" fires', async () => {
    const id = ok<{ id: string }>(await dispatch('jobs.add', ingest())).id;
    engine.store.settings.setRaw(SLOT_KEY(id), Date.parse('2026-11-23T06:00:00Z'));
    const same = ok<{ job: { name: string }; notes: string[] }>(await dispatch('jobs.update', { jobId: id, ...ingest({ name: 'Bills (renamed)' }) }));
    expect(same.job.name).toBe('Bills (renamed)');
    expect(same.notes).toEqual([]);
    expect(engine.store.settings.getRaw(SLOT_KEY(id))).toBe(Date.parse('2026-11-23T06:00:00Z')); // same schedule: slot kept
    const moved = ok<{ job: { scheduleText: string } }>(await dispatch('jobs.update', { jobId: id, ...ingest({ config: { schedule: '*/5 * * * *', timezone: 'UTC' } }) }));
    expect(moved.job.scheduleText).toBe('Every 5 minutes (UTC)');
    expect(engine.store.settings.getRaw(SLOT_KEY(id))).toBeUndefined();
  });

  it('resuming a paused job does not catch up the slots it skipped while paused', async () => {
    const id = ok<{ id: string }>(await dispatch('jobs.add', ingest())).id;
    engine.store.settings.setRaw(SLOT_KEY(id), Date.parse('2026-11-20T06:00:00Z'));
    ok(await dispatch('jobs.resume', { jobId: id })); // not paused: nothing to forget
    expect(engine.store.settings.getRaw(SLOT_KEY(id))).toBe(Date.parse('2026-11-20T06:00:00Z'));
    ok(await dispatch('jobs.pause', { jobId: id }));
    const resumed = ok<{ paused: boolean; nextRunAt: string }>(await dispatch('jobs.resume', { jobId: id }));
    expect(resumed).toMatchObject({ paused: false, nextRunAt: '2026-11-24T06:00:00.000Z' });
    expect(engine.store.settings.getRaw(SLOT_KEY(id))).toBeUndefined();
  });

  it('refuses a name another job has, and an unknown job', async () => {
    ok(await dispatch('jobs.add', ingest()));
    const id = ok<{ id: string }>(await dispatch('jobs.add', exportJob(biDest()))).id;
    expect(refused(await dispatch('jobs.update', { jobId: id, ...exportJob(biDest(), { name: 'Bills to platform' }) })).code).toBe('conflict');
    expect(refused(await dispatch('jobs.update', { jobId: 'nope', ...exportJob(biDest()) })).code).toBe('not_found');
  });

  it('refuses a second export job that would write the same files or table as another, and says which job and what to change', async () => {
    const out = join(dir, 'out');
    mkdirSync(out, { recursive: true });
    const fixed = { kind: 'folder', path: out, format: 'csv', fileName: 'latest' };
    ok(await dispatch('jobs.add', exportJob(fixed)));
    const clash = refused(await dispatch('jobs.add', exportJob(fixed, { name: 'Second export' })));
    expect(clash.code).toBe('conflict');
    expect(clash.message).toBe(`Job “Submissions out” already writes files named like “latest.csv” in ${out}: each run of one job would replace the file of the other. Put {job} in this job’s file name (e.g. “{job}-{date}-{time}”), or choose another folder.`);
    // The same folder written through another spelling of its path is the same folder.
    expect(refused(await dispatch('jobs.add', exportJob({ ...fixed, path: join(out, '..', 'out') }, { name: 'Second export' }))).code).toBe('conflict');
    // Another format, another folder, or {job} in the name: files of its own.
    ok(await dispatch('jobs.add', exportJob({ ...fixed, format: 'xlsx' }, { name: 'As a workbook' })));
    ok(await dispatch('jobs.add', exportJob({ ...fixed, fileName: '{job}' }, { name: 'Per job' })));
    // The default timestamped name collides only when both run in the same second; it is said so.
    const stamped = { kind: 'folder', path: out, format: 'json' };
    const id = ok<{ id: string }>(await dispatch('jobs.add', exportJob(stamped, { name: 'JSON A' }))).id;
    expect(refused(await dispatch('jobs.add', exportJob(stamped, { name: 'JSON B' }))).message).toMatch(/^Job “JSON A” already writes files named like “submissions-\d{8}-\d{6}\.json” in .*: two runs in the same second \(the two jobs on one schedule\) would write the same file\./);
    // Saving a job again over its own destination is no clash; renaming it into a {job} pattern's name is checked.
    ok(await dispatch('jobs.update', { jobId: id, ...exportJob(stamped, { name: 'JSON A', config: { schedule: '0 7 * * 1', timezone: 'UTC', export: { dataset: 'submissions', destination: stamped } } }) }));
    const perJob = engine.store.jobs.list().find((j) => j.name === 'Per job')!;
    ok(await dispatch('jobs.update', { jobId: perJob.id, ...exportJob({ ...fixed, fileName: '{job}' }, { name: 'Per job' }) }));
    // Renamed so that its {job} name is another job's fixed name: the advice is a name, not {job}.
    expect(refused(await dispatch('jobs.update', { jobId: perJob.id, ...exportJob({ ...fixed, fileName: '{job}' }, { name: 'latest' }) })).message).toMatch(/writes files named like “latest\.csv” in .*Give this job another name, or choose another folder\.$/);
    // A pattern typed with its extension names the same file as one without it.
    expect(refused(await dispatch('jobs.add', exportJob({ ...fixed, fileName: 'latest.csv' }, { name: 'Typed ext' }))).code).toBe('conflict');

    // One table, one job.
    ok(await dispatch('jobs.add', exportJob(biDest(), { name: 'Table A' })));
    expect(refused(await dispatch('jobs.add', exportJob({ ...biDest(), table: 'ESG_Submissions' }, { name: 'Table B' }))).message).toBe(
      'Job “Table A” already exports into table ESG_Submissions of that database. Two jobs in one table mix their rows, and each run of one removes the other\'s rows. Choose another table for this job.',
    );
    ok(await dispatch('jobs.add', exportJob({ ...biDest(), table: 'esg_submissions_b' }, { name: 'Table B' })));
    // One server table, however it is spelled: loopback names, the default port, the default schema.
    const server = { kind: 'database', database: 'postgres', host: 'localhost', name: 'bi', user: 'esg', table: 'pg_out' };
    const spellings = [{ host: '127.0.0.1' }, { port: 5432 }, { table: 'public.pg_out' }, { host: '::1', port: 5432, table: 'PUBLIC.PG_OUT' }];
    const engineOnly = (dest: Record<string, unknown>) => ({ ...exportJob(dest), checkDestination: false });
    ok(await dispatch('jobs.add', { ...engineOnly(server), name: 'PG A' }));
    for (const [i, s] of spellings.entries()) expect(refused(await dispatch('jobs.add', { ...engineOnly({ ...server, ...s }), name: `PG ${i}` })).message, JSON.stringify(s)).toMatch(/^Job “PG A” already exports into table/);
    ok(await dispatch('jobs.add', { ...engineOnly({ ...server, table: 'analytics.pg_out' }), name: 'PG other schema' }));
    const my = { kind: 'database', database: 'mysql', host: '127.0.0.1', name: 'bi', user: 'esg', table: 'my_out' };
    ok(await dispatch('jobs.add', { ...engineOnly(my), name: 'My A' }));
    expect(refused(await dispatch('jobs.add', { ...engineOnly({ ...my, table: 'bi.my_out', port: 3306 }), name: 'My B' })).code).toBe('conflict');
  });

  it('resets an export cursor when the destination changes, and says so', async () => {
    const id = ok<{ id: string }>(await dispatch('jobs.add', exportJob(biDest()))).id;
    engine.store.jobs.setCursor(id, '2026-11-01T00:00:00Z');
    const schedOnly = ok<{ notes: string[] }>(await dispatch('jobs.update', { jobId: id, ...exportJob(biDest(), { config: { schedule: '0 7 * * 1', timezone: 'UTC', export: { dataset: 'submissions', destination: biDest() } } }) }));
    expect(schedOnly.notes).toEqual([]);
    expect(engine.store.jobs.get(id)!.cursor).toBe('2026-11-01T00:00:00Z');
    const moved = ok<{ notes: string[] }>(await dispatch('jobs.update', { jobId: id, ...exportJob({ ...biDest(), table: 'other' }) }));
    expect(moved.notes.join(' ')).toMatch(/exports everything again/);
    expect(engine.store.jobs.get(id)!.cursor).toBeNull();
  });

  it('will not move an ingest job that has sent values to another connection (its ledger holds that platform’s ids)', async () => {
    const id = ok<{ id: string }>(await dispatch('jobs.add', ingest())).id;
    engine.store.mappings.save({ id: 'm3', name: 'Any platform', sourceId: 's1', connectionId: null, fingerprint: null, profile: {} }, now.toISOString());
    ok(await dispatch('jobs.update', { jobId: id, ...ingest({ mappingId: 'm3' }) }));
    // Nothing sent yet: the connection may change.
    ok(await dispatch('jobs.update', { jobId: id, ...ingest({ mappingId: 'm3', connectionId: 'c2' }) }));
    engine.store.ledger.upsert({ mappingId: 'm3', naturalKey: 'k1', connectionId: 'c2', remoteId: 'r1', contentHash: 'h', lastRunId: null, updatedAt: now.toISOString() });
    const r = refused(await dispatch('jobs.update', { jobId: id, ...ingest({ mappingId: 'm3', connectionId: 'c1' }) }));
    expect(r.code).toBe('conflict');
    expect(r.message).toMatch(/already sent 1 value/);
    expect(engine.store.jobs.get(id)!.connectionId).toBe('c2');
  });
});

describe('jobs.datasets', () => {
  it('lists each platform’s export datasets by their labels', async () => {
    expect(ok<{ id: string }[]>(await dispatch('jobs.datasets', { connectionId: 'c1' })).map((d) => d.id)).toEqual(['submissions', 'portfolio-metrics']);
    expect(ok(await dispatch('jobs.datasets', { connectionId: 'c3' }))).toEqual([{ id: 'footprints', label: 'Product carbon footprints (PACT)', keyColumns: ['id'], columns: null }]);
    // The ESG API fixes its rows' columns, so a table's key can be checked against them.
    const aggregates = ok<{ id: string; keyColumns: string[]; columns: string[] }[]>(await dispatch('jobs.datasets', { connectionId: 'c1' })).find((d) => d.id === 'portfolio-metrics')!;
    expect(aggregates.keyColumns).toEqual(['entity_id', 'metric_id', 'period']);
    expect(aggregates.columns).toEqual(expect.arrayContaining(['entity_id', 'metric_id', 'period', 'value', 'deleted_at']));
    expect(refused(await dispatch('jobs.datasets', { connectionId: 'missing' })).code).toBe('not_found');
  });
});
