/**
 * Column types of a table export, against real SQLite, PostgreSQL and MariaDB: a table the agent
 * creates gets typed columns from the platform's declared field types (read back from the
 * catalogue), a table the person created with typed columns (DATETIME, DATE, DECIMAL, TINYINT(1),
 * BOOLEAN, DOUBLE PRECISION, timestamptz) gets values it takes, a value that cannot fit names the
 * table, column and row, an agent-created text table keeps working unchanged, and running the
 * export again changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPORT_COLUMN_TYPES } from '../../../main/engine/platforms/esg-api/adapter';
import type { ExportColumnType, ExportItem, ExportQuery } from '../../../main/engine/platforms/types';
import { runExport } from '../../../main/engine/sync/export/runner';
import { TableWriter, type TableConnection } from '../../../main/engine/sync/export/writers';
import { MYSQL_URL, PG_URL, probeServer, serverConn } from '../../helpers/table-servers';

const dir = mkdtempSync(join(tmpdir(), 'esg-table-types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sqliteConn: TableConnection = { kind: 'sqlite', file: join(dir, 'types.sqlite') };
const pgConn = serverConn('postgres', PG_URL);
const myConn = serverConn('mysql', MYSQL_URL);
const pgReason = await probeServer(pgConn);
const myReason = await probeServer(myConn);
if (pgReason) console.warn(`[skip] PostgreSQL table column type tests: no server at ${PG_URL} (${pgReason})`);
if (myReason) console.warn(`[skip] MySQL/MariaDB table column type tests: no server at ${MYSQL_URL} (${myReason})`);

/** Runs the statements in order through the database's own client; the last one's rows come back. */
async function sql(conn: TableConnection, ...statements: string[]): Promise<Record<string, unknown>[]> {
  let rows: unknown = [];
  if (conn.kind === 'sqlite') {
    const db = new Database(conn.file);
    try {
      for (const s of statements) {
        const st = db.prepare(s);
        rows = st.reader ? st.all() : (st.run(), []);
      }
    } finally {
      db.close();
    }
  } else if (conn.kind === 'postgres') {
    const c = new pg.Client({ host: conn.host, port: conn.port, database: conn.database, user: conn.user, password: conn.password ?? undefined });
    await c.connect();
    try {
      for (const s of statements) rows = (await c.query(s)).rows;
    } finally {
      await c.end();
    }
  } else {
    const c = await mysql.createConnection({ host: conn.host, port: conn.port, database: conn.database, user: conn.user, password: conn.password ?? undefined });
    try {
      // Times read back as stored (a TIMESTAMP column converts to the session's zone).
      await c.query("SET time_zone = '+00:00'");
      for (const s of statements) rows = (await c.query(s))[0];
    } finally {
      await c.end();
    }
  }
  return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
}

const q = (conn: TableConnection, id: string) => (conn.kind === 'mysql' ? `\`${id}\`` : `"${id}"`);

/** Each column's type as the catalogue names it (information_schema; PRAGMA table_info on SQLite), lower case. */
async function typesOf(conn: TableConnection, table: string): Promise<Record<string, string>> {
  const rows =
    conn.kind === 'sqlite'
      ? await sql(conn, `SELECT name AS c, type AS t FROM pragma_table_info('${table}')`)
      : await sql(
          conn,
          conn.kind === 'postgres'
            ? `SELECT column_name AS c, data_type AS t FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}'`
            : `SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${table}'`,
        );
  return Object.fromEntries(rows.map((r) => [String(r.c), String(r.t).toLowerCase()]));
}

