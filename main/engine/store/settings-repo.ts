import { Settings, defaultSettings, type Settings as SettingsT } from '../../../shared/api';
import { randomBytes } from 'node:crypto';
import type { Db } from './database';

/** Key/value settings; unknown or invalid stored values fall back to defaults rather than crash. */
export class SettingsRepo {
  constructor(private readonly db: Db) {}

  getRaw(key: string): unknown {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    if (!row) return undefined;
    try {
      return JSON.parse(row.value);
    } catch {
      return undefined;
    }
  }

  setRaw(key: string, value: unknown): void {
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }

  deleteRaw(key: string): void {
    this.db.prepare('DELETE FROM settings WHERE key = ?').run(key);
  }

  /**
   * This store's own random id, made on first use. Batch idempotency keys carry it, so a data
   * folder set up again (run ids from 1, the same job names) never reuses a key the platform
   * still remembers with another body.
   */
  storeId(): string {
    const kept = this.getRaw('store.id');
    if (typeof kept === 'string' && kept) return kept;
    const id = randomBytes(6).toString('hex');
    this.db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)').run('store.id', JSON.stringify(id));
    return this.getRaw('store.id') as string;
  }

  get(): SettingsT {
    const stored = this.getRaw('app') ?? {};
    const merged = { ...defaultSettings, ...(typeof stored === 'object' && stored ? stored : {}) };
    const parsed = Settings.safeParse(merged);
    return parsed.success ? parsed.data : defaultSettings;
  }

  update(patch: Partial<SettingsT>): SettingsT {
    const next = Settings.parse({ ...this.get(), ...patch });
    this.setRaw('app', next);
    return next;
  }
}
