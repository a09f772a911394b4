/**
 * Upserts exported rows into a database table so BI tools can read it: the table is created when
 * missing (the key columns as primary key; each column typed as the platform declares its field —
 * numbers, dates, timestamps, booleans — and text otherwise, see sql-types.ts), columns that appear
 * later are added with ALTER TABLE, and rows are written in batches, each batch in one transaction.
 * Every value is converted to what its column takes: an existing table's column types are read
 * when the writer opens (a table is never altered beyond adding columns), so a table the person
 * created with DATETIME, DECIMAL or BOOLEAN columns gets values it accepts, and a value that cannot
 * fit its column stops the run with the table, column and row named. Rows deleted on the
 * platform (remove()) are deleted from the table by their key in the same batches, so the table
 * holds the platform's current data. A full export (`full`) into a table that was already there
 * also deletes, once the whole run has been written, the rows whose keys this run did not write:
 * rows deleted on the platform before it, which no incremental run will ever report again.
 *
 * The table may be named `schema.table` (PostgreSQL) or `database.table` (MySQL/MariaDB). An
 * existing table is checked when the writer opens, before anything is changed: it must have the
 * key columns and a primary key or unique constraint on exactly them (the upsert's conflict
 * target). Where DDL is transactional (SQLite, PostgreSQL) the table is created and missing
 * columns added inside the first batch's transaction, so a batch that fails takes them back.
 *
 * A failed run keeps the batches committed before the failure. That is safe by design: the
 * rows are upserted by key, and the job's cursor is only saved after a successful run, so the next
 * run writes the same rows again instead of duplicating them.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ExportError, sentence } from '../errors';
import { flattenRow, type FlattenOptions, type FlatRow } from '../flatten';
import type { ExportColumnType } from '../../../platforms/types';
import { ColumnNamer, DIALECTS, parseTableName, quoteTable, validateIdentifier, type Dialect, type TableName } from './sql-dialects';
import { openDriver, type SqlDriver, type SqlParam, type TableConnection } from './sql-drivers';
import { asText, columnKind, convert, createdKind, createdType, KIND_WORDS, type ColumnKind } from './sql-types';
import type { ExportWriter, TableOutput } from './types';

export interface TableWriterOptions extends FlattenOptions {
  table: string;
  /** Flattened keys that identify a row (e.g. ['id']); they become the primary key. */
  keyColumns: string[];
  /**
   * The types the platform fixes for the flattened keys (PlatformAdapter.exportColumnTypes): the
   * columns the writer creates get them; keys not listed are text.
   */
  columnTypes?: Readonly<Record<string, ExportColumnType>> | null;
  /** Rows per transaction; default 500. */
  batchSize?: number;
  /**
   * A full export (no cursor): the run writes every current row, so once it has succeeded the
   * rows of an existing table whose keys it did not write are deleted (they are gone from the platform).
   */
  full?: boolean;
  /**
   * Where the person changes the destination, as the end of a sentence: a run's failure points to
   * the job's settings; a check while the job is being saved (TableWriter.check) to the form itself.
   */
  fix?: string;
}


const NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MySQL/MariaDB' } as const;
const FIX_AT_RUN = ' in the job’s destination (Edit on the Jobs page, or `esg-sync job edit`)';

