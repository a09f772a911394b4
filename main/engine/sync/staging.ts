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
  /** The source column of the value; null for an unchanged row (left in the index, not read). */
  valueColumn: string | null;
  /** Null when the ledger already holds this content (ledgerHash === hash): it is never sent. */
  record: PlatformRecord | null;
  /** The record's canonical JSON as staged (what `record` was parsed from), for writing it on without serialising it again. */
  recordJson: string | null;
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
const COLUMNS = 6;
const INSERT_ROWS = 50;
/** 2^26 bits (8 MB): about 1.5% of a million distinct keys collide and are checked in SQL. */
const SEEN_BITS = 1 << 26;
const MAX_SUSPECTS = 100_000;

/** FNV-1a over the key's UTF-16 units, folded to 26 bits. */
function hash26(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 26)) & (SEEN_BITS - 1);
}

export class Staging {
  private seq = 0;
  private readonly table: string;
  private readonly insert;
  private readonly insertMany;
  /** Buffered rows, their six column values one after another (no object per row kept). */
  private pending: (string | number | null)[] = [];
  private indexed = false;
  private dropped = false;
  /** Keys seen, as bits of a 26-bit hash: a key whose bit was already set may be a duplicate. */
  private readonly seen = new Int32Array(SEEN_BITS / 32);
  /** Keys that may occur twice (null once there are too many to keep: every key is then checked). */
  private suspects: Set<string> | null = new Set();

  constructor(
    private readonly db: Db,
    readonly runId: number,
    private readonly maxSuspects = MAX_SUSPECTS,
  ) {
    if (!Number.isSafeInteger(runId)) throw new Error(`Staging needs an integer run id, not ${String(runId)}.`);
    this.table = `temp.staging_run_${runId}`;
    db.exec(`DROP TABLE IF EXISTS ${this.table}`);
    db.exec(
      `CREATE TABLE ${this.table} (seq INTEGER PRIMARY KEY, natural_key TEXT NOT NULL, line INTEGER NOT NULL, value_column TEXT, record TEXT NOT NULL, hash TEXT NOT NULL)`,
    );
    const columns = `INSERT INTO ${this.table} (seq, natural_key, line, value_column, record, hash) VALUES `;
    this.insert = db.prepare(`${columns}(?, ?, ?, ?, ?, ?)`);
    // Rows go in INSERT_ROWS at a time: one call into SQLite per row was a third of the cost of staging.
    this.insertMany = db.prepare(columns + Array.from({ length: INSERT_ROWS }, () => '(?, ?, ?, ?, ?, ?)').join(', '));
  }

  add(r: StagedRecord): void {
    this.pending.push(++this.seq, r.naturalKey, r.line, r.valueColumn, r.recordJson, r.hash);
    if (this.suspects) {
      const h = hash26(r.naturalKey);
      const word = h >>> 5;
      const bit = 1 << (h & 31);
      if (this.seen[word]! & bit) {
        this.suspects.add(r.naturalKey);
        if (this.suspects.size > this.maxSuspects) this.suspects = null;
      } else this.seen[word]! |= bit;
    }
    // Small buffers: what survives a young-generation collection is promoted, and old-space churn grows the heap.
    if (this.pending.length >= 1000 * COLUMNS) this.flush();
  }

  /** Writes buffered records in one transaction: per-row commits would cost a sync each. */
  flush(): void {
    if (!this.pending.length) return;
    const values = this.pending;
    this.pending = [];
    const chunk = INSERT_ROWS * COLUMNS;
    this.db.transaction(() => {
      let i = 0;
      for (; i + chunk <= values.length; i += chunk) this.insertMany.run(values.slice(i, i + chunk));
      for (; i < values.length; i += COLUMNS) this.insert.run(values.slice(i, i + COLUMNS));
    })();
  }

  get count(): number {
    return this.seq;
  }

  /**
   * Everything staged is written and the key index exists (built once, after loading: one sort
   * instead of a B-tree insert per row). The index carries the content hash, so the duplicate
   * check and the ledger diff of unchanged rows read the index alone: a record is only fetched
   * from the table for a row that is sent.
   */
  private ready(): void {
    this.flush();
    if (this.indexed) return;
    this.db.exec(`CREATE INDEX ${this.table}_key ON staging_run_${this.runId} (natural_key, hash, line)`);
    this.indexed = true;
  }

  /** Every line of every natural key that occurs more than once (collected: duplicates are few). */
  duplicates(): { naturalKey: string; line: number; valueColumn: string | null; others: number[] }[] {
    this.ready();
    let keys: string[];
    if (this.suspects) {
      // Only keys whose hash bit was already taken can occur twice (a file without duplicates
      // usually has a few hash collisions and nothing else); each is counted through the index.
      const count = this.db.prepare(`SELECT COUNT(*) FROM ${this.table} WHERE natural_key = ?`).pluck();
      keys = [...this.suspects].filter((k) => (count.get(k) as number) > 1).sort();
    } else {
      // Duplicates are neighbours in the key index: one pass over it, no temporary B-tree.
      keys = this.db
        .prepare(`SELECT natural_key FROM ${this.table} INDEXED BY staging_run_${this.runId}_key GROUP BY natural_key HAVING COUNT(*) > 1`)
        .pluck()
        .all() as string[];
    }
    if (!keys.length) return [];
    const linesOf = this.db.prepare(`SELECT line, value_column AS valueColumn FROM ${this.table} WHERE natural_key = ? ORDER BY line`);
    const out: { naturalKey: string; line: number; valueColumn: string | null; others: number[] }[] = [];
    for (const naturalKey of keys) {
      const rows = linesOf.all(naturalKey) as { line: number; valueColumn: string | null }[];
      const lines = rows.map((r) => r.line);
      const valueColumn = rows.reduce<string | null>((min, r) => (r.valueColumn !== null && (min === null || r.valueColumn < min) ? r.valueColumn : min), null);
      for (const line of lines) out.push({ naturalKey, line, valueColumn, others: lines.filter((l) => l !== line) });
    }
    return out;
  }

