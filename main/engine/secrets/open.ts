import type { Logger } from 'pino';
import type { SecretStore } from './types';
import { KeychainSecretStore, type KeychainStoreOptions } from './keychain-store';
import { EnvSecretStore, ENV_SECRET_PREFIX } from './env-store';
import { SecretStoreUnavailableError } from './errors';

/** Environment switch the CLI/agent can pass through as `allowEnv`. */
export const ALLOW_ENV_SECRETS_VAR = 'ESG_SYNC_ALLOW_ENV_SECRETS';

export function allowEnvFromEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env[ALLOW_ENV_SECRETS_VAR] ?? '').toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

export interface OpenSecretStoreOptions {
  /** The user explicitly accepted environment-variable secrets where no keychain exists. */
  allowEnv?: boolean;
  keychain?: KeychainStoreOptions;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/**
 * The keychain when it answers; otherwise the env-var store if the user opted in; otherwise a
 * refusal that explains the alternative. Never a plaintext file.
 */
export async function openSecretStore(opts: OpenSecretStoreOptions = {}): Promise<SecretStore> {
  const keychain = new KeychainSecretStore({ ...opts.keychain, logger: opts.keychain?.logger ?? opts.logger });
  const probe = await keychain.probe();
  if (probe.ok) return keychain;
  if (opts.allowEnv) {
    opts.logger?.warn({ reason: probe.reason }, 'OS keychain unavailable; reading connection secrets from environment variables (opted in)');
    return new EnvSecretStore({ env: opts.env });
  }
  throw new SecretStoreUnavailableError(
    `No OS keychain is reachable to keep connection secrets safe (${probe.reason}). ` +
      'On a desktop, make sure the keyring service is running and unlocked (GNOME Keyring/KWallet on Linux). ' +
      `On a headless server without a Secret Service you can opt into environment-variable secrets: start the agent with ${ALLOW_ENV_SECRETS_VAR}=1 and set ${ENV_SECRET_PREFIX}<CONNECTION_ID> for each connection's client secret and ${ENV_SECRET_PREFIX}SOURCE_<SOURCE_ID> for each database source's password (ids uppercased, other characters as _). The agent never stores secrets in a plain file.`,
  );
}