/** Why the destination database could not be opened, in the words the source side uses for the same faults. */
function openFailure(connection: TableConnection, e: unknown, fixAt: string): string {
  const FIX = fixAt;
  const retry = fixAt === FIX_AT_RUN ? '; the next run tries again' : '';
  const name = NAMES[connection.kind];
  if (connection.kind === 'sqlite') return `Cannot open the SQLite file ${connection.file} to export to: ${errText(e)}. Check the path${FIX}, and that the folder exists and is writable.`;
  const where = `${connection.host}:${connection.port}`;
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET'].includes(code)) {
    return `Cannot reach ${name} at ${where} to export to (${code}). Check the host and port${FIX}, and that the server is running${retry}.`;
  }
  if (code === '28000') {
    // Not the password: the role does not exist or may not log in from here. The server says which.
    return `${name} at ${where} does not let the user "${connection.user}" log in (${errText(e)}). Choose another user${FIX}, or ask the database administrator to let this one log in from this computer.`;
  }
  if (code === '28P01' || code === 'ER_ACCESS_DENIED_ERROR') {
    return `${name} at ${where} refused the user "${connection.user}": wrong password or no access. Enter the password again${FIX}.`;
  }
  if (code === '3D000' || code === 'ER_BAD_DB_ERROR') return `${name} at ${where} has no database "${connection.database}". Check the database name${FIX}.`;
  return `Cannot open ${name} at ${where} to export to: ${errText(e)}. Check the host, port and database name${FIX}, and that the server is running.`;
}
export class TableWriter implements ExportWriter {
  private readonly namer: ColumnNamer;
  private readonly table: TableName;
  /** The table for SQL, each part quoted. */
  private readonly sqlTable: string;
  /** Flattened keys seen in this run, in first-seen order; every upsert writes all of them. */
  private readonly keys: string[] = [];
  private readonly keySet = new Set<string>();
  /** Columns the table has (normalised), or null while it does not exist. */
  private tableColumns: Set<string> | null = null;
  /** What each column of the table takes (by normalised name), and its type as the database names it. */
  private columnTypes = new Map<string, { kind: ColumnKind; type: string }>();
  private existedAtOpen = false;
  /** This writer created the table, and that is committed. */
  private createdTable = false;
  private full: boolean;
  private readonly fixAt: string;
  /** Set by exportEverything(): a table this run created is dropped again when the run fails. */
  private dropCreatedOnAbort = false;
  private dropped = false;
  /** A full export into an existing table: the temporary table of the keys this run wrote (quoted). */
  private runKeys: string | null = null;
  private removedStale = 0;
  /** Rows of the next batch in arrival order; `deleted` ones are deleted by key, the others upserted. */
  private pending: { row: FlatRow; deleted: boolean; n: number }[] = [];
  private written = 0;
  private accepted = 0;
  private bytes = 0;
  private closed = false;

  private constructor(
    private readonly driver: SqlDriver,
    private readonly opts: TableWriterOptions,
  ) {
    const d = driver.dialect;
    this.table = parseTableName(d, opts.table);
    this.sqlTable = quoteTable(d, this.table);
    if (opts.keyColumns.length === 0) throw new ExportError('invalid_identifier', `Choose at least one key column for table "${opts.table}", e.g. "id".`);
    this.namer = new ColumnNamer(d);
    for (const k of opts.keyColumns) {
      validateIdentifier(d, k, 'key column');
      this.namer.reserve(k);
      this.addKey(k);
    }
    this.full = opts.full === true;
    this.fixAt = opts.fix ?? FIX_AT_RUN;
  }

  static async create(connection: TableConnection, opts: TableWriterOptions): Promise<TableWriter> {
    let driver: SqlDriver;
    try {
      driver = await openDriver(connection);
    } catch (e) {
      throw new ExportError('destination_failed', openFailure(connection, e, opts.fix ?? FIX_AT_RUN), { cause: e });
    }
    try {
      const writer = new TableWriter(driver, opts);
      await writer.inspect();
      return writer;
    } catch (e) {
      await driver.close().catch(() => undefined);
      throw e;
    }
  }

  /**
   * What a run would find before writing, checked while the job is saved: the server answers and
   * takes the user and password, the schema exists, and an existing table can be upserted into by
   * the key columns. Nothing is created: a SQLite file that is not there yet only needs a folder
   * the agent can write into.
   */
  static async check(connection: TableConnection, opts: Pick<TableWriterOptions, 'table' | 'keyColumns' | 'fix'> & { rowsAllowed?: boolean }): Promise<void> {
    if (connection.kind === 'sqlite' && !existsSync(connection.file)) {
      const folder = dirname(connection.file);
      try {
        await access(folder, fsConstants.W_OK);
      } catch {
        throw new ExportError('destination_failed', `The SQLite file ${connection.file} cannot be created: the folder ${folder} does not exist or the agent cannot write into it. Create the folder, or choose another path${opts.fix ?? FIX_AT_RUN}.`);
      }
      // The names are checked all the same, as the writer's constructor does.
      const d = DIALECTS.sqlite;
      parseTableName(d, opts.table);
      for (const k of opts.keyColumns) validateIdentifier(d, k, 'key column');
      return;
    }
    const writer = await TableWriter.create(connection, { ...opts, full: false });
    try {
      // A full run deletes the rows whose keys are not on the platform: in a table someone else
      // filled (a manual FY2024 load), that is every one of theirs. A job moved with its table
      // (config import) passes rowsAllowed: those rows are its own.
      if (writer.existed && !opts.rowsAllowed && (await writer.driver.hasRows(writer.sqlTable))) {
        throw new ExportError(
          'destination_failed',
          `The table "${opts.table}" already holds rows. An export keeps its table equal to the platform's data: a run that writes everything deletes the rows whose keys are not on the platform, and these were not written by this job. Give a new table name (the table is created on the first run), or empty this table first if its rows may go.`,
        );
      }
    } finally {
      await writer.close();
    }
  }

