import type { Db } from './database';

/** A ledger hash no content has: another mapping changed the platform's record since this entry was written. */
export const CHANGED_ELSEWHERE = 'changed-elsewhere';

export interface LedgerEntry {
  mappingId: string;
  naturalKey: string;
  connectionId: string;
  remoteId: string | null;
  contentHash: string;
  lastRunId: number | null;
  updatedAt: string;
}

interface Row {
  mapping_id: string;
  natural_key: string;
  connection_id: string;
  remote_id: string | null;
  content_hash: string;
  last_run_id: number | null;
  updated_at: string;
}

const fromRow = (r: Row): LedgerEntry => ({
  mappingId: r.mapping_id,
  naturalKey: r.natural_key,
  connectionId: r.connection_id,
  remoteId: r.remote_id,
  contentHash: r.content_hash,
  lastRunId: r.last_run_id,
  updatedAt: r.updated_at,
});

/**
 * What the platform holds for every record this agent has synced, by natural key.
 * The diff against it decides create / update / delete / unchanged.
 */
const UPSERT_ROWS = 50;

export class LedgerRepo {
  private readonly getStmt;
  private readonly upsertStmt;
  private readonly deleteStmt;
  private readonly upsertManyStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare('SELECT * FROM ledger WHERE mapping_id = ? AND natural_key = ?');
    const upsert = (rows: number) =>
      `INSERT INTO ledger (mapping_id, natural_key, connection_id, remote_id, content_hash, last_run_id, updated_at)
       VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (mapping_id, natural_key) DO UPDATE SET connection_id = excluded.connection_id,
         remote_id = excluded.remote_id, content_hash = excluded.content_hash,
         last_run_id = excluded.last_run_id, updated_at = excluded.updated_at`;
    this.upsertStmt = db.prepare(upsert(1));
    this.upsertManyStmt = db.prepare(upsert(UPSERT_ROWS));
    this.deleteStmt = db.prepare('DELETE FROM ledger WHERE mapping_id = ? AND natural_key = ?');
  }

  get(mappingId: string, naturalKey: string): LedgerEntry | null {
    const row = this.getStmt.get(mappingId, naturalKey) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  upsert(e: LedgerEntry): void {
    // Positional binding: this runs once per accepted value, and named binding costs a lookup per field.
    this.upsertStmt.run(e.mappingId, e.naturalKey, e.connectionId, e.remoteId, e.contentHash, e.lastRunId, e.updatedAt);
  }

  /**
   * Upserts many entries, UPSERT_ROWS per statement: a batch's answers were one call into
   * SQLite per value. Rows apply in order, as separate upserts would (a key given twice keeps
   * the later entry). Call inside a transaction.
   */
  upsertMany(entries: readonly LedgerEntry[]): void {
    let i = 0;
    for (; i + UPSERT_ROWS <= entries.length; i += UPSERT_ROWS) {
      const values: (string | number | null)[] = [];
      for (let j = i; j < i + UPSERT_ROWS; j++) {
        const e = entries[j]!;
        values.push(e.mappingId, e.naturalKey, e.connectionId, e.remoteId, e.contentHash, e.lastRunId, e.updatedAt);
      }
      this.upsertManyStmt.run(values);
    }
    for (; i < entries.length; i++) this.upsert(entries[i]!);
  }

  /** Which of these platform ids some ledger entry of this connection holds (this agent sent them). */
  knownRemoteIds(connectionId: string, remoteIds: readonly string[]): Set<string> {
    if (!remoteIds.length) return new Set();
    const rows = this.db
      .prepare('SELECT DISTINCT remote_id FROM ledger WHERE remote_id IN (SELECT value FROM json_each(?)) AND connection_id = ?')
      .pluck()
      .all(JSON.stringify(remoteIds), connectionId) as string[];
    return new Set(rows);
  }

  /**
   * A key takes over a platform record this agent sent under another key of the same mapping (its
   * natural key changed): the old entry goes, so a mirror pass does not delete the record as vanished.
   */
  dropOtherKeysOf(mappingId: string, remoteId: string, naturalKey: string): void {
    this.db.prepare('DELETE FROM ledger WHERE remote_id = ? AND mapping_id = ? AND natural_key != ?').run(remoteId, mappingId, naturalKey);
  }

  /**
   * Records this mapping changed or deleted on the platform that other mappings of this agent sent
   * too (two jobs feeding one metric, site and period): their entries no longer say what the
   * platform holds, so their next run sends their value again instead of finding it unchanged.
   */
  staleElsewhere(mappingId: string, remoteIds: readonly string[]): void {
    if (!remoteIds.length) return;
    this.db
      .prepare(`UPDATE ledger SET content_hash = '${CHANGED_ELSEWHERE}' WHERE remote_id IN (SELECT value FROM json_each(?)) AND mapping_id != ? AND content_hash != '${CHANGED_ELSEWHERE}'`)
      .run(JSON.stringify(remoteIds), mappingId);
  }

  delete(mappingId: string, naturalKey: string): void {
    this.deleteStmt.run(mappingId, naturalKey);
  }

  count(mappingId: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM ledger WHERE mapping_id = ?').get(mappingId) as { n: number }).n;
  }

  /** Streams every key of a mapping; the mirror-delete pass compares it with the keys a run saw. */
  *iterate(mappingId: string): IterableIterator<LedgerEntry> {
    for (const row of this.db.prepare('SELECT * FROM ledger WHERE mapping_id = ? ORDER BY natural_key').iterate(mappingId)) {
      yield fromRow(row as Row);
    }
  }
}
