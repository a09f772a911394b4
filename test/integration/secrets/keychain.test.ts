import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  EnvSecretStore,
  KeychainSecretStore,
  SecretStoreError,
  SecretStoreUnavailableError,
  envVarNameFor,
  openSecretStore,
  rotateSecret,
} from '../../../main/engine/secrets';
import { TEST_KEYCHAIN_SERVICE, keychainOrSkipReason } from '../../helpers/keychain';

const probe = await keychainOrSkipReason();
const noKeychain = !probe.ok;

const store = new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE });
const used: string[] = [];
const account = () => {
  const a = `conn-${randomUUID()}`;
  used.push(a);
  return a;
};

afterAll(async () => {
  if (noKeychain) return;
  for (const a of used) await store.delete(a).catch(() => undefined);
});

describe('KeychainSecretStore on the real OS keychain', () => {
  it.skipIf(noKeychain)('stores, reads, replaces and deletes a secret', async () => {
    const a = account();
    expect(await store.get(a)).toBeNull();
    await store.set(a, 'first-secret-Ω');
    expect(await store.get(a)).toBe('first-secret-Ω');
    await store.set(a, 'second');
    expect(await store.get(a)).toBe('second');
    expect(await store.delete(a)).toBe(true);
    expect(await store.get(a)).toBeNull();
    expect(await store.delete(a)).toBe(false);
  });

  it.skipIf(noKeychain)('keeps services apart', async () => {
    const a = account();
    const other = new KeychainSecretStore({ service: `${TEST_KEYCHAIN_SERVICE}-other` });
    await store.set(a, 'mine');
    expect(await other.get(a)).toBeNull();
  });

  it.skipIf(noKeychain)('refuses an empty secret and keeps nothing', async () => {
    const a = account();
    await expect(store.set(a, '')).rejects.toMatchObject({ code: 'invalid_secret' });
    expect(await store.get(a)).toBeNull();
  });

  it.skipIf(noKeychain)('openSecretStore picks the keychain when it answers', async () => {
    const s = await openSecretStore({ keychain: { service: TEST_KEYCHAIN_SERVICE } });
    expect(s.kind).toBe('keychain');
    expect(await s.available()).toBe(true);
  });

  it.skipIf(noKeychain)('rotate: verifies first, then replaces', async () => {
    const a = account();
    await store.set(a, 'old-secret');
    const verified: string[] = [];
    const r = await rotateSecret(store, a, 'new-secret', async (s) => {
      verified.push(s);
      // During verification the old secret must still be the stored one.
      expect(await store.get(a)).toBe('old-secret');
    });
    expect(verified).toEqual(['new-secret']);
    expect(r.replacedExisting).toBe(true);
    expect(await store.get(a)).toBe('new-secret');
  });

  it.skipIf(noKeychain)('rotate: the old secret stays when verification fails', async () => {
    const a = account();
    await store.set(a, 'old-secret');
    const failure = new Error('invalid_client');
    await expect(
      rotateSecret(store, a, 'bad-new-secret', async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await store.get(a)).toBe('old-secret');
  });
});

describe('secret store without a keychain', () => {
  const brokenKeytar = async () => {
    throw new SecretStoreError('keytar_missing', 'The keychain module (keytar) could not be loaded: test');
  };
  const hangingKeytar = async () => ({
    getPassword: () => new Promise<string | null>(() => undefined),
    setPassword: () => new Promise<void>(() => undefined),
    deletePassword: () => new Promise<boolean>(() => undefined),
  });

  it('refuses with a message explaining the env-var opt-in', async () => {
    const err = await openSecretStore({ keychain: { loadKeytar: brokenKeytar } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretStoreUnavailableError);
    expect((err as Error).message).toMatch(/ESG_SYNC_ALLOW_ENV_SECRETS=1/);
    expect((err as Error).message).toMatch(/ESG_SYNC_SECRET_<CONNECTION_ID>/);
    expect((err as Error).message).toMatch(/keytar/);
  });

  it('a Secret Service that never answers is detected by the probe timeout', async () => {
    const err = await openSecretStore({ keychain: { loadKeytar: hangingKeytar, probeTimeoutMs: 100 } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/no answer from the keychain within 100 ms/);
  });

  it('falls back to env vars only when opted in', async () => {
    const env = { ESG_SYNC_SECRET_CONN_42_AB: 'from-env' };
    const s = await openSecretStore({ allowEnv: true, env, keychain: { loadKeytar: brokenKeytar } });
    expect(s.kind).toBe('env');
    expect(await s.get('conn-42.ab')).toBe('from-env');
    expect(await s.get('other')).toBeNull();
  });

  it('env store is read-only and says which variable to set', async () => {
    const s = new EnvSecretStore({ env: {} });
    expect(envVarNameFor('c0ffee-1/x')).toBe('ESG_SYNC_SECRET_C0FFEE_1_X');
    const err = (await s.set('c0ffee-1', 'value-that-must-not-appear').catch((e: unknown) => e)) as SecretStoreError;
    expect(err.code).toBe('read_only');
    expect(err.message).toContain('ESG_SYNC_SECRET_C0FFEE_1');
    expect(err.message).not.toContain('value-that-must-not-appear');
    expect(await s.delete('c0ffee-1')).toBe(false);
  });

  it('rotate on a read-only store leaves the old secret', async () => {
    const s = new EnvSecretStore({ env: { ESG_SYNC_SECRET_A: 'old' } });
    await expect(rotateSecret(s, 'a', 'new', async () => undefined)).rejects.toMatchObject({ code: 'read_only' });
    expect(await s.get('a')).toBe('old');
  });

  it('keychain operations time out instead of hanging', async () => {
    const s = new KeychainSecretStore({ loadKeytar: hangingKeytar, operationTimeoutMs: 50 });
    await expect(s.get('x')).rejects.toMatchObject({ code: 'keychain_timeout' });
  });
});
