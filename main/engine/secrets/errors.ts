export type SecretStoreErrorCode =
  | 'keychain_unavailable'
  | 'keytar_missing'
  | 'keychain_error'
  | 'keychain_timeout'
  | 'read_only'
  | 'invalid_secret'
  | 'rotate_failed';

/** Failures of the secret store. Messages name the account (a connection id), never the secret. */
export class SecretStoreError extends Error {
  readonly code: SecretStoreErrorCode;
  constructor(code: SecretStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretStoreError';
    this.code = code;
  }
}

/** No OS keychain is reachable and the env-var fallback was not opted into. */
export class SecretStoreUnavailableError extends SecretStoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('keychain_unavailable', message, options);
    this.name = 'SecretStoreUnavailableError';
  }
}
