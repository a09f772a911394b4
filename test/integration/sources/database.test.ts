import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { configFromUrl, createDatabaseSource, InMemoryWatermarkStore, type DatabaseRow, type DatabaseSource } from '../../../main/engine/sources/database';
import { DatabaseSourceError } from '../../../main/engine/sources/errors';

const PG_URL = process.env.ESG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env.ESG_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

async function collect(it: AsyncIterable<DatabaseRow>): Promise<DatabaseRow[]> {
  const out: DatabaseRow[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** The contract every engine must meet, on a table `name` with columns id, site, kwh, updated_at. */
function contract(make: (extra: Record<string, unknown>) => DatabaseSource, wmSample: RegExp) {
  it('tests the connection and previews rows', async () => {
    const src = make({});
    const t = await src.test();
    expect(t.ok, t.message).toBe(true);
    const p = await src.preview(2);
    expect(p.columns).toEqual(['id', 'site', 'kwh', 'updated_at']);
    expect(p.rows).toHaveLength(2);
    expect(await src.count()).toBe(5);
    await src.close();
  });

  it('reads incrementally by watermark, streamed in order, with an exact text round trip', async () => {
    const src = make({ watermarkColumn: 'updated_at' });
    const store = new InMemoryWatermarkStore();
    const first = await collect(src.read({ afterWatermark: store.get('s1'), batchSize: 2 }));
    expect(first.map((r) => r.cells.site)).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(first.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
    expect(first[0]!.watermark).toMatch(wmSample);
    expect(first.every((r, i) => i === 0 || r.watermark! > first[i - 1]!.watermark!)).toBe(true);
    expect(first[0]!.cells).not.toHaveProperty('__esg_watermark');
    store.set('s1', first[2]!.watermark!);
    // A run reads from the saved watermark inclusive (the ledger finds C unchanged); the count of
    // rows waiting is of those strictly after it.
    const rest = await collect(src.read({ afterWatermark: store.get('s1') }));
    expect(rest.map((r) => r.cells.site)).toEqual(['C', 'D', 'E']);
    expect(await src.count({ afterWatermark: store.get('s1') })).toBe(2);
    expect(await src.newestWatermark()).toBe(first[4]!.watermark);
    const last = await collect(src.read({ afterWatermark: first[4]!.watermark }));
    expect(last.map((r) => r.cells.site)).toEqual(['E']);
    expect(await src.count({ afterWatermark: first[4]!.watermark })).toBe(0);
    await src.close();
  });

  it('reads by an integer id watermark', async () => {
    const src = make({ watermarkColumn: 'id' });
    const rows = await collect(src.read({ afterWatermark: '3' }));
    expect(rows.map((r) => r.watermark)).toEqual(['3', '4', '5']);
    expect(await src.newestWatermark()).toBe('5');
  });

  it('reads a read-only SELECT and rejects anything else', async () => {
    const q = make({ table: undefined, query: 'SELECT site, kwh FROM __TABLE__ WHERE kwh > 2', watermarkColumn: undefined });
    const rows = await collect(q.read());
    expect(rows.map((r) => r.cells.site).sort()).toEqual(['C', 'D', 'E']);
    expect(() => make({ table: undefined, query: 'DELETE FROM __TABLE__' })).toThrow(DatabaseSourceError);
    expect(() => make({ table: undefined, query: 'SELECT 1; DROP TABLE __TABLE__' })).toThrow(/single SELECT/);
  });

  it('stops an abandoned read without holding the connection', async () => {
    const src = make({ watermarkColumn: 'id' });
    for await (const r of src.read({ batchSize: 1 })) {
      expect(r.cells.site).toBe('A');
      break;
    }
    expect(await src.count()).toBe(5);
  });

  it('quotes identifiers instead of running them', async () => {
    const src = make({ watermarkColumn: 'id" OR 1=1 --' });
    await expect(collect(src.read())).rejects.toMatchObject({ code: 'COLUMN_NOT_FOUND' });
    const t = await make({ table: 'nope"; DROP TABLE x; --' }).test();
    expect(t.ok).toBe(false);
    expect(t.code).toBe('TABLE_NOT_FOUND');
    expect(() => make({ watermarkColumn: 'bad\u0000name' })).toThrow(expect.objectContaining({ code: 'IDENTIFIER_INVALID' }));
  });

  it('refuses, when tested, a watermark column the table does not have, naming the columns to choose from', async () => {
    const t = await make({ watermarkColumn: 'nope' }).test();
    expect(t).toMatchObject({ ok: false, code: 'COLUMN_NOT_FOUND' });
    expect(t.message).toMatch(/^The watermark column "nope" is not a column of the table "[^"]+"\. Its columns are: "id", "site", "kwh", "updated_at"\./);
    expect(t.message).toMatch(/leave the watermark column out/);
    expect((await make({ watermarkColumn: 'updated_at' }).test()).ok).toBe(true);
  });

  it("refuses, when tested, a watermark column that a query does not return", async () => {
    const q = await make({ table: undefined, query: 'SELECT site, kwh FROM __TABLE__', watermarkColumn: 'updated_at' }).test();
    expect(q).toMatchObject({ ok: false, code: 'COLUMN_NOT_FOUND' });
    expect(q.message).toMatch(/"updated_at" is not among the columns the query returns: "site", "kwh"\. Add it to the query's SELECT list/);
    const ok = await make({ table: undefined, query: 'SELECT site, updated_at AS changed FROM __TABLE__', watermarkColumn: 'changed' }).test();
    expect(ok.ok, ok.message).toBe(true);
  });
}

const rows = [
  [1, 'A', 1.5, '2024-01-01 10:00:00.123456'],
  [2, 'B', 2, '2024-01-01 10:00:00.123457'],
  [3, 'C', 3.25, '2024-01-02 00:00:00'],
  [4, 'D', 4, '2024-02-01 08:30:00.5'],
  [5, 'E', 5, '2024-03-01 23:59:59.999999'],
] as const;

describe('SQLite source', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esg-sqlite-'));
    file = join(dir, 'src.db');
    const db = new Database(file);
    db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, site TEXT, kwh REAL, updated_at TEXT)');
    const ins = db.prepare('INSERT INTO readings VALUES (?, ?, ?, ?)');
    for (const r of rows) ins.run(...r);
    db.close();
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  contract(
    (extra) => {
      const cfg = { kind: 'sqlite', file, table: 'readings', ...extra } as Record<string, unknown>;
      if (typeof cfg.query === 'string') cfg.query = cfg.query.replace('__TABLE__', 'readings');
      return createDatabaseSource(cfg);
    },
    /^2024-01-01 10:00:00\.123456$/,
  );

  it('accepts WITH queries and reports a missing file clearly', async () => {
    const src = createDatabaseSource({ kind: 'sqlite', file, query: "WITH x AS (SELECT 1) SELECT * FROM readings" });
    expect((await collect(src.read())).length).toBe(5);
    const missing = await createDatabaseSource({ kind: 'sqlite', file: join(dir, 'nope.db'), table: 't' }).test();
    expect(missing).toMatchObject({ ok: false, code: 'CONNECTION_FAILED' });
  });

  it('reads a row committed after the last run with the same watermark as the last row it read', async () => {
    const late = join(dir, 'late.db');
    const db = new Database(late);
    db.exec('CREATE TABLE loads (id INTEGER PRIMARY KEY, site TEXT, kwh REAL, loaded_at TEXT)');
    const ins = db.prepare('INSERT INTO loads VALUES (?, ?, ?, ?)');
    ins.run(1, 'A', 1, '2024-09-01 10:00:00');
    ins.run(2, 'B', 2, '2024-09-01 10:00:01');
    const src = createDatabaseSource({ kind: 'sqlite', file: late, table: 'loads', watermarkColumn: 'loaded_at' });
    const first = await collect(src.read());
    const cursor = first.at(-1)!.watermark;
    expect(cursor).toBe('2024-09-01 10:00:01');
    // The same batch's third row commits a moment later, with the batch's timestamp.
    ins.run(3, 'C', 3, '2024-09-01 10:00:01');
    ins.run(4, 'D', 4, '2024-09-01 10:00:02');
    db.close();
    expect((await collect(src.read({ afterWatermark: cursor }))).map((r) => r.cells.site)).toEqual(['B', 'C', 'D']);
    await src.close();
  });

  it('compares date-time text as the instant it names, so a later row written in another shape is not skipped', async () => {
    const mixed = join(dir, 'mixed.db');
    const db = new Database(mixed);
    db.exec('CREATE TABLE waste (id INTEGER PRIMARY KEY, site TEXT, last_modified TEXT)');
    const ins = db.prepare('INSERT INTO waste VALUES (?, ?, ?)');
    ins.run(1, 'A', '2026-11-03 10:00:00');
    ins.run(2, 'B', '2026-12-07T19:00:00Z');
    const src = createDatabaseSource({ kind: 'sqlite', file: mixed, table: 'waste', watermarkColumn: 'last_modified', watermarkLookbackSeconds: 0 });
    const first = await collect(src.read());
    expect(first.map((r) => r.cells.site)).toEqual(['A', 'B']);
    const cursor = first.at(-1)!.watermark!;
    expect(cursor).toBe('2026-12-07T19:00:00Z');
    // An hour later, written the legacy way: as text it sorts before the cursor (' ' < 'T').
    ins.run(3, 'C', '2026-12-07 20:00:00');
    // Earlier, with a zone: 20:30 at +02:00 is 18:30 UTC, before the cursor.
    ins.run(4, 'D', '2026-12-07T20:30:00+02:00');
    db.close();
    const next = await collect(src.read({ afterWatermark: cursor }));
    expect(next.map((r) => r.cells.site)).toEqual(['B', 'C']);
    expect(next.at(-1)!.watermark).toBe('2026-12-07 20:00:00');
    expect(await src.count({ afterWatermark: cursor })).toBe(1);
    expect(await src.newestWatermark()).toBe('2026-12-07 20:00:00');
    await src.close();
  });

  it('matches the watermark column without regard to case, as SQLite does', async () => {
    const src = createDatabaseSource({ kind: 'sqlite', file, table: 'readings', watermarkColumn: 'UPDATED_AT' });
    expect((await src.test()).ok).toBe(true);
    expect(await collect(src.read())).toHaveLength(5);
  });
});

async function pgAvailable(): Promise<string | null> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

const pgReason = await pgAvailable();
if (pgReason) console.warn(`[skip] PostgreSQL source tests: no server at ${PG_URL} (${pgReason})`);

describe.skipIf(pgReason !== null)('PostgreSQL source', () => {
  const table = `esg_src_${randomBytes(4).toString('hex')}`;
  const base = configFromUrl(PG_URL);
  beforeAll(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, site text, kwh numeric, updated_at timestamp(6))`);
    await c.query(`CREATE SEQUENCE esg_seq_${table}`);
    for (const r of rows) await c.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4)`, [...r]);
    await c.end();
  });
  afterAll(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.query(`DROP SEQUENCE IF EXISTS esg_seq_${table}`);
    await c.end();
  });

  contract((extra) => {
    const cfg = { ...base, table, ...extra } as Record<string, unknown>;
    if (typeof cfg.query === 'string') cfg.query = cfg.query.replace('__TABLE__', table);
    return createDatabaseSource(cfg);
  }, /^2024-01-01 10:00:00\.123456$/);

  it('runs queries in a READ ONLY transaction (a data-modifying CTE is refused by the server)', async () => {
    // Passes the keyword screen on purpose, to prove the server-side guard.
    const src = createDatabaseSource({ ...base, query: `WITH x AS (SELECT nextval('esg_seq_${table}')) SELECT * FROM x` });
    await expect(collect(src.read())).rejects.toMatchObject({ code: 'QUERY_NOT_READ_ONLY' });
  });

  it("refuses a statement hidden after a backslash literal before it reaches the server; the table survives", async () => {
    const victim = `${table}_victim`;
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`CREATE TABLE ${victim} (id int)`);
    try {
      const attack = `SELECT '\\' AS a) AS src; COMMIT; DROP TABLE ${victim}; SELECT * FROM (SELECT '\\'`;
      expect(() => createDatabaseSource({ ...base, query: attack })).toThrow(/single SELECT/);
      expect((await c.query(`SELECT to_regclass($1) AS t`, [victim])).rows[0].t).toBe(victim);
    } finally {
      await c.query(`DROP TABLE IF EXISTS ${victim}`);
      await c.end();
    }
  });

  it('reports a wrong database clearly', async () => {
    const t = await createDatabaseSource({ ...base, database: `nope_${table}`, table }).test();
    expect(t).toMatchObject({ ok: false, code: 'DATABASE_NOT_FOUND' });
  });

  it('matches the (quoted) watermark column exactly, and points at a column that differs only in case', async () => {
    const t = await createDatabaseSource({ ...base, schema: 'public', table, watermarkColumn: 'Updated_At' }).test();
    expect(t).toMatchObject({ ok: false, code: 'COLUMN_NOT_FOUND' });
    expect(t.message).toContain(`not a column of the table "public.${table}"`);
    expect(t.message).toContain('did you mean "updated_at"?');
  });

  it('says when the user may not log in or may not read the table, which a new password would not fix', async () => {
    const nologin = `esg_nologin_${randomBytes(3).toString('hex')}`;
    const reader = `esg_noread_${randomBytes(3).toString('hex')}`;
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(`CREATE ROLE ${nologin} NOLOGIN`);
      await c.query(`CREATE ROLE ${reader} LOGIN`);
      const refused = await createDatabaseSource({ ...base, user: nologin, table }).test();
      expect(refused).toMatchObject({ ok: false, code: 'AUTH_FAILED' });
      expect(refused.message).toContain(`refused the user "${nologin}" (role "${nologin}" is not permitted to log in).`);
      expect(refused.message).toContain('The password is not the problem: ask the database administrator to let this user log in from this computer.');
      const denied = await collect(createDatabaseSource({ ...base, user: reader, table }).read()).then(
        () => null,
        (e: { code: string; message: string }) => e,
      );
      expect(denied).toMatchObject({ code: 'QUERY_FAILED' });
      expect(denied!.message).toContain(`permission denied for table ${table}. Ask the database administrator to grant the user "${reader}" SELECT on the table "${table}".`);
      expect(denied!.message).toContain("A table source reads all its columns; if the user may read only some of them, use a source query that names those columns instead.");
    } finally {
      await c.query(`DROP ROLE IF EXISTS ${nologin}`);
      await c.query(`DROP ROLE IF EXISTS ${reader}`);
      await c.end();
    }
  });
});

