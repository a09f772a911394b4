/**
 * The wizard's engine calls, typed end to end by the shared contract: params are checked by the
 * engine's dispatcher and every result by the client against the same zod schemas.
 */
import type { Params } from '../../shared/api';
import { StoredSample as StoredSampleSchema } from '../../shared/contract/mappings';
import { ApiError } from '../../shared/rpc';
import { agentAuthHeaders } from '../bridge/agent-token';
import { client, desktop } from '../bridge/client';
import type { StoredSample } from './types';

/** Drops unset optional params, so `null` from the UI never reaches a strict schema. */
function clean<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as { [K in keyof T]: Exclude<T[K], null> };
}

type Nullable<T> = { [K in keyof T]: T[K] | (undefined extends T[K] ? null : never) };

export const wizardApi = {
  sample: (p: Nullable<Params<'sources.sample'>>) => client.call('sources.sample', clean(p)),
  catalogue: (connectionId: string) => client.call('catalogue.get', { connectionId }),
  suggest: (p: Nullable<Params<'mappings.suggest'>>) => client.call('mappings.suggest', clean(p)),
  preview: (p: Nullable<Params<'mappings.preview'>>) => client.call('mappings.preview', clean(p)),
  save: (p: Nullable<Params<'mappings.save'>>) => client.call('mappings.save', clean(p)),
  get: (mappingId: string) => client.call('mappings.get', { mappingId }),
  sources: () => client.call('sources.list', {}),
  list: () => client.call('mappings.list', {}),
  drift: (runId: number) => client.call('mappings.drift', { runId }),
  retryFile: (runId: number) => client.call('mappings.retryFile', { runId, wait: true }),
  uploadSample,
};

/** Largest file offered for upload; the engine refuses more anyway. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/**
 * Keeps a dropped file in the engine's sample area. The desktop app sends it through the
 * contract (IPC carries it whole); in a browser it is streamed to the agent's upload route,
 * since the WebSocket takes small messages only. Both end in the same SampleStore.
 */
async function uploadSample(file: File): Promise<StoredSample> {
  if (file.size > MAX_UPLOAD_BYTES) {
    throw new ApiError('invalid_params', `"${file.name}" is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB. A sample needs only the first rows: save a shorter extract and drop that.`);
  }
  if (desktop) return client.call('mappings.uploadSample', { name: file.name, contentBase64: await toBase64(file) });
  const res = await fetch(`/api/uploads/sample?name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', ...agentAuthHeaders() },
    body: file,
  });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ApiError('internal', `The agent did not accept "${file.name}" (HTTP ${res.status}).`);
  }
  const b = body as { ok?: boolean; result?: unknown; error?: { code?: string; message?: string } };
  if (!b.ok) throw new ApiError('invalid_params', b.error?.message ?? `The agent did not accept "${file.name}" (HTTP ${res.status}).`);
  return StoredSampleSchema.parse(b.result);
}

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** A message for a person from whatever the engine threw, with the field issues it named. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError && Array.isArray(err.details)) {
    const extra = err.details.filter((d) => !err.message.includes(d.message)).map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
    return extra.length ? `${err.message} ${extra.join('; ')}` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
