/**
 * A database source row whose site is not mapped yet (the mapping holds such rows): it is not
 * sent, the job's watermark stays at it, and once the site is mapped the next run reads it again
 * and sends it — the rows after it, already sent, are found unchanged. Before, the watermark moved
 * past the held row and it was never read again. Also: a mapping that adds rows up reads the
 * whole table, so a total is never replaced by the sum of the rows after the watermark.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import type { RunSummary } from '../../../shared/api';
import type { SourceInfo } from '../../../shared/dto';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { SyncService } from '../../../main/engine/sync/service';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { memorySecretStore } from '../../helpers/memory-secrets';

let root: string;
let engine: Engine;
let sandbox: RunningSandbox;
let call: <T>(method: string, params: Record<string, unknown>) => Promise<T>;
let dispatchRaw: (method: string, params: Record<string, unknown>) => Promise<{ ok: boolean; error?: { code: string; message: string } }>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-held-db-'));
  sandbox = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
  const dispatch = createDispatcher(createEngineApi(engine));
  dispatchRaw = (method, params) => dispatch(method as never, params) as Promise<{ ok: boolean; error?: { code: string; message: string } }>;
  call = async <T,>(method: string, params: Record<string, unknown>) => {
    const r = await dispatch(method as never, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
    return r.result as T;
  };
  engine.sync = new SyncService(engine);
  await engine.sync.start();
  await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
});

afterAll(async () => {
  await engine?.stop();
  await sandbox?.close();
  rmSync(root, { recursive: true, force: true });
});

it('keeps the watermark at a held row until its site is mapped, then sends it', async () => {
  const file = join(root, 'meters.sqlite');
  const db = new Database(file);
  db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, Site TEXT, Month TEXT, kwh REAL, updated_at TEXT)');
  const ins = db.prepare('INSERT INTO readings (Site, Month, kwh, updated_at) VALUES (?, ?, ?, ?)');
  ins.run('LON-01', '2024-01', 100, '2024-05-01 10:00:01');
  ins.run('PAR-09', '2024-01', 200, '2024-05-01 10:00:02');
  ins.run('LON-01', '2024-02', 300, '2024-05-01 10:00:03');
  db.close();

  const src = await call<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file, table: 'readings', watermarkColumn: 'updated_at' });
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  const profile = (valueMap: Record<string, string>): MappingProfileInput => ({
    schemaVersion: 1,
    name: 'Meters',
    sourceId: src.id,
    connectionId,
    shape: { kind: 'long', valueColumn: 'kwh' },
    metric: { kind: 'fixed', metricId: 'met_elec_cons' },
    entity: { kind: 'column', column: 'Site', valueMap, unknownEntity: 'hold' },
    period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
    headerFingerprint: headerFingerprint(['id', 'Site', 'Month', 'kwh', 'updated_at'], { orderInsensitive: true }),
  });
  engine.store.mappings.save({ id: 'map', name: 'Meters', sourceId: src.id, connectionId, fingerprint: null, profile: profile({}) }, new Date().toISOString());
  const job = await call<{ id: string }>('jobs.add', { name: 'Meters to platform', type: 'ingest', connectionId, sourceId: src.id, mappingId: 'map', config: {} });

  const first = (await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run;
  expect(first).toMatchObject({ status: 'succeeded_with_rejections', read: 3, created: 2, rejected: 1 });
  expect(engine.store.runs.errors(first.id, 0, 10)[0]!.reason).toMatch(/'PAR-09' is not mapped to a platform site yet, so this row was not sent/);
  // The watermark stays at the held row, not at the last row read.
  expect(engine.store.jobs.get(job.id)!.cursor).toBe('2024-05-01 10:00:02');
  expect(await sandbox.countSubmissions()).toBe(2);

  // "Send the held rows" has no file to read for a database run: it says what does send them.
  const retry = await dispatchRaw('mappings.retryFile', { runId: first.id, wait: true });
  expect(retry).toMatchObject({ ok: false, error: { code: 'conflict' } });
  expect(retry.error!.message).toBe(
    `Run #${first.id} read the database "Meters", not a file. Rows it held are read again by every run of "Meters to platform" (its watermark stays at the first held row) and sent once their codes are mapped: map them, then run the job (Run now, or \`esg-sync run "Meters to platform"\`).`,
  );

  // Still not mapped: read again, held again, nothing sent twice.
  const second = (await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run;
  expect(second).toMatchObject({ read: 2, created: 0, unchanged: 1, rejected: 1 });
  expect(engine.store.jobs.get(job.id)!.cursor).toBe('2024-05-01 10:00:02');

  // Mapped: the held row is sent, the row after it is unchanged, and the watermark moves on.
  engine.store.mappings.save({ id: 'map', name: 'Meters', sourceId: src.id, connectionId, fingerprint: null, profile: profile({ 'PAR-09': 'ent_lyo01' }) }, new Date().toISOString());
  const third = (await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run;
  expect(third).toMatchObject({ status: 'succeeded', read: 2, created: 1, unchanged: 1, rejected: 0 });
  expect(engine.store.jobs.get(job.id)!.cursor).toBe('2024-05-01 10:00:03');
  expect(await sandbox.countSubmissions()).toBe(3);
});

it('holds a row for the month not over yet, keeping the watermark at it, so a later run sends it', async () => {
  const file = join(root, 'early.sqlite');
  const db = new Database(file);
  db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, Site TEXT, Month TEXT, kwh REAL, updated_at TEXT)');
  const ins = db.prepare('INSERT INTO readings (Site, Month, kwh, updated_at) VALUES (?, ?, ?, ?)');
  ins.run('LON-01', '2024-03', 100, '2024-05-01 10:00:01');
  ins.run('LON-01', new Date().toISOString().slice(0, 7), 200, '2024-05-01 10:00:02');
  db.close();
  const src = await call<SourceInfo>('sources.addDatabase', { name: 'Early meters', kind: 'sqlite', file, table: 'readings', watermarkColumn: 'updated_at' });
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  const profile: MappingProfileInput = {
    schemaVersion: 1,
    name: 'Early meters',
    sourceId: src.id,
    connectionId,
    shape: { kind: 'long', valueColumn: 'kwh' },
    metric: { kind: 'fixed', metricId: 'met_elec_cons' },
    entity: { kind: 'column', column: 'Site', unknownEntity: 'hold' },
    period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
    headerFingerprint: headerFingerprint(['id', 'Site', 'Month', 'kwh', 'updated_at'], { orderInsensitive: true }),
  };
  engine.store.mappings.save({ id: 'map-early', name: 'Early meters', sourceId: src.id, connectionId, fingerprint: null, profile }, new Date().toISOString());
  const job = await call<{ id: string }>('jobs.add', { name: 'Early meters to platform', type: 'ingest', connectionId, sourceId: src.id, mappingId: 'map-early', config: {} });

  const run = (await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run;
  expect(run).toMatchObject({ status: 'succeeded', read: 2, created: 1, held: 1, rejected: 1 });
  expect(engine.store.runs.errors(run.id, 0, 10)[0]!.reason).toContain('so this value is held: the agent sends it on its own once the period is over.');
  expect(engine.store.runs.heldLines(run.id)).toEqual([2]);
  expect(engine.store.jobs.get(job.id)!.cursor).toBe('2024-05-01 10:00:02');
  expect(engine.store.runs.events(run.id).map((e) => e.message)).toContain(
    'Held rows (codes not mapped yet, or periods not over yet) are read again on the next run, from watermark 2024-05-01 10:00:02, and sent once mapped or over.',
  );
});

it('with a mapping that adds rows up, reads the whole table every run: a new row joins its total instead of replacing it', async () => {
  const file = join(root, 'fuel.sqlite');
  const db = new Database(file);
  db.exec('CREATE TABLE fills (id INTEGER PRIMARY KEY, Site TEXT, Day TEXT, litres REAL)');
  const ins = db.prepare('INSERT INTO fills (Site, Day, litres) VALUES (?, ?, ?)');
  ins.run('MAN-02', '2024-03-04', 41.07);
  ins.run('MAN-02', '2024-03-19', 38.9);
  db.close();

  const src = await call<SourceInfo>('sources.addDatabase', { name: 'Fuel DB', kind: 'sqlite', file, table: 'fills', watermarkColumn: 'id' });
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  engine.store.mappings.save(
    {
      id: 'fuel',
      name: 'Fuel',
      sourceId: src.id,
      connectionId,
      fingerprint: null,
      profile: {
        schemaVersion: 1,
        name: 'Fuel',
        sourceId: src.id,
        connectionId,
        shape: { kind: 'long', valueColumn: 'litres' },
        metric: { kind: 'fixed', metricId: 'met_fuel_diesel' },
        entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
        period: { kind: 'date', column: 'Day', format: 'YYYY-MM-DD', granularity: 'month' },
        sameKeyRows: 'add',
        headerFingerprint: headerFingerprint(['id', 'Site', 'Day', 'litres'], { orderInsensitive: true }),
      },
    },
    new Date().toISOString(),
  );
  const job = await call<{ id: string }>('jobs.add', { name: 'Fuel to platform', type: 'ingest', connectionId, sourceId: src.id, mappingId: 'fuel', config: {} });
  const march = () => sandbox.listSubmissions().find((x) => x.metricId === 'met_fuel_diesel' && x.entityId === 'ent_man02')!.value;

  const first = (await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run;
  expect(first).toMatchObject({ status: 'succeeded', read: 2, created: 1 });
  expect(march()).toBe(79.97);

  // One more fill-up after the watermark: March is 79.97 + 12.03, not 12.03.
  const more = new Database(file);
  more.prepare('INSERT INTO fills (Site, Day, litres) VALUES (?, ?, ?)').run('MAN-02', '2024-03-27', 12.03);
  more.close();
  const second = (await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run;
  expect(second).toMatchObject({ status: 'succeeded', read: 3, created: 0, updated: 1 });
  expect(march()).toBe(92);
  expect(engine.store.runs.events(second.id).map((e) => e.message)).toContain(
    'This job adds rows of one metric, site and period up, so every run reads the whole table (rows before the watermark too); values that did not change are not sent again.',
  );
  const third = (await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run;
  expect(third).toMatchObject({ status: 'succeeded', read: 3, created: 0, updated: 0, unchanged: 1 });
});

it('a mirror job on a database source with a watermark reads the whole table: rows it did not change are not deleted', async () => {
  const file = join(root, 'mirror.sqlite');
  const db = new Database(file);
  db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, Site TEXT, Month TEXT, kwh REAL, updated_at TEXT)');
  const ins = db.prepare('INSERT INTO readings (Site, Month, kwh, updated_at) VALUES (?, ?, ?, ?)');
  ins.run('LON-01', '2024-03', 10, '2024-05-01 10:00:01');
  ins.run('MAN-02', '2024-03', 20, '2024-05-01 10:00:02');
  ins.run('BER-01', '2024-03', 30, '2024-05-01 10:00:03');
  ins.run('LYO-01', '2024-03', 40, '2024-05-01 10:00:04');
  db.close();
  const src = await call<SourceInfo>('sources.addDatabase', { name: 'Mirrored meters', kind: 'sqlite', file, table: 'readings', watermarkColumn: 'updated_at' });
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  engine.store.mappings.save(
    {
      id: 'mirrored',
      name: 'Mirrored',
      sourceId: src.id,
      connectionId,
      fingerprint: null,
      profile: {
        schemaVersion: 1,
        name: 'Mirrored',
        sourceId: src.id,
        connectionId,
        shape: { kind: 'long', valueColumn: 'kwh' },
        metric: { kind: 'fixed', metricId: 'met_elec_renew' },
        entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
        period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
        headerFingerprint: headerFingerprint(['id', 'Site', 'Month', 'kwh', 'updated_at'], { orderInsensitive: true }),
      },
    },
    new Date().toISOString(),
  );
  const job = await call<{ id: string }>('jobs.add', { name: 'Mirror meters', type: 'ingest', connectionId, sourceId: src.id, mappingId: 'mirrored', config: { ingest: { mirror: true } } });
  const renewables = () => sandbox.listSubmissions().filter((x) => x.metricId === 'met_elec_renew').map((x) => [x.entityId, x.value]).sort();
  expect((await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run).toMatchObject({ status: 'succeeded', created: 4 });

  // Two rows change after the watermark; the other two are still in the table and must stay.
  const more = new Database(file);
  more.prepare("UPDATE readings SET kwh = kwh + 1, updated_at = '2024-05-02 09:00:00' WHERE Site IN ('LON-01', 'LYO-01')").run();
  more.close();
  const second = (await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run;
  expect(second).toMatchObject({ status: 'succeeded', read: 4, updated: 2, unchanged: 2, deleted: 0 });
  expect(renewables()).toEqual([
    ['ent_ber01', 30],
    ['ent_lon01', 11],
    ['ent_lyo01', 41],
    ['ent_man02', 20],
  ]);

  // A row really removed from the table is deleted on the platform.
  const gone = new Database(file);
  gone.prepare("DELETE FROM readings WHERE Site = 'BER-01'").run();
  gone.close();
  expect((await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run).toMatchObject({ status: 'succeeded', read: 3, deleted: 1, unchanged: 3 });
  expect(renewables().map(([e]) => e)).toEqual(['ent_lon01', 'ent_lyo01', 'ent_man02']);
});
