/**
 * Upserts exported rows into a database table so BI tools can read it: the table is created when
 * missing (TEXT columns, the key columns as primary key), columns that appear later are added with
 * ALTER TABLE, and rows are written in batches, each batch in one transaction. Rows deleted on the
 * platform (remove()) are deleted from the table by their key in the same batches, so the table
 * holds the platform's current data.
 *
 * A failed run keeps the batches committed before the failure. That is safe by design: the
 * rows are upserted by key, and the job's cursor is only saved after a successful run, so the next
 * run writes the same rows again instead of duplicating them.
 */
import { ExportError } from '../errors';
import { flattenRow, type FlattenOptions, type FlatRow, type FlatValue } from '../flatten';
import { ColumnNamer, validateIdentifier, type Dialect } from './sql-dialects';
import { openDriver, type SqlDriver, type SqlParam, type TableConnection } from './sql-drivers';
import type { ExportWriter, TableOutput } from './types';

export interface TableWriterOptions extends FlattenOptions {
  table: string;
  /** Flattened keys that identify a row (e.g. ['id']); they become the primary key. */
  keyColumns: string[];
  /** Rows per transaction; default 500. */
  batchSize?: number;
}


const NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MySQL/MariaDB' } as const;
const FIX = 'in the job’s destination (Edit on the Jobs page, or `esg-sync job edit`)';

/** Why the destination database could not be opened, in the words the source side uses for the same faults. */
function openFailure(connection: TableConnection, e: unknown): string {
  const name = NAMES[connection.kind];
  if (connection.kind === 'sqlite') return `Cannot open the SQLite file ${connection.file} to export to: ${errText(e)}. Check the path ${FIX}, and that the folder exists and is writable.`;
  const where = `${connection.host}:${connection.port}`;
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET'].includes(code)) {
    return `Cannot reach ${name} at ${where} to export to (${code}). Check the host and port ${FIX}, and that the server is running; the next run tries again.`;
  }
  if (code === '28000' || code === '28P01' || code === 'ER_ACCESS_DENIED_ERROR') {
    return `${name} at ${where} refused the user "${connection.user}": wrong password or no access. Enter the password again ${FIX}.`;
  }
  if (code === '3D000' || code === 'ER_BAD_DB_ERROR') return `${name} at ${where} has no database "${connection.database}". Check the database name ${FIX}.`;
  return `Cannot open ${name} at ${where} to export to: ${errText(e)}. Check the settings ${FIX}, and that the server is running.`;
}
export class TableWriter implements ExportWriter {
  private readonly namer: ColumnNamer;
  /** Flattened keys seen in this run, in first-seen order; every upsert writes all of them. */
  private readonly keys: string[] = [];
  private readonly keySet = new Set<string>();
  private tableColumns: Set<string> | null = null;
  /** Rows of the next batch in arrival order; `deleted` ones are deleted by key, the others upserted. */
  private pending: { row: FlatRow; deleted: boolean }[] = [];
  private written = 0;
  private accepted = 0;
  private bytes = 0;
  private closed = false;

  private constructor(
    private readonly driver: SqlDriver,
    private readonly opts: TableWriterOptions,
  ) {
    const d = driver.dialect;
    validateIdentifier(d, opts.table, 'table');
    if (opts.keyColumns.length === 0) throw new ExportError('invalid_identifier', `Choose at least one key column for table "${opts.table}", e.g. "id".`);
    this.namer = new ColumnNamer(d);
    for (const k of opts.keyColumns) {
      validateIdentifier(d, k, 'key column');
      this.namer.reserve(k);
      this.addKey(k);
    }
  }

  static async create(connection: TableConnection, opts: TableWriterOptions): Promise<TableWriter> {
    let driver: SqlDriver;
    try {
      driver = await openDriver(connection);
    } catch (e) {
      throw new ExportError('destination_failed', openFailure(connection, e), { cause: e });
    }
    try {
      return new TableWriter(driver, opts);
    } catch (e) {
      await driver.close().catch(() => undefined);
      throw e;
    }
  }

