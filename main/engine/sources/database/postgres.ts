import type pg from 'pg';
import type { CellValue } from '../../../../shared/domain';
import { loadPg } from '../../runtime/lazy-modules';
import { DatabaseSourceError } from '../errors';
import { toCell, watermarkOf } from './convert';
import { REREAD_ALIAS, WATERMARK_ALIAS, buildRead, quoteIdent, relationLabel, relationSql } from './sql';
import { watermarkColumnProblem } from './watermark';
import { DATABASE_KEEPALIVE_DELAY_MS, DEFAULT_LOCK_TIMEOUT_SECONDS } from './types';
import { pickRowKey, type DatabasePreview, type DatabaseReadOptions, type DatabaseRow, type DatabaseSource, type DatabaseSourceConfig, type DatabaseTestResult } from './types';

/**
 * Every statement that carries a source's SQL goes over the extended protocol, which runs exactly
 * one statement: over the simple protocol a second statement hidden in a query (`…; COMMIT; DROP
 * TABLE …`) would end the read-only transaction and run, whatever the query check missed.
 */
function oneStatement<V extends unknown[]>(text: string, values?: V): pg.QueryConfig<V> {
  // `queryMode` is pg's (8.12+) but not in its type definitions.
  return { text, ...(values ? { values } : {}), queryMode: 'extended' } as pg.QueryConfig<V>;
}

// Dates and timestamps stay as PostgreSQL prints them: no time-zone shift through JS Date,
// no lost microseconds. numeric stays text (exact); int8 becomes a number when it fits.
const OID = { int8: 20, date: 1082, timestamp: 1114, timestamptz: 1184, time: 1083, numeric: 1700, json: 114, jsonb: 3802 };
const typesOf = (driver: typeof pg) => ({
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case OID.int8:
        return (v: string) => (Number.isSafeInteger(Number(v)) ? Number(v) : v);
      case OID.date:
      case OID.timestamp:
      case OID.timestamptz:
      case OID.time:
      case OID.numeric:
      case OID.json:
      case OID.jsonb:
        return (v: string) => v;
      default:
        return driver.types.getTypeParser(oid, format ?? 'text');
    }
  },
});

/** A driver error in words a person can act on (exported for the exit-code tests). */
export function describePostgresError(err: unknown, cfg: DatabaseSourceConfig): DatabaseSourceError {
  if (err instanceof DatabaseSourceError) return err;
  const e = err as { code?: string; message?: string };
  const where = `${cfg.host ?? '127.0.0.1'}:${cfg.port ?? 5432}`;
  switch (e.code) {
    case '28P01':
      return new DatabaseSourceError('AUTH_FAILED', `PostgreSQL at ${where} refused the user "${cfg.user ?? ''}": wrong password. Enter the password again (Sources → Edit, or \`esg-sync source edit --password-stdin\`).`);
    case '28000':
      // Not the password: the role may not log in, or pg_hba.conf has no entry for this host. The server says which.
      return new DatabaseSourceError(
        'AUTH_FAILED',
        `PostgreSQL at ${where} refused the user "${cfg.user ?? ''}" (${e.message ?? 'no access'}). The password is not the problem: ask the database administrator to let this user log in from this computer.`,
      );
    case '42501':
      return new DatabaseSourceError(
        'QUERY_FAILED',
        `PostgreSQL at ${where}: ${e.message ?? 'permission denied'}. Ask the database administrator to grant the user "${cfg.user ?? ''}" SELECT on ${cfg.query ? 'the tables the source query reads' : relationLabel(cfg)}.${
          // A table source reads every column (SELECT *): a grant on some columns only is refused as a whole.
          cfg.query ? '' : ' A table source reads all its columns; if the user may read only some of them, use a source query that names those columns instead.'
        }`,
      );
    case '3D000':
      return new DatabaseSourceError('DATABASE_NOT_FOUND', `PostgreSQL at ${where} has no database "${cfg.database}".`);
    case '42P01':
      return new DatabaseSourceError('TABLE_NOT_FOUND', `PostgreSQL: ${e.message}. Check the table name (and schema).`);
    case '42703':
      return new DatabaseSourceError('COLUMN_NOT_FOUND', `PostgreSQL: ${e.message}. Check the watermark column and the query.`);
    case '25006':
      return new DatabaseSourceError('QUERY_NOT_READ_ONLY', 'The source query tried to change the database; a source may only read.');
    case '55P03': {
      // lock_not_available: lock_timeout struck (a source's reads take no NOWAIT locks).
      const seconds = cfg.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS;
      return new DatabaseSourceError(
        'LOCK_TIMEOUT',
        `PostgreSQL at ${where}: reading ${relationLabel(cfg)} in the database "${cfg.database ?? ''}" waited ${seconds} second${seconds === 1 ? '' : 's'} for a lock held by another session, and gave up. Try again later, ask the database administrator which session holds the lock (pg_locks and pg_stat_activity show it), or let the source wait longer (Sources → Edit → Lock wait, or \`esg-sync source edit --lock-timeout SECONDS\`).`,
      );
    }
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return new DatabaseSourceError('CONNECTION_FAILED', `Cannot reach PostgreSQL at ${where} (${e.code}). Check the host, the port and that the server is running.`);
    default:
      if (/timeout/i.test(e.message ?? '')) return new DatabaseSourceError('CONNECTION_FAILED', `PostgreSQL at ${where} did not answer in time.`);
      return new DatabaseSourceError('QUERY_FAILED', `PostgreSQL query failed: ${e.message ?? String(err)}`);
  }
}

