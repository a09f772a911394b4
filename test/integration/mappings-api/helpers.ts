import type { SecretStore } from '../../../main/engine/secrets';

/** A secret store in memory, for tests where the OS keychain is not the subject. */
export class MemorySecrets implements SecretStore {
  readonly kind = 'keychain' as const;
  private readonly values = new Map<string, string>();
  describe(account: string): string {
    return `the test secret store (${account})`;
  }
  async get(account: string): Promise<string | null> {
    return this.values.get(account) ?? null;
  }
  async set(account: string, secret: string): Promise<void> {
    this.values.set(account, secret);
  }
  async delete(account: string): Promise<boolean> {
    return this.values.delete(account);
  }
  async available(): Promise<boolean> {
    return true;
  }
  size(): number {
    return this.values.size;
  }
}

export const SITES = ['LON-01', 'MAN-02', 'BER-01'] as const;

/** A utility export: one row per site and month, electricity in kWh (18 rows). */
export function energyCsv(extraRows: string[] = []): string {
  const lines = ['Site code,Month,Electricity (kWh)'];
  SITES.forEach((site, s) => {
    for (let m = 1; m <= 6; m++) lines.push(`${site},2024-0${m},${12500 + s * 1000 + m * 10 - 10}`);
  });
  return [...lines, ...extraRows].join('\r\n') + '\r\n';
}
