import { loadMysql } from '../../runtime/lazy-modules';
import type { Connection } from 'mysql2';
import type { CellValue } from '../../../../shared/domain';
import { DatabaseSourceError } from '../errors';
import { toCell, watermarkOf } from './convert';
import { REREAD_ALIAS, WATERMARK_ALIAS, buildRead, quoteIdent, relationLabel, relationSql } from './sql';
import { watermarkColumnProblem } from './watermark';
import { DATABASE_KEEPALIVE_DELAY_MS, DEFAULT_LOCK_TIMEOUT_SECONDS } from './types';
import { pickRowKey, type DatabasePreview, type DatabaseReadOptions, type DatabaseRow, type DatabaseSource, type DatabaseSourceConfig, type DatabaseTestResult } from './types';

/** A driver error in words a person can act on (exported for the exit-code tests). */
export function describeMysqlError(err: unknown, cfg: DatabaseSourceConfig): DatabaseSourceError {
  if (err instanceof DatabaseSourceError) return err;
  const e = err as { code?: string; message?: string };
  const where = `${cfg.host ?? '127.0.0.1'}:${cfg.port ?? 3306}`;
  switch (e.code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      return new DatabaseSourceError(
        'AUTH_FAILED',
        `MySQL at ${where} refused the user "${cfg.user ?? ''}": wrong password, or the user may not log in from this computer. Enter the password again (Sources → Edit, or \`esg-sync source edit --password-stdin\`); if it is right, ask the database administrator to let this user log in from here.`,
      );
    case 'ER_BAD_DB_ERROR':
      return new DatabaseSourceError('DATABASE_NOT_FOUND', `MySQL at ${where} has no database "${cfg.database}".`);
    case 'ER_NO_SUCH_TABLE':
      return new DatabaseSourceError('TABLE_NOT_FOUND', `MySQL: ${e.message}. Check the table name.`);
    case 'ER_BAD_FIELD_ERROR':
      return new DatabaseSourceError('COLUMN_NOT_FOUND', `MySQL: ${e.message}. Check the watermark column and the query.`);
    case 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION':
      return new DatabaseSourceError('QUERY_NOT_READ_ONLY', 'The source query tried to change the database; a source may only read.');
    case 'ER_LOCK_WAIT_TIMEOUT': {
      // 1205: lock_wait_timeout (a metadata lock: LOCK TABLES, an ALTER TABLE, or one queued
      // behind an open transaction) or innodb_lock_wait_timeout (a row lock) struck.
      const seconds = cfg.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS;
      return new DatabaseSourceError(
        'LOCK_TIMEOUT',
        `MySQL at ${where}: reading ${relationLabel(cfg)} in the database "${cfg.database ?? ''}" waited ${seconds} second${seconds === 1 ? '' : 's'} for a lock held by another session, and gave up. Try again later, ask the database administrator which session holds the lock (SHOW PROCESSLIST shows the sessions and what they wait for), or let the source wait longer (Sources → Edit → Lock wait, or \`esg-sync source edit --lock-timeout SECONDS\`).`,
      );
    }
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return new DatabaseSourceError('CONNECTION_FAILED', `Cannot reach MySQL at ${where} (${e.code}). Check the host, the port and that the server is running.`);
    default:
      return new DatabaseSourceError('QUERY_FAILED', `MySQL query failed: ${e.message ?? String(err)}`);
  }
}

export class MysqlSource implements DatabaseSource {
  readonly kind = 'mysql' as const;
  constructor(private readonly cfg: DatabaseSourceConfig) {}

  private async connect(): Promise<Connection> {
    const conn = (await loadMysql()).createConnection({
      host: this.cfg.host ?? '127.0.0.1',
      port: this.cfg.port ?? 3306,
      database: this.cfg.database,
      user: this.cfg.user,
      password: this.cfg.password,
      // Dates as the server prints them (no time-zone shift); DECIMAL stays exact text;
      // BIGINT as a number only when it fits.
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: false,
      connectTimeout: this.cfg.connectTimeoutMs ?? 10000,
      enableKeepAlive: true,
      keepAliveInitialDelay: DATABASE_KEEPALIVE_DELAY_MS,
      ssl: this.cfg.ssl === 'require' ? { rejectUnauthorized: true } : this.cfg.ssl === 'no-verify' ? { rejectUnauthorized: false } : undefined,
    });
    conn.on('error', () => undefined);
    try {
      await conn.promise().connect();
      await this.limitLockWaits(conn);
    } catch (err) {
      conn.destroy();
      throw describeMysqlError(err, this.cfg);
    }
    return conn;
  }

  /**
   * The lock wait limit for this session: lock_wait_timeout covers metadata locks (LOCK TABLES,
   * an ALTER TABLE, or one queued behind an open transaction; the server default is a day in
   * MariaDB, a year in MySQL), innodb_lock_wait_timeout row locks (only a locking read waits on them: a query
   * with FOR SHARE, or any read under SERIALIZABLE). A server without InnoDB's variable keeps the first.
   *
   * No max_statement_time / max_execution_time, on purpose: the reader streams one SELECT from
   * first row to last, so a statement limit would cut off a long read of a big table. A server
   * or network gone mid-read is noticed by TCP keepalive instead.
   */
  private async limitLockWaits(conn: Connection): Promise<void> {
    const seconds = Math.round(this.cfg.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS);
    try {
      await conn.promise().query(`SET SESSION lock_wait_timeout = ${seconds}, SESSION innodb_lock_wait_timeout = ${seconds}`);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ER_UNKNOWN_SYSTEM_VARIABLE') throw err;
      await conn.promise().query(`SET SESSION lock_wait_timeout = ${seconds}`);
    }
  }

