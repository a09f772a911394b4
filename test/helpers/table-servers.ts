/**
 * The PostgreSQL and MariaDB servers the export tests write tables into: their addresses (from
 * ESG_TEST_PG_URL / ESG_TEST_MYSQL_URL, with this machine's defaults), as table connections, and
 * a probe that says why a server does not answer, so its tests skip with that reason.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openDriver, type TableConnection } from '../../main/engine/sync/export/writers';

export type ServerConn = Extract<TableConnection, { kind: 'postgres' | 'mysql' }>;

export const PG_URL = process.env.ESG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env.ESG_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

export function serverConn(kind: 'postgres' | 'mysql', url: string): ServerConn {
  const u = new URL(url);
  return {
    kind,
    host: u.hostname,
    port: Number(u.port || (kind === 'postgres' ? 5432 : 3306)),
    database: decodeURIComponent(u.pathname.slice(1)),
    user: decodeURIComponent(u.username),
    password: u.password ? decodeURIComponent(u.password) : null,
  };
}

/** Null when the server answers; otherwise why not. */
export async function probeServer(conn: TableConnection): Promise<string | null> {
  try {
    const d = await openDriver(conn);
    await d.close();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message || e.name : String(e);
  }
}

async function why(connect: () => Promise<void>): Promise<string | null> {
  try {
    await connect();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Null when PostgreSQL answers at PG_URL within 2 s; otherwise why not (for a visible skip). */
export const whyNoPostgres = (): Promise<string | null> =>
  why(async () => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    await c.connect();
    await c.end();
  });

/** Null when MariaDB/MySQL answers at MYSQL_URL within 2 s; otherwise why not. */
export const whyNoMysql = (): Promise<string | null> => why(async () => (await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 2000 })).end());
