/**
 * The PostgreSQL and MariaDB servers the export tests write tables into: their addresses (from
 * ESG_TEST_PG_URL / ESG_TEST_MYSQL_URL, with this machine's defaults), as table connections, and
 * a probe that says why a server does not answer, so its tests skip with that reason.
 */
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
