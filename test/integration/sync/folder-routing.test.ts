/**
 * Two jobs on one watched folder, each with its own mapping: a file goes to the job whose mapping
 * fits its columns. When that job is paused, the file waits for it (it is not handed to the other
 * job, which would report "columns changed" against its own mapping), and resuming the job takes it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import type { RunSummary } from '../../../shared/api';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { SyncService } from '../../../main/engine/sync/service';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { memorySecretStore } from '../../helpers/memory-secrets';

let root: string;
let sandbox: RunningSandbox;
let engine: Engine;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-routing-'));
  sandbox = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
});
afterEach(async () => {
  await engine.stop();
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

function runs(): RunSummary[] {
  return engine.store.runs.list({ limit: 50 });
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it("a paused job's file waits for it instead of going to the other job of the folder, and is taken on resume", async () => {
  const dispatch = createDispatcher(createEngineApi(engine));
  const call = async <T,>(method: string, params: Record<string, unknown>): Promise<T> => {
    const r = await dispatch(method as never, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.result as T;
  };
  await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  const folder = join(root, 'drop');
  mkdirSync(folder);
  engine.store.sources.insert({ id: 'src', name: 'Drop', kind: 'folder', config: { path: folder, stableMs: 200 }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: 'now' });
  const mapping = (id: string, headers: string[], site: string, month: string, value: string): void => {
    const profile: MappingProfileInput = {
      schemaVersion: 1,
      name: id,
      sourceId: 'src',
      connectionId,
      shape: { kind: 'long', valueColumn: value },
      metric: { kind: 'fixed', metricId: 'met_elec_cons' },
      entity: { kind: 'column', column: site, unknownEntity: 'reject' },
      period: { kind: 'date', column: month, format: 'YYYY-MM', granularity: 'month' },
      headerFingerprint: headerFingerprint(headers, { orderInsensitive: true }),
    };
    engine.store.mappings.save({ id, name: id, sourceId: 'src', connectionId, fingerprint: null, profile }, 'now');
  };
  mapping('english', ['Site', 'Month', 'kWh'], 'Site', 'Month', 'kWh');
  mapping('german', ['Standort', 'Monat', 'Strom'], 'Standort', 'Monat', 'Strom');
  const english = await call<{ id: string }>('jobs.add', { name: 'English bills', type: 'ingest', connectionId, sourceId: 'src', mappingId: 'english', config: {} });
  const german = await call<{ id: string }>('jobs.add', { name: 'German bills', type: 'ingest', connectionId, sourceId: 'src', mappingId: 'german', config: {} });
  engine.sync = new SyncService(engine);
  await engine.sync.start();

  // Each file goes to its own job.
  writeFileSync(join(folder, 'june.csv'), 'Site,Month,kWh\nLON-01,2024-06,10\n');
  writeFileSync(join(folder, 'juni.csv'), 'Standort,Monat,Strom\nBER-01,2024-06,20\n');
  await until('two runs', () => runs().filter((r) => r.finishedAt).length === 2);
  expect(runs().map((r) => [r.jobName, r.status]).sort()).toEqual([
    ['English bills', 'succeeded'],
    ['German bills', 'succeeded'],
  ]);

  // The English job is paused: its next file waits, the German job does not take it.
  await call('jobs.pause', { jobId: english.id });
  writeFileSync(join(folder, 'july.csv'), 'Site,Month,kWh\nLON-01,2024-07,11\n');
  await new Promise((r) => setTimeout(r, 1500));
  expect(runs()).toHaveLength(2);
  expect(existsSync(join(folder, 'july.csv'))).toBe(true);

  // Resumed, the English job takes it.
  await call('jobs.resume', { jobId: english.id });
  await until('the waiting file taken on resume', () => runs().filter((r) => r.finishedAt).length === 3);
  const third = runs()[0]!;
  expect({ job: third.jobName, status: third.status, created: third.created, file: third.file }).toEqual({ job: 'English bills', status: 'succeeded', created: 1, file: join(folder, 'july.csv') });
  expect(existsSync(join(folder, 'processed', 'july.csv'))).toBe(true);
  expect(runs().filter((r) => r.jobId === german.id)).toHaveLength(1);
});
