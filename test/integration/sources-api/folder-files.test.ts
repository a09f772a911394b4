/**
 * What happens to dropped files, as the Sources page shows it: real watcher, real sandbox
 * platform. The folder's after-run disposition is what the runner does (left in place versus
 * moved), and a copy of content already taken is listed as a duplicate without replacing the
 * original's record, however many copies arrive.
 */
import { existsSync, readFileSync, mkdirSync, readdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import type { RunSummary, SourceInfo } from '../../../shared/api';
import type { SourceFile } from '../../../shared/contract/sources';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { SyncService } from '../../../main/engine/sync/service';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { memorySecretStore } from '../../helpers/memory-secrets';

let dir: string;
let sandbox: RunningSandbox;
let engine: Engine;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-after-run-'));
  sandbox = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(dir, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
});

afterEach(async () => {
  await engine.stop();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

function nextRun(): Promise<RunSummary> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no run finished within 20 s')), 20_000);
    const off = engine.events.subscribe((event, payload) => {
      if (event === 'run.finished') {
        clearTimeout(timer);
        off();
        resolve(payload as RunSummary);
      }
    });
  });
}

async function setUp(afterRun: 'move' | 'leave') {
  const dispatch = createDispatcher(createEngineApi(engine));
  const call = async <T,>(method: string, params: unknown): Promise<T> => {
    const r = await dispatch(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.result as T;
  };
  await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  const folder = join(dir, 'drop');
  mkdirSync(folder);
  const source = await call<SourceInfo>('sources.addFolder', { name: 'Bills', path: folder, include: ['*.csv'], stableMs: 300, afterRun });
  const profile: MappingProfileInput = {
    schemaVersion: 1,
    name: 'Site electricity',
    sourceId: source.id,
    connectionId,
    shape: { kind: 'long', valueColumn: 'Electricity kWh' },
    metric: { kind: 'fixed', metricId: 'met_elec_cons' },
    entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
    period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
    headerFingerprint: headerFingerprint(['Site', 'Month', 'Electricity kWh'], { orderInsensitive: true }),
  };
  engine.store.mappings.save({ id: 'map1', name: 'Site electricity', sourceId: source.id, connectionId, fingerprint: null, profile }, new Date().toISOString());
  await call('jobs.add', { name: 'Bills to platform', type: 'ingest', connectionId, sourceId: source.id, mappingId: 'map1', config: {} });
  engine.sync = new SyncService(engine);
  await engine.sync.start();
  return { folder, source, call };
}

const csv = 'Site,Month,Electricity kWh\nLON-01,2024-01,1200\nMAN-02,2024-01,3400\n';

it('leaves the file where it was when the source says "leave", and lists it as processed with its run', async () => {
  const { folder, source, call } = await setUp('leave');
  const finished = nextRun();
  writeFileSync(join(folder, 'bills.csv'), csv);
  const run = await finished;
  expect(run.status).toBe('succeeded');
  expect(existsSync(join(folder, 'bills.csv'))).toBe(true);
  expect(existsSync(join(folder, 'processed'))).toBe(false);
  const files = await call<{ files: SourceFile[] }>('sources.files', { sourceId: source.id });
  expect(files.files.map((f) => [f.name, f.status, f.runId])).toEqual([['bills.csv', 'processed', run.id]]);
});

it('moves the file to processed/ when the source says "move"', async () => {
  const { folder } = await setUp('move');
  const finished = nextRun();
  writeFileSync(join(folder, 'bills.csv'), csv);
  expect((await finished).status).toBe('succeeded');
  expect(existsSync(join(folder, 'bills.csv'))).toBe(false);
  expect(existsSync(join(folder, 'processed', 'bills.csv'))).toBe(true);
});

it('lists each file by its path inside the folder, with what its run did', async () => {
  const { folder, source, call } = await setUp('move');
  const finished = nextRun();
  writeFileSync(join(folder, 'bills.csv'), csv + 'LON-01,2024-02,not a number\n');
  const run = await finished;
  expect(run.status).toBe('succeeded_with_rejections');
  const files = await call<{ files: SourceFile[] }>('sources.files', { sourceId: source.id });
  expect(files.files).toEqual([expect.objectContaining({ name: 'processed/bills.csv', status: 'processed', runId: run.id, runStatus: 'succeeded_with_rejections', runRejected: 1, runHeld: 0, runSent: 2 })]);
  // Its rejected row beside it, for whoever dropped it (never taken as data: see the folder watcher's filter).
  expect(readdirSync(join(folder, 'processed')).sort()).toEqual(['bills.csv', 'bills.csv.errors.csv']);
  expect(readFileSync(join(folder, 'processed', 'bills.csv.errors.csv'), 'utf8')).toContain('not a number');
});

it('lists every copy of content already taken as a duplicate of the original, and never syncs one again', async () => {
  const { folder, source, call } = await setUp('leave');
  const finished = nextRun();
  writeFileSync(join(folder, 'bills.csv'), csv);
  const run = await finished;
  expect(run.status).toBe('succeeded');
  const listed = async () => (await call<{ files: SourceFile[]; total: number }>('sources.files', { sourceId: source.id }));
  const until = async (n: number) => {
    const deadline = Date.now() + 15_000;
    while ((await listed()).total < n) {
      if (Date.now() > deadline) throw new Error(`fewer than ${n} files were recorded: ${JSON.stringify((await listed()).files)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  writeFileSync(join(folder, 'copy 1.csv'), csv);
  await until(2);
  writeFileSync(join(folder, 'copy 2.csv'), csv);
  await until(3);
  await new Promise((r) => setTimeout(r, 1000));
  const { files, total } = await listed();
  expect(total).toBe(3);
  const byName = Object.fromEntries(files.map((f) => [f.name, f]));
  expect(byName['bills.csv']).toMatchObject({ status: 'processed', runId: run.id, duplicateOf: null });
  expect(byName['copy 1.csv']).toMatchObject({ status: 'duplicate', runId: run.id, duplicateOf: join(folder, 'bills.csv') });
  expect(byName['copy 2.csv']).toMatchObject({ status: 'duplicate', runId: run.id, duplicateOf: join(folder, 'bills.csv') });
  expect(engine.store.runs.list({ limit: 10 })).toHaveLength(1);
  expect(readdirSync(folder).sort()).toEqual(['bills.csv', 'copy 1.csv', 'copy 2.csv']);
  const [info] = await call<SourceInfo[]>('sources.list', {});
  expect(info).toMatchObject({ filesSeen: 3, filesWaiting: 0 });
});

it('moves a copy of content already synced to processed/ as well, when the folder moves its files', async () => {
  const { folder, source, call } = await setUp('move');
  const finished = nextRun();
  writeFileSync(join(folder, 'bills.csv'), csv);
  expect((await finished).status).toBe('succeeded');
  writeFileSync(join(folder, 'bills again.csv'), csv);
  const listed = async () => (await call<{ files: SourceFile[]; total: number }>('sources.files', { sourceId: source.id })).files;
  const deadline = Date.now() + 15_000;
  while (!(await listed()).some((f) => f.status === 'duplicate')) {
    if (Date.now() > deadline) throw new Error('the copy was not recorded');
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(readdirSync(folder).sort()).toEqual(['processed']);
  expect(readdirSync(join(folder, 'processed')).sort()).toEqual(['bills again.csv', 'bills.csv']);
  expect((await listed()).find((f) => f.status === 'duplicate')).toMatchObject({ name: 'processed/bills again.csv', duplicateOf: join(folder, 'processed', 'bills.csv') });
  expect(engine.store.runs.list({ limit: 10 })).toHaveLength(1);
});