  async write(row: Record<string, unknown>): Promise<void> {
    const flat = this.keyed(row, 'upserted into');
    for (const k of Object.keys(flat)) this.addKey(k);
    await this.queue(flat, false);
  }

  /** A row deleted on the platform: deleted from the table by its key (nothing happens when the table does not have it). */
  async remove(row: Record<string, unknown>): Promise<void> {
    // Only its key is used: its other fields add no columns.
    await this.queue(this.keyed(row, 'deleted from'), true);
  }

  private keyed(row: Record<string, unknown>, what: string): FlatRow {
    const flat = flattenRow(row, this.opts);
    for (const k of this.opts.keyColumns) {
      const v = flat[k];
      if (v === null || v === undefined || v === '') {
        throw new ExportError(
          'missing_key',
          `Row ${this.accepted + 1} has no value for the key column "${k}", so it cannot be ${what} "${this.opts.table}". Choose key columns every row has.`,
        );
      }
    }
    return flat;
  }

  private async queue(row: FlatRow, deleted: boolean): Promise<void> {
    this.pending.push({ row, deleted });
    this.accepted++;
    if (this.pending.length >= (this.opts.batchSize ?? 500)) await this.flush();
  }

  async finish(): Promise<TableOutput> {
    try {
      await this.flush();
      // An export with no rows still leaves the table in place, so BI tools find it.
      if (this.tableColumns === null) await this.ensureTable();
    } finally {
      await this.close();
    }
    return { kind: 'table', table: this.opts.table, rows: this.written, bytes: this.bytes };
  }

  async abort(): Promise<void> {
    this.pending = [];
    await this.driver.rollback().catch(() => undefined);
    await this.close();
  }

  progress() {
    return { rows: this.accepted, bytes: this.bytes };
  }

  private addKey(k: string): void {
    if (this.keySet.has(k)) return;
    this.keySet.add(k);
    this.keys.push(k);
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.close().catch(() => undefined);
  }

  private norm(c: string): string {
    return this.driver.dialect.caseInsensitive ? c.toLowerCase() : c;
  }

