import type { Db } from './database';

export interface JobRecord {
  id: string;
  name: string;
  type: 'ingest' | 'export';
  connectionId: string;
  sourceId: string | null;
  mappingId: string | null;
  /** Schedule, time zone, triggers, mirror/delete limits, export dataset and destination. */
  config: Record<string, unknown>;
  paused: boolean;
  /** Export: updated-since cursor. Database ingest: watermark. Advanced only after a run is recorded. */
  cursor: string | null;
  createdAt: string;
}

interface Row {
  id: string;
  name: string;
  type: 'ingest' | 'export';
  connection_id: string;
  source_id: string | null;
  mapping_id: string | null;
  config: string;
  paused: number;
  cursor: string | null;
  created_at: string;
}

const fromRow = (r: Row): JobRecord => ({
  id: r.id,
  name: r.name,
  type: r.type,
  connectionId: r.connection_id,
  sourceId: r.source_id,
  mappingId: r.mapping_id,
  config: JSON.parse(r.config) as Record<string, unknown>,
  paused: r.paused === 1,
  cursor: r.cursor,
  createdAt: r.created_at,
});

export class JobsRepo {
  constructor(private readonly db: Db) {}

  list(): JobRecord[] {
    return (this.db.prepare('SELECT * FROM jobs ORDER BY name').all() as Row[]).map(fromRow);
  }

  get(idOrName: string): JobRecord | null {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ? OR name = ?').get(idOrName, idOrName) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  insert(j: JobRecord): void {
    this.db
      .prepare(
        `INSERT INTO jobs (id, name, type, connection_id, source_id, mapping_id, config, paused, cursor, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(j.id, j.name, j.type, j.connectionId, j.sourceId, j.mappingId, JSON.stringify(j.config), j.paused ? 1 : 0, j.cursor, j.createdAt);
  }

  setPaused(id: string, paused: boolean): void {
    this.db.prepare('UPDATE jobs SET paused = ? WHERE id = ?').run(paused ? 1 : 0, id);
  }

  setCursor(id: string, cursor: string | null): void {
    this.db.prepare('UPDATE jobs SET cursor = ? WHERE id = ?').run(cursor, id);
  }

  /** Replaces what a person edits on a job; its id, paused flag and creation time stay. */
  update(j: Pick<JobRecord, 'id' | 'name' | 'type' | 'connectionId' | 'sourceId' | 'mappingId' | 'config' | 'cursor'>): void {
    this.db
      .prepare('UPDATE jobs SET name = ?, type = ?, connection_id = ?, source_id = ?, mapping_id = ?, config = ?, cursor = ? WHERE id = ?')
      .run(j.name, j.type, j.connectionId, j.sourceId, j.mappingId, JSON.stringify(j.config), j.cursor, j.id);
  }

  updateConfig(id: string, config: Record<string, unknown>): void {
    this.db.prepare('UPDATE jobs SET config = ? WHERE id = ?').run(JSON.stringify(config), id);
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
  }
}
