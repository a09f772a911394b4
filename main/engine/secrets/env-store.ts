/**
 * Opt-in fallback for headless servers without a Secret Service: the secret for a connection is
 * read from `ESG_SYNC_SECRET_<CONNECTION_ID>` (uppercased, non-alphanumerics → `_`). Read-only:
 * the agent never writes secrets anywhere itself, so a user must put them in the service's
 * environment (systemd `EnvironmentFile=` with mode 600, a container secret, ...).
 */
import type { SecretStore } from './types';
import { SecretStoreError } from './errors';

export const ENV_SECRET_PREFIX = 'ESG_SYNC_SECRET_';

export function envVarNameFor(account: string): string {
  return ENV_SECRET_PREFIX + account.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export class EnvSecretStore implements SecretStore {
  readonly kind = 'env' as const;
  private readonly env: NodeJS.ProcessEnv;

  constructor(opts: { env?: NodeJS.ProcessEnv } = {}) {
    this.env = opts.env ?? process.env;
  }

  describe(account: string): string {
    return `the environment variable ${envVarNameFor(account)}`;
  }

  async get(account: string): Promise<string | null> {
    const v = this.env[envVarNameFor(account)];
    return v === undefined || v === '' ? null : v;
  }

  async set(account: string, _secret: string): Promise<void> {
    throw new SecretStoreError(
      'read_only',
      `No OS keychain is in use, so the secret for connection "${account}" cannot be stored by the agent. ` +
        `Set the environment variable ${envVarNameFor(account)} to the secret in the agent's environment (for example a systemd EnvironmentFile readable only by the service user) and restart the agent.`,
    );
  }

  async delete(_account: string): Promise<boolean> {
    // The variable belongs to the user's environment; the caller tells them to remove it.
    return false;
  }

  async available(): Promise<boolean> {
    return true;
  }
}
