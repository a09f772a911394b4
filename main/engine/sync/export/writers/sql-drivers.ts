/**
 * Thin async drivers over better-sqlite3, pg and mysql2 with the handful of operations the table
 * writer needs. Errors are rethrown as they come; the writer adds the context people need.
 */
import Database from 'better-sqlite3';
import { loadMysqlPromise, loadPg } from '../../../runtime/lazy-modules';
import { DIALECTS, type Dialect } from './sql-dialects';

/** Where a table export goes. The password is passed in by the caller (from the keychain), never stored here. */
export type TableConnection =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres' | 'mysql'; host: string; port: number; database: string; user: string; password?: string | null; ssl?: boolean };

export type SqlParam = string | null;

export interface SqlDriver {
  readonly dialect: Dialect;
  /** Where, for messages: never includes the password. */
  readonly where: string;
  /** Column names of the table, or null when it does not exist. */
  columns(table: string): Promise<string[] | null>;
  exec(sql: string, params?: SqlParam[]): Promise<void>;
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
      const rows = db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[];
      return Promise.resolve(rows.length === 0 ? null : rows.map((r) => r.name));
    },
    exec(sql, params = []) {
      db.prepare(sql).run(...params);
      return Promise.resolve();
    },
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
      const r = await client.query<{ column_name: string }>(
        'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position',
        [table],
      );
      return r.rows.length === 0 ? null : r.rows.map((x) => x.column_name);
    },
    async exec(sql, params = []) {
      await client.query(sql, params);
    },
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
  return {
    dialect: DIALECTS.mysql,
    where: `MySQL/MariaDB ${c.host}:${c.port}/${c.database}`,
    async columns(table) {
      const [rows] = await conn.query(
        'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        [table],
      );
      const list = (rows as { name: string }[]).map((r) => r.name);
      return list.length === 0 ? null : list;
    },
    async exec(sql, params = []) {
      // Server-side prepared statements bind the values; DDL (no values) cannot be prepared everywhere.
      if (params.length === 0) await conn.query(sql);
      else await conn.execute(sql, params);
    },
    begin: async () => void (await conn.query('START TRANSACTION')),
    commit: async () => void (await conn.query('COMMIT')),
    rollback: async () => void (await conn.query('ROLLBACK')),
    close: () => conn.end(),
  };
}