/** A column's values as text, ordered by id, as each server spells them; `utc`: a PostgreSQL timestamptz shown as its UTC time. */
async function textOf(conn: TableConnection, table: string, col: string, utc = false): Promise<(string | null)[]> {
  const c = q(conn, col);
  const pgText = utc ? `(${c} AT TIME ZONE 'UTC')::text` : `${c}::text`;
  const rows = await sql(conn, `SELECT ${conn.kind === 'postgres' ? pgText : conn.kind === 'mysql' ? `CAST(${c} AS CHAR)` : c} AS v FROM ${q(conn, table)} ORDER BY ${q(conn, 'id')}`);
  return rows.map((r) => (r.v === null ? null : String(r.v)));
}

/** A submission as the esg-api adapter exports it, with two extra typed fields. */
function submission(id: string, value: number | string | boolean, at: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    metric_id: `m_${id}`,
    metric_code: 'E1',
    entity_id: 'ent_1',
    entity_external_ref: null,
    period_start: '2026-01-01',
    period_end: '2026-01-31',
    value,
    unit: 't',
    comment: null,
    evidence: null,
    version: 3,
    created_at: '2026-01-31T10:00:00.000Z',
    created_by: 'svc',
    updated_at: at,
    updated_by: 'svc',
    deleted_at: null,
    score: 0.25,
    verified: true,
    ...extra,
  };
}
const TYPES: Record<string, ExportColumnType> = { ...EXPORT_COLUMN_TYPES.submissions, score: 'number', verified: 'boolean' };

function platform(rows: ReturnType<typeof submission>[]) {
  return {
    exportStream(query: ExportQuery): AsyncIterable<ExportItem> {
      return (async function* () {
        for (const row of rows) if (query.updatedSince === null || row.updated_at > query.updatedSince) yield { row, updatedAt: row.updated_at };
      })();
    },
    exportColumnTypes: () => TYPES,
  };
}

const cases = [
  { name: 'SQLite', conn: sqliteConn, skip: null as string | null },
  { name: 'PostgreSQL', conn: pgConn, skip: pgReason },
  { name: 'MariaDB/MySQL', conn: myConn, skip: myReason },
];

