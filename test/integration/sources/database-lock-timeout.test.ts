/**
 * A database source whose read waits on a lock another session holds fails after the source's
 * lock wait limit with LOCK_TIMEOUT and a message a person can act on, instead of hanging; once
 * the lock is gone the same source reads again. Against the real servers (skipped, with the
 * reason, when none answers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { configFromUrl, createDatabaseSource, type DatabaseRow } from '../../../main/engine/sources/database';
import { describeMysqlError } from '../../../main/engine/sources/database/mysql';
import { describePostgresError } from '../../../main/engine/sources/database/postgres';
import { DatabaseSourceError } from '../../../main/engine/sources/errors';
import { EXIT, exitCodeForFailedRun } from '../../../main/agent/exit-codes';

const PG_URL = process.env.ESG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env.ESG_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

async function collect(it: AsyncIterable<DatabaseRow>): Promise<DatabaseRow[]> {
  const out: DatabaseRow[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** How the promise settles, and after how many milliseconds. */
async function timed<T>(p: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = Date.now();
  try {
    const value = await p;
    return { ms: Date.now() - start, value };
  } catch (error) {
    return { ms: Date.now() - start, error };
  }
}

describe('lock wait messages', () => {
  it('name the source, the wait and what to do, and are for a person here (exit 2), not the platform', () => {
    const pgErr = describePostgresError({ code: '55P03', message: 'canceling statement due to lock timeout' }, { kind: 'postgres', database: 'esg', schema: 'energy', table: 'meters' });
    expect(pgErr).toBeInstanceOf(DatabaseSourceError);
    expect(pgErr.code).toBe('LOCK_TIMEOUT');
    expect(pgErr.message).toBe(
      'PostgreSQL at 127.0.0.1:5432: reading the table "energy.meters" in the database "esg" waited 60 seconds for a lock held by another session, and gave up. Try again later, ask the database administrator which session holds the lock (pg_locks and pg_stat_activity show it), or let the source wait longer (Sources → Edit → Lock wait, or `esg-sync source edit --lock-timeout SECONDS`).',
    );
    const myErr = describeMysqlError({ code: 'ER_LOCK_WAIT_TIMEOUT', message: 'Lock wait timeout exceeded; try restarting transaction' }, { kind: 'mysql', host: 'db.internal', database: 'esg', query: 'SELECT 1', lockTimeoutSeconds: 1 });
    expect(myErr.code).toBe('LOCK_TIMEOUT');
    expect(myErr.message).toBe(
      'MySQL at db.internal:3306: reading the source query in the database "esg" waited 1 second for a lock held by another session, and gave up. Try again later, ask the database administrator which session holds the lock (SHOW PROCESSLIST shows the sessions and what they wait for), or let the source wait longer (Sources → Edit → Lock wait, or `esg-sync source edit --lock-timeout SECONDS`).',
    );
    expect(exitCodeForFailedRun(pgErr.message)).toBe(EXIT.usage);
    expect(exitCodeForFailedRun(myErr.message)).toBe(EXIT.usage);
  });

  it('the limit is a whole number of seconds from 1 to a day', () => {
    const base = { kind: 'postgres', database: 'test', table: 't' };
    expect(() => createDatabaseSource({ ...base, lockTimeoutSeconds: 0 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createDatabaseSource({ ...base, lockTimeoutSeconds: 1.5 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createDatabaseSource({ ...base, lockTimeoutSeconds: 86_401 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createDatabaseSource({ ...base, lockTimeoutSeconds: 2 })).not.toThrow();
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
if (pgReason) console.warn(`[skip] PostgreSQL lock timeout tests: no server at ${PG_URL} (${pgReason})`);

describe.skipIf(pgReason !== null)('PostgreSQL source waiting on a lock', () => {
  const table = `esg_lock_${randomBytes(4).toString('hex')}`;
  const base = configFromUrl(PG_URL);
  let holder: pg.Client | null = null;
  beforeAll(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, site text)`);
    await c.query(`INSERT INTO ${table} VALUES (1, 'A'), (2, 'B'), (3, 'C')`);
    await c.end();
  });
  afterAll(async () => {
    await holder?.end().catch(() => undefined);
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.end();
  });

  it('sets the lock wait limit (60 s unless configured) for the source session', async () => {
    const q = { ...base, query: "SELECT current_setting('lock_timeout') AS lock_timeout" };
    expect((await createDatabaseSource(q).preview(1)).rows[0]!.cells.lock_timeout).toBe('1min');
    expect((await createDatabaseSource({ ...q, lockTimeoutSeconds: 2 }).preview(1)).rows[0]!.cells.lock_timeout).toBe('2s');
  });

  it('fails with LOCK_TIMEOUT after the limit while another session holds an exclusive lock, and reads once it is released', async () => {
    holder = new pg.Client({ connectionString: PG_URL });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);

    const src = createDatabaseSource({ ...base, table, watermarkColumn: 'id', lockTimeoutSeconds: 1 });
    const read = await timed(collect(src.read()));
    expect(read.error).toBeInstanceOf(DatabaseSourceError);
    expect(read.error).toMatchObject({ code: 'LOCK_TIMEOUT' });
    expect((read.error as Error).message).toBe(
      `PostgreSQL at ${base.host ?? '127.0.0.1'}:${base.port ?? 5432}: reading the table "${table}" in the database "${base.database}" waited 1 second for a lock held by another session, and gave up. Try again later, ask the database administrator which session holds the lock (pg_locks and pg_stat_activity show it), or let the source wait longer (Sources → Edit → Lock wait, or \`esg-sync source edit --lock-timeout SECONDS\`).`,
    );
    expect(read.ms).toBeGreaterThanOrEqual(900);
    expect(read.ms).toBeLessThan(5000);

    // The other ways into the table give the same answer.
    const tested = await timed(src.test());
    expect(tested.value).toMatchObject({ ok: false, code: 'LOCK_TIMEOUT' });
    expect(tested.ms).toBeLessThan(5000);
    await expect(src.count()).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });

    await holder.query('ROLLBACK');
    const rows = await collect(src.read());
    expect(rows.map((r) => r.cells.site)).toEqual(['A', 'B', 'C']);
    expect((await src.test()).ok).toBe(true);
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
if (myReason) console.warn(`[skip] MySQL/MariaDB lock timeout tests: no server at ${MYSQL_URL} (${myReason})`);

describe.skipIf(myReason !== null)('MySQL/MariaDB source waiting on a lock', () => {
  const table = `esg_lock_${randomBytes(4).toString('hex')}`;
  const base = configFromUrl(MYSQL_URL);
  let holder: mysql.Connection | null = null;
  beforeAll(async () => {
    const c = await mysql.createConnection({ uri: MYSQL_URL });
    await c.query(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, site VARCHAR(20)) ENGINE=InnoDB`);
    await c.query(`INSERT INTO ${table} VALUES (1, 'A'), (2, 'B'), (3, 'C')`);
    await c.end();
  });
  afterAll(async () => {
    await holder?.end().catch(() => undefined);
    const c = await mysql.createConnection({ uri: MYSQL_URL });
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.end();
  });

  it('sets the lock wait limits (60 s unless configured) for the source session', async () => {
    const q = { ...base, query: 'SELECT @@SESSION.lock_wait_timeout AS mdl, @@SESSION.innodb_lock_wait_timeout AS innodb' };
    expect((await createDatabaseSource(q).preview(1)).rows[0]!.cells).toEqual({ mdl: 60, innodb: 60 });
    expect((await createDatabaseSource({ ...q, lockTimeoutSeconds: 2 }).preview(1)).rows[0]!.cells).toEqual({ mdl: 2, innodb: 2 });
  });

  it('fails with LOCK_TIMEOUT after the limit while another session holds LOCK TABLES … WRITE, and reads once it is released', async () => {
    holder = await mysql.createConnection({ uri: MYSQL_URL });
    await holder.query(`LOCK TABLES ${table} WRITE`);

    const src = createDatabaseSource({ ...base, table, watermarkColumn: 'id', lockTimeoutSeconds: 1 });
    const read = await timed(collect(src.read()));
    expect(read.error).toBeInstanceOf(DatabaseSourceError);
    expect(read.error).toMatchObject({ code: 'LOCK_TIMEOUT' });
    expect((read.error as Error).message).toBe(
      `MySQL at ${base.host ?? '127.0.0.1'}:${base.port ?? 3306}: reading the table "${table}" in the database "${base.database}" waited 1 second for a lock held by another session, and gave up. Try again later, ask the database administrator which session holds the lock (SHOW PROCESSLIST shows the sessions and what they wait for), or let the source wait longer (Sources → Edit → Lock wait, or \`esg-sync source edit --lock-timeout SECONDS\`).`,
    );
    expect(read.ms).toBeGreaterThanOrEqual(900);
    expect(read.ms).toBeLessThan(5000);

    const tested = await timed(src.test());
    expect(tested.value).toMatchObject({ ok: false, code: 'LOCK_TIMEOUT' });
    expect(tested.ms).toBeLessThan(5000);
    await expect(src.count()).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });

    await holder.query('UNLOCK TABLES');
    const rows = await collect(src.read());
    expect(rows.map((r) => r.cells.site)).toEqual(['A', 'B', 'C']);
    expect((await src.test()).ok).toBe(true);
  });
});
