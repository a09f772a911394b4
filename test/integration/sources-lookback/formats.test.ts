/**
 * The re-read look-back against each real database and each kind of watermark column: the bound
 * is computed from the watermark as the database prints it and compared by the database as the
 * watermark itself is. Per column type, four rows: `old` (before the look-back), `near` (inside
 * it), `cur` (the saved watermark) and `new`. A run from `cur` reads near, cur and new; the rows
 * below the watermark report it as theirs, so the watermark a run saves never moves back.
 * Also the late commit itself, with two connections, on PostgreSQL (ids) and MariaDB (timestamps).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { configFromUrl, createDatabaseSource, type DatabaseSource } from '../../../main/engine/sources/database';

const PG_URL = process.env.ESG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env.ESG_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** What a job run does with a database source: read from the saved watermark, keep the last one reported. */
async function runFrom(src: DatabaseSource, cursor: string | null): Promise<{ sites: string[]; watermarks: (string | null)[]; cursor: string | null }> {
  const sites: string[] = [];
  const watermarks: (string | null)[] = [];
  let next = cursor;
  for await (const r of src.read({ afterWatermark: cursor, batchSize: 2 })) {
    sites.push(String(r.cells.site));
    watermarks.push(r.watermark);
    if (r.watermark !== null) next = r.watermark;
    expect(r.cells).not.toHaveProperty('__esg_reread');
  }
  await src.close();
  return { sites, watermarks, cursor: next };
}

type Make = (column: string, lookback: { watermarkLookbackSeconds?: number; watermarkLookbackIds?: number }) => DatabaseSource;

/** The four rows, per column: the look-back reads `near` and not `old`; the watermark stays `cur`. */
function columnCase(make: Make, column: string, lookback: { watermarkLookbackSeconds?: number; watermarkLookbackIds?: number }, printed?: RegExp) {
  it(`${column}: reads the rows inside the look-back, reports the saved watermark for them, and without it reads from the watermark`, async () => {
    const all = await runFrom(make(column, lookback), null);
    expect(all.sites).toEqual(['old', 'near', 'cur', 'new']);
    const cur = all.watermarks[2]!;
    if (printed) expect(cur).toMatch(printed);
    const newest = all.watermarks[3]!;

    const next = await runFrom(make(column, lookback), cur);
    expect(next.sites).toEqual(['near', 'cur', 'new']);
    expect(next.watermarks).toEqual([cur, cur, newest]);
    expect(next.cursor).toBe(newest);

    // From the newest value: every row read below it reports it, so the watermark stays there.
    const again = await runFrom(make(column, lookback), newest);
    expect(again.sites.at(-1)).toBe('new');
    expect(new Set(again.watermarks)).toEqual(new Set([newest]));

    const off = await runFrom(make(column, {}), cur);
    expect(off.sites).toEqual(['cur', 'new']);
    const zero = await runFrom(make(column, { watermarkLookbackSeconds: 0, watermarkLookbackIds: 0 }), cur);
    expect(zero.sites).toEqual(['cur', 'new']);
  });
}

const SECONDS = { watermarkLookbackSeconds: 300 };
const IDS = { watermarkLookbackIds: 60 };

// cur − 400 s, cur − 99.5 s, cur, cur + 10 s; dates: cur − 2 days, − 1 day, cur, + 1 day; ids: 100, 150, 200, 300.
const ROWS = [
  { site: 'old', ts: '2024-05-01 09:53:20', iso: '2024-05-01T09:53:20Z', min: '2024-05-01 09:53', d: '2024-04-29', n: 100 },
  { site: 'near', ts: '2024-05-01 09:58:20.5', iso: '2024-05-01T09:58:20.500Z', min: '2024-05-01 09:58', d: '2024-04-30', n: 150 },
  { site: 'cur', ts: '2024-05-01 10:00:00.123456', iso: '2024-05-01T10:00:00.123Z', min: '2024-05-01 10:00', d: '2024-05-01', n: 200 },
  { site: 'new', ts: '2024-05-01 10:00:10', iso: '2024-05-01T10:00:10Z', min: '2024-05-01 10:01', d: '2024-05-02', n: 300 },
];
// Written out of order, as late commits leave them.
const WRITE_ORDER = [ROWS[3]!, ROWS[1]!, ROWS[0]!, ROWS[2]!];