describe.each(cases)('table column types on $name', ({ name: server, conn, skip }) => {
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  const made: string[] = [];
  const table = (what: string) => {
    const t = `esg_types_${what}_${tag}`;
    made.push(t);
    return t;
  };
  afterAll(async () => {
    if (skip) return;
    for (const t of made) await sql(conn, `DROP TABLE IF EXISTS ${q(conn, t)}`);
  });
  const destination = (t: string, keyColumns = ['id']) => ({ kind: 'table' as const, connection: conn, table: t, keyColumns });

  it.skipIf(skip !== null)('creates the table with a typed column per declared field, and a second run (full or incremental) changes nothing', async () => {
    const t = table('created');
    const rows = [
      submission('s1', 12.5, '2026-02-01T08:00:00.000Z'),
      submission('s2', true, '2026-02-01T09:00:00.123Z', { verified: false, score: 3 }),
      submission('s3', 'text answer', '2026-02-01T10:00:00.000Z', { period_start: '2026-02-01', score: null }),
    ];
    // The date column is part of the key: the full run's removal of stale rows compares typed keys.
    const keys = ['entity_id', 'metric_id', 'period_start'];
    const first = await runExport({ adapter: platform(rows), dataset: 'submissions', updatedSince: null, destination: destination(t, keys) });
    expect(first.rows).toBe(3);

    const types = await typesOf(conn, t);
    const expected = {
      SQLite: { id: 'text', value: 'text', period_start: 'date', version: 'integer', created_at: 'timestamp', deleted_at: 'timestamp', score: 'real', verified: 'boolean' },
      PostgreSQL: { id: 'text', value: 'text', period_start: 'date', version: 'bigint', created_at: 'timestamp with time zone', deleted_at: 'timestamp with time zone', score: 'double precision', verified: 'boolean' },
      'MariaDB/MySQL': { id: 'longtext', value: 'longtext', period_start: 'date', version: 'bigint(20)', created_at: 'datetime(3)', deleted_at: 'datetime(3)', score: 'double', verified: 'tinyint(1)' },
    }[server]!;
    // MySQL 8 no longer shows an integer's display width.
    if (conn.kind === 'mysql' && types.version === 'bigint') expected.version = 'bigint';
    expect(types).toMatchObject(expected);

    const check = async () => {
      expect(await textOf(conn, t, 'id')).toEqual(['s1', 's2', 's3']);
      expect(await textOf(conn, t, 'value')).toEqual(['12.5', 'true', 'text answer']);
      expect(await textOf(conn, t, 'period_start')).toEqual(['2026-01-01', '2026-01-01', '2026-02-01']);
      expect(await textOf(conn, t, 'score')).toEqual(['0.25', '3', null]);
      expect(await textOf(conn, t, 'verified')).toEqual(conn.kind === 'postgres' ? ['true', 'false', 'true'] : ['1', '0', '1']);
      expect(await textOf(conn, t, 'version')).toEqual(['3', '3', '3']);
      expect(await textOf(conn, t, 'updated_at', true)).toEqual(
        {
          SQLite: ['2026-02-01T08:00:00.000Z', '2026-02-01T09:00:00.123Z', '2026-02-01T10:00:00.000Z'],
          PostgreSQL: ['2026-02-01 08:00:00', '2026-02-01 09:00:00.123', '2026-02-01 10:00:00'],
          'MariaDB/MySQL': ['2026-02-01 08:00:00.000', '2026-02-01 09:00:00.123', '2026-02-01 10:00:00.000'],
        }[server],
      );
    };
    await check();

    // The same export again: upserted by the typed key, nothing added, nothing removed, same values.
    const again = await runExport({ adapter: platform(rows), dataset: 'submissions', updatedSince: null, destination: destination(t, keys) });
    expect(again).toMatchObject({ rows: 3, removed: 0 });
    await check();
    const incremental = await runExport({ adapter: platform(rows), dataset: 'submissions', updatedSince: '2026-02-01T08:30:00.000Z', destination: destination(t, keys) });
    expect(incremental.rows).toBe(2);
    await check();
    expect(await typesOf(conn, t)).toEqual(types);

    // A full run without s3 removes it, comparing the date key as the table stores it.
    const fewer = await runExport({ adapter: platform(rows.slice(0, 2)), dataset: 'submissions', updatedSince: null, destination: destination(t, keys) });
    expect(fewer).toMatchObject({ rows: 2, removed: 1 });
    expect(await textOf(conn, t, 'id')).toEqual(['s1', 's2']);
  });

  it.skipIf(skip !== null)('writes into a table the person created with typed columns: each value converted to what its column takes', async () => {
    const t = table('precreated');
    const ddl = {
      SQLite: `CREATE TABLE ${q(conn, t)} (id TEXT PRIMARY KEY, value NUMERIC, created_at DATETIME, day DATE, version INTEGER, verified BOOLEAN, note TEXT)`,
      PostgreSQL: `CREATE TABLE ${q(conn, t)} (id TEXT PRIMARY KEY, value DOUBLE PRECISION, created_at TIMESTAMPTZ, updated_at TIMESTAMP, day DATE, version NUMERIC(10,2), verified BOOLEAN, note TEXT)`,
      'MariaDB/MySQL': `CREATE TABLE ${q(conn, t)} (id VARCHAR(64) PRIMARY KEY, value DECIMAL(12,3), created_at DATETIME, updated_at TIMESTAMP(3) NULL, day DATE, version DOUBLE, verified TINYINT(1), flag BOOLEAN, note TEXT)`,
    }[server]!;
    await sql(conn, ddl, 'SELECT 1');
    const before = await typesOf(conn, t);
    const rows = [
      { id: 'a', value: 12.5, created_at: '2026-01-31T10:00:00.000Z', updated_at: '2026-01-31T10:00:00.123Z', day: '2026-02-03', version: 2, verified: true, flag: false, note: 7 },
      // A boolean metric value into a numeric column; a timestamp into a DATE column (its UTC day); "false"/"1" into booleans.
      { id: 'b', value: true, created_at: '2026-01-31T23:59:59Z', updated_at: '2026-02-01T00:00:00Z', day: '2026-02-03T23:30:00.000Z', version: '4', verified: 'false', flag: '1', note: true },
      { id: 'c', value: '7.25', created_at: '2026-06-30T12:00:00+02:00', updated_at: null, day: null, version: null, verified: false, flag: true, note: null },
    ].map((r) => (conn.kind === 'sqlite' ? { ...r, updated_at: undefined, flag: undefined } : conn.kind === 'postgres' ? { ...r, flag: undefined } : r));

    const write = async () => {
      const w = await TableWriter.create(conn, { table: t, keyColumns: ['id'] });
      for (const r of rows) await w.write(r);
      return w.finish();
    };
    expect(await write()).toMatchObject({ rows: 3 });

    const check = async () => {
      expect(await textOf(conn, t, 'value')).toEqual({ SQLite: ['12.5', '1', '7.25'], PostgreSQL: ['12.5', '1', '7.25'], 'MariaDB/MySQL': ['12.500', '1.000', '7.250'] }[server]);
      expect(await textOf(conn, t, 'created_at', true)).toEqual(
        {
          SQLite: ['2026-01-31T10:00:00.000Z', '2026-01-31T23:59:59.000Z', '2026-06-30T10:00:00.000Z'],
          PostgreSQL: ['2026-01-31 10:00:00', '2026-01-31 23:59:59', '2026-06-30 10:00:00'],
          'MariaDB/MySQL': ['2026-01-31 10:00:00', '2026-01-31 23:59:59', '2026-06-30 10:00:00'],
        }[server],
      );
      if (conn.kind !== 'sqlite') {
        expect(await textOf(conn, t, 'updated_at')).toEqual(['2026-01-31 10:00:00.123', conn.kind === 'postgres' ? '2026-02-01 00:00:00' : '2026-02-01 00:00:00.000', null]);
      }
      expect(await textOf(conn, t, 'day')).toEqual(['2026-02-03', '2026-02-03', null]);
      expect(await textOf(conn, t, 'version')).toEqual({ SQLite: ['2', '4', null], PostgreSQL: ['2.00', '4.00', null], 'MariaDB/MySQL': ['2', '4', null] }[server]);
      expect(await textOf(conn, t, 'verified')).toEqual(conn.kind === 'postgres' ? ['true', 'false', 'false'] : ['1', '0', '0']);
      if (conn.kind === 'mysql') expect(await textOf(conn, t, 'flag')).toEqual(['0', '1', '1']);
      expect(await textOf(conn, t, 'note')).toEqual(['7', 'true', null]);
    };
    await check();
    // Again: the same rows upserted by key, nothing else changes; the person's table is never altered.
    expect(await write()).toMatchObject({ rows: 3 });
    await check();
    expect(await typesOf(conn, t)).toEqual(before);
  });

  it.skipIf(skip !== null)('a value that cannot fit its column stops the run with table, column, row and what to do; nothing of the batch is written', async () => {
    const t = table('mismatch');
    const numeric = { SQLite: 'REAL', PostgreSQL: 'DOUBLE PRECISION', 'MariaDB/MySQL': 'DECIMAL(12,3)' }[server]!;
    await sql(conn, `CREATE TABLE ${q(conn, t)} (id VARCHAR(64) PRIMARY KEY, value ${numeric}, at ${conn.kind === 'mysql' ? 'DATETIME' : 'TIMESTAMP'})`, `INSERT INTO ${q(conn, t)} (id, value) VALUES ('old', 1)`);
    const w = await TableWriter.create(conn, { table: t, keyColumns: ['id'] });
    await w.write({ id: 'sub_1', value: 3, at: '2026-01-31T10:00:00.000Z' });
    await w.write({ id: 'sub_2', value: 'high', at: '2026-01-31T10:00:00.000Z' });
    const err = await w.finish().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'destination_failed' });
    const msg = (err as Error).message;
    expect(msg).toContain(`Row 2 of this run (id "sub_2") cannot be written to table "${t}"`);
    // The column's type as the database names it (SQLite keeps the declared spelling).
    expect(msg).toContain(`its "value" is "high", but the column "value" (${conn.kind === 'sqlite' ? numeric : numeric.toLowerCase()}) takes a number. Change that column's type so it takes such values (e.g. to text), or give the job a new table name`);
    expect(msg).toMatch(/The batch was rolled back/);
    expect(msg).not.toMatch(/invalid input syntax|Incorrect decimal|\.\./);
    expect(await textOf(conn, t, 'id')).toEqual(['old']);

    const w2 = await TableWriter.create(conn, { table: t, keyColumns: ['id'] });
    await w2.write({ id: 'sub_3', value: 1, at: 'last Tuesday' });
    const err2 = await w2.finish().catch((e: unknown) => e);
    expect((err2 as Error).message).toContain('its "at" is "last Tuesday", but the column "at"');
    expect((err2 as Error).message).toContain('takes a date and time (ISO 8601)');
  });

  it.skipIf(skip !== null || server === 'SQLite')('a number too large for its DECIMAL column is said as a value that does not fit, with what to do', async () => {
    const t = table('range');
    await sql(conn, `CREATE TABLE ${q(conn, t)} (id VARCHAR(64) PRIMARY KEY, value DECIMAL(5,2))`, 'SELECT 1');
    const w = await TableWriter.create(conn, { table: t, keyColumns: ['id'] });
    await w.write({ id: 'big', value: 123456.5 });
    const msg = ((await w.finish().catch((e: unknown) => e)) as Error).message;
    expect(msg).toMatch(new RegExp(`^Writing 1 row to table "${t}" in .* failed: .*`));
    expect(msg).toContain("A value does not fit its column: widen that column's type (a larger DECIMAL, a longer VARCHAR, or text), or give the job a new table name");
    expect(msg).toMatch(/The batch was rolled back/);
  });

  it.skipIf(skip !== null)('a text table an earlier version of the agent created keeps getting text, and is not altered', async () => {
    const t = table('legacy');
    const key = conn.kind === 'mysql' ? 'VARCHAR(191) NOT NULL' : 'TEXT NOT NULL';
    const text = conn.kind === 'mysql' ? 'LONGTEXT' : 'TEXT';
    const cols = Object.keys(submission('x', 1, 'x')).filter((c) => c !== 'id');
    await sql(conn, `CREATE TABLE ${q(conn, t)} (${q(conn, 'id')} ${key}, ${cols.map((c) => `${q(conn, c)} ${text}`).join(', ')}, PRIMARY KEY (${q(conn, 'id')}))`, 'SELECT 1');
    const before = await typesOf(conn, t);
    const rows = [submission('s1', 12.5, '2026-02-01T08:00:00.000Z'), submission('s2', true, '2026-02-01T09:00:00.123Z', { verified: false })];
    await runExport({ adapter: platform(rows), dataset: 'submissions', updatedSince: null, destination: destination(t) });
    await runExport({ adapter: platform(rows), dataset: 'submissions', updatedSince: null, destination: destination(t) });
    expect(await typesOf(conn, t)).toEqual(before);
    expect(await textOf(conn, t, 'value')).toEqual(['12.5', 'true']);
    expect(await textOf(conn, t, 'updated_at')).toEqual(['2026-02-01T08:00:00.000Z', '2026-02-01T09:00:00.123Z']);
    expect(await textOf(conn, t, 'verified')).toEqual(['true', 'false']);
    expect(await textOf(conn, t, 'version')).toEqual(['3', '3']);
  });
});
