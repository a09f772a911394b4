/**
 * Keychain entries per data folder. Two data folders on one computer (a test folder beside
 * production, or two agents) may both have a connection called "prod": unscoped, they shared one
 * keychain entry, so adding it in the test folder overwrote production's secret and removing it
 * there deleted it. Each folder's entries now carry its store id ("<store id>/prod").
 *
 * Entries written before that have no scope. They are read when a folder's own entry is missing,
 * and copied to it (so that folder keeps working after the upgrade); they are never changed or
 * deleted, since another folder may still rely on one.
 */
import type { SecretStore } from './types';

export const scopedAccount = (scope: string, account: string): string => `${scope}/${account}`;

export class FolderScopedSecretStore implements SecretStore {
  readonly kind: SecretStore['kind'];

  constructor(
    private readonly inner: SecretStore,
    /** This data folder's store id. */
    private readonly scope: string,
  ) {
    this.kind = inner.kind;
  }

  describe(account: string): string {
    return this.inner.describe(scopedAccount(this.scope, account));
  }

  async get(account: string): Promise<string | null> {
    const own = await this.inner.get(scopedAccount(this.scope, account));
    if (own !== null) return own;
    const legacy = await this.inner.get(account);
    // A copy failing (a read-only keychain) must not fail the read: the legacy entry still answers.
    if (legacy !== null) await this.inner.set(scopedAccount(this.scope, account), legacy).catch(() => undefined);
    return legacy;
  }

  set(account: string, secret: string): Promise<void> {
    return this.inner.set(scopedAccount(this.scope, account), secret);
  }

  delete(account: string): Promise<boolean> {
    return this.inner.delete(scopedAccount(this.scope, account));
  }

  available(): Promise<boolean> {
    return this.inner.available();
  }
}
