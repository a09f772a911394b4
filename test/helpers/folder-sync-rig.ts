/**
 * A running agent's folder sync against the sandbox platform, for tests of what happens to files
 * dropped into a watched folder: an engine with its SyncService watching `drop/`, a "Site
 * electricity" mapping (Site, Month, Electricity kWh) and one ingest job, and `drop()`, which writes
 * a file and waits for the run it starts (or null when none starts in time).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { RunSummary } from '../../shared/api';
import { headerFingerprint, type MappingProfileInput } from '../../shared/mapping';
import { createEngineApi } from '../../main/engine/api';
import { Engine } from '../../main/engine/engine';
import { createDispatcher } from '../../main/engine/rpc-dispatch';
import { SyncService } from '../../main/engine/sync/service';
import { startSandbox, type RunningSandbox } from '../../main/sandbox';
import { memorySecretStore } from './memory-secrets';

export interface FolderSyncRig {
  dir: string;
  engine: Engine;
  sandbox: RunningSandbox;
  close(): Promise<void>;
}

export async function openFolderSyncRig(): Promise<FolderSyncRig> {
  const dir = mkdtempSync(join(tmpdir(), 'esg-folder-rig-'));
  const sandbox = await startSandbox({ port: 0 });
  const engine = Engine.open({ dataDir: join(dir, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
  return {
    dir,
    engine,
    sandbox,
    async close() {
      await engine.stop();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const electricityCsv = (rows: string[][]) => ['Site,Month,Electricity kWh', ...rows.map((r) => r.join(','))].join('\n') + '\n';

/** The next run of this engine with an id above `after`, or null after `timeoutMs`. */
export function nextRun(engine: Engine, after: number, timeoutMs = 20_000): Promise<RunSummary | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(null);
    }, timeoutMs);
    const off = engine.events.subscribe((event, payload) => {
      const run = payload as RunSummary;
      if (event === 'run.finished' && run.id > after) {
        clearTimeout(timer);
        off();
        resolve(run);
      }
    });
  });
}

/** The connection, the watched folder `drop/`, the mapping and the job; the sync service started. */
export async function electricityFolderJob(
  rig: FolderSyncRig,
  opts: { unknownEntity?: 'reject' | 'hold'; ingest?: Record<string, unknown>; beforeStart?: (call: ReturnType<typeof createDispatcher>, connectionId: string) => Promise<void> } = {},
) {
  const { engine, sandbox, dir } = rig;
  const call = createDispatcher(createEngineApi(engine));
  await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  const watched = join(dir, 'drop');
  mkdirSync(watched);
  engine.store.sources.insert({ id: 'src1', name: 'Bills', kind: 'folder', config: { path: watched, stableMs: 300 }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: 'now' });
  const profile: MappingProfileInput = {
    schemaVersion: 1,
    name: 'Site electricity',
    sourceId: 'src1',
    connectionId,
    shape: { kind: 'long', valueColumn: 'Electricity kWh' },
    metric: { kind: 'fixed', metricId: 'met_elec_cons' },
    entity: { kind: 'column', column: 'Site', unknownEntity: opts.unknownEntity ?? 'reject' },
    period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
    headerFingerprint: headerFingerprint(['Site', 'Month', 'Electricity kWh'], { orderInsensitive: true }),
  };
  engine.store.mappings.save({ id: 'map1', name: 'Site electricity', sourceId: 'src1', connectionId, fingerprint: null, profile }, 'now');
  const added = await call('jobs.add', { name: 'Bills', type: 'ingest', connectionId, sourceId: 'src1', mappingId: 'map1', config: { ingest: opts.ingest ?? {} } });
  expect(added.ok).toBe(true);
  await opts.beforeStart?.(call, connectionId);
  engine.sync = new SyncService(engine);
  await engine.sync.start();
  const drop = async (name: string, rows: string[][], after: number, timeoutMs?: number) => {
    const done = nextRun(engine, after, timeoutMs);
    writeFileSync(join(watched, name), electricityCsv(rows));
    return done;
  };
  return { call, drop, watched, jobId: (added as { result: { id: string } }).result.id };
}
