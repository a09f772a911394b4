import type { SecretStore } from './types';
import { SecretStoreError } from './errors';

export interface RotateResult {
  /** Whether an old secret existed and was replaced. */
  replacedExisting: boolean;
}

/**
 * Proves the new secret first (e.g. a token request + whoami), then replaces the stored one.
 * If verification fails the old secret is untouched and still in use; if the write cannot be
 * confirmed the old one is put back.
 */
export async function rotateSecret(
  store: SecretStore,
  account: string,
  newSecret: string,
  verify: (secret: string) => Promise<void>,
): Promise<RotateResult> {
  if (newSecret.length === 0) throw new SecretStoreError('invalid_secret', `The new secret for connection "${account}" is empty; the old one stays in use.`);
  // Verification errors (PlatformError: invalid_client, dns, ...) propagate as they are, so the
  // caller can say exactly what failed; nothing has been changed at that point.
  await verify(newSecret);
  const old = await store.get(account);
  await store.set(account, newSecret);
  let back: string | null;
  try {
    back = await store.get(account);
  } catch (e) {
    back = null;
    void e;
  }
  if (back !== newSecret) {
    if (old !== null) await store.set(account, old).catch(() => undefined);
    throw new SecretStoreError(
      'rotate_failed',
      `The keychain did not keep the new secret for connection "${account}"; the previous secret was restored and stays in use. Check the keychain and try again.`,
    );
  }
  return { replacedExisting: old !== null };
}
