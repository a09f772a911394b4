import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import { Engine } from '../../../main/engine/engine';
import { SyncService } from '../../../main/engine/sync/service';
import { createEngineApi } from '../../../main/engine/api';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import type { RunSummary, SourceInfo } from '../../../shared/api';
import { memorySecretStore } from '../../helpers/memory-secrets';

let dir: string;
let sandbox: RunningSandbox;
let engine: Engine;
let watched: string;
let connectionId: string;
let call: ReturnType<typeof createDispatcher>;

const profile = (sourceId: string, connId: string): MappingProfileInput => ({
  schemaVersion: 1,
  name: 'Site electricity',
  sourceId,
  connectionId: connId,
  shape: { kind: 'long', valueColumn: 'Electricity kWh' },
  metric: { kind: 'fixed', metricId: 'met_elec_cons' },
  entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
  period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
  headerFingerprint: headerFingerprint(['Site', 'Month', 'Electricity kWh'], { orderInsensitive: true }),
});

const rows = ['LON-01', 'MAN-02'].flatMap((s, i) => ['2024-01', '2024-02'].map((m, j) => `${s},${m},${1000 + i * 10 + j}`));
const csv = ['Site,Month,Electricity kWh', ...rows].join('\n') + '\n';

/** A file written a while ago: stable from the scan's point of view. */
function dropOld(name: string, text = csv): string {
  const p = join(watched, name);
  writeFileSync(p, text);
  const past = new Date(Date.now() - 60_000);
  utimesSync(p, past, past);
  return p;
}