  /** Every staged occurrence of one key, in line order (for adding up the parts of one total). */
  occurrences(naturalKey: string): { line: number; valueColumn: string | null; recordJson: string }[] {
    this.ready();
    return this.db.prepare(`SELECT line, value_column AS valueColumn, record AS recordJson FROM ${this.table} WHERE natural_key = ? ORDER BY line, seq`).all(naturalKey) as {
      line: number;
      valueColumn: string | null;
      recordJson: string;
    }[];
  }

  /** Puts one record in place of every occurrence of its key (their sum). */
  replaceKey(r: StagedRecord): void {
    this.ready();
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM ${this.table} WHERE natural_key = ?`).run(r.naturalKey);
      this.insert.run([++this.seq, r.naturalKey, r.line, r.valueColumn, r.recordJson, r.hash]);
    })();
  }

  /** Keeps only these keys (the totals a held-rows run sends); every other staged row goes. */
  keepOnlyKeys(keys: ReadonlySet<string>): void {
    this.ready();
    this.db.prepare(`DELETE FROM ${this.table} WHERE natural_key NOT IN (SELECT value FROM json_each(?))`).run(JSON.stringify([...keys]));
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
   * Staged records joined with what the ledger says the platform holds, a page at a time: no
   * cursor stays open while the caller sends batches and writes history. The record text is only
   * read (and parsed) for rows whose content differs from the ledger's.
   *
   * Rows come in natural-key order, not file order: the ledger is a B-tree on that key, so a
   * batch of neighbouring keys reads and then updates a few adjacent ledger pages, where a batch
   * in file order (keys scattered over the whole tree) dirtied a page per value and each commit
   * wrote megabytes to the WAL. Keys within a run are distinct, so send order does not matter.
   */
  *diff(mappingId: string, opts: { changedOnly?: boolean; pageSize?: number; limit?: number } = {}): IterableIterator<DiffRow> {
    this.ready();
    const pageSize = opts.pageSize ?? 1000;
    // With `limit` (the changed rows counted by tally) the walk ends at the last of them rather
    // than reading the rest of the index only to find every remaining row unchanged.
    let left = opts.limit ?? Infinity;
    if (left <= 0) return;
    // changedOnly leaves unchanged rows in SQLite (count them with countUnchanged): an unchanged
    // re-sync then hands JavaScript nothing, rather than an object per row to be counted.
    const changed = opts.changedOnly ? 'AND l.content_hash IS NOT s.hash' : '';
    // Pages follow the key index's own order, (natural_key, hash, line, seq) — seq is the rowid —
    // so each page is a seek and rows of one key (before duplicates are dropped) are never skipped.
    const stmt = this.db.prepare(
      `SELECT s.seq, s.natural_key AS naturalKey, s.line, s.hash, l.remote_id AS remoteId, l.content_hash AS ledgerHash,
              CASE WHEN l.content_hash IS s.hash THEN NULL ELSE s.record END AS record,
              CASE WHEN l.content_hash IS s.hash THEN NULL ELSE s.value_column END AS valueColumn
       FROM ${this.table} s INDEXED BY staging_run_${this.runId}_key
       LEFT JOIN ledger l ON l.mapping_id = ? AND l.natural_key = s.natural_key
       WHERE (s.natural_key, s.hash, s.line, s.seq) > (?, ?, ?, ?) ${changed} ORDER BY s.natural_key, s.hash, s.line, s.seq LIMIT ?`,
    );
    let after: [string, string, number, number] = ['', '', 0, 0];
    for (;;) {
      const page = stmt.all(mappingId, ...after, Math.min(pageSize, left)) as (Omit<DiffRow, 'record'> & { record: string | null; seq: number })[];
      if (!page.length) return;
      left -= page.length;
      const last = page[page.length - 1]!;
      after = [last.naturalKey, last.hash, last.line, last.seq];
      for (const r of page) {
        yield {
          naturalKey: r.naturalKey,
          line: r.line,
          valueColumn: r.valueColumn,
          hash: r.hash,
          remoteId: r.remoteId,
          ledgerHash: r.ledgerHash,
          record: r.record === null ? null : (JSON.parse(r.record) as PlatformRecord),
          recordJson: r.record,
        };
      }
      if (left <= 0) return;
    }
  }

  /**
   * Rows staged (after dropped duplicates) and, of those, rows whose content the ledger already
   * holds for their key — unchanged, never sent — in one walk of the key index. The others
   * (staged − unchanged) are exactly what diff(…, { changedOnly: true }) yields.
   */
  tally(mappingId: string): { staged: number; unchanged: number } {
    this.ready();
    return this.db
      .prepare(
        `SELECT COUNT(*) AS staged, TOTAL(l.content_hash IS s.hash) AS unchanged FROM ${this.table} s INDEXED BY staging_run_${this.runId}_key
         LEFT JOIN ledger l ON l.mapping_id = ? AND l.natural_key = s.natural_key`,
      )
      .get(mappingId) as { staged: number; unchanged: number };
  }

  countUnchanged(mappingId: string): number {
    return this.tally(mappingId).unchanged;
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
