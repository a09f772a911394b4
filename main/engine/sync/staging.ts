import type { PlatformRecord } from '../../../shared/domain';
import type { Db } from '../store';

export interface StagedRecord {
  naturalKey: string;
  line: number;
  valueColumn: string | null;
  /** The record as canonical JSON (canonicalRecord): the text its hash is taken of, stored once. */
  recordJson: string;
  hash: string;
}

export interface DiffRow {
  naturalKey: string;
  line: number;
  /** Null when the ledger already holds this content (ledgerHash === hash): it is never sent. */
  record: PlatformRecord | null;
  hash: string;
  remoteId: string | null;
  ledgerHash: string | null;
}

/**
 * Per-run staging of mapped records in SQLite: bounded memory for any file size, duplicate
 * keys found with one GROUP BY, and the ledger diff as one streamed join.
 *
 * Each run stages into its own TEMP table: temp pages are not written to the WAL (a million
 * staged rows would otherwise be written twice, then deleted row by row), the key index is built
 * once after loading rather than maintained per insert, and clearing is a DROP. A run's staging
 * is only read during that run, so nothing is lost when a killed process takes it along.
 */
export class Staging {
  private seq = 0;
  private readonly table: string;
  private readonly insert;
  private pending: StagedRecord[] = [];
  private indexed = false;
  private unique = false;
  private dropped = false;

  constructor(
    private readonly db: Db,
    readonly runId: number,
  ) {
    if (!Number.isSafeInteger(runId)) throw new Error(`Staging needs an integer run id, not ${String(runId)}.`);
    this.table = `temp.staging_run_${runId}`;
    db.exec(`DROP TABLE IF EXISTS ${this.table}`);
    db.exec(
      `CREATE TABLE ${this.table} (seq INTEGER PRIMARY KEY, natural_key TEXT NOT NULL, line INTEGER NOT NULL, value_column TEXT, record TEXT NOT NULL, hash TEXT NOT NULL)`,
    );
    this.insert = db.prepare(`INSERT INTO ${this.table} (seq, natural_key, line, value_column, record, hash) VALUES (?, ?, ?, ?, ?, ?)`);
  }

  add(r: StagedRecord): void {
    this.pending.push(r);
    // Small buffers: what survives a young-generation collection is promoted, and old-space churn grows the heap.
    if (this.pending.length >= 1000) this.flush();
  }

  /** Writes buffered records in one transaction: per-row commits would cost a sync each. */
  flush(): void {
    if (!this.pending.length) return;
    const rows = this.pending;
    this.pending = [];
    this.db.transaction(() => {
      for (const r of rows) this.insert.run(++this.seq, r.naturalKey, r.line, r.valueColumn, r.recordJson, r.hash);
    })();
  }

  get count(): number {
    return this.seq + this.pending.length;
  }

  /**
   * Everything staged is written and the key index exists (built once, after loading). The
   * index is tried as UNIQUE first: building it is the same sort, and when it succeeds the file
   * has no duplicate keys, so the GROUP BY that lists them is skipped.
   */
  private ready(): void {
    this.flush();
    if (this.indexed) return;
    try {
      this.db.exec(`CREATE UNIQUE INDEX ${this.table}_key ON staging_run_${this.runId} (natural_key)`);
      this.unique = true;
    } catch (err) {
      if (!(err instanceof Error && /UNIQUE constraint/i.test(err.message))) throw err;
      this.db.exec(`CREATE INDEX ${this.table}_key ON staging_run_${this.runId} (natural_key)`);
    }
    this.indexed = true;
  }