function waitForRun(predicate: (r: RunSummary) => boolean, timeoutMs = 30_000): Promise<RunSummary> {
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

async function setUp(jobConfig: Record<string, unknown>): Promise<string> {
  call = createDispatcher(createEngineApi(engine));
  const conn = await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  expect(conn.ok).toBe(true);
  connectionId = engine.store.connections.get('Sandbox')!.id;
  engine.store.sources.insert({ id: 'src1', name: 'Bills', kind: 'folder', config: { path: watched, include: ['*.csv'], stableMs: 300 }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: new Date().toISOString() });
  engine.store.mappings.save({ id: 'map1', name: 'Elec', sourceId: 'src1', connectionId, fingerprint: null, profile: profile('src1', connectionId) }, new Date().toISOString());
  const added = await call('jobs.add', { name: 'Elec', type: 'ingest', connectionId, sourceId: 'src1', mappingId: 'map1', config: jobConfig });
  expect(added.ok).toBe(true);
  return engine.store.jobs.list()[0]!.id;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-sync-fu-'));
  watched = join(dir, 'drop');
  mkdirSync(watched);
  sandbox = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(dir, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
});

afterEach(async () => {
  await engine.sync?.stop();
  await engine.stop();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Run now on a folder job', () => {
  it('takes the file waiting in the folder, once, and records a same-content copy as a duplicate', async () => {
    const jobId = await setUp({ onFileArrival: false });
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    dropOld('bills.csv');
    dropOld('copy-of-bills.csv');
    const run = await engine.sync.trigger(jobId, 'manual');
    expect(run?.trigger).toBe('manual');
    expect(run?.created).toBe(4);
    expect(run?.file).toMatch(/bills\.csv$/);
    await engine.sync.idle();
    expect(engine.store.runs.list({ limit: 10 })).toHaveLength(1);
    expect(await sandbox.countSubmissions()).toBe(4);
    const files = engine.store.sources.files('src1', 10);
    expect(files.filter((f) => f.status === 'processed')).toHaveLength(1);
    expect(files.filter((f) => f.status === 'duplicate')).toHaveLength(1);

    // Pressed again with nothing new: one outbox-only run, nothing re-sent.
    const again = await engine.sync.trigger(jobId, 'manual');
    expect(again?.file).toBeNull();
    expect(again?.created).toBe(0);
    expect(await sandbox.countSubmissions()).toBe(4);
  });

  it('leaves a file that is still being written', async () => {
    const jobId = await setUp({ onFileArrival: false });
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    writeFileSync(join(watched, 'fresh.csv'), csv); // mtime now: not stable for 300 ms yet
    const run = await engine.sync.trigger(jobId, 'manual');
    expect(run?.file).toBeNull();
    expect(existsSync(join(watched, 'fresh.csv'))).toBe(true);
  });
});

describe('a file kept after a platform outage', () => {
  it('is retried automatically after a pause, and synced once the platform is back', async () => {
    const jobId = await setUp({ onFileArrival: false });
    engine.sync = new SyncService(engine, undefined, { fileRetryDelaysMs: [800] });
    await engine.sync.start();
    dropOld('bills.csv');
    sandbox.setFaults({ error500: 1 });
    const first = await engine.sync.trigger(jobId, 'manual');
    expect(first?.status).toBe('failed');
    expect(existsSync(join(watched, 'bills.csv'))).toBe(true);
    expect(engine.store.runs.events(first!.id).map((e) => e.message).join('\n')).toMatch(/tried again automatically/);
    sandbox.setFaults({});
    const retried = await waitForRun((r) => r.id !== first!.id);
    expect(retried.status).toBe('succeeded');
    expect(retried.created).toBe(4);
    expect(existsSync(join(watched, 'processed', 'bills.csv'))).toBe(true);
    expect(await sandbox.countSubmissions()).toBe(4);
  }, 60_000);
});

describe('a kept file after an outage', () => {
  it('is retried as soon as another run on its connection goes through, not after the rest of its pause', async () => {
    const jobId = await setUp({ onFileArrival: false });
    engine.sync = new SyncService(engine, undefined, { fileRetryDelaysMs: [10 * 60_000] });
    await engine.sync.start();
    dropOld('bills.csv');
    sandbox.setFaults({ error500: 1 });
    const first = await engine.sync.trigger(jobId, 'manual');
    expect(first?.status).toBe('failed');
    sandbox.setFaults({});
    // A run that reaches the platform (here: one resending the outbox) shows it is back.
    const probe = await engine.sync.trigger(jobId, 'schedule', { outboxOnly: true });
    expect(probe?.status).toBe('succeeded');
    const retried = await waitForRun((r) => r.id !== first!.id && r.id !== probe!.id);
    expect(retried).toMatchObject({ status: 'succeeded', created: 4 });
    expect(existsSync(join(watched, 'processed', 'bills.csv'))).toBe(true);
  }, 30_000);
});

describe('a file waiting for a decision', () => {
  it('stops waiting once a person deletes it', async () => {
    await setUp({});
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    const finished = waitForRun(() => true);
    const path = join(watched, 'renamed.csv');
    writeFileSync(path, 'Site,Month,Energy kWh\nLON-01,2024-01,10\n');
    expect((await finished).status).toBe('needs_attention');
    expect(engine.store.sources.waitingFiles('src1')).toEqual([expect.objectContaining({ path, runStatus: 'needs_attention' })]);
    rmSync(path);
    await expect.poll(() => engine.store.sources.pendingFiles('src1'), { timeout: 10_000 }).toBe(0);
    expect(engine.store.sources.waitingFiles('src1')).toEqual([]);
  }, 30_000);
});

describe('a kept file of a paused job', () => {
  it('waits while the job is paused and is retried once it is resumed, never two runs at once', async () => {
    const jobId = await setUp({ onFileArrival: false });
    // The pause must land before the first retry: 2 s leaves room on a busy machine.
    engine.sync = new SyncService(engine, undefined, { fileRetryDelaysMs: [2000] });
    await engine.sync.start();
    dropOld('bills.csv');
    sandbox.setFaults({ error500: 1 });
    const first = await engine.sync.trigger(jobId, 'manual');
    expect(first?.status).toBe('failed');
    sandbox.setFaults({});
    expect((await call('jobs.pause', { jobId })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 3000));
    expect(engine.store.runs.list({ limit: 10 })).toHaveLength(1);
    let concurrent = 0;
    let most = 0;
    engine.events.subscribe((event) => {
      if (event === 'run.started') most = Math.max(most, ++concurrent);
      if (event === 'run.finished') concurrent--;
    });
    const retried = waitForRun((r) => r.id !== first!.id);
    expect((await call('jobs.resume', { jobId })).ok).toBe(true);
    const run = await retried;
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toBe('file');
    // Taken by the resume (files that waited are taken) or by its re-armed retry, whichever comes first: once.
    expect(run.file).toMatch(/bills\.csv$/);
    await engine.sync.idle();
    await new Promise((r) => setTimeout(r, 800));
    expect(engine.store.runs.list({ limit: 10 })).toHaveLength(2);
    expect(most).toBe(1);
  }, 60_000);
});

describe('watched folders', () => {
  it('announce a status change (folder missing) as source.changed', async () => {
    await setUp({});
    const seen: SourceInfo[] = [];
    engine.events.subscribe((event, payload) => {
      if (event === 'source.changed') seen.push(payload as SourceInfo);
    });
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    expect(seen.some((s) => s.id === 'src1' && s.status === 'watching')).toBe(true);
    rmSync(watched, { recursive: true, force: true });
    const deadline = Date.now() + 5000;
    while (!seen.some((s) => s.status === 'missing') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(seen.find((s) => s.status === 'missing')?.statusMessage).toMatch(/not there/);
  });

  it('stop being watched when their jobs are removed with their connection', async () => {
    await setUp({});
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    expect(engine.store.sources.get('src1')!.status).toBe('watching');
    const removed = await call('connections.remove', { id: connectionId, force: true });
    expect(removed.ok).toBe(true);
    const deadline = Date.now() + 5000;
    while (engine.store.sources.get('src1')!.status === 'watching' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(engine.store.sources.get('src1')!.status).toBe('idle');
    writeFileSync(join(watched, 'late.csv'), csv);
    await new Promise((r) => setTimeout(r, 1200));
    expect(engine.store.sources.files('src1', 10)).toHaveLength(0);
  });
});

describe('an interrupted run', () => {
  it('keeps the counts of the batches that reached the platform', async () => {
    const jobId = await setUp({ onFileArrival: false, ingest: { batchSize: 2, batchesInFlight: 1 } });
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    dropOld('bills.csv');
    // Batches one at a time: after the first batch of 2 is answered, the platform goes down; the agent is then stopped mid-run.
    let down = false;
    engine.events.subscribe((event, payload) => {
      if (event === 'run.progress' && !down && (payload as { accepted: number }).accepted >= 2) {
        down = true;
        sandbox.setFaults({ error500: 1 });
      }
    });
    const finished = waitForRun(() => true);
    const started = engine.sync.trigger(jobId, 'manual');
    started?.catch(() => undefined);
    while (!down) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 1000));
    await engine.sync.stop();
    const run = await finished;
    expect(run.status).toBe('interrupted');
    expect(run.created).toBe(2);
    expect(engine.store.runs.get(run.id)!.created).toBe(2);
    // The unanswered batch waits in the outbox for the next start.
    expect(engine.store.outbox.pending(jobId)).toHaveLength(1);
  }, 60_000);
});
