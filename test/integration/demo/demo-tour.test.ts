/**
 * The first-run sandbox tour end to end on a real engine: start → sample folder, sandbox
 * connection and sources → mapping saved from the engine's own suggestion → drop the next
 * sample → live run into the in-process sandbox → engine restart brings the sandbox back with
 * its data → "remove sandbox data" removes exactly the sandbox's rows, folder and secret.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngineApi } from '../../../main/engine/api';
import { DEMO_FOLDER, SANDBOX_DIR } from '../../../main/engine/demo';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import type { SecretStore } from '../../../main/engine/secrets';
import { SyncService } from '../../../main/engine/sync/service';
import type { Params, Result, MethodName, RunSummary } from '../../../shared/api';
import { memorySecretStore } from '../../helpers/memory-secrets';

let dir: string;
let dataDir: string;
let engine: Engine;
let secrets: SecretStore;

async function open(): Promise<Engine> {
  const e = Engine.open({ dataDir, mode: 'headless', fileLogs: false });
  await e.initSecrets({ allowEnv: false, store: secrets });
  e.sync = new SyncService(e);
  await e.sync.start();
  return e;
}

async function call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
  const r = await createDispatcher(createEngineApi(engine))(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  return r.result as Result<M>;
}

function nextRun(predicate: (r: RunSummary) => boolean, timeoutMs = 30_000): Promise<RunSummary> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching run finished in time')), timeoutMs);
    const off = engine.events.subscribe((event, payload) => {
      if (event === 'run.finished' && predicate(payload as RunSummary)) {
        clearTimeout(timer);
        off();
        resolve(payload as RunSummary);
      }
    });
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-demo-'));
  dataDir = join(dir, 'data');
  secrets = memorySecretStore();
  engine = await open();
});

afterEach(async () => {
  await engine.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the sandbox tour', () => {
  it('goes from an empty agent to a live run on a dropped file, survives a restart, and is removed in one step', async () => {
    expect((await call('demo.status', {})).step).toBe('start');

    // A source of the user's own, which removing the sandbox must leave alone.
    const ownFolder = join(dir, 'own-exports');
    mkdirSync(ownFolder);
    const own = await call('sources.addFolder', { name: 'Our ERP exports', path: ownFolder });

    // 1. Start: sandbox platform, connection (secret in the secret store), sample folder, sources.
    const started = await call('demo.start', {});
    expect(started.step).toBe('map');
    expect(started.running).toBe(true);
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.folder).toBe(join(dataDir, DEMO_FOLDER));
    const connections = await call('connections.list', {});
    expect(connections).toHaveLength(1);
    expect(connections[0]).toMatchObject({ id: started.connectionId, sandbox: true, baseUrl: started.url, lastTestOk: true });
    expect(await secrets.get(started.connectionId!)).toBe('sandbox-secret');
    expect(readFileSync(join(dataDir, 'esg-sync.db')).includes('sandbox-secret')).toBe(false);
    const sources = await call('sources.list', {});
    expect(sources.filter((s) => s.sandbox).map((s) => s.name).sort()).toEqual([
      'Sandbox: electricity reports',
      'Sandbox: fuel card exports',
      'Sandbox: waste contractor',
    ]);
    expect(sources.find((s) => s.id === own.id)?.sandbox).toBe(false);
    expect(started.sandbox.sourceIds).toHaveLength(3);
    expect(started.sandbox.connectionIds).toEqual([started.connectionId]);
    for (const s of sources.filter((x) => x.sandbox)) expect(readdirSync(s.location).filter((f) => f.endsWith('.csv'))).toHaveLength(1);
    const first = readFileSync(started.firstFile!, 'utf8').split('\r\n');
    expect(first[0]).toBe('Site code,Site name,Meter serial,Month,Electricity (kWh),Renewable electricity (kWh)');
    expect(first.slice(1, 5).map((l) => l.split(',')[0])).toEqual(['LON-01', 'MAN-02', 'BER-01', 'LYO-01']);
    expect(started.nextFile).toMatch(/^electricity-report-\d{4}-\d{2}\.csv$/);
    // Starting twice does not make a second tour.
    expect((await call('demo.start', {})).connectionId).toBe(started.connectionId);
    expect(await call('connections.list', {})).toHaveLength(1);

    // Dropping before any mapping exists is refused with what to do instead.
    await expect(call('demo.dropNext', {})).rejects.toThrow(/Save a mapping for the sandbox electricity reports first/);

    // 2. The wizard's starting point: the engine's suggestion for the first file, accepted as is.
    const suggested = await call('mappings.suggest', { sourceId: started.firstSourceId!, connectionId: started.connectionId!, file: started.firstFile! });
    const saved = await call('mappings.save', { profile: { ...suggested.draft, name: 'Monthly electricity by site' } });
    const afterMapping = await call('demo.status', {});
    expect(afterMapping).toMatchObject({ step: 'drop', mappingId: saved.id });
    expect(afterMapping.sandbox.mappingIds).toEqual([saved.id]);

    // 3. Drop the next sample: the job is created, the waiting first file and the dropped one both sync.
    // (Even when someone deleted the held-back file: the samples are deterministic and written again.)
    rmSync(join(started.folder!, 'next-month', started.nextFile!));
    const firstRun = nextRun((r) => basename(r.file ?? '') === basename(started.firstFile!));
    const liveRun = nextRun((r) => basename(r.file ?? '') === started.nextFile);
    const dropped = await call('demo.dropNext', {});
    expect(dropped.status.step).toBe('done');
    expect(dropped.status.sandbox.jobIds).toEqual([dropped.jobId]);
    const [a, b] = await Promise.all([firstRun, liveRun]);
    for (const run of [a, b]) {
      expect(run, JSON.stringify(run)).toMatchObject({ status: 'succeeded', jobId: dropped.jobId, trigger: 'file', read: 4, created: 8, rejected: 0 });
    }
    expect(engine.sandboxHost.sandbox!.countSubmissions()).toBe(16);
    await expect(call('demo.dropNext', {})).rejects.toThrow(/already dropped/);

    // 4. Restart: the sandbox comes back with its data, and the connection still works.
    await engine.stop();
    engine = await open();
    const restarted = await call('demo.status', {});
    expect(restarted.running).toBe(true);
    expect((await call('connections.list', {}))[0]!.baseUrl).toBe(restarted.url);
    expect(engine.sandboxHost.sandbox!.countSubmissions()).toBe(16);
    expect((await call('connections.test', { id: started.connectionId! })).test.ok).toBe(true);

    // 5. Remove: every sandbox row, the folder, the platform's data and the secret; nothing else.
    const removed = await call('demo.remove', {});
    expect(removed).toEqual({ connections: 1, sources: 3, mappings: 1, jobs: 1, runs: 2, folderRemoved: true, warnings: [] });
    expect(await call('connections.list', {})).toEqual([]);
    expect((await call('sources.list', {})).map((s) => s.id)).toEqual([own.id]);
    expect(await call('mappings.list', {})).toEqual([]);
    expect(await call('jobs.list', {})).toEqual([]);
    expect(await call('history.list', {})).toEqual([]);
    expect(await secrets.get(started.connectionId!)).toBeNull();
    expect(existsSync(join(dataDir, DEMO_FOLDER))).toBe(false);
    expect(existsSync(join(dataDir, SANDBOX_DIR))).toBe(false);
    expect(existsSync(ownFolder)).toBe(true);
    const after = await call('demo.status', {});
    expect(after).toMatchObject({ step: 'start', running: false, folder: null });
    expect(after.sandbox).toEqual({ connectionIds: [], sourceIds: [], mappingIds: [], jobIds: [] });

    // A restart after removal starts no sandbox.
    await engine.stop();
    engine = await open();
    expect((await call('demo.status', {})).running).toBe(false);
  }, 90_000);

  it('moves the sandbox to a free port when its old one is taken, and updates the connection', async () => {
    const started = await call('demo.start', {});
    const oldPort = Number(new URL(started.url!).port);
    await engine.stop();
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(oldPort, '127.0.0.1', () => r()));
    try {
      engine = await open();
      const status = await call('demo.status', {});
      expect(status.running).toBe(true);
      expect(Number(new URL(status.url!).port)).not.toBe(oldPort);
      expect((await call('connections.list', {}))[0]!.baseUrl).toBe(status.url);
      expect((await call('connections.test', { id: started.connectionId! })).test.ok).toBe(true);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  }, 60_000);

  it('removes what is left when the sandbox connection was removed by hand', async () => {
    const started = await call('demo.start', {});
    const suggested = await call('mappings.suggest', { sourceId: started.firstSourceId!, connectionId: started.connectionId!, file: started.firstFile! });
    await call('mappings.save', { profile: { ...suggested.draft, name: 'Monthly electricity by site' } });
    const runs = Promise.all([nextRun((r) => basename(r.file ?? '') === basename(started.firstFile!)), nextRun((r) => basename(r.file ?? '') === started.nextFile)]);
    await call('demo.dropNext', {});
    await runs;
    // Removing the connection with its jobs leaves their runs without a job.
    await call('connections.remove', { id: started.connectionId!, force: true });
    expect((await call('history.list', {})).map((r) => r.jobId)).toEqual([null, null]);
    const status = await call('demo.status', {});
    expect(status.step).toBe('start');
    expect(status.sandbox.sourceIds).toHaveLength(3);
    const removed = await call('demo.remove', {});
    expect(removed).toMatchObject({ connections: 0, sources: 3, mappings: 1, runs: 2, folderRemoved: true });
    expect(await call('history.list', {})).toEqual([]);
    expect(await call('sources.list', {})).toEqual([]);
    expect(existsSync(join(dataDir, DEMO_FOLDER))).toBe(false);
    expect((await call('demo.status', {})).running).toBe(false);
  }, 60_000);

  it('says why the tour cannot start without a secret store, and leaves nothing behind', async () => {
    await engine.stop();
    engine = Engine.open({ dataDir, mode: 'headless', fileLogs: false });
    await engine.initSecrets({
      allowEnv: false,
      store: { ...memorySecretStore(), kind: 'keychain', available: async () => false, set: async () => Promise.reject(new Error('The keychain is locked.')) },
    });
    await expect(call('demo.start', {})).rejects.toThrow(/keychain is locked/);
    expect(await call('connections.list', {})).toEqual([]);
    expect(await call('sources.list', {})).toEqual([]);
    expect(existsSync(join(dataDir, DEMO_FOLDER))).toBe(false);
    expect((await call('demo.status', {})).running).toBe(false);
  }, 60_000);
});
