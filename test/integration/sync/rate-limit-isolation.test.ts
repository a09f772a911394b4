/**
 * A platform that answers 429 slows only the runs on its own connection: each connection has its
 * own HTTP client and the run queue limits runs per connection, so a job on another platform
 * runs and finishes meanwhile.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { headerFingerprint } from '../../../shared/mapping';
import type { RunSummary } from '../../../shared/api';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { SyncService } from '../../../main/engine/sync/service';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { memorySecretStore } from '../../helpers/memory-secrets';

let dir: string;
let engine: Engine;
let limited: RunningSandbox;
let healthy: RunningSandbox;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-sync-429-'));
  limited = await startSandbox({ port: 0 });
  healthy = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(dir, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
});

afterEach(async () => {
  await engine.sync?.stop();
  await engine.stop();
  await limited.close();
  await healthy.close();
  rmSync(dir, { recursive: true, force: true });
});

async function addJob(call: ReturnType<typeof createDispatcher>, key: string, url: string): Promise<string> {
  const added = await call('connections.add', { kind: 'esg-api', name: `Platform ${key}`, baseUrl: url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  expect(added.ok).toBe(true);
  const connectionId = engine.store.connections.get(`Platform ${key}`)!.id;
  const folder = join(dir, key);
  mkdirSync(folder);
  const file = join(folder, 'bills.csv');
  writeFileSync(file, 'Site,Month,Electricity kWh\nLON-01,2024-01,1000\nLON-01,2024-02,1001\nMAN-02,2024-01,1010\nMAN-02,2024-02,1011\n');
  const past = new Date(Date.now() - 60_000);
  utimesSync(file, past, past);
  const sourceId = `src-${key}`;
  engine.store.sources.insert({ id: sourceId, name: `Bills ${key}`, kind: 'folder', config: { path: folder, include: ['*.csv'], stableMs: 300 }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: new Date().toISOString() });
  engine.store.mappings.save(
    {
      id: `map-${key}`,
      name: `Elec ${key}`,
      sourceId,
      connectionId,
      fingerprint: null,
      profile: {
        schemaVersion: 1,
        name: `Elec ${key}`,
        sourceId,
        connectionId,
        shape: { kind: 'long', valueColumn: 'Electricity kWh' },
        metric: { kind: 'fixed', metricId: 'met_elec_cons' },
        entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
        period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
        headerFingerprint: headerFingerprint(['Site', 'Month', 'Electricity kWh'], { orderInsensitive: true }),
      },
    },
    new Date().toISOString(),
  );
  const job = await call('jobs.add', { name: `Elec ${key}`, type: 'ingest', connectionId, sourceId, mappingId: `map-${key}`, config: { onFileArrival: false, ingest: { batchSize: 1 } } });
  expect(job.ok).toBe(true);
  return engine.store.jobs.list().find((j) => j.name === `Elec ${key}`)!.id;
}

describe('rate limits', () => {
  it('a platform answering 429 slows only the job on its connection', async () => {
    const call = createDispatcher(createEngineApi(engine));
    const slowJob = await addJob(call, 'limited', limited.url);
    const fastJob = await addJob(call, 'healthy', healthy.url);
    engine.sync = new SyncService(engine);
    await engine.sync.start();

    const finished = new Map<string, RunSummary & { at: number }>();
    engine.events.subscribe((event, payload) => {
      if (event === 'run.finished') finished.set((payload as RunSummary).jobId!, { ...(payload as RunSummary), at: Date.now() });
    });
    // Every API request to the limited platform is answered 429 (Retry-After 1 s) until lifted.
    limited.setFaults({ rate429: 1, retryAfter: 1, faultTokenEndpoint: false });
    const slow = engine.sync.trigger(slowJob, 'manual');
    const fast = engine.sync.trigger(fastJob, 'manual');
    const fastRun = await fast;
    // The healthy platform's run is done while the limited one is still waiting out its 429s.
    expect(fastRun).toMatchObject({ status: 'succeeded', created: 4, retries: 0 });
    expect(finished.has(slowJob)).toBe(false);
    await new Promise((r) => setTimeout(r, 1500));
    expect(finished.has(slowJob)).toBe(false);
    limited.setFaults({});
    const slowRun = await slow;
    expect(slowRun).toMatchObject({ status: 'succeeded', created: 4 });
    expect(slowRun!.retries).toBeGreaterThan(0);
    expect(finished.get(slowJob)!.at).toBeGreaterThan(finished.get(fastJob)!.at);
    expect(await healthy.countSubmissions()).toBe(4);
    expect(await limited.countSubmissions()).toBe(4);
  }, 60_000);
});
