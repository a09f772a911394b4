import type { Db } from './database';

export interface MappingRecord {
  id: string;
  name: string;
  version: number;
  sourceId: string | null;
  connectionId: string | null;
  fingerprint: string | null;
  /** The versioned profile JSON (schema in shared/mapping). */
  profile: unknown;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  name: string;
  version: number;
  source_id: string | null;
  connection_id: string | null;
  fingerprint: string | null;
  profile: string;
  created_at: string;
  updated_at: string;
}

const fromRow = (r: Row): MappingRecord => ({
  id: r.id,
  name: r.name,
  version: r.version,
  sourceId: r.source_id,
  connectionId: r.connection_id,
  fingerprint: r.fingerprint,
  profile: JSON.parse(r.profile),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class MappingsRepo {
  constructor(private readonly db: Db) {}

  list(): MappingRecord[] {
    return (this.db.prepare('SELECT * FROM mapping_profiles ORDER BY name').all() as Row[]).map(fromRow);
  }

  get(idOrName: string): MappingRecord | null {
    const row = this.db.prepare('SELECT * FROM mapping_profiles WHERE id = ? OR name = ?').get(idOrName, idOrName) as
      | Row
      | undefined;
    return row ? fromRow(row) : null;
  }

  byFingerprint(sourceId: string, fingerprint: string): MappingRecord | null {
    const row = this.db
      .prepare('SELECT * FROM mapping_profiles WHERE source_id = ? AND fingerprint = ? ORDER BY updated_at DESC LIMIT 1')
      .get(sourceId, fingerprint) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  forSource(sourceId: string): MappingRecord[] {
    return (this.db.prepare('SELECT * FROM mapping_profiles WHERE source_id = ?').all(sourceId) as Row[]).map(fromRow);
  }

  /** Saves a new version (1 for a new profile); older versions stay readable. */
  save(m: Omit<MappingRecord, 'version' | 'createdAt' | 'updatedAt'>, at: string): MappingRecord {
    return this.db.transaction(() => {
      const existing = this.get(m.id);
      const version = existing ? existing.version + 1 : 1;
      const json = JSON.stringify(m.profile);
      if (existing) {
        this.db
          .prepare(
            `UPDATE mapping_profiles SET name = ?, version = ?, source_id = ?, connection_id = ?, fingerprint = ?,
               profile = ?, updated_at = ? WHERE id = ?`,
          )
          .run(m.name, version, m.sourceId, m.connectionId, m.fingerprint, json, at, m.id);
      } else {
        this.db
          .prepare(
            `INSERT INTO mapping_profiles (id, name, version, source_id, connection_id, fingerprint, profile, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(m.id, m.name, version, m.sourceId, m.connectionId, m.fingerprint, json, at, at);
      }
      this.db
        .prepare('INSERT INTO mapping_profile_versions (profile_id, version, profile, created_at) VALUES (?, ?, ?, ?)')
        .run(m.id, version, json, at);
      return this.get(m.id)!;
    })();
  }

  versions(id: string): { version: number; createdAt: string }[] {
    return this.db
      .prepare('SELECT version, created_at AS createdAt FROM mapping_profile_versions WHERE profile_id = ? ORDER BY version')
      .all(id) as { version: number; createdAt: string }[];
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM mapping_profiles WHERE id = ?').run(id);
  }
}