  /** Whether the table existed when the writer was opened. */
  get existed(): boolean {
    return this.existedAtOpen;
  }

  /** Rows committed to the table so far (upserts and deletions by key). */
  get committedRows(): number {
    return this.written;
  }

  /** Rows a finished full export deleted because their keys were no longer on the platform. */
  get removedRows(): number {
    return this.removedStale;
  }

  /** Whether abort() dropped the table this run had created (see exportEverything). */
  get droppedOnAbort(): boolean {
    return this.dropped;
  }

  /**
   * The run exports every row although it had a cursor, because the table was not there (a table
   * holding only the rows changed since the cursor would stay incomplete for good). Should the run
   * fail, the table it created is dropped again, so the next run also finds none and starts over.
   */
  exportEverything(): void {
    this.full = true;
    if (!this.existedAtOpen) this.dropCreatedOnAbort = true;
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
    this.accepted++;
    this.pending.push({ row, deleted, n: this.accepted });
    if (this.pending.length >= (this.opts.batchSize ?? 500)) await this.flush();
  }

  async finish(): Promise<TableOutput> {
    try {
      await this.flush();
      // An export with no rows still leaves the table in place, so BI tools find it.
      if (this.tableColumns === null) await this.inTransaction(() => Promise.resolve(), 0);
      if (this.runKeys !== null) await this.removeStale();
    } finally {
      await this.close();
    }
    return { kind: 'table', table: this.opts.table, rows: this.written, bytes: this.bytes };
  }

