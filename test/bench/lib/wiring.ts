/**
 * Wires a real engine for the benchmarks the way test/integration/sync/folder-ingest.test.ts does:
 * a connection added (and tested) through the API dispatcher, a folder source, the bench mapping,
 * and an ingest job added through the API.
 */
import { mkdirSync } from 'node:fs';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import type { IngestSettings } from '../../../shared/jobs';
import { memorySecretStore } from '../../helpers/memory-secrets';
import { benchProfile } from './data';

export type Dispatch = ReturnType<typeof createDispatcher>;

export async function openBenchEngine(dataDir: string): Promise<{ engine: Engine; call: Dispatch }> {
  const engine = Engine.open({ dataDir, mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
  return { engine, call: createDispatcher(createEngineApi(engine)) };
}

/** Calls an API method and returns its result, or throws with the API's own error message. */
export async function api<T = unknown>(call: Dispatch, method: string, params: unknown): Promise<T> {
  const r = (await call(method, params)) as { ok: true; result: T } | { ok: false; error: { code: string; message: string; details?: unknown } };
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code}: ${r.error.message}${r.error.details ? ` ${JSON.stringify(r.error.details)}` : ''}`);
  return r.result;
}

export async function addSandboxConnection(engine: Engine, call: Dispatch, sandboxUrl: string, name = 'Sandbox'): Promise<string> {
  const added = await api<{ saved: boolean; test: unknown }>(call, 'connections.add', {
    kind: 'esg-api',
    name,
    baseUrl: sandboxUrl,
    clientId: 'sandbox-client',
    clientSecret: 'sandbox-secret',
  });
  if (!added.saved) throw new Error(`The sandbox connection was not saved: ${JSON.stringify(added.test)}`);
  const conn = engine.store.connections.get(name);
  if (!conn) throw new Error(`Connection "${name}" is missing after it was added.`);
  return conn.id;
}

export interface FolderJob {
  jobId: string;
  sourceId: string;
  mappingId: string;
}

/** A watched folder with the bench mapping and an ingest job taking files from it. */
export async function addFolderIngestJob(
  engine: Engine,
  call: Dispatch,
  o: { key: string; folder: string; connectionId: string; stableMs?: number; ingest?: Partial<IngestSettings>; schedule?: string | null },
): Promise<FolderJob> {
  mkdirSync(o.folder, { recursive: true });
  const now = new Date().toISOString();
  const sourceId = `src_${o.key}`;
  const mappingId = `map_${o.key}`;
  engine.store.sources.insert({
    id: sourceId,
    name: `Bench folder ${o.key}`,
    kind: 'folder',
    config: { path: o.folder, include: ['*.csv'], ...(o.stableMs !== undefined ? { stableMs: o.stableMs } : {}) },
    paused: false,
    sandbox: true,
    status: 'idle',
    statusMessage: null,
    createdAt: now,
  });
  engine.store.mappings.save({ id: mappingId, name: `Bench utilities ${o.key}`, sourceId, connectionId: o.connectionId, fingerprint: null, profile: benchProfile(sourceId, o.connectionId) }, now);
  const job = await api<{ id: string }>(call, 'jobs.add', {
    name: `Bench ingest ${o.key}`,
    type: 'ingest',
    connectionId: o.connectionId,
    sourceId,
    mappingId,
    config: { schedule: o.schedule ?? null, ingest: { afterRun: 'leave', ...o.ingest } },
  });
  return { jobId: job.id, sourceId, mappingId };
}
