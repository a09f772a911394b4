/**
 * Two data folders on one computer, each with a connection "Prod", on the real OS keychain: each
 * folder keeps its own entry, so adding and removing "Prod" in a test folder leaves production's
 * secret alone. An entry written before entries were scoped is still found (and copied to the
 * folder's own account), and is never deleted, since another folder may rely on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { KeychainSecretStore, scopedAccount } from '../../../main/engine/secrets';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { keychainOrSkipReason, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';

const probe = await keychainOrSkipReason();
const raw = new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE });
let sandbox: RunningSandbox;
const roots: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

async function folder() {
  const root = mkdtempSync(join(tmpdir(), 'esg-scoped-'));
  roots.push(root);
  const engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, service: TEST_KEYCHAIN_SERVICE });
  const dispatch = createDispatcher(createEngineApi(engine), engine.logger);
  const call = async (method: string, params: unknown) => {
    const r = (await dispatch(method, params)) as { ok: boolean; result?: unknown; error?: { message: string } };
    if (!r.ok) throw new Error(`${method}: ${r.error!.message}`);
    return r.result;
  };
  return { engine, call, account: (a: string) => scopedAccount(engine.store.settings.storeId(), a) };
}

describe.skipIf(!probe.ok)('keychain entries of two data folders', () => {
  it('are apart: a test folder adding and removing "Prod" leaves production\'s secret', async () => {
    const production = await folder();
    const test = await folder();
    try {
      const add = { kind: 'esg-api', name: 'Prod', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' };
      await production.call('connections.add', add);
      await test.call('connections.add', add);
      expect(production.account('prod')).not.toBe(test.account('prod'));
      await test.call('connections.remove', { id: 'prod' });
      expect(await raw.get(test.account('prod'))).toBeNull();
      expect(await raw.get(production.account('prod'))).toBe('sandbox-secret');
      expect(await production.call('connections.test', { id: 'prod' })).toMatchObject({ test: { ok: true } });
    } finally {
      await production.engine.stop();
      await test.engine.stop();
    }
  });

  it('an entry from before scoping is still read, copied to the folder, and never deleted', async () => {
    const upgraded = await folder();
    try {
      // A connection saved by an older version: its secret under the bare account.
      const at = new Date().toISOString();
      upgraded.engine.store.connections.insert({ id: 'legacy', name: 'Legacy', kind: 'esg-api', baseUrl: sandbox.url, authUrl: null, clientId: 'sandbox-client', scopes: [], sandbox: false, createdAt: at, lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
      await raw.set('legacy', 'sandbox-secret');
      expect(await upgraded.call('connections.test', { id: 'legacy' })).toMatchObject({ test: { ok: true } });
      expect(await raw.get(upgraded.account('legacy'))).toBe('sandbox-secret');
      await upgraded.call('connections.remove', { id: 'legacy' });
      expect(await raw.get(upgraded.account('legacy'))).toBeNull();
      expect(await raw.get('legacy')).toBe('sandbox-secret');
    } finally {
      await raw.delete('legacy');
      await upgraded.engine.stop();
    }
  });
});
