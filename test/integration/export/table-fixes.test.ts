/**
 * The table destination against real SQLite, PostgreSQL and MariaDB, for what QA found:
 * schema-qualified table names, existing tables checked before anything changes (and DDL rolled
 * back with a failing batch where the server can), a full export removing the rows no longer on
 * the platform, a dropped table filled again from scratch, and failure messages people can read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExportItem, ExportQuery } from '../../../main/engine/platforms/types';
import { runExport } from '../../../main/engine/sync/export/runner';
import { openDriver, TableWriter, type TableConnection } from '../../../main/engine/sync/export/writers';
import { MYSQL_URL, PG_URL, probeServer, serverConn } from '../../helpers/table-servers';

const dir = mkdtempSync(join(tmpdir(), 'esg-table-fixes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


const sqliteConn: TableConnection = { kind: 'sqlite', file: join(dir, 'fix.sqlite') };
const pgConn = serverConn('postgres', PG_URL);
const myConn = serverConn('mysql', MYSQL_URL);
const pgReason = await probeServer(pgConn);
const myReason = await probeServer(myConn);
if (pgReason) console.warn(`[skip] PostgreSQL table export fixes tests: no server at ${PG_URL} (${pgReason})`);
if (myReason) console.warn(`[skip] MySQL/MariaDB table export fixes tests: no server at ${MYSQL_URL} (${myReason})`);

/** Runs statements (no values) through the writer's own driver; the last one's rows come back for a SELECT. */
async function sql(conn: TableConnection, ...statements: string[]): Promise<Record<string, unknown>[]> {
  const last = statements.pop()!;
  for (const s of statements) {
    const d = await openDriver(conn);
    try {
      await d.exec(s);
    } finally {
      await d.close();
    }
  }
  if (conn.kind === 'sqlite') {
    const db = new Database(conn.file);
    try {
      const st = db.prepare(last);
      if (st.reader) return st.all() as Record<string, unknown>[];
      st.run();
      return [];
    } finally {
      db.close();
    }
  }
  if (conn.kind === 'postgres') {
    const c = new pg.Client({ host: conn.host, port: conn.port, database: conn.database, user: conn.user, password: conn.password ?? undefined });
    await c.connect();
    try {
      return (await c.query(last)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  }
  const c = await mysql.createConnection({ host: conn.host, port: conn.port, database: conn.database, user: conn.user, password: conn.password ?? undefined });
  try {
    const [rows] = await c.query(last);
    return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
  } finally {
    await c.end();
  }
}

const q = (conn: TableConnection, id: string) => (conn.kind === 'mysql' ? `\`${id}\`` : `"${id}"`);
/** Column names of a table, from the server's catalogue (schema-qualified names split at the dot). */
async function columnsOf(conn: TableConnection, table: string): Promise<string[]> {
  if (conn.kind === 'sqlite') return (await sql(conn, `SELECT name FROM pragma_table_info('${table}')`)).map((r) => String(r.name));
  const [schema, name] = table.includes('.') ? table.split('.') : [null, table];
  const where = conn.kind === 'postgres' ? (schema ? `'${schema}'` : 'current_schema()') : schema ? `'${schema}'` : 'DATABASE()';
  const rows = await sql(
    conn,
    `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = ${where} AND table_name = '${name}' ORDER BY ordinal_position`,
  );
  return rows.map((r) => String(r.c ?? r.C));
}
async function idsOf(conn: TableConnection, sqlTable: string, col = 'id'): Promise<string[]> {
  return (await sql(conn, `SELECT ${q(conn, col)} AS id FROM ${sqlTable} ORDER BY 1`)).map((r) => String(r.id));
}

/** An adapter over an array that honours updatedSince like the platform; records every query. */
function platform(items: ExportItem[], failAfter?: number) {
  const queries: ExportQuery[] = [];
  return {
    queries,
    exportStream(query: ExportQuery): AsyncIterable<ExportItem> {
      queries.push(query);
      return (async function* () {
        let n = 0;
        for (const it of items) {
          if (query.updatedSince !== null && it.updatedAt !== null && it.updatedAt <= query.updatedSince) continue;
          if (failAfter !== undefined && n === failAfter) throw new Error('platform answered 503 three times.');
          n++;
          yield it;
        }
      })();
    },
  };
}
const item = (id: string, at: string, extra: Record<string, unknown> = {}): ExportItem => ({ row: { id, value: `v-${id}`, updated_at: at, ...extra }, updatedAt: at });
const day = (n: number) => `2024-01-${String(n).padStart(2, '0')}T00:00:00.000Z`;

const cases = [
  { name: 'SQLite', conn: sqliteConn, skip: null as string | null },
  { name: 'PostgreSQL', conn: pgConn, skip: pgReason },
  { name: 'MariaDB/MySQL', conn: myConn, skip: myReason },
];

describe.each(cases)('table export fixes on $name', ({ conn, skip }) => {
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  const t = (what: string) => `fix_export_${what}_${tag}`;
  const made: string[] = [];
  const table = (what: string) => {
    const name = t(what);
    made.push(name);
    return name;
  };
  afterAll(async () => {
    if (skip) return;
    for (const name of made) await sql(conn, `DROP TABLE IF EXISTS ${q(conn, name)}`);
  });
  const destination = (name: string, keyColumns = ['id']) => ({ kind: 'table' as const, connection: conn, table: name, keyColumns });

  it.skipIf(skip !== null)('refuses an existing table without a primary key or unique constraint on the key columns, before changing it', async () => {
    const name = table('nokey');
    await sql(conn, `CREATE TABLE ${q(conn, name)} (id VARCHAR(50), period VARCHAR(20), v VARCHAR(20))`, `INSERT INTO ${q(conn, name)} (id, period, v) VALUES ('a', '2024-01', 'keep')`);
    const before = await columnsOf(conn, name);
    const err: unknown = await runExport({
      adapter: platform([item('a', day(1), { many: 1, more: 2 })]),
      dataset: 'submissions',
      updatedSince: '2023-12-01T00:00:00.000Z',
      destination: destination(name, ['id', 'period']),
    }).catch((e: unknown) => e);
    // The writer is refused at open, before the run starts: the message is the writer's own.
    expect(err).toMatchObject({ code: 'destination_failed' });
    const msg = (err as Error).message;
    expect(msg).toContain(`The existing table "${name}"`);
    expect(msg).toContain('"id", "period"');
    expect(msg).toMatch(/no primary key or unique constraint on its key columns .* Add a primary key or unique constraint on exactly those columns, or choose another table name/);
    expect(msg).not.toMatch(/\.\./);
    expect(await columnsOf(conn, name)).toEqual(before);

    // A unique index on exactly the key columns (in any order) is enough.
    await sql(conn, `CREATE UNIQUE INDEX ${q(conn, `${name}_k`)} ON ${q(conn, name)} (period, id)`, 'SELECT 1');
    const w = await TableWriter.create(conn, { table: name, keyColumns: ['id', 'period'] });
    expect(w.existed).toBe(true);
    await w.write({ id: 'a', period: '2024-01', v: 'upserted', extra: 'x' });
    await w.finish();
    expect((await sql(conn, `SELECT v, extra FROM ${q(conn, name)}`))).toEqual([{ v: 'upserted', extra: 'x' }]);
  });

  it.skipIf(skip !== null)('a batch that fails in an existing table leaves its structure as it was (MySQL: the columns are added only after the checks)', async () => {
    const name = table('intkey');
    await sql(conn, `CREATE TABLE ${q(conn, name)} (id INTEGER PRIMARY KEY, v TEXT)`, `INSERT INTO ${q(conn, name)} (id, v) VALUES (1, 'one')`);
    const before = await columnsOf(conn, name);
    const err: unknown = await runExport({
      adapter: platform([item('sub_abc', day(1), { a: 1, b: 2, c: 3 }), item('sub_def', day(2))]),
      dataset: 'submissions',
      updatedSince: null,
      destination: destination(name),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'export_failed' });
    const msg = (err as Error).message;
    // The text key cannot go into the INTEGER column: said before the server is asked, naming row, column and table.
    expect(msg).toMatch(/^Export of dataset "submissions" stopped after reading 2 rows from the platform: Row 1 of this run \(id "sub_abc"\) cannot be written to table ".*" in .*: its "id" is "sub_abc", but the column "id" \(int.*\) takes a whole number\. Change that column's type .*\. The batch was rolled back/i);
    expect(msg).not.toMatch(/\.\./);
    expect(msg).toContain(`Nothing was written to table "${name}".`);
    expect(msg).not.toContain('already');
    // A full run says nothing about exporting the same rows again: it exports everything anyway.
    expect(msg).not.toContain('cursor');
    expect(msg).not.toContain('The next run exports the same rows again');
    if (conn.kind !== 'mysql') expect(await columnsOf(conn, name)).toEqual(before);
    expect(await idsOf(conn, q(conn, name))).toEqual(['1']);
  });

  it.skipIf(skip !== null)('a full export leaves the table holding exactly the platform’s rows; an incremental one keeps the others', async () => {
    const name = table('full');
    const rows = ['a', 'b', 'c', 'd', 'e'].map((id, i) => item(id, day(i + 1)));
    const first = await runExport({ adapter: platform(rows), dataset: 'submissions', updatedSince: null, destination: destination(name), writerOptions: { batchSize: 2 } });
    expect(first.summary).toBe(`Wrote 5 rows to table "${name}".`);
    expect(first.removed).toBe(0);

    // b and d were deleted on the platform while no run was looking (no tombstone reaches a full run).
    const now = rows.filter((r) => r.row.id !== 'b' && r.row.id !== 'd');
    const incremental = await runExport({ adapter: platform(now), dataset: 'submissions', updatedSince: day(3), destination: destination(name) });
    expect(incremental).toMatchObject({ rows: 1, removed: 0, refilled: false });
    expect(await idsOf(conn, q(conn, name))).toEqual(['a', 'b', 'c', 'd', 'e']);

    const full = await runExport({ adapter: platform(now), dataset: 'submissions', updatedSince: null, destination: destination(name), writerOptions: { batchSize: 2 } });
    expect(full).toMatchObject({ rows: 3, removed: 2 });
    expect(full.summary).toBe(`Wrote 3 rows to table "${name}"; removed 2 rows no longer on the platform.`);
    expect(await idsOf(conn, q(conn, name))).toEqual(['a', 'c', 'e']);

    // A full run that fails removes nothing: the clean-up needs every row of the run.
    const failing = await runExport({ adapter: platform([item('a', day(1)), item('c', day(3))], 1), dataset: 'submissions', updatedSince: null, destination: destination(name), writerOptions: { batchSize: 1 } }).catch((e: unknown) => e);
    expect((failing as Error).message).toBe(
      `Export of dataset "submissions" stopped after reading 1 row from the platform: platform answered 503 three times. The 1 row already written to table "${name}" stay; the next run writes every row again by key, without duplicates.`,
    );
    expect(await idsOf(conn, q(conn, name))).toEqual(['a', 'c', 'e']);

    const one = await runExport({ adapter: platform([item('e', day(5))]), dataset: 'submissions', updatedSince: null, destination: destination(name) });
    expect(one.summary).toBe(`Wrote 1 row to table "${name}"; removed 2 rows no longer on the platform.`);
    expect(await idsOf(conn, q(conn, name))).toEqual(['e']);
  });

  it.skipIf(skip !== null)('full export clean-up compares keys as the table stores them, with a key of several columns', async () => {
    const name = table('multi');
    await sql(conn, `CREATE TABLE ${q(conn, name)} (entity VARCHAR(50) NOT NULL, n INTEGER NOT NULL, v TEXT, PRIMARY KEY (entity, n))`, `INSERT INTO ${q(conn, name)} (entity, n, v) VALUES ('x', 7, 'old'), ('x', 8, 'gone'), ('y', 7, 'gone')`);
    const w = await TableWriter.create(conn, { table: name, keyColumns: ['entity', 'n'], full: true });
    // '007' is stored as 7 in an integer column: the row written is not removed as stale.
    await w.write({ entity: 'x', n: '007', v: 'new' });
    await w.finish();
    expect(w.removedRows).toBe(2);
    expect(await sql(conn, `SELECT entity, n, v FROM ${q(conn, name)}`)).toEqual([{ entity: 'x', n: 7, v: 'new' }]);
  });

  it.skipIf(skip !== null)('a table that is not there at the start of an incremental run gets every row again; a failed refill leaves no table', async () => {
    const name = table('gone');
    const rows = ['a', 'b', 'c'].map((id, i) => item(id, day(i + 1)));
    // The refill fails after its first batch was committed: the table it created is dropped again.
    const broken = platform(rows, 2);
    const err: unknown = await runExport({ adapter: broken, dataset: 'submissions', updatedSince: day(2), destination: destination(name), writerOptions: { batchSize: 1 } }).catch((e: unknown) => e);
    expect(broken.queries[0]!.updatedSince).toBeNull();
    expect((err as Error).message).toBe(
      `Export of dataset "submissions" stopped after reading 2 rows from the platform: platform answered 503 three times. The incomplete table "${name}" this run created was removed again, so the next run exports every row.`,
    );
    expect(await columnsOf(conn, name)).toEqual([]);

    const a = platform(rows);
    const r = await runExport({ adapter: a, dataset: 'submissions', updatedSince: day(2), destination: destination(name) });
    expect(a.queries[0]!.updatedSince).toBeNull();
    expect(r).toMatchObject({ rows: 3, refilled: true, removed: 0, newCursor: day(3) });
    expect(r.summary).toBe(`Wrote 3 rows to table "${name}". Table "${name}" was not there, so every row was exported again.`);
    expect(await idsOf(conn, q(conn, name))).toEqual(['a', 'b', 'c']);

    // Now that it is there, the next incremental run is incremental again.
    const next = platform(rows);
    const again = await runExport({ adapter: next, dataset: 'submissions', updatedSince: day(2), destination: destination(name) });
    expect(next.queries[0]!.updatedSince).toBe(day(2));
    expect(again).toMatchObject({ rows: 1, refilled: false });
    expect(again.summary).toBe(`Wrote 1 row to table "${name}".`);
  });

  it.skipIf(skip !== null)('an incremental run whose first batch fails says nothing was written and that the next run exports the same rows', async () => {
    const name = table('firstbatch');
    await sql(conn, `CREATE TABLE ${q(conn, name)} (id INTEGER PRIMARY KEY, v TEXT)`, `INSERT INTO ${q(conn, name)} (id, v) VALUES (1, 'one')`);
    const err: unknown = await runExport({ adapter: platform([item('sub_abc', day(5))]), dataset: 'submissions', updatedSince: day(1), destination: destination(name) }).catch((e: unknown) => e);
    const msg = (err as Error).message;
    expect(msg).not.toMatch(/\.\./);
    expect(msg).toMatch(/\. Nothing was written to table ".*"\. The next run exports the same rows again\.$/);
    expect(msg).not.toContain('cursor');
    expect(msg).not.toContain('already committed');
  });
});

describe('schema-qualified table names', () => {
  const tag = `${process.pid}_${Date.now().toString(36)}`;

  it('SQLite has no schemas: a dot is refused with a clear message', async () => {
    const err: unknown = await TableWriter.create(sqliteConn, { table: 'qa_export.submissions', keyColumns: ['id'] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_identifier' });
    expect((err as Error).message).toBe('The table name "qa_export.submissions" contains a dot, but SQLite has no schemas to put a table in. Use a name without a dot, e.g. "qa_export_submissions".');
  });

  describe.skipIf(pgReason !== null)('PostgreSQL schema.table', () => {
    const schema = `fix_export_s_${tag}`;
    const name = `fix_export_subs_${tag}`;
    afterAll(async () => {
      await sql(pgConn, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`, `DROP TABLE IF EXISTS "${name}"`, `DROP TABLE IF EXISTS "${schema}.${name}"`, 'SELECT 1');
    });

    it('fails with a clear message when the schema does not exist', async () => {
      const err: unknown = await TableWriter.create(pgConn, { table: `${schema}.${name}`, keyColumns: ['id'] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'destination_failed' });
      expect((err as Error).message).toMatch(new RegExp(`^The schema "${schema}" does not exist in PostgreSQL .*, so the table "${schema}\\.${name}" cannot be created in it\\. Create it first \\(CREATE SCHEMA "${schema}";\\), or change the table name`));
    });

    it('creates and writes the table in that schema, looking its columns up there (not in the current schema)', async () => {
      await sql(pgConn, `CREATE SCHEMA "${schema}"`, 'SELECT 1');
      // A table of the same name in the current schema, with other columns, must not be mistaken for it.
      await sql(pgConn, `CREATE TABLE "${name}" (other TEXT PRIMARY KEY)`, 'SELECT 1');
      const full = `${schema}.${name}`;
      const first = await runExport({ adapter: platform([item('a', day(1))]), dataset: 'submissions', updatedSince: null, destination: { kind: 'table', connection: pgConn, table: full, keyColumns: ['id'] } });
      expect(first.summary).toBe(`Wrote 1 row to table "${full}".`);
      const second = await runExport({ adapter: platform([item('b', day(2), { late: 'col' })]), dataset: 'submissions', updatedSince: day(1), destination: { kind: 'table', connection: pgConn, table: full, keyColumns: ['id'] } });
      expect(second).toMatchObject({ rows: 1, refilled: false });
      expect(await idsOf(pgConn, `"${schema}"."${name}"`)).toEqual(['a', 'b']);
      expect(await columnsOf(pgConn, full)).toEqual(['id', 'value', 'updated_at', 'late']);
      expect(await columnsOf(pgConn, name)).toEqual(['other']);
      expect(await sql(pgConn, `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = '${full}'`)).toEqual([{ n: 0 }]);
    });
  });

  describe.skipIf(myReason !== null)('MySQL/MariaDB database.table', () => {
    const db = `fix_export_db_${tag}`;
    const name = `fix_export_subs_${tag}`;
    afterAll(async () => {
      await sql(myConn, `DROP DATABASE IF EXISTS \`${db}\``, `DROP TABLE IF EXISTS \`${name}\``, 'SELECT 1');
    });

    it('fails with a clear message when the database does not exist, then writes into it once it does', async () => {
      const full = `${db}.${name}`;
      const err: unknown = await TableWriter.create(myConn, { table: full, keyColumns: ['id'] }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(new RegExp(`^The database "${db}" does not exist in MySQL/MariaDB .*\\. Create it first \\(CREATE DATABASE \`${db}\`;\\), or change the table name`));

      await sql(myConn, `CREATE DATABASE \`${db}\``, `CREATE TABLE \`${name}\` (other VARCHAR(20) PRIMARY KEY)`, 'SELECT 1');
      const dest = { kind: 'table' as const, connection: myConn, table: full, keyColumns: ['id'] };
      await runExport({ adapter: platform([item('a', day(1))]), dataset: 'submissions', updatedSince: null, destination: dest });
      const second = await runExport({ adapter: platform([item('b', day(2), { late: 'col' })]), dataset: 'submissions', updatedSince: day(1), destination: dest });
      expect(second).toMatchObject({ rows: 1, refilled: false });
      const full2 = await runExport({ adapter: platform([item('b', day(2))]), dataset: 'submissions', updatedSince: null, destination: dest });
      expect(full2.removed).toBe(1);
      expect(await idsOf(myConn, `\`${db}\`.\`${name}\``)).toEqual(['b']);
      expect(await columnsOf(myConn, full)).toEqual(['id', 'value', 'updated_at', 'late']);
      expect(await columnsOf(myConn, name)).toEqual(['other']);
    });
  });
});
