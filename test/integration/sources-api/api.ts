/**
 * The engine's API as the UI calls it (the dispatcher, params checked by the contract), for the
 * source tests: `ok` expects success and returns the result, `fails` expects an error.
 */
import { expect } from 'vitest';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import type { SecretStore } from '../../../main/engine/secrets';

export type Reply = { ok: boolean; result?: unknown; error?: { code: string; message: string } };

export interface EngineApi {
  engine: Engine;
  call(method: string, params: unknown): Promise<Reply>;
  ok<T>(method: string, params: unknown): Promise<T>;
  fails(method: string, params: unknown): Promise<{ code: string; message: string }>;
}

/** Opens an engine on `dataDir` with the given secret store (or the keychain under `service`). */
export async function openEngineApi(dataDir: string, secrets: { store: SecretStore } | { service: string }, opts: { fileLogs?: boolean } = {}): Promise<EngineApi> {
  const engine = Engine.open({ dataDir, mode: 'headless', fileLogs: opts.fileLogs ?? false });
  await engine.initSecrets({ allowEnv: false, ...secrets });
  const dispatch = createDispatcher(createEngineApi(engine), engine.logger);
  const call = (method: string, params: unknown) => dispatch(method as never, params) as Promise<Reply>;
  return {
    engine,
    call,
    async ok<T>(method: string, params: unknown) {
      const r = await call(method, params);
      if (!r.ok) throw new Error(`${method} failed: ${r.error!.code}: ${r.error!.message}`);
      return r.result as T;
    },
    async fails(method: string, params: unknown) {
      const r = await call(method, params);
      expect(r.ok, `${method} should have failed`).toBe(false);
      return r.error!;
    },
  };
}

/** A platform connection in the store, for jobs that need one (nothing is called on it). */
export function insertConnection(engine: Engine, id = 'c1'): void {
  const at = new Date().toISOString();
  engine.store.connections.insert({ id, name: `Platform ${id}`, kind: 'esg-api', baseUrl: 'http://127.0.0.1:9', authUrl: null, clientId: 'x', scopes: [], sandbox: false, createdAt: at, lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
}