  /** Creates the table or adds the columns it lacks; DDL stays outside the data transaction (MySQL commits on DDL). */
  private async ensureTable(): Promise<void> {
    const d = this.driver.dialect;
    const q = d.quote;
    const t = this.opts.table;
    try {
      if (this.tableColumns === null) {
        const existing = await this.driver.columns(t);
        if (existing === null) {
          const keyCols = this.opts.keyColumns.map((k) => this.namer.nameFor(k));
          const defs = this.keys.map((k) => {
            const col = this.namer.nameFor(k);
            return `${q(col)} ${keyCols.includes(col) ? d.keyType : d.textType}`;
          });
          await this.driver.exec(`CREATE TABLE IF NOT EXISTS ${q(t)} (${defs.join(', ')}, PRIMARY KEY (${keyCols.map(q).join(', ')}))`);
          this.tableColumns = new Set(this.keys.map((k) => this.norm(this.namer.nameFor(k))));
          return;
        }
        this.tableColumns = new Set(existing.map((c) => this.norm(c)));
        for (const k of this.opts.keyColumns) {
          if (!this.tableColumns.has(this.norm(this.namer.nameFor(k)))) {
            throw new ExportError('destination_failed', `The existing table "${t}" in ${this.driver.where} has no key column "${k}". Choose another table name or the table's own key columns.`);
          }
        }
      }
      for (const k of this.keys) {
        const col = this.namer.nameFor(k);
        if (this.tableColumns.has(this.norm(col))) continue;
        await this.driver.exec(`ALTER TABLE ${q(t)} ADD COLUMN ${q(col)} ${d.textType}`);
        this.tableColumns.add(this.norm(col));
      }
    } catch (e) {
      if (e instanceof ExportError) throw e;
      throw new ExportError('destination_failed', `Cannot prepare table "${t}" in ${this.driver.where}: ${errText(e)}.`, { cause: e });
    }
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    // One row per key per statement: PostgreSQL refuses to upsert the same key twice in one INSERT.
    // The last of a key's rows in the batch wins, whether an upsert or a deletion (a key deleted and
    // then created again on the platform arrives in that order), so each key is either deleted or
    // upserted, never both, and the order of the two statements below does not matter.
    const byKey = new Map<string, { row: FlatRow; deleted: boolean }>();
    for (const p of this.pending) byKey.set(JSON.stringify(this.opts.keyColumns.map((k) => toParam(p.row[k]))), p);
    const rows: FlatRow[] = [];
    const deletions: FlatRow[] = [];
    for (const p of byKey.values()) (p.deleted ? deletions : rows).push(p.row);
    const batchRows = this.pending.length;
    this.pending = [];

    await this.ensureTable();
    const d = this.driver.dialect;
    const cols = this.keys.map((k) => this.namer.nameFor(k));
    const keyCols = this.opts.keyColumns.map((k) => this.namer.nameFor(k));
    const perStatement = Math.max(1, Math.floor(d.maxParams / cols.length));
    const head = `INSERT INTO ${d.quote(this.opts.table)} (${cols.map(d.quote).join(', ')}) VALUES `;
    let bytes = 0;
    try {
      await this.driver.begin();
      for (let i = 0; i < deletions.length; i += DELETE_ROWS_PER_STATEMENT) {
        const chunk = deletions.slice(i, i + DELETE_ROWS_PER_STATEMENT);
        const params: SqlParam[] = [];
        for (const r of chunk) for (const k of this.opts.keyColumns) params.push(toParam(r[k]));
        await this.driver.exec(`DELETE FROM ${d.quote(this.opts.table)} WHERE ${keyMatch(d, keyCols, chunk.length)}`, params);
      }
      for (let i = 0; i < rows.length; i += perStatement) {
        const chunk = rows.slice(i, i + perStatement);
        const params: SqlParam[] = [];
        for (const r of chunk) {
          for (const k of this.keys) {
            const v = toParam(r[k]);
            if (v !== null) bytes += Buffer.byteLength(v, 'utf8');
            params.push(v);
          }
        }
        await this.driver.exec(head + d.placeholders(chunk.length, cols.length) + d.upsertTail(cols, keyCols), params);
      }
      await this.driver.commit();
    } catch (e) {
      await this.driver.rollback().catch(() => undefined);
      throw new ExportError(
        'destination_failed',
        `Writing ${batchRows} rows to table "${this.opts.table}" in ${this.driver.where} failed: ${errText(e)}. The batch was rolled back.`,
        { cause: e },
      );
    }
    this.written += batchRows;
    this.bytes += bytes;
  }
}

/**
 * Keys per DELETE statement: small enough for every server's parameter limit and for SQLite's
 * expression depth (a key of several columns is an OR of ANDs), large enough that a run with many
 * deletions needs few statements.
 */
const DELETE_ROWS_PER_STATEMENT = 200;

/** `"k" IN (?, ?, …)` for a one-column key, `("a" = ? AND "b" = ?) OR …` for more; parameters row by row, key column by key column. */
function keyMatch(d: Dialect, keyCols: string[], rows: number): string {
  let n = 0;
  if (keyCols.length === 1) {
    return `${d.quote(keyCols[0]!)} IN (${Array.from({ length: rows }, () => d.param(++n)).join(', ')})`;
  }
  return Array.from({ length: rows }, () => `(${keyCols.map((c) => `${d.quote(c)} = ${d.param(++n)}`).join(' AND ')})`).join(' OR ');
}

/** Every value is stored as text so the table's TEXT columns hold exactly what the platform sent. */
function toParam(v: FlatValue | undefined): SqlParam {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  return String(v);
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