  async abort(): Promise<void> {
    this.pending = [];
    await this.driver.rollback().catch(() => undefined);
    try {
      if (this.dropCreatedOnAbort && this.createdTable) {
        await this.driver.exec(`DROP TABLE IF EXISTS ${this.sqlTable}`);
        this.dropped = true;
      }
    } catch (e) {
      throw new ExportError('destination_failed', `Removing the incomplete table "${this.opts.table}" this run created failed: ${sentence(errText(e))} Drop it by hand so the next run exports every row again.`, { cause: e });
    } finally {
      await this.close();
    }
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

  private keyColumnNames(): string[] {
    return this.opts.keyColumns.map((k) => this.namer.nameFor(k));
  }

  /**
   * Before anything is changed: does the schema exist, does the table, and can an existing one be
   * upserted into (its key columns, and a primary key or unique constraint on exactly them)? A full
   * export into an existing table also gets its temporary table of this run's keys here.
   */
  private async inspect(): Promise<void> {
    const d = this.driver.dialect;
    const t = this.opts.table;
    const where = this.driver.where;
    try {
      const schema = this.table.schema;
      if (schema !== null && !(await this.driver.schemaExists(schema))) {
        const create = d.qualifier === 'database' ? `CREATE DATABASE ${d.quote(schema)};` : `CREATE SCHEMA ${d.quote(schema)};`;
        throw new ExportError(
          'destination_failed',
          `The ${d.qualifier ?? 'schema'} "${schema}" does not exist in ${where}, so the table "${t}" cannot be created in it. Create it first (${create}), or change the table name${this.fixAt}.`,
        );
      }
      const existing = await this.driver.columns(this.table);
      this.existedAtOpen = existing !== null;
      if (existing === null) return;
      this.tableColumns = new Set(existing.map((c) => this.norm(c.name)));
      for (const c of existing) this.columnTypes.set(this.norm(c.name), { kind: columnKind(d.name, c.type), type: c.type });
      for (const k of this.opts.keyColumns) {
        if (!this.tableColumns.has(this.norm(this.namer.nameFor(k)))) {
          throw new ExportError('destination_failed', `The existing table "${t}" in ${where} has no key column "${k}". Choose another table name or the table's own key columns${this.fixAt}.`);
        }
      }
      const wanted = sameColumns(this.keyColumnNames().map((c) => this.norm(c)));
      const unique = await this.driver.uniqueKeys(this.table);
      if (!unique.some((cols) => sameColumns(cols.map((c) => this.norm(c))) === wanted)) {
        const list = this.opts.keyColumns.map((k) => `"${k}"`).join(', ');
        const these = this.opts.keyColumns.length === 1 ? 'it' : 'exactly those columns';
        throw new ExportError(
          'destination_failed',
          `The existing table "${t}" in ${where} has no primary key or unique constraint on its key column${this.opts.keyColumns.length === 1 ? '' : 's'} ${list}, so rows cannot be updated by key. Add a primary key or unique constraint on ${these}, or choose another table name${this.fixAt} so the agent creates a table of its own. Nothing was changed.`,
        );
      }
      if (this.full) await this.createRunKeys();
    } catch (e) {
      if (e instanceof ExportError) throw e;
      throw new ExportError('destination_failed', `Cannot read table "${t}" in ${where}: ${sentence(errText(e))} Nothing was changed.`, { cause: e });
    }
  }

  /**
   * A temporary table (of this connection only, gone when it closes) with the key columns of the
   * target, copied with their types so a key compares the way the table stores it. Every batch adds
   * its keys in its own transaction; finish() deletes the target's rows with keys not in it.
   */
  private async createRunKeys(): Promise<void> {
    const d = this.driver.dialect;
    const q = d.quote;
    const name = `esg_run_keys_${randomBytes(6).toString('hex')}`;
    const cols = this.keyColumnNames().map(q).join(', ');
    switch (d.name) {
      case 'postgres':
        await this.driver.exec(`CREATE TEMPORARY TABLE ${q(name)} AS SELECT ${cols} FROM ${this.sqlTable} WITH NO DATA`);
        await this.driver.exec(`CREATE INDEX ON ${q(name)} (${cols})`);
        break;
      case 'mysql':
        // CREATE/DROP TEMPORARY TABLE do not commit; an index is declared in the same statement.
        await this.driver.exec(`CREATE TEMPORARY TABLE ${q(name)} (INDEX (${cols})) AS SELECT ${cols} FROM ${this.sqlTable} LIMIT 0`);
        break;
      case 'sqlite':
        await this.driver.exec(`CREATE TEMP TABLE ${q(name)} AS SELECT ${cols} FROM ${this.sqlTable} LIMIT 0`);
        await this.driver.exec(`CREATE INDEX temp.${q(`${name}_key`)} ON ${q(name)} (${cols})`);
        break;
    }
    this.runKeys = q(name);
  }

  /** After a successful full export: deletes, in one transaction, the rows whose keys this run did not write. */
  private async removeStale(): Promise<void> {
    const d = this.driver.dialect;
    const keys = this.runKeys!;
    const match = this.keyColumnNames()
      .map((c) => `k.${d.quote(c)} = ${this.sqlTable}.${d.quote(c)}`)
      .join(' AND ');
    let removed: number;
    try {
      if (d.name === 'postgres') await this.driver.exec(`ANALYZE ${keys}`);
      await this.driver.begin();
      removed = await this.driver.exec(`DELETE FROM ${this.sqlTable} WHERE NOT EXISTS (SELECT 1 FROM ${keys} k WHERE ${match})`);
      await this.driver.commit();
    } catch (e) {
      await this.driver.rollback().catch(() => undefined);
      throw new ExportError(
        'destination_failed',
        `Every row was written to table "${this.opts.table}" in ${this.driver.where}, but removing the rows no longer on the platform failed: ${sentence(errText(e))} Those rows are still in the table.`,
        { cause: e },
      );
    }
    this.removedStale = removed;
    await this.driver.exec(`DROP ${d.name === 'mysql' ? 'TEMPORARY ' : ''}TABLE IF EXISTS ${keys}`).catch(() => undefined);
    this.runKeys = null;
  }

  /** Creates the table or adds the columns it lacks: in the batch's transaction where DDL is transactional, just before it on MySQL (which commits on DDL). */
  private async ensureTable(): Promise<void> {
    const d = this.driver.dialect;
    const q = d.quote;
    try {
      if (this.tableColumns === null) {
        const keyCols = this.keyColumnNames();
        const defs = this.keys.map((k) => {
          const col = this.namer.nameFor(k);
          return `${q(col)} ${this.newColumnType(k, keyCols.includes(col))}`;
        });
        await this.driver.exec(`CREATE TABLE IF NOT EXISTS ${this.sqlTable} (${defs.join(', ')}, PRIMARY KEY (${keyCols.map(q).join(', ')}))`);
        this.tableColumns = new Set(this.keys.map((k) => this.norm(this.namer.nameFor(k))));
        this.createdTable = true;
        return;
      }
      for (const k of this.keys) {
        const col = this.namer.nameFor(k);
        if (this.tableColumns.has(this.norm(col))) continue;
        await this.driver.exec(`ALTER TABLE ${this.sqlTable} ADD COLUMN ${q(col)} ${this.newColumnType(k, false)}`);
        this.tableColumns.add(this.norm(col));
      }
    } catch (e) {
      throw new ExportError('destination_failed', `Cannot prepare table "${this.opts.table}" in ${this.driver.where}: ${sentence(errText(e))}`, { cause: e });
    }
  }

  /** The SQL type of a column this writer adds for a flattened key (and records what it takes): the platform's type, text when it gives none. */
  private newColumnType(key: string, isKey: boolean): string {
    const d = this.driver.dialect;
    const declared = this.opts.columnTypes?.[key] ?? 'text';
    const type = declared === 'text' ? (isKey ? d.keyType : d.textType) : `${createdType(d.name, declared)}${isKey ? ' NOT NULL' : ''}`;
    this.columnTypes.set(this.norm(this.namer.nameFor(key)), { kind: createdKind(d.name, declared), type: type.replace(/ NOT NULL$/, '') });
    return type;
  }

  /**
   * A row's value for a column, converted to what the column takes. One that cannot fit stops the
   * batch with the row, column and table named, and what the person can change.
   */
  private param(row: FlatRow, key: string, n: number): SqlParam {
    const col = this.namer.nameFor(key);
    const t = this.columnTypes.get(this.norm(col)) ?? { kind: 'text' as const, type: 'text' };
    const r = convert(this.driver.dialect.name, t.kind, row[key]);
    if (r.ok) return r.value;
    const which = this.opts.keyColumns.map((k) => `${k} "${asText(row[k])}"`).join(', ');
    throw new ExportError(
      'destination_failed',
      `Row ${n} of this run (${which}) cannot be written to table "${this.opts.table}" in ${this.driver.where}: its "${key}" is ${r.shown}, but the column "${col}" (${t.type}) takes ${KIND_WORDS[t.kind]}. Change that column's type so it takes such values (e.g. to text), or give the job a new table name${this.fixAt} so the agent creates the table with columns that fit.`,
    );
  }

  /**
   * Runs one batch's statements in a transaction, with the table's DDL (see ensureTable). When it
   * fails, everything of the batch is rolled back, and on SQLite and PostgreSQL the table and
   * columns it created with it.
   */
  private async inTransaction(work: () => Promise<void>, batchRows: number): Promise<void> {
    const d = this.driver.dialect;
    const columnsBefore = this.tableColumns === null ? null : new Set(this.tableColumns);
    const createdBefore = this.createdTable;
    const typesBefore = new Map(this.columnTypes);
    if (!d.transactionalDdl) await this.ensureTable();
    try {
      await this.driver.begin();
      if (d.transactionalDdl) await this.ensureTable();
      await work();
      await this.driver.commit();
    } catch (e) {
      await this.driver.rollback().catch(() => undefined);
      if (d.transactionalDdl) {
        this.tableColumns = columnsBefore;
        this.createdTable = createdBefore;
        this.columnTypes = typesBefore;
      }
      const undone = d.transactionalDdl ? ' The batch was rolled back, with any table or columns it created.' : ' The batch was rolled back.';
      if (e instanceof ExportError) throw new ExportError(e.code, `${e.message}${undone}`, { cause: e.cause });
      throw new ExportError(
        'destination_failed',
        `Writing ${batchRows} row${batchRows === 1 ? '' : 's'} to table "${this.opts.table}" in ${this.driver.where} failed: ${sentence(errText(e))}${valueDoesNotFit(e) ? ` ${DOES_NOT_FIT}` : ''}${undone}`,
        { cause: e },
      );
    }
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    // One row per key per statement: PostgreSQL refuses to upsert the same key twice in one INSERT.
    // The last of a key's rows in the batch wins, whether an upsert or a deletion (a key deleted and
    // then created again on the platform arrives in that order), so each key is either deleted or
    // upserted, never both, and the order of the two statements below does not matter.
    const byKey = new Map<string, { row: FlatRow; deleted: boolean; n: number }>();
    for (const p of this.pending) byKey.set(JSON.stringify(this.opts.keyColumns.map((k) => asText(p.row[k]))), p);
    const rows: { row: FlatRow; n: number }[] = [];
    const deletions: { row: FlatRow; n: number }[] = [];
    for (const p of byKey.values()) (p.deleted ? deletions : rows).push(p);
    const batchRows = this.pending.length;
    this.pending = [];

    const d = this.driver.dialect;
    const keyCols = this.keyColumnNames();
    let bytes = 0;
    await this.inTransaction(async () => {
      // The columns are known only now: ensureTable may have just named the batch's new keys.
      const cols = this.keys.map((k) => this.namer.nameFor(k));
      const perStatement = Math.max(1, Math.floor(d.maxParams / cols.length));
      const head = `INSERT INTO ${this.sqlTable} (${cols.map(d.quote).join(', ')}) VALUES `;
      const keyParams = (chunk: { row: FlatRow; n: number }[]) => chunk.flatMap((r) => this.opts.keyColumns.map((k) => this.param(r.row, k, r.n)));
      for (let i = 0; i < deletions.length; i += DELETE_ROWS_PER_STATEMENT) {
        const chunk = deletions.slice(i, i + DELETE_ROWS_PER_STATEMENT);
        await this.driver.exec(`DELETE FROM ${this.sqlTable} WHERE ${keyMatch(d, keyCols, chunk.length)}`, keyParams(chunk));
      }
      for (let i = 0; i < rows.length; i += perStatement) {
        const chunk = rows.slice(i, i + perStatement);
        const params: SqlParam[] = [];
        for (const r of chunk) {
          for (const k of this.keys) {
            const v = this.param(r.row, k, r.n);
            if (v !== null) bytes += typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : String(v).length;
            params.push(v);
          }
        }
        await this.driver.exec(head + d.placeholders(chunk.length, cols.length) + d.upsertTail(cols, keyCols), params);
      }
      if (this.runKeys !== null) {
        const perKeys = Math.max(1, Math.floor(d.maxParams / keyCols.length));
        for (let i = 0; i < rows.length; i += perKeys) {
          const chunk = rows.slice(i, i + perKeys);
          await this.driver.exec(`INSERT INTO ${this.runKeys} (${keyCols.map(d.quote).join(', ')}) VALUES ${d.placeholders(chunk.length, keyCols.length)}`, keyParams(chunk));
        }
      }
    }, batchRows);
    this.written += batchRows;
    this.bytes += bytes;
  }
}

// The server refused a value for its column's size or form (a number out of a DECIMAL's range, text
// longer than a VARCHAR): MySQL/MariaDB error names, PostgreSQL SQLSTATE class 22.
const VALUE_FIT_CODES = new Set(['ER_WARN_DATA_OUT_OF_RANGE', 'ER_DATA_TOO_LONG', 'ER_TRUNCATED_WRONG_VALUE', 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD', '22003', '22001', '22P02', '22007', '22008']);
const DOES_NOT_FIT =
  "A value does not fit its column: widen that column's type (a larger DECIMAL, a longer VARCHAR, or text), or give the job a new table name so the agent creates the table with columns that fit.";

function valueDoesNotFit(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && VALUE_FIT_CODES.has(code);
}

/** A set of column names as one comparable string, whatever their order. */
function sameColumns(cols: string[]): string {
  return JSON.stringify([...cols].sort());
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

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
