/**
 * Thin async drivers over better-sqlite3, pg and mysql2 with the handful of operations the table
 * writer needs. Errors are rethrown as they come; the writer adds the context people need.
 */
import Database from 'better-sqlite3';
import { loadMysqlPromise, loadPg } from '../../../runtime/lazy-modules';
import { DIALECTS, type Dialect, type TableName } from './sql-dialects';
import type { ColumnInfo } from './sql-types';

/** Where a table export goes. The password is passed in by the caller (from the keychain), never stored here. */
export type TableConnection =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres' | 'mysql'; host: string; port: number; database: string; user: string; password?: string | null; ssl?: boolean };

/** A bound value; booleans reach PostgreSQL only (sql-types.ts turns them into 1/0 for the others). */
export type SqlParam = string | number | boolean | null;

export interface SqlDriver {
  readonly dialect: Dialect;
  /** Where, for messages: never includes the password. */
  readonly where: string;
  /**
   * The table's columns with their declared types, in order, or null when it does not exist. A table without a schema is looked
   * up in the connection's own (PostgreSQL current_schema(), MySQL DATABASE()).
   */
  columns(table: TableName): Promise<ColumnInfo[] | null>;
  /**
   * The column lists of the table's primary key and unique constraints/indexes that an upsert can
   * use as its conflict target: whole columns only (no expressions, no partial or prefix indexes).
   */
  uniqueKeys(table: TableName): Promise<string[][]>;
  /** Whether the schema (PostgreSQL) or database (MySQL/MariaDB) exists; SQLite has none. */
  schemaExists(schema: string): Promise<boolean>;
  /** Runs one statement; resolves to the number of rows it changed (0 for DDL). */
  exec(sql: string, params?: SqlParam[]): Promise<number>;
  /** Whether the table (quoted as the dialect quotes it) holds any row. */
  hasRows(sqlTable: string): Promise<boolean>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

export async function openDriver(conn: TableConnection): Promise<SqlDriver> {
  switch (conn.kind) {
    case 'sqlite':
      return openSqlite(conn.file);
    case 'postgres':
      return openPostgres(conn);
    case 'mysql':
      return openMysql(conn);
  }
}

function openSqlite(file: string): SqlDriver {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  return {
    dialect: DIALECTS.sqlite,
    where: `SQLite file ${file}`,
    columns(table) {
      const rows = db.prepare('SELECT name, type FROM pragma_table_info(?)').all(table.name) as ColumnInfo[];
      return Promise.resolve(rows.length === 0 ? null : rows);
    },
    uniqueKeys(table) {
      const keys: string[][] = [];
      // An INTEGER PRIMARY KEY is the rowid and has no index of its own: read the primary key from the columns.
      const pk = db.prepare('SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk').all(table.name) as { name: string }[];
      if (pk.length > 0) keys.push(pk.map((r) => r.name));
      const indexes = db.prepare('SELECT name FROM pragma_index_list(?) WHERE "unique" = 1 AND partial = 0').all(table.name) as { name: string }[];
      for (const ix of indexes) {
        const cols = db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').all(ix.name) as { name: string | null }[];
        if (cols.length > 0 && cols.every((c) => c.name !== null)) keys.push(cols.map((c) => c.name!));
      }
      return Promise.resolve(keys);
    },
    schemaExists: () => Promise.resolve(false),
    exec(sql, params = []) {
      return Promise.resolve(db.prepare(sql).run(...params).changes);
    },
    hasRows: (sqlTable) => Promise.resolve(db.prepare(`SELECT 1 FROM ${sqlTable} LIMIT 1`).get() !== undefined),
    begin: () => Promise.resolve(void db.exec('BEGIN IMMEDIATE')),
    commit: () => Promise.resolve(void db.exec('COMMIT')),
    rollback: () => Promise.resolve(void (db.inTransaction ? db.exec('ROLLBACK') : undefined)),
    close: () => Promise.resolve(void db.close()),
  };
}

type ServerConn = Extract<TableConnection, { kind: 'postgres' | 'mysql' }>;

async function openPostgres(c: ServerConn): Promise<SqlDriver> {
  const client = new (await loadPg()).Client({
    host: c.host,
    port: c.port,
    database: c.database,
    user: c.user,
    password: c.password ?? undefined,
    ssl: c.ssl === true ? { rejectUnauthorized: true } : undefined,
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection dropped by the server emits 'error'; without a listener that would crash the process.
  client.on('error', () => undefined);
  await client.connect();
  return {
    dialect: DIALECTS.postgres,
    where: `PostgreSQL ${c.host}:${c.port}/${c.database}`,
    async columns(table) {
      const r = await client.query<ColumnInfo>(
        'SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = COALESCE($1::text, current_schema()) AND table_name = $2 ORDER BY ordinal_position',
        [table.schema, table.name],
      );
      return r.rows.length === 0 ? null : r.rows;
    },
    async uniqueKeys(table) {
      // Key columns only (not INCLUDE ones); deferrable constraints cannot be an ON CONFLICT target.
      const r = await client.query<{ cols: string[] }>(
        `SELECT array_agg(a.attname::text) AS cols
           FROM pg_index i
           JOIN pg_class c ON c.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])
          WHERE n.nspname = COALESCE($1::text, current_schema()) AND c.relname = $2
            AND i.indisunique AND i.indimmediate AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
          GROUP BY i.indexrelid`,
        [table.schema, table.name],
      );
      return r.rows.map((x) => x.cols);
    },
    async schemaExists(schema) {
      const r = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      return r.rows.length > 0;
    },
    async exec(sql, params = []) {
      return (await client.query(sql, params)).rowCount ?? 0;
    },
    hasRows: async (sqlTable) => (await client.query(`SELECT 1 FROM ${sqlTable} LIMIT 1`)).rows.length > 0,
    begin: async () => void (await client.query('BEGIN')),
    commit: async () => void (await client.query('COMMIT')),
    rollback: async () => void (await client.query('ROLLBACK')),
    close: () => client.end(),
  };
}

async function openMysql(c: ServerConn): Promise<SqlDriver> {
  const conn = await (await loadMysqlPromise()).createConnection({
    host: c.host,
    port: c.port,
    database: c.database,
    user: c.user,
    password: c.password ?? undefined,
    ssl: c.ssl === true ? { rejectUnauthorized: true } : undefined,
    connectTimeout: 10_000,
    charset: 'utf8mb4',
  });
  conn.on('error', () => undefined);
  // Times are written as UTC wall times; a TIMESTAMP column converts from the session's zone, so that is UTC too.
  try {
    await conn.query("SET time_zone = '+00:00'");
  } catch (e) {
    await conn.end().catch(() => undefined);
    throw e;
  }
  return {
    dialect: DIALECTS.mysql,
    where: `MySQL/MariaDB ${c.host}:${c.port}/${c.database}`,
    async columns(table) {
      const [rows] = await conn.query(
        'SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        [table.schema, table.name],
      );
      const list = (rows as { name: string; type: string | Buffer }[]).map((r) => ({ name: r.name, type: String(r.type) }));
      return list.length === 0 ? null : list;
    },
    async uniqueKeys(table) {
      const [rows] = await conn.query(
        `SELECT INDEX_NAME AS idx, COLUMN_NAME AS col, SUB_PART AS part FROM information_schema.STATISTICS
          WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
        [table.schema, table.name],
      );
      const byIndex = new Map<string, { cols: string[]; whole: boolean }>();
      for (const r of rows as { idx: string; col: string | null; part: number | null }[]) {
        const ix = byIndex.get(r.idx) ?? { cols: [], whole: true };
        // A prefix (SUB_PART) or functional (no column) part makes keys that differ collide, or never collide.
        if (r.col === null || r.part !== null) ix.whole = false;
        else ix.cols.push(r.col);
        byIndex.set(r.idx, ix);
      }
      return [...byIndex.values()].filter((ix) => ix.whole).map((ix) => ix.cols);
    },
    async schemaExists(schema) {
      const [rows] = await conn.query('SELECT 1 AS found FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [schema]);
      return (rows as unknown[]).length > 0;
    },
    async exec(sql, params = []) {
      // Server-side prepared statements bind the values; DDL (no values) cannot be prepared everywhere.
      const [res] = params.length === 0 ? await conn.query(sql) : await conn.execute(sql, params);
      return (res as { affectedRows?: number }).affectedRows ?? 0;
    },
    hasRows: async (sqlTable) => ((await conn.query(`SELECT 1 FROM ${sqlTable} LIMIT 1`))[0] as unknown[]).length > 0,
    begin: async () => void (await conn.query('START TRANSACTION')),
    commit: async () => void (await conn.query('COMMIT')),
    rollback: async () => void (await conn.query('ROLLBACK')),
    close: () => conn.end(),
  };
}