  /** Every line of every natural key that occurs more than once (collected: duplicates are few). */
  duplicates(): { naturalKey: string; line: number; valueColumn: string | null; others: number[] }[] {
    this.ready();
    if (this.unique) return [];
    const out: { naturalKey: string; line: number; valueColumn: string | null; others: number[] }[] = [];
    const stmt = this.db.prepare(
      `SELECT natural_key AS naturalKey, group_concat(line) AS lines, min(value_column) AS valueColumn
       FROM ${this.table} GROUP BY natural_key HAVING COUNT(*) > 1`,
    );
    for (const row of stmt.all() as { naturalKey: string; lines: string; valueColumn: string | null }[]) {
      const lines = row.lines.split(',').map(Number).sort((a, b) => a - b);
      for (const line of lines) out.push({ naturalKey: row.naturalKey, line, valueColumn: row.valueColumn, others: lines.filter((l) => l !== line) });
    }
    return out;
  }

  /** Removes every occurrence of keys that were duplicated: none of them is sent. */
  dropKeys(keys: Iterable<string>): void {
    this.ready();
    const del = this.db.prepare(`DELETE FROM ${this.table} WHERE natural_key = ?`);
    this.db.transaction(() => {
      for (const k of keys) del.run(k);
    })();
  }

  /**
   * Staged records joined with what the ledger says the platform holds, in file order, a page
   * at a time: no cursor stays open while the caller sends batches and writes history. The
   * record text is only read (and parsed) for rows whose content differs from the ledger's.
   */
  *diff(mappingId: string, pageSize = 1000): IterableIterator<DiffRow> {
    this.ready();
    const stmt = this.db.prepare(
      `SELECT s.seq, s.natural_key AS naturalKey, s.line, s.hash, l.remote_id AS remoteId, l.content_hash AS ledgerHash,
              CASE WHEN l.content_hash IS s.hash THEN NULL ELSE s.record END AS record
       FROM ${this.table} s LEFT JOIN ledger l ON l.mapping_id = ? AND l.natural_key = s.natural_key
       WHERE s.seq > ? ORDER BY s.seq LIMIT ?`,
    );
    let after = 0;
    for (;;) {
      const page = stmt.all(mappingId, after, pageSize) as (Omit<DiffRow, 'record'> & { record: string | null; seq: number })[];
      if (!page.length) return;
      after = page[page.length - 1]!.seq;
      for (const r of page) {
        yield {
          naturalKey: r.naturalKey,
          line: r.line,
          hash: r.hash,
          remoteId: r.remoteId,
          ledgerHash: r.ledgerHash,
          record: r.record === null ? null : (JSON.parse(r.record) as PlatformRecord),
        };
      }
    }
  }

  /** Ledger entries whose key this run did not see (deletes for a mirror source), paged. */
  *vanished(mappingId: string, pageSize = 1000): IterableIterator<{ naturalKey: string; remoteId: string | null }> {
    this.ready();
    const stmt = this.db.prepare(
      `SELECT l.natural_key AS naturalKey, l.remote_id AS remoteId FROM ledger l
       WHERE l.mapping_id = ? AND l.natural_key > ?
         AND NOT EXISTS (SELECT 1 FROM ${this.table} s WHERE s.natural_key = l.natural_key)
       ORDER BY l.natural_key LIMIT ?`,
    );
    let after = '';
    for (;;) {
      const page = stmt.all(mappingId, after, pageSize) as { naturalKey: string; remoteId: string | null }[];
      if (!page.length) return;
      after = page[page.length - 1]!.naturalKey;
      yield* page;
    }
  }

  countVanished(mappingId: string): number {
    this.ready();
    return (
      this.db
        .prepare(
          `SELECT COUNT(*) AS n FROM ledger l WHERE l.mapping_id = ?
           AND NOT EXISTS (SELECT 1 FROM ${this.table} s WHERE s.natural_key = l.natural_key)`,
        )
        .get(mappingId) as { n: number }
    ).n;
  }

  lineOf(naturalKey: string): number | null {
    this.ready();
    const row = this.db.prepare(`SELECT line FROM ${this.table} WHERE natural_key = ? LIMIT 1`).get(naturalKey) as { line: number } | undefined;
    return row?.line ?? null;
  }

  /** Drops this run's staging; safe to call more than once. */
  clear(): void {
    this.pending = [];
    if (this.dropped) return;
    this.dropped = true;
    this.db.exec(`DROP TABLE IF EXISTS ${this.table}`);
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
