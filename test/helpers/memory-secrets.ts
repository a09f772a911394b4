import type { SecretStore } from '../../main/engine/secrets';

/** For tests about syncing, not about the keychain (those use the real one). */
export function memorySecretStore(): SecretStore {
  const m = new Map<string, string>();
  return {
    kind: 'keychain',
    describe: (a) => `memory:${a}`,
    get: async (a) => m.get(a) ?? null,
    set: async (a, s) => void m.set(a, s),
    delete: async (a) => m.delete(a),
    available: async () => true,
  };
}