  private async readOnly<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
    const conn = await this.connect();
    try {
      await conn.promise().query('START TRANSACTION READ ONLY');
      const out = await fn(conn);
      await conn.promise().query('COMMIT');
      return out;
    } catch (err) {
      await conn.promise().query('ROLLBACK').catch(() => undefined);
      throw describeMysqlError(err, this.cfg);
    } finally {
      await conn.promise().end().catch(() => conn.destroy());
    }
  }

  async test(): Promise<DatabaseTestResult> {
    try {
      const version = await this.readOnly(async (c) => {
        const [, fields] = await c.promise().execute(`SELECT src.* FROM ${relationSql('mysql', this.cfg)} LIMIT 0`);
        const problem = watermarkColumnProblem('mysql', this.cfg, (fields ?? []).map((f) => f.name));
        if (problem) throw problem;
        const [rows] = await c.promise().query('SELECT VERSION() AS v');
        return (rows as Array<{ v: string }>)[0]!.v;
      });
      return { ok: true, message: `Connected (MySQL/MariaDB ${version}).` };
    } catch (err) {
      const e = describeMysqlError(err, this.cfg);
      return { ok: false, message: e.message, code: e.code };
    }
  }

  async preview(limit = 100): Promise<DatabasePreview> {
    const n = Math.max(1, Math.min(10000, Math.floor(limit)));
    return this.readOnly(async (c) => {
      const [rows, fields] = await c.promise().execute(`SELECT src.* FROM ${relationSql('mysql', this.cfg)} LIMIT ${n}`);
      return {
        columns: (fields ?? []).map((f) => f.name),
        rows: (rows as Record<string, unknown>[]).map((r, i) => toRow(r, i + 1, null)),
      };
    });
  }

  async count(opts: { afterWatermark?: string | null } = {}): Promise<number> {
    const { sql, params } = buildRead('mysql', this.cfg, opts.afterWatermark, '?', undefined, 'after');
    return this.readOnly(async (c) => {
      const [rows] = await c.promise().execute(`SELECT COUNT(*) AS n FROM (${sql}) AS counted`, params);
      return Number((rows as Array<{ n: number | string }>)[0]!.n);
    });
  }

  async newestWatermark(): Promise<string | null> {
    if (!this.cfg.watermarkColumn) return null;
    const col = `src.${quoteIdent('mysql', this.cfg.watermarkColumn)}`;
    return this.readOnly(async (c) => {
      const [rows] = await c.promise().execute(`SELECT CAST(${col} AS CHAR) AS w FROM ${relationSql('mysql', this.cfg)} WHERE ${col} IS NOT NULL ORDER BY ${col} DESC LIMIT 1`);
      return (rows as Array<{ w: string }>)[0]?.w ?? null;
    });
  }

  /** A server-side prepared statement streamed row by row; the connection pauses when we do. */
  async keyColumns(): Promise<string[] | null> {
    if (!this.cfg.table) return null;
    return this.readOnly(async (c) => {
      const [rows] = await c.promise().query(
        `SELECT INDEX_NAME AS idx, COLUMN_NAME AS col, SUB_PART AS part FROM information_schema.STATISTICS
          WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
        [this.cfg.schema ?? null, this.cfg.table],
      );
      const byIndex = new Map<string, { columns: string[]; primary: boolean; whole: boolean }>();
      for (const r of rows as { idx: string; col: string | null; part: number | null }[]) {
        const ix = byIndex.get(r.idx) ?? { columns: [], primary: r.idx === 'PRIMARY', whole: true };
        // A prefix (SUB_PART) or functional (no column) part does not name a row by whole values.
        if (r.col === null || r.part !== null) ix.whole = false;
        else ix.columns.push(r.col);
        byIndex.set(r.idx, ix);
      }
      return pickRowKey([...byIndex.values()].filter((ix) => ix.whole));
    });
  }

  async *read(opts: DatabaseReadOptions = {}): AsyncGenerator<DatabaseRow> {
    const { sql, params } = buildRead('mysql', this.cfg, opts.afterWatermark, '?');
    const conn = await this.connect();
    let stream: NodeJS.ReadableStream & { destroy(): void } | null = null;
    let finished = false;
    try {
      try {
        await conn.promise().query('START TRANSACTION READ ONLY');
      } catch (err) {
        throw describeMysqlError(err, this.cfg);
      }
      stream = conn.execute(sql, params).stream({ highWaterMark: Math.max(16, opts.batchSize ?? 1000) }) as unknown as NodeJS.ReadableStream & {
        destroy(): void;
      };
      let line = 0;
      try {
        for await (const r of stream as AsyncIterable<Record<string, unknown>>) {
          line++;
          yield toRow(r, line, watermarkOf(r, this.cfg, opts.afterWatermark));
        }
      } catch (err) {
        throw describeMysqlError(err, this.cfg);
      }
      await conn.promise().query('COMMIT');
      finished = true;
    } finally {
      stream?.destroy();
      if (!finished) {
        // Abandoned mid-stream: the rest of the result would have to be drained; closing is quicker.
        conn.destroy();
      } else {
        await conn.promise().end().catch(() => conn.destroy());
      }
    }
  }

  async close(): Promise<void> {}
}

function toRow(r: Record<string, unknown>, line: number, watermark: string | null): DatabaseRow {
  const cells: Record<string, CellValue> = {};
  for (const [k, v] of Object.entries(r)) if (k !== WATERMARK_ALIAS && k !== REREAD_ALIAS) cells[k] = toCell(v);
  return { line, cells, watermark };
}