export class PostgresSource implements DatabaseSource {
  readonly kind = 'postgres' as const;
  private cursorSeq = 0;
  constructor(private readonly cfg: DatabaseSourceConfig) {}

  private async connect(): Promise<pg.Client> {
    const ssl = this.cfg.ssl === 'require' ? { rejectUnauthorized: true } : this.cfg.ssl === 'no-verify' ? { rejectUnauthorized: false } : undefined;
    const driver = await loadPg();
    const client = new driver.Client({
      host: this.cfg.host ?? '127.0.0.1',
      port: this.cfg.port ?? 5432,
      database: this.cfg.database,
      user: this.cfg.user,
      password: this.cfg.password,
      ssl,
      types: typesOf(driver),
      connectionTimeoutMillis: this.cfg.connectTimeoutMs ?? 10000,
      keepAlive: true,
      keepAliveInitialDelayMillis: DATABASE_KEEPALIVE_DELAY_MS,
      application_name: 'esg-sync-agent',
    });
    client.on('error', () => undefined); // a dropped connection surfaces on the next query
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw describePostgresError(err, this.cfg);
    }
    return client;
  }

  /**
   * BEGIN READ ONLY with the lock wait limit, in one round trip. SET LOCAL holds for the
   * transaction only (every read runs in one), so it cannot leak into a pooled server session
   * (PgBouncer), which also refuses lock_timeout as a startup parameter.
   *
   * No statement_timeout, on purpose. The reader fetches from a cursor, so a limit would apply to
   * each FETCH, not to the whole read, and the time between FETCHes does not count: it could not
   * cut off a long read of a big table as such. But one FETCH can legitimately take long: the
   * first FETCH of a table ordered by a watermark column without an index sorts the whole table,
   * and a source query or view may aggregate millions of rows; no one limit suits every source.
   * The hangs it would end are ended without that risk: a wait for a lock by lock_timeout, a server
   * or network gone mid-read by TCP keepalive. A statement_timeout the database administrator set
   * for the role or database still applies.
   */
  private async begin(client: pg.Client): Promise<void> {
    const ms = (this.cfg.lockTimeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS) * 1000;
    await client.query(`BEGIN READ ONLY; SET LOCAL lock_timeout = ${Math.round(ms)}`);
  }

  /** Runs `fn` in a READ ONLY transaction on a fresh connection. */
  private async readOnly<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      await this.begin(client);
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw describePostgresError(err, this.cfg);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async test(): Promise<DatabaseTestResult> {
    try {
      const version = await this.readOnly(async (c) => {
        const probe = await c.query(oneStatement(`SELECT src.* FROM ${relationSql('postgres', this.cfg)} LIMIT 0`));
        const problem = watermarkColumnProblem('postgres', this.cfg, probe.fields.map((f) => f.name));
        if (problem) throw problem;
        return ((await c.query('SHOW server_version')).rows[0] as { server_version: string }).server_version;
      });
      return { ok: true, message: `Connected (PostgreSQL ${version}).` };
    } catch (err) {
      const e = describePostgresError(err, this.cfg);
      return { ok: false, message: e.message, code: e.code };
    }
  }

  async preview(limit = 100): Promise<DatabasePreview> {
    const n = Math.max(1, Math.min(10000, Math.floor(limit)));
    return this.readOnly(async (c) => {
      const res = await c.query(oneStatement(`SELECT src.* FROM ${relationSql('postgres', this.cfg)} LIMIT $1`, [n]));
      return { columns: res.fields.map((f) => f.name), rows: res.rows.map((r, i) => toRow(r as Record<string, unknown>, i + 1, null)) };
    });
  }

  async count(opts: { afterWatermark?: string | null } = {}): Promise<number> {
    const { sql, params } = buildRead('postgres', this.cfg, opts.afterWatermark, '$1', undefined, 'after');
    return this.readOnly(async (c) => {
      const res = await c.query(oneStatement(`SELECT COUNT(*)::text AS n FROM (${sql}) AS counted`, params));
      return Number((res.rows[0] as { n: string }).n);
    });
  }

  async newestWatermark(): Promise<string | null> {
    if (!this.cfg.watermarkColumn) return null;
    const col = `src.${quoteIdent('postgres', this.cfg.watermarkColumn)}`;
    return this.readOnly(async (c) => {
      const res = await c.query(oneStatement(`SELECT (${col})::text AS w FROM ${relationSql('postgres', this.cfg)} WHERE ${col} IS NOT NULL ORDER BY ${col} DESC LIMIT 1`));
      return (res.rows[0] as { w: string } | undefined)?.w ?? null;
    });
  }

  async keyColumns(): Promise<string[] | null> {
    if (!this.cfg.table) return null;
    return this.readOnly(async (c) => {
      // Key columns only (not INCLUDE ones), in the index's order; no partial or expression index.
      const res = await c.query(
        oneStatement(
          `SELECT i.indisprimary AS "primary",
                  array_agg(a.attname::text ORDER BY array_position((i.indkey::int2[])[0:i.indnkeyatts - 1], a.attnum)) AS cols
             FROM pg_index i
             JOIN pg_class t ON t.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])
            WHERE n.nspname = COALESCE($1::text, current_schema()) AND t.relname = $2
              AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
            GROUP BY i.indexrelid, i.indisprimary`,
          [this.cfg.schema ?? null, this.cfg.table],
        ),
      );
      return pickRowKey((res.rows as { primary: boolean; cols: string[] }[]).map((r) => ({ columns: r.cols, primary: r.primary })));
    });
  }

  /** A server-side cursor in a read-only transaction: FETCH batch by batch, so memory stays flat. */
  async *read(opts: DatabaseReadOptions = {}): AsyncGenerator<DatabaseRow> {
    const batch = Math.max(1, Math.min(50000, Math.floor(opts.batchSize ?? 1000)));
    const { sql, params } = buildRead('postgres', this.cfg, opts.afterWatermark, '$1');
    const client = await this.connect();
    const cursor = `esg_cursor_${++this.cursorSeq}`;
    let finished = false;
    try {
      try {
        await this.begin(client);
        await client.query(oneStatement(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, params));
      } catch (err) {
        throw describePostgresError(err, this.cfg);
      }
      let line = 0;
      for (;;) {
        let rows: Record<string, unknown>[];
        try {
          rows = (await client.query(`FETCH ${batch} FROM ${cursor}`)).rows as Record<string, unknown>[];
        } catch (err) {
          throw describePostgresError(err, this.cfg);
        }
        for (const r of rows) {
          line++;
          yield toRow(r, line, watermarkOf(r, this.cfg, opts.afterWatermark));
        }
        if (rows.length < batch) break;
      }
      await client.query('COMMIT');
      finished = true;
    } finally {
      if (!finished) await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {}
}

function toRow(r: Record<string, unknown>, line: number, watermark: string | null): DatabaseRow {
  const cells: Record<string, CellValue> = {};
  for (const [k, v] of Object.entries(r)) if (k !== WATERMARK_ALIAS && k !== REREAD_ALIAS) cells[k] = toCell(v);
  return { line, cells, watermark };
}
