/**
 * The table writer on its own against real SQLite, PostgreSQL and MariaDB: hostile identifiers
 * stay data, late columns are added, keys are required, batches roll back as a whole.
 */
import { EXIT, exitCodeForFailedRun } from '../../../main/agent/exit-codes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS, openDriver, TableWriter, type TableConnection } from '../../../main/engine/sync/export/writers';
import { MYSQL_URL, PG_URL, probeServer, serverConn } from '../../helpers/table-servers';

const dir = mkdtempSync(join(tmpdir(), 'esg-table-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


const sqliteConn: TableConnection = { kind: 'sqlite', file: join(dir, 't.sqlite') };
const pgConn = serverConn('postgres', PG_URL);
const myConn = serverConn('mysql', MYSQL_URL);
const pgReason = await probeServer(pgConn);
const myReason = await probeServer(myConn);
if (pgReason) console.warn(`[skip] PostgreSQL table writer tests: no server at ${PG_URL} (${pgReason})`);
if (myReason) console.warn(`[skip] MySQL/MariaDB table writer tests: no server at ${MYSQL_URL} (${myReason})`);

/** Reads a whole table back through the driver's own client, rows sorted by the first column. */
async function readTable(conn: TableConnection, table: string): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  if (conn.kind === 'sqlite') {
    const db = new Database(conn.file);
    try {
      const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).map((r) => r.name);
      const rows = db.prepare(`SELECT * FROM "${table.replace(/"/g, '""')}" ORDER BY 1`).all() as Record<string, unknown>[];
      return { columns, rows };
    } finally {
      db.close();
    }
  }
  if (conn.kind === 'postgres') {
    const c = new pg.Client({ host: conn.host, port: conn.port, database: conn.database, user: conn.user, password: conn.password ?? undefined });
    await c.connect();
    try {
      const r = await c.query(`SELECT * FROM "${table.replace(/"/g, '""')}" ORDER BY 1`);
      return { columns: r.fields.map((f) => f.name), rows: r.rows as Record<string, unknown>[] };
    } finally {
      await c.end();
    }
  }
  const c = await mysql.createConnection({ host: conn.host, port: conn.port, database: conn.database, user: conn.user, password: conn.password ?? undefined });
  try {
    const [rows, fields] = await c.query(`SELECT * FROM \`${table.replace(/`/g, '``')}\` ORDER BY 1`);
    return { columns: (fields as { name: string }[]).map((f) => f.name), rows: rows as Record<string, unknown>[] };
  } finally {
    await c.end();
  }
}
async function drop(conn: TableConnection, table: string): Promise<void> {
  const d = await openDriver(conn);
  try {
    await d.exec(`DROP TABLE IF EXISTS ${d.dialect.quote(table)}`);
  } finally {
    await d.close();
  }
}

const cases = [
  { name: 'SQLite', conn: sqliteConn, skip: null as string | null },
  { name: 'PostgreSQL', conn: pgConn, skip: pgReason },
  { name: 'MariaDB/MySQL', conn: myConn, skip: myReason },
];