describe('SQLite', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esg-lookback-'));
    file = join(dir, 'src.db');
    const db = new Database(file);
    // Declared types as people write them: NUMERIC affinity for "TIMESTAMP", none for "DATETIME"-less text.
    db.exec('CREATE TABLE readings (site TEXT, ts TIMESTAMP, iso TEXT, min TEXT, d DATE, n INTEGER)');
    const ins = db.prepare('INSERT INTO readings VALUES (@site, @ts, @iso, @min, @d, @n)');
    for (const r of WRITE_ORDER) ins.run(r);
    db.close();
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const make: Make = (column, lookback) => createDatabaseSource({ kind: 'sqlite', file, table: 'readings', watermarkColumn: column, ...lookback });
  columnCase(make, 'ts', SECONDS, /^2024-05-01 10:00:00\.123456$/);
  columnCase(make, 'iso', SECONDS, /^2024-05-01T10:00:00\.123Z$/);
  columnCase(make, 'min', SECONDS, /^2024-05-01 10:00$/);
  columnCase(make, 'd', SECONDS, /^2024-05-01$/);
  columnCase(make, 'n', IDS, /^200$/);
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
if (pgReason) console.warn(`[skip] PostgreSQL look-back tests: no server at ${PG_URL} (${pgReason})`);

describe.skipIf(pgReason !== null)('PostgreSQL', () => {
  const table = `esg_lb_${randomBytes(4).toString('hex')}`;
  const late = `esg_lb_late_${randomBytes(4).toString('hex')}`;
  const base = configFromUrl(PG_URL);
  const admin = () => new pg.Client({ connectionString: PG_URL });
  beforeAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`CREATE TABLE ${table} (site text, tstz timestamptz, ts timestamp(6), d date, iso text, n bigint, num numeric(12,2))`);
    for (const r of WRITE_ORDER) {
      await c.query(`INSERT INTO ${table} VALUES ($1, $2::timestamp AT TIME ZONE 'UTC', $2::timestamp, $3, $4, $5::bigint, $5::bigint)`, [r.site, r.ts, r.d, r.iso, r.n]);
    }
    await c.query(`CREATE TABLE ${late} (id bigserial PRIMARY KEY, site text NOT NULL)`);
    await c.end();
  });
  afterAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.query(`DROP TABLE IF EXISTS ${late}`);
    await c.end();
  });

  const make: Make = (column, lookback) => createDatabaseSource({ ...base, table, watermarkColumn: column, ...lookback });
  columnCase(make, 'tstz', SECONDS, /^2024-05-01 10:00:00\.123456\+00$/);
  columnCase(make, 'ts', SECONDS, /^2024-05-01 10:00:00\.123456$/);
  columnCase(make, 'd', SECONDS, /^2024-05-01$/);
  columnCase(make, 'iso', SECONDS, /^2024-05-01T10:00:00\.123Z$/);
  columnCase(make, 'n', IDS, /^200$/);
  columnCase(make, 'num', IDS, /^200\.00$/);

  describe('in a session whose time zone is not UTC (timestamptz printed with +05:30)', () => {
    let saved: string | undefined;
    beforeAll(() => {
      saved = process.env.PGOPTIONS;
      process.env.PGOPTIONS = '-c TimeZone=Asia/Kolkata';
    });
    afterAll(() => {
      if (saved === undefined) delete process.env.PGOPTIONS;
      else process.env.PGOPTIONS = saved;
    });
    columnCase(make, 'tstz', SECONDS, /^2024-05-01 15:30:00\.123456\+05:30$/);
  });

  it('an id handed out before a later one but committed after the run that read it is read with an id look-back', async () => {
    const writer = admin();
    const slow = admin();
    await writer.connect();
    await slow.connect();
    const src = () => createDatabaseSource({ ...base, table: late, watermarkColumn: 'id', watermarkLookbackIds: 100 });
    const plain = () => createDatabaseSource({ ...base, table: late, watermarkColumn: 'id' });
    try {
      await writer.query(`INSERT INTO ${late} (site) VALUES ('A')`);
      const first = await runFrom(src(), null);
      await slow.query('BEGIN');
      await slow.query(`INSERT INTO ${late} (site) VALUES ('LATE')`); // takes the next id now
      await writer.query(`INSERT INTO ${late} (site) VALUES ('B')`); // a higher id, committed first
      const second = await runFrom(src(), first.cursor);
      expect(second.sites).toEqual(['A', 'B']);
      const secondPlain = await runFrom(plain(), first.cursor);
      await slow.query('COMMIT');

      expect((await runFrom(plain(), secondPlain.cursor)).sites).toEqual(['B']); // lost without it
      const third = await runFrom(src(), second.cursor);
      expect(third.sites).toEqual(['A', 'LATE', 'B']);
      expect(third.cursor).toBe(second.cursor);
    } finally {
      await slow.query('ROLLBACK').catch(() => undefined);
      await slow.end();
      await writer.end();
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
if (myReason) console.warn(`[skip] MySQL/MariaDB look-back tests: no server at ${MYSQL_URL} (${myReason})`);

describe.skipIf(myReason !== null)('MySQL/MariaDB', () => {
  const table = `esg_lb_${randomBytes(4).toString('hex')}`;
  const late = `esg_lb_late_${randomBytes(4).toString('hex')}`;
  const base = configFromUrl(MYSQL_URL);
  beforeAll(async () => {
    const c = await mysql.createConnection({ uri: MYSQL_URL });
    await c.query(`CREATE TABLE ${table} (site VARCHAR(10), tstz TIMESTAMP(6) NULL, ts DATETIME(6), d DATE, iso VARCHAR(40), n BIGINT, num DECIMAL(12,2)) ENGINE=InnoDB`);
    for (const r of WRITE_ORDER) await c.execute(`INSERT INTO ${table} VALUES (?, ?, ?, ?, ?, ?, ?)`, [r.site, r.ts, r.ts, r.d, r.iso, r.n, r.n]);
    await c.query(`CREATE TABLE ${late} (id BIGINT AUTO_INCREMENT PRIMARY KEY, site VARCHAR(10) NOT NULL, updated_at DATETIME(6) NOT NULL) ENGINE=InnoDB`);
    await c.end();
  });
  afterAll(async () => {
    const c = await mysql.createConnection({ uri: MYSQL_URL });
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.query(`DROP TABLE IF EXISTS ${late}`);
    await c.end();
  });

  const make: Make = (column, lookback) => createDatabaseSource({ ...base, table, watermarkColumn: column, ...lookback });
  columnCase(make, 'tstz', SECONDS, /^2024-05-01 10:00:00\.123456$/);
  columnCase(make, 'ts', SECONDS, /^2024-05-01 10:00:00\.123456$/);
  columnCase(make, 'd', SECONDS, /^2024-05-01$/);
  columnCase(make, 'iso', SECONDS, /^2024-05-01T10:00:00\.123Z$/);
  columnCase(make, 'n', IDS, /^200$/);
  columnCase(make, 'num', IDS, /^200\.00$/);

  it('a row whose transaction commits after a run read a later one is read with the look-back, and lost without it', async () => {
    const writer = await mysql.createConnection({ uri: MYSQL_URL });
    const slow = await mysql.createConnection({ uri: MYSQL_URL });
    const src = () => createDatabaseSource({ ...base, table: late, watermarkColumn: 'updated_at', watermarkLookbackSeconds: 300 });
    const plain = () => createDatabaseSource({ ...base, table: late, watermarkColumn: 'updated_at' });
    try {
      await writer.query(`INSERT INTO ${late} (site, updated_at) VALUES ('A', NOW(6))`);
      const first = await runFrom(src(), null);
      const firstPlain = await runFrom(plain(), null);
      await slow.query('START TRANSACTION');
      await slow.query(`INSERT INTO ${late} (site, updated_at) VALUES ('LATE', NOW(6))`);
      await new Promise((r) => setTimeout(r, 50));
      await writer.query(`INSERT INTO ${late} (site, updated_at) VALUES ('B', NOW(6))`);
      const second = await runFrom(src(), first.cursor);
      const secondPlain = await runFrom(plain(), firstPlain.cursor);
      expect(second.sites).toEqual(['A', 'B']);
      await slow.query('COMMIT');

      expect((await runFrom(plain(), secondPlain.cursor)).sites).toEqual(['B']); // lost without it
      const third = await runFrom(src(), second.cursor);
      expect(third.sites).toEqual(['A', 'LATE', 'B']);
      expect(third.cursor).toBe(second.cursor);
    } finally {
      await slow.query('ROLLBACK').catch(() => undefined);
      await slow.end();
      await writer.end();
    }
  });
});
