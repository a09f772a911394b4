export type { SecretStore } from './types';
export { SecretStoreError, SecretStoreUnavailableError, type SecretStoreErrorCode } from './errors';
export { KeychainSecretStore, DEFAULT_KEYCHAIN_SERVICE, loadKeytar, type KeychainStoreOptions, type KeytarLike } from './keychain-store';
export { EnvSecretStore, envVarNameFor, ENV_SECRET_PREFIX } from './env-store';
export { openSecretStore, allowEnvFromEnvironment, ALLOW_ENV_SECRETS_VAR, type OpenSecretStoreOptions } from './open';
export { rotateSecret, type RotateResult } from './rotate';
export { FolderScopedSecretStore, scopedAccount } from './folder-scoped';