describe.each(cases)('TableWriter on $name', ({ conn, skip }) => {
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  // A table name that would end the statement if it were ever pasted into SQL unquoted.
  const hostile = `x"; DROP TABLE t; -- \`${suffix}`.slice(0, 60);
  const plain = `esg_tw_${suffix}`;
  const removals = `esg_tw_rm_${suffix}`;
  afterAll(async () => {
    if (skip) return;
    await drop(conn, hostile);
    await drop(conn, plain);
    await drop(conn, removals);
  });

  it.skipIf(skip !== null)('deletes rows by key (hostile key column names too), the last of a key in a batch winning', async () => {
    const keyColumns = ['we"ird`id', 'period'];
    const row = (id: number, period: string, v: string) => ({ 'we"ird`id': String(id), period, v, deleted_at: null });
    const first = await TableWriter.create(conn, { table: removals, keyColumns });
    for (let i = 0; i < 450; i++) await first.write(row(i, '2024-01', `v${i}`));
    await first.finish();

    const second = await TableWriter.create(conn, { table: removals, keyColumns, batchSize: 1000 });
    // More deletions than one DELETE statement takes, all in one batch.
    for (let i = 0; i < 420; i++) await second.remove({ ...row(i, '2024-01', 'gone'), deleted_at: '2024-06-01T00:00:00Z', surplus: 'no column' });
    // Deleted, then created again under the same key: it stays, with the new value.
    await second.remove(row(440, '2024-01', 'gone'));
    await second.write(row(440, '2024-01', 'again'));
    // Written, then deleted in the same batch: it goes.
    await second.write(row(441, '2024-01', 'changed'));
    await second.remove(row(441, '2024-01', 'gone'));
    // A key the table does not hold: nothing to delete, nothing fails.
    await second.remove(row(9999, '2024-01', 'never here'));
    await expect(second.remove({ v: 'no key' })).rejects.toMatchObject({ code: 'missing_key' });
    const out = await second.finish();
    expect(out).toMatchObject({ kind: 'table', rows: 425 });

    const t = await readTable(conn, removals);
    expect(t.columns).not.toContain('surplus');
    const left = new Map(t.rows.map((r) => [String(r['we"ird`id']), r.v]));
    expect([...left.keys()].map(Number).sort((a, b) => a - b)).toEqual([...Array.from({ length: 30 }, (_, i) => 420 + i).filter((i) => i !== 441)]);
    expect(left.get('440')).toBe('again');
    expect(left.get('439')).toBe('v439');
  });

  it.skipIf(skip !== null)('keeps hostile table and column names as data and adds columns that appear later', async () => {
    const w = await TableWriter.create(conn, { table: hostile, keyColumns: ['id'], batchSize: 2 });
    await w.write({ id: 'a', 'we"ird`col': "'); DELETE FROM x; --", nested: { deep: 1 } });
    await w.write({ id: 'b', nested: { deep: 2 } });
    await w.write({ id: 'c', late: { arrived: true }, ['l'.repeat(80)]: 'long name' });
    const out = await w.finish();
    expect(out).toMatchObject({ kind: 'table', rows: 3 });
    const t = await readTable(conn, hostile);
    expect(t.columns.slice(0, 3)).toEqual(['id', 'we"ird`col', 'nested.deep']);
    expect(t.columns).toContain('late.arrived');
    const long = t.columns.find((c) => c.startsWith('llll'))!;
    const limit = DIALECTS[conn.kind].maxIdentBytes;
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(limit);
    // Shortened (with a hash suffix) only where the server would truncate or refuse it.
    expect(long === 'l'.repeat(80)).toBe(limit >= 80);
    expect(t.rows.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(t.rows[0]!['we"ird`col']).toBe("'); DELETE FROM x; --");
    expect(t.rows[1]!['nested.deep']).toBe('2');
    expect(t.rows[2]!['late.arrived']).toBe('true');
    expect(t.rows[2]![long]).toBe('long name');
  });

  it.skipIf(skip !== null)('upserts into an existing table, refuses rows without a key, and rolls back a failed batch', async () => {
    const first = await TableWriter.create(conn, { table: plain, keyColumns: ['id', 'period'] });
    await first.write({ id: '1', period: '2024-01', v: 'x' });
    await first.write({ id: '1', period: '2024-02', v: 'y' });
    await first.finish();

    const second = await TableWriter.create(conn, { table: plain, keyColumns: ['id', 'period'] });
    await second.write({ id: '1', period: '2024-01', v: 'x2', extra: 'new column' });
    await expect(second.write({ id: '2', v: 'no period' })).rejects.toMatchObject({ code: 'missing_key' });
    await second.abort();
    // Aborted before its batch was flushed: nothing of the second run is in the table.
    let t = await readTable(conn, plain);
    expect(t.rows.map((r) => r.v)).toEqual(['x', 'y']);

    const third = await TableWriter.create(conn, { table: plain, keyColumns: ['id', 'period'] });
    await third.write({ id: '1', period: '2024-01', v: 'x3', extra: 'e' });
    await third.finish();
    t = await readTable(conn, plain);
    expect(t.rows).toHaveLength(2);
    expect(t.rows.find((r) => r.period === '2024-01')).toMatchObject({ v: 'x3', extra: 'e' });
  });

  it.skipIf(skip !== null)('rejects a NUL in the table name and an over-long table name before touching the database', async () => {
    await expect(TableWriter.create(conn, { table: 'a\0b', keyColumns: ['id'] })).rejects.toMatchObject({ code: 'invalid_identifier' });
    await expect(TableWriter.create(conn, { table: 't'.repeat(200), keyColumns: ['id'] })).rejects.toMatchObject({ code: 'invalid_identifier' });
    await expect(TableWriter.create(conn, { table: plain, keyColumns: [] })).rejects.toMatchObject({ code: 'invalid_identifier' });
  });
});

describe('TableWriter connection errors', () => {
  it('says which server could not be reached, without any password', async () => {
    const err: unknown = await TableWriter.create({ kind: 'postgres', host: '127.0.0.1', port: 1, database: 'x', user: 'u', password: 'hunter2-secret' }, { table: 't', keyColumns: ['id'] }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'destination_failed' });
    expect((err as Error).message).toBe(
      'Cannot reach PostgreSQL at 127.0.0.1:1 to export to (ECONNREFUSED). Check the host and port in the job’s destination (Edit on the Jobs page, or `esg-sync job edit`), and that the server is running; the next run tries again.',
    );
    expect((err as Error).message).not.toContain('hunter2');
    // A database that is down is not the platform: the CLI exits 2 for it, as for a source database (3 is the platform's).
    expect(exitCodeForFailedRun((err as Error).message)).toBe(EXIT.usage);
  });

  it.skipIf(pgReason !== null)('says a user the server does not let in is the user, not the password, and where to change it', async () => {
    const err: unknown = await TableWriter.create({ ...pgConn, user: 'no_such_user_esg', password: 'wrong-secret' } as never, { table: 't', keyColumns: ['id'] }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^PostgreSQL at .* does not let the user "no_such_user_esg" log in \(.*\)\. Choose another user in the job’s destination \(Edit on the Jobs page/);
    expect((err as Error).message).not.toContain('wrong-secret');
    expect(exitCodeForFailedRun((err as Error).message)).toBe(EXIT.usage);
  });
});