async function mysqlAvailable(): Promise<string | null> {
  try {
    const c = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 2000 });
    await c.end();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

const myReason = await mysqlAvailable();
if (myReason) console.warn(`[skip] MySQL/MariaDB source tests: no server at ${MYSQL_URL} (${myReason})`);

describe.skipIf(myReason !== null)('MySQL/MariaDB source', () => {
  const table = `esg_src_${randomBytes(4).toString('hex')}`;
  const base = configFromUrl(MYSQL_URL);
  beforeAll(async () => {
    const c = await mysql.createConnection({ uri: MYSQL_URL });
    await c.query(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, site VARCHAR(20), kwh DECIMAL(10,3), updated_at DATETIME(6))`);
    for (const r of rows) await c.execute(`INSERT INTO ${table} VALUES (?, ?, ?, ?)`, [...r]);
    await c.end();
  });
  afterAll(async () => {
    const c = await mysql.createConnection({ uri: MYSQL_URL });
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.end();
  });

  contract((extra) => {
    const cfg = { ...base, table, ...extra } as Record<string, unknown>;
    if (typeof cfg.query === 'string') cfg.query = cfg.query.replace('__TABLE__', table);
    return createDatabaseSource(cfg);
  }, /^2024-01-01 10:00:00\.123456$/);

  it('reports wrong credentials clearly', async () => {
    const t = await createDatabaseSource({ ...base, user: 'no_such_user_esg', password: 'x', table }).test();
    expect(t).toMatchObject({ ok: false, code: 'AUTH_FAILED' });
  });

  it('matches the watermark column without regard to case, as MySQL/MariaDB does', async () => {
    const src = createDatabaseSource({ ...base, table, watermarkColumn: 'UPDATED_AT' });
    expect((await src.test()).ok).toBe(true);
    expect(await collect(src.read())).toHaveLength(5);
  });
});
