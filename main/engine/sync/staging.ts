import type { PlatformRecord } from '../../../shared/domain';
import type { Db } from '../store';

export interface StagedRecord {
  naturalKey: string;
  line: number;
  valueColumn: string | null;
  record: PlatformRecord;
  hash: string;
}

export interface DiffRow {
  naturalKey: string;
  line: number;
  record: PlatformRecord;
  hash: string;
  remoteId: string | null;
  ledgerHash: string | null;
}

/**
 * Per-run staging of mapped records in SQLite: bounded memory for any file size, duplicate
 * keys found with one GROUP BY, and the ledger diff as one streamed join.
 */
export class Staging {
  private seq = 0;
  private readonly insert;
  private pending: StagedRecord[] = [];

  constructor(
    private readonly db: Db,
    readonly runId: number,
  ) {
    this.insert = db.prepare(
      'INSERT INTO staging (run_id, seq, natural_key, line, value_column, record, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  add(r: StagedRecord): void {
    this.pending.push(r);
    if (this.pending.length >= 2000) this.flush();
  }

  /** Writes buffered records in one transaction: per-row commits would cost a sync each. */
  flush(): void {
    if (!this.pending.length) return;
    const rows = this.pending;
    this.pending = [];
    this.db.transaction(() => {
      for (const r of rows) this.insert.run(this.runId, ++this.seq, r.naturalKey, r.line, r.valueColumn, JSON.stringify(r.record), r.hash);
    })();
  }

  get count(): number {
    return this.seq + this.pending.length;
  }

  /** Every line of every natural key that occurs more than once (collected: duplicates are few). */
  duplicates(): { naturalKey: string; line: number; valueColumn: string | null; others: number[] }[] {
    this.flush();
    const out: { naturalKey: string; line: number; valueColumn: string | null; others: number[] }[] = [];
    const stmt = this.db.prepare(
      `SELECT natural_key AS naturalKey, group_concat(line) AS lines, min(value_column) AS valueColumn
       FROM staging WHERE run_id = ? GROUP BY natural_key HAVING COUNT(*) > 1`,
    );
    for (const row of stmt.all(this.runId) as { naturalKey: string; lines: string; valueColumn: string | null }[]) {
      const lines = row.lines.split(',').map(Number).sort((a, b) => a - b);
      for (const line of lines) out.push({ naturalKey: row.naturalKey, line, valueColumn: row.valueColumn, others: lines.filter((l) => l !== line) });
    }
    return out;
  }

  /** Removes every occurrence of keys that were duplicated: none of them is sent. */
  dropKeys(keys: Iterable<string>): void {
    const del = this.db.prepare('DELETE FROM staging WHERE run_id = ? AND natural_key = ?');
    this.db.transaction(() => {
      for (const k of keys) del.run(this.runId, k);
    })();
  }

  /**
   * Staged records joined with what the ledger says the platform holds, in file order, a page
   * at a time: no cursor stays open while the caller sends batches and writes history.
   */
  *diff(mappingId: string, pageSize = 1000): IterableIterator<DiffRow> {
    this.flush();
    const stmt = this.db.prepare(
      `SELECT s.seq, s.natural_key AS naturalKey, s.line, s.record, s.hash, l.remote_id AS remoteId, l.content_hash AS ledgerHash
       FROM staging s LEFT JOIN ledger l ON l.mapping_id = ? AND l.natural_key = s.natural_key
       WHERE s.run_id = ? AND s.seq > ? ORDER BY s.seq LIMIT ?`,
    );
    let after = 0;
    for (;;) {
      const page = stmt.all(mappingId, this.runId, after, pageSize) as (Omit<DiffRow, 'record'> & { record: string; seq: number })[];
      if (!page.length) return;
      after = page[page.length - 1]!.seq;
      for (const r of page) yield { naturalKey: r.naturalKey, line: r.line, hash: r.hash, remoteId: r.remoteId, ledgerHash: r.ledgerHash, record: JSON.parse(r.record) as DiffRow['record'] };
    }
  }

  /** Ledger entries whose key this run did not see (deletes for a mirror source), paged. */
  *vanished(mappingId: string, pageSize = 1000): IterableIterator<{ naturalKey: string; remoteId: string | null }> {
    this.flush();
    const stmt = this.db.prepare(
      `SELECT l.natural_key AS naturalKey, l.remote_id AS remoteId FROM ledger l
       WHERE l.mapping_id = ? AND l.natural_key > ?
         AND NOT EXISTS (SELECT 1 FROM staging s WHERE s.run_id = ? AND s.natural_key = l.natural_key)
       ORDER BY l.natural_key LIMIT ?`,
    );
    let after = '';
    for (;;) {
      const page = stmt.all(mappingId, after, this.runId, pageSize) as { naturalKey: string; remoteId: string | null }[];
      if (!page.length) return;
      after = page[page.length - 1]!.naturalKey;
      yield* page;
    }
  }

  countVanished(mappingId: string): number {
    this.flush();
    return (
      this.db
        .prepare(
          `SELECT COUNT(*) AS n FROM ledger l WHERE l.mapping_id = ?
           AND NOT EXISTS (SELECT 1 FROM staging s WHERE s.run_id = ? AND s.natural_key = l.natural_key)`,
        )
        .get(mappingId, this.runId) as { n: number }
    ).n;
  }

  lineOf(naturalKey: string): number | null {
    const row = this.db.prepare('SELECT line FROM staging WHERE run_id = ? AND natural_key = ? LIMIT 1').get(this.runId, naturalKey) as
      | { line: number }
      | undefined;
    return row?.line ?? null;
  }

  clear(): void {
    this.pending = [];
    this.db.prepare('DELETE FROM staging WHERE run_id = ?').run(this.runId);
  }
}

/**
 * Staging left behind by runs that ended without clearing it (a killed process). A run's staging
 * is only read during that run: its unanswered batches are resent from the outbox, which holds
 * the complete ops, so every row not belonging to a run in flight can go.
 */
export function pruneStaging(db: Db, activeRunIds: number[]): number {
  const keep = activeRunIds.length ? `WHERE run_id NOT IN (${activeRunIds.map(() => '?').join(',')})` : '';
  return db.prepare(`DELETE FROM staging ${keep}`).run(...activeRunIds).changes;
}
