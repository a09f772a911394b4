/**
 * Whether a real Secret Service / OS keychain answers in this environment. Keychain tests run
 * against the real thing and skip (visibly) where there is none, e.g.:
 *   dbus-run-session -- bash -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; npx vitest run test/integration/secrets'
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KeychainSecretStore, scopedAccount } from '../../main/engine/secrets';
import { Store } from '../../main/engine/store';

export const TEST_KEYCHAIN_SERVICE = `esg-sync-agent-test-${process.pid}`;

export interface KeychainProbe {
  ok: boolean;
  reason: string;
}

let cached: Promise<KeychainProbe> | null = null;

export function probeKeychain(timeoutMs = 5000): Promise<KeychainProbe> {
  if (!cached) {
    cached = new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE, probeTimeoutMs: timeoutMs })
      .probe()
      .then((r) => (r.ok ? { ok: true, reason: '' } : { ok: false, reason: r.reason }));
  }
  return cached;
}

/** Call at the top of a test file: logs why the keychain tests are skipped. */
export async function keychainOrSkipReason(): Promise<KeychainProbe> {
  const p = await probeKeychain();
  if (!p.ok) {
    console.warn(
      `[skip] real keychain tests skipped: no reachable Secret Service (${p.reason}). ` +
        "Run them with: dbus-run-session -- bash -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; npx vitest run test/integration/secrets'",
    );
  }
  return p;
}

/**
 * Every byte of every file under a data folder (db, -wal, -shm, logs) as one latin1 string: a
 * secret kept in the keychain must be found nowhere in it.
 */
export function dataDirBytes(dir: string): string {
  let all = '';
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    if (statSync(p).isFile()) all += readFileSync(p).toString('latin1');
  }
  return all;
}

/** A data folder's store id (its keychain entries are scoped by it), read from its store. */
export function storeIdOf(dataDir: string): string {
  const store = Store.open(dataDir);
  try {
    return store.settings.storeId();
  } finally {
    store.close();
  }
}

/** The test keychain as one data folder sees it: its own (scoped) entries, read and deleted directly. */
export function folderKeychain(storeId: () => string) {
  const raw = new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE });
  return {
    get: (account: string) => raw.get(scopedAccount(storeId(), account)),
    set: (account: string, secret: string) => raw.set(scopedAccount(storeId(), account), secret),
    delete: (account: string) => raw.delete(scopedAccount(storeId(), account)),
  };
}
