/**
 * A source changed in place, as the sync engine lives with it, against the sandbox platform:
 * - a database source that now reads another table has its job's watermark cleared; the next run
 *   reads every row again and the ledger (natural key + content hash) sends nothing twice;
 * - a watched folder moved to another path is watched anew: a file dropped into the new folder is
 *   taken, one dropped into the old folder is not.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import type { RunSummary } from '../../../shared/api';
import type { UpdateSourceResult } from '../../../shared/contract/sources';
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
let connectionId: string;
let call: <T>(method: string, params: Record<string, unknown>) => Promise<T>;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-src-edit-sync-'));
  sandbox = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
  const dispatch = createDispatcher(createEngineApi(engine));
  call = async <T,>(method: string, params: Record<string, unknown>) => {
    const r = await dispatch(method as never, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
    return r.result as T;
  };
  engine.sync = new SyncService(engine);
  await engine.sync.start();
  await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  connectionId = engine.store.connections.get('Sandbox')!.id;
});

afterEach(async () => {
  await engine?.stop();
  await sandbox?.close();
  rmSync(root, { recursive: true, force: true });
});

const profile = (sourceId: string, value: string, headers: string[]): MappingProfileInput => ({
  schemaVersion: 1,
  name: 'Meters',
  sourceId,
  connectionId,
  shape: { kind: 'long', valueColumn: value },
  metric: { kind: 'fixed', metricId: 'met_elec_cons' },
  entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
  period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
  headerFingerprint: headerFingerprint(headers, { orderInsensitive: true }),
});

it('re-reads every row after a watermark reset and sends nothing that was sent before', async () => {
  const file = join(root, 'meters.sqlite');
  const db = new Database(file);
  for (const t of ['readings', 'readings_copy']) {
    db.exec(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, Site TEXT, Month TEXT, kwh REAL, updated_at TEXT)`);
    const ins = db.prepare(`INSERT INTO ${t} (Site, Month, kwh, updated_at) VALUES (?, ?, ?, ?)`);
    ins.run('LON-01', '2024-01', 100, '2024-05-01 10:00:01');
    ins.run('LON-01', '2024-02', 200, '2024-05-01 10:00:02');
    ins.run('LON-01', '2024-03', 300, '2024-05-01 10:00:03');
  }
  db.close();

  const src = await call<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file, table: 'readings', watermarkColumn: 'updated_at' });
  engine.store.mappings.save({ id: 'map', name: 'Meters', sourceId: src.id, connectionId, fingerprint: null, profile: profile(src.id, 'kwh', ['id', 'Site', 'Month', 'kwh', 'updated_at']) }, new Date().toISOString());
  const job = await call<{ id: string }>('jobs.add', { name: 'Meters to platform', type: 'ingest', connectionId, sourceId: src.id, mappingId: 'map', config: {} });

  const first = (await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run;
  expect(first).toMatchObject({ status: 'succeeded', read: 3, created: 3 });
  expect(engine.store.jobs.get(job.id)!.cursor).toBe('2024-05-01 10:00:03');
  expect(await sandbox.countSubmissions()).toBe(3);

  // The same rows, from another table (a migrated ERP): what is read changed.
  const edit = await call<UpdateSourceResult>('sources.update', { sourceId: src.id, database: { table: 'readings_copy' } });
  expect(edit.notes[0]).toMatch(/^The watermark of the job "Meters to platform" was cleared: the next run reads every row of the source again\. Rows already sent are recognised by the ledger and not sent twice/);
  expect(engine.store.jobs.get(job.id)!.cursor).toBeNull();

  const second = (await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run;
  expect(second).toMatchObject({ status: 'succeeded', read: 3, created: 0, updated: 0, unchanged: 3 });
  expect(await sandbox.countSubmissions()).toBe(3);
  expect(engine.store.jobs.get(job.id)!.cursor).toBe('2024-05-01 10:00:03');

  // A value that differs in the new table is an update of the same submission, not a second one.
  const w = new Database(file);
  w.prepare("UPDATE readings_copy SET kwh = 250, updated_at = '2024-05-02 00:00:00' WHERE Month = '2024-02'").run();
  w.close();
  const third = (await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run;
  expect(third).toMatchObject({ created: 0, updated: 1 });
  expect(await sandbox.countSubmissions()).toBe(3);
});

function waitForRun(predicate: (r: RunSummary) => boolean, timeoutMs: number): Promise<RunSummary | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(null);
    }, timeoutMs);
    const off = engine.events.subscribe((event, payload) => {
      if (event === 'run.finished' && predicate(payload as RunSummary)) {
        clearTimeout(timer);
        off();
        resolve(payload as RunSummary);
      }
    });
  });
}

const csv = (month: string, kwh: number) => `Site,Month,Electricity kWh\nLON-01,${month},${kwh}\n`;

it('watches a folder anew when its path changes: a file in the new folder is taken, one in the old folder is not', { timeout: 60_000 }, async () => {
  const oldDir = join(root, 'old-share');
  const newDir = join(root, 'new-share');
  mkdirSync(oldDir);
  mkdirSync(newDir);
  const src = await call<SourceInfo>('sources.addFolder', { name: 'Bills', path: oldDir, include: ['*.csv'], stableMs: 300 });
  engine.store.mappings.save({ id: 'map', name: 'Elec', sourceId: src.id, connectionId, fingerprint: null, profile: profile(src.id, 'Electricity kWh', ['Site', 'Month', 'Electricity kWh']) }, new Date().toISOString());
  await call('jobs.add', { name: 'Bills to platform', type: 'ingest', connectionId, sourceId: src.id, mappingId: 'map', config: { onFileArrival: true } });
  await engine.sync!.refreshWatchers();

  // Watched where it was added.
  const before = waitForRun((r) => r.file?.endsWith('january.csv') ?? false, 20_000);
  writeFileSync(join(oldDir, 'january.csv'), csv('2024-01', 100));
  expect(await before).toMatchObject({ trigger: 'file', created: 1 });

  const edit = await call<UpdateSourceResult>('sources.update', { sourceId: src.id, folder: { path: newDir } });
  expect(edit.notes[0]).toMatch(/as soon as the agent watches the new folder/);
  await engine.sync!.refreshWatchers();
  expect(engine.store.sources.get(src.id)!.status).toBe('watching');

  const inNew = waitForRun((r) => r.file?.startsWith(newDir) ?? false, 20_000);
  writeFileSync(join(oldDir, 'february.csv'), csv('2024-02', 200));
  writeFileSync(join(newDir, 'march.csv'), csv('2024-03', 300));
  expect(await inNew).toMatchObject({ trigger: 'file', created: 1 });
  // The new folder's file ran, and the old folder's (dropped first, as stable by now) did not: nothing watches it now.
  await new Promise((r) => setTimeout(r, 1500));
  await engine.sync!.idle();
  expect(engine.store.runs.list({ limit: 10 }).map((r) => r.file)).toEqual([join(newDir, 'march.csv'), join(oldDir, 'january.csv')]);
  expect(existsSync(join(oldDir, 'february.csv'))).toBe(true);
  expect(existsSync(join(newDir, 'processed'))).toBe(true);
  expect(await sandbox.countSubmissions()).toBe(2);
});
