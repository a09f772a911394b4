/**
 * The OS keychain through keytar (macOS Keychain, Windows Credential Manager, Secret Service on
 * Linux). keytar is a native module, so it is imported lazily: a missing or mis-built binary
 * becomes a clear error at the moment a secret is needed instead of crashing the agent at start.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { SecretStore } from './types';
import { SecretStoreError } from './errors';

export const DEFAULT_KEYCHAIN_SERVICE = 'esg-sync-agent';

/** The subset of keytar we use; injectable for environments without the native module. */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export interface KeychainStoreOptions {
  /** Keychain service name; tests use their own so they never touch real entries. */
  service?: string;
  /**
   * A keychain that needs unlocking may show a prompt, so real operations get a generous limit;
   * without one a Secret Service that never answers would hang a run forever.
   */
  operationTimeoutMs?: number;
  probeTimeoutMs?: number;
  loadKeytar?: () => Promise<KeytarLike>;
  logger?: Logger;
}

let keytarPromise: Promise<KeytarLike> | null = null;

/** Loads keytar once; a failure is reported with what to do, and retried on the next call. */
export async function loadKeytar(): Promise<KeytarLike> {
  if (!keytarPromise) {
    keytarPromise = (async () => {
      try {
        const mod = (await import('keytar')) as unknown as KeytarLike & { default?: KeytarLike };
        const k = mod.default && typeof mod.default.getPassword === 'function' ? mod.default : mod;
        if (typeof k.getPassword !== 'function') throw new Error('keytar exports no getPassword');
        return k;
      } catch (e) {
        keytarPromise = null;
        throw new SecretStoreError(
          'keytar_missing',
          `The keychain module (keytar) could not be loaded: ${e instanceof Error ? e.message : String(e)}. ` +
            'Reinstall it with `npm rebuild keytar` (on Linux install libsecret-1-dev first; for the desktop app run `npx electron-builder install-app-deps`).',
          { cause: e },
        );
      }
    })();
  }
  return keytarPromise;
}

export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain' as const;
  readonly service: string;
  private readonly opTimeout: number;
  private readonly probeTimeout: number;
  private readonly load: () => Promise<KeytarLike>;
  private readonly logger?: Logger;

  constructor(opts: KeychainStoreOptions = {}) {
    this.service = opts.service ?? DEFAULT_KEYCHAIN_SERVICE;
    this.opTimeout = opts.operationTimeoutMs ?? 60_000;
    this.probeTimeout = opts.probeTimeoutMs ?? 5_000;
    this.load = opts.loadKeytar ?? loadKeytar;
    this.logger = opts.logger;
  }

  describe(account: string): string {
    return `the OS keychain (service "${this.service}", account "${account}")`;
  }

  async get(account: string): Promise<string | null> {
    checkAccount(account);
    const k = await this.load();
    return this.op('read', account, () => k.getPassword(this.service, account));
  }

  async set(account: string, secret: string): Promise<void> {
    checkAccount(account);
    if (typeof secret !== 'string' || secret.length === 0) {
      throw new SecretStoreError('invalid_secret', `The secret for connection "${account}" is empty; nothing was saved.`);
    }
    const k = await this.load();
    await this.op('save', account, () => k.setPassword(this.service, account, secret));
  }

  async delete(account: string): Promise<boolean> {
    checkAccount(account);
    const k = await this.load();
    return this.op('delete', account, () => k.deletePassword(this.service, account));
  }

  async available(): Promise<boolean> {
    return (await this.probe()).ok;
  }

  /** Round-trips a throwaway entry: the only reliable sign the Secret Service answers and is unlocked. */
  async probe(): Promise<{ ok: true } | { ok: false; reason: string }> {
    let k: KeytarLike;
    try {
      k = await this.load();
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
    const account = `__probe-${randomUUID()}`;
    const value = randomUUID();
    try {
      await withTimeout(
        (async () => {
          await k.setPassword(this.service, account, value);
          const back = await k.getPassword(this.service, account);
          await k.deletePassword(this.service, account);
          if (back !== value) throw new Error('the keychain did not return what was stored');
        })(),
        this.probeTimeout,
      );
      return { ok: true };
    } catch (e) {
      const reason = e instanceof TimeoutError ? `no answer from the keychain within ${this.probeTimeout} ms` : (e as Error).message;
      this.logger?.warn({ reason }, 'OS keychain not usable');
      return { ok: false, reason };
    }
  }

  private async op<T>(what: string, account: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(fn(), this.opTimeout);
    } catch (e) {
      if (e instanceof TimeoutError) {
        throw new SecretStoreError(
          'keychain_timeout',
          `The OS keychain did not answer within ${Math.round(this.opTimeout / 1000)} s when trying to ${what} the secret for connection "${account}". Unlock the keychain (it may be waiting for a password prompt) and try again.`,
        );
      }
      throw new SecretStoreError(
        'keychain_error',
        `The OS keychain failed to ${what} the secret for connection "${account}": ${(e as Error).message}. Check that the keychain is unlocked.`,
        { cause: e },
      );
    }
  }
}

class TimeoutError extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`timed out after ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function checkAccount(account: string): void {
  if (typeof account !== 'string' || account.trim() === '') {
    throw new SecretStoreError('invalid_secret', 'A connection id is needed to find its secret in the keychain.');
  }
}
