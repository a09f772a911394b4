/**
 * The keys of a database run's rows, so its row errors name a row as a person finds it with SQL
 * (`Row id=1042`), not by its position in one read (shared/mapping/row-key.ts).
 *
 * Most errors are found while their row is read and take its key on the spot. Some come later —
 * duplicates found once the whole table is read, values the platform refused — with only the
 * row's position: for those, every row's key is kept in a temporary table of the store, so memory
 * stays flat however many rows a run reads. Nothing is kept when rows are named by position.
 */
import type { CellValue, RowError } from '../../../shared/domain';
import { withRowKey } from '../../../shared/mapping/messages';
import { rowKeyText, rowPositionText, type RowKeyColumns } from '../../../shared/mapping/row-key';
import type { Db } from '../store';

/** Rows per INSERT statement: one call into SQLite per row would cost more than the keys themselves. */
const INSERT_ROWS = 100;
const FLUSH_ROWS = 1000;

export class RowKeys {
  private readonly table: string;
  private readonly insert;
  private readonly insertMany;
  private readonly lookup;
  /** line, key, line, key, … not yet written. */
  private pending: (number | string)[] = [];
  private current: { line: number; key: string } | null = null;
  private started = false;
  /** Errors named so far (the run says how rows are named when there are any). */
  named = 0;

  constructor(
    private readonly db: Db,
    runId: number,
    private readonly key: RowKeyColumns | null,
    private readonly noun: 'table' | 'query',
  ) {
    if (!Number.isSafeInteger(runId)) throw new Error(`RowKeys needs an integer run id, not ${String(runId)}.`);
    this.table = `temp.row_keys_run_${runId}`;
    db.exec(`DROP TABLE IF EXISTS ${this.table}`);
    db.exec(`CREATE TABLE ${this.table} (line INTEGER PRIMARY KEY, key TEXT NOT NULL)`);
    this.insert = db.prepare(`INSERT OR REPLACE INTO ${this.table} (line, key) VALUES (?, ?)`);
    this.insertMany = db.prepare(`INSERT OR REPLACE INTO ${this.table} (line, key) VALUES ${Array.from({ length: INSERT_ROWS }, () => '(?, ?)').join(', ')}`);
    this.lookup = db.prepare(`SELECT key FROM ${this.table} WHERE line = ?`).pluck();
  }

  /** The row just read: its errors, found while it is handled, are named by this key. */
  read(line: number, cells: Readonly<Record<string, CellValue>>): void {
    this.started = true;
    if (!this.key) return;
    const key = rowKeyText(this.key, cells);
    this.current = { line, key };
    this.pending.push(line, key);
    if (this.pending.length >= FLUSH_ROWS * 2) this.flush();
  }

  private flush(): void {
    if (!this.pending.length) return;
    const values = this.pending;
    this.pending = [];
    const chunk = INSERT_ROWS * 2;
    this.db.transaction(() => {
      let i = 0;
      for (; i + chunk <= values.length; i += chunk) this.insertMany.run(values.slice(i, i + chunk));
      for (; i < values.length; i += 2) this.insert.run(values[i], values[i + 1]);
    })();
  }

  /** The key of the row read at `line` (its position when the source has no key). */
  keyOf(line: number): string {
    if (!this.key) return rowPositionText(line, this.noun);
    if (this.current?.line === line) return this.current.key;
    this.flush();
    return (this.lookup.get(line) as string | undefined) ?? rowPositionText(line, this.noun);
  }

  /**
   * The errors with their rows named by key (an error of no row, or already named, as it is).
   * Errors that come before any row is read (an earlier run's batches sent again) are of that
   * run's rows, whose keys this run does not know: they keep their line.
   */
  name(errors: RowError[]): RowError[] {
    if (!this.started) return errors;
    return errors.map((e) => {
      if (e.line === null || e.row) return e;
      this.named++;
      return withRowKey(e, this.keyOf(e.line));
    });
  }

  drop(): void {
    this.pending = [];
    this.db.exec(`DROP TABLE IF EXISTS ${this.table}`);
  }
}
