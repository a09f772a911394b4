import Database from 'better-sqlite3';
import type { CellValue } from '../../../../shared/domain';
import { DatabaseSourceError } from '../errors';
import { toCell, watermarkOf, watermarkParam } from './convert';
import { REREAD_ALIAS, WATERMARK_ALIAS, buildRead, quoteIdent, relationSql, sqliteWatermarkKey } from './sql';
import { watermarkColumnProblem } from './watermark';
import { pickRowKey, type DatabasePreview, type DatabaseReadOptions, type DatabaseRow, type DatabaseSource, type DatabaseSourceConfig, type DatabaseTestResult } from './types';

function mapError(err: unknown, cfg: DatabaseSourceConfig): DatabaseSourceError {
  if (err instanceof DatabaseSourceError) return err;
  const e = err as { code?: string; message?: string };
  const msg = e.message ?? String(err);
  if (e.code === 'SQLITE_CANTOPEN' || /unable to open|does not exist|directory does not exist/i.test(msg)) {
    return new DatabaseSourceError('CONNECTION_FAILED', `The SQLite file ${cfg.file} cannot be opened. Check the path and that the agent's user can read it.`);
  }
  if (e.code === 'SQLITE_NOTADB') return new DatabaseSourceError('CONNECTION_FAILED', `${cfg.file} is not a SQLite database.`);
  if (/no such table/i.test(msg)) return new DatabaseSourceError('TABLE_NOT_FOUND', `The table ${cfg.table ?? ''} does not exist in ${cfg.file}: ${msg}.`);
  if (/no such column/i.test(msg)) return new DatabaseSourceError('COLUMN_NOT_FOUND', `A column does not exist: ${msg}. Check the watermark column and the query.`);
  if (e.code === 'SQLITE_READONLY' || /readonly/i.test(msg)) return new DatabaseSourceError('QUERY_NOT_READ_ONLY', 'The source query tried to change the database; a source may only read.');
  return new DatabaseSourceError('QUERY_FAILED', `The SQLite query failed: ${msg}`);
}

export class SqliteSource implements DatabaseSource {
  readonly kind = 'sqlite' as const;
  private db: Database.Database | null = null;

  constructor(private readonly cfg: DatabaseSourceConfig) {}

  private open(): Database.Database {
    if (!this.db) {
      try {
        this.db = new Database(this.cfg.file!, { readonly: true, fileMustExist: true });
        this.db.pragma('query_only = ON');
      } catch (err) {
        throw mapError(err, this.cfg);
      }
    }
    return this.db;
  }

  async test(): Promise<DatabaseTestResult> {
    try {
      const db = this.open();
      const probe = db.prepare(`SELECT * FROM ${relationSql('sqlite', this.cfg)} LIMIT 0`);
      probe.all();
      const problem = watermarkColumnProblem('sqlite', this.cfg, probe.columns().map((c) => c.name));
      if (problem) throw problem;
      const v = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
      return { ok: true, message: `Connected (SQLite ${v.v}).` };
    } catch (err) {
      const e = mapError(err, this.cfg);
      return { ok: false, message: e.message, code: e.code };
    }
  }

  async preview(limit = 100): Promise<DatabasePreview> {
    const n = Math.max(1, Math.min(10000, Math.floor(limit)));
    try {
      const stmt = this.open().prepare(`SELECT src.* FROM ${relationSql('sqlite', this.cfg)} LIMIT ${n}`);
      const columns = stmt.columns().map((c) => c.name);
      const rows = (stmt.all() as Record<string, unknown>[]).map((r, i) => this.toRow(r, i + 1, null));
      return { columns, rows };
    } catch (err) {
      throw mapError(err, this.cfg);
    }
  }

  async count(opts: { afterWatermark?: string | null } = {}): Promise<number> {
    try {
      const { sql, params } = buildRead('sqlite', this.cfg, opts.afterWatermark, '?', undefined, 'after');
      const r = this.open().prepare(`SELECT COUNT(*) AS n FROM (${sql})`).get(...params.map(watermarkParam)) as { n: number };
      return Number(r.n);
    } catch (err) {
      throw mapError(err, this.cfg);
    }
  }

  async newestWatermark(): Promise<string | null> {
    if (!this.cfg.watermarkColumn) return null;
    try {
      const col = `src.${quoteIdent('sqlite', this.cfg.watermarkColumn)}`;
      const r = this.open()
        .prepare(`SELECT CAST(${col} AS TEXT) AS w FROM ${relationSql('sqlite', this.cfg)} WHERE ${col} IS NOT NULL ORDER BY ${sqliteWatermarkKey(col)} DESC, ${col} DESC LIMIT 1`)
        .get() as { w: string } | undefined;
      return r?.w ?? null;
    } catch (err) {
      throw mapError(err, this.cfg);
    }
  }

  async keyColumns(): Promise<string[] | null> {
    if (!this.cfg.table) return null;
    const schema = this.cfg.schema ?? 'main';
    const db = this.open();
    // An INTEGER PRIMARY KEY is the rowid and has no index of its own: its columns say it.
    const pk = db.prepare('SELECT name FROM pragma_table_info(?, ?) WHERE pk > 0 ORDER BY pk').pluck().all(this.cfg.table, schema) as string[];
    const keys = [{ columns: pk, primary: true }];
    const indexes = db.prepare('SELECT name FROM pragma_index_list(?, ?) WHERE "unique" = 1 AND partial = 0').pluck().all(this.cfg.table, schema) as string[];
    for (const ix of indexes) {
      const cols = db.prepare('SELECT name FROM pragma_index_info(?, ?) ORDER BY seqno').pluck().all(ix, schema) as (string | null)[];
      if (cols.every((c) => c !== null)) keys.push({ columns: cols as string[], primary: false });
    }
    return pickRowKey(keys);
  }

  async *read(opts: DatabaseReadOptions = {}): AsyncGenerator<DatabaseRow> {
    let iter: IterableIterator<unknown>;
    try {
      const { sql, params } = buildRead('sqlite', this.cfg, opts.afterWatermark, '?');
      iter = this.open().prepare(sql).iterate(...params.map(watermarkParam)) as IterableIterator<unknown>;
    } catch (err) {
      throw mapError(err, this.cfg);
    }
    let line = 0;
    try {
      for (const raw of iter) {
        line++;
        const r = raw as Record<string, unknown>;
        yield this.toRow(r, line, watermarkOf(r, this.cfg, opts.afterWatermark));
        // The iteration is synchronous: give the event loop a turn now and then.
        if (line % 1000 === 0) await new Promise((res) => setImmediate(res));
      }
    } catch (err) {
      throw mapError(err, this.cfg);
    } finally {
      (iter as { return?: () => void }).return?.();
    }
  }

  private toRow(r: Record<string, unknown>, line: number, watermark: string | null): DatabaseRow {
    const cells: Record<string, CellValue> = {};
    for (const [k, v] of Object.entries(r)) if (k !== WATERMARK_ALIAS && k !== REREAD_ALIAS) cells[k] = toCell(v);
    return { line, cells, watermark };
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
  }
}
