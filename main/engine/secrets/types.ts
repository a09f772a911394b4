/** Where connection secrets live. The only place in the engine a secret is read or written. */
export interface SecretStore {
  /** 'keychain' = OS keychain via keytar; 'env' = opt-in read-only environment variables. */
  readonly kind: 'keychain' | 'env';
  /** Human description of where the secret for `account` lives (shown in the UI/CLI, never the secret). */
  describe(account: string): string;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** True when something was removed. */
  delete(account: string): Promise<boolean>;
  /** Whether the store can be used right now (the keychain answers). */
  available(): Promise<boolean>;
}
