/**
 * The add-database form's "Test" (`sources.testDatabase`) against the local PostgreSQL and
 * MariaDB servers: first rows of a real table, and a clear answer for a database that does not
 * exist. Skipped, with the reason printed, where a server does not answer.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseTest } from '../../../shared/contract/sources';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { MemorySecrets } from '../mappings-api/helpers';
import { MYSQL_URL, PG_URL, whyNoMysql, whyNoPostgres } from '../../helpers/table-servers';

const table = `esg_test_${randomBytes(4).toString('hex')}`;


const pgReason = await whyNoPostgres();
const myReason = await whyNoMysql();
if (pgReason) console.warn(`[skip] sources.testDatabase on PostgreSQL: no server at ${PG_URL} (${pgReason})`);
if (myReason) console.warn(`[skip] sources.testDatabase on MariaDB: no server at ${MYSQL_URL} (${myReason})`);

let root: string;
let engine: Engine;
let secrets: MemorySecrets;
let test: (params: Record<string, unknown>) => Promise<DatabaseTest>;
let dispatchAdd: (params: Record<string, unknown>) => Promise<unknown>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-src-server-'));
  engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false });
  secrets = new MemorySecrets();
  await engine.initSecrets({ allowEnv: false, store: secrets });
  const dispatch = createDispatcher(createEngineApi(engine), engine.logger);
  test = async (params) => {
    const r = await dispatch('sources.testDatabase', params);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.result as DatabaseTest;
  };
  dispatchAdd = (params) => dispatch('sources.addDatabase', params);
});

afterAll(async () => {
  await engine.stop();
  rmSync(root, { recursive: true, force: true });
});

function expectNothingSaved(): void {
  expect(engine.store.sources.list()).toEqual([]);
  expect(secrets.size()).toBe(0);
}

describe.skipIf(pgReason !== null)('PostgreSQL', () => {
  const url = new URL(PG_URL);
  const base = { kind: 'postgres', host: url.hostname, port: Number(url.port || 5432), database: url.pathname.slice(1), user: decodeURIComponent(url.username) };
  beforeAll(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, site text, kwh numeric, updated_at timestamptz)`);
    await c.query(`INSERT INTO ${table} SELECT g, 'LON-01', g * 1.5, '2024-01-01T00:00:00Z'::timestamptz + g * interval '1 hour' FROM generate_series(1, 30) g`);
    await c.end();
  });
  afterAll(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.end();
  });

  it('shows the first rows of a table; the password given for the test is not kept', async () => {
    const r = await test({ ...base, password: 'only-for-this-test', schema: 'public', table, watermarkColumn: 'updated_at', limit: 5 });
    expect(r.ok, r.message).toBe(true);
    expect(r.columns).toEqual(['id', 'site', 'kwh', 'updated_at']);
    expect(r.rows.map((row) => Number(row.id))).toEqual([1, 2, 3, 4, 5]);
    expect(r.message).toMatch(/first 5 rows of postgres:\/\//);
    expectNothingSaved();
  });

  it('answers a database that does not exist with its name, not a stack trace', async () => {
    const r = await test({ ...base, database: `nope_${table}`, table });
    expect(r.ok).toBe(false);
    expect(r.message).toContain(`nope_${table}`);
    expect(r.message).not.toMatch(/\n\s+at /);
  });

  it('refuses a watermark column the table does not have, listing its columns', async () => {
    const r = await test({ ...base, schema: 'public', table, watermarkColumn: 'nope' });
    expect(r.ok).toBe(false);
    expect(r.message).toContain(`The watermark column "nope" is not a column of the table "public.${table}". Its columns are: "id", "site", "kwh", "updated_at".`);
    const added = (await dispatchAdd({ ...base, name: 'PGBAD2', table, watermarkColumn: 'nope' })) as { ok: boolean; error?: { code: string; message: string } };
    expect(added).toMatchObject({ ok: false, error: { code: 'source', message: expect.stringMatching(/^The database source was not saved: The watermark column "nope"/) } });
    expectNothingSaved();
  });
});

describe.skipIf(myReason !== null)('MariaDB / MySQL', () => {
  const url = new URL(MYSQL_URL);
  const base = { kind: 'mysql', host: url.hostname, port: Number(url.port || 3306), database: url.pathname.slice(1), user: decodeURIComponent(url.username) };
  beforeAll(async () => {
    const c = await mysql.createConnection({ uri: MYSQL_URL });
    await c.query(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, site VARCHAR(20), kwh DECIMAL(10,3))`);
    for (let i = 1; i <= 12; i++) await c.execute(`INSERT INTO ${table} VALUES (?, ?, ?)`, [i, i % 2 ? 'LON-01' : 'MAN-02', i * 2.5]);
    await c.end();
  });
  afterAll(async () => {
    const c = await mysql.createConnection({ uri: MYSQL_URL });
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.end();
  });

  it('shows the first rows of a SELECT', async () => {
    const r = await test({ ...base, query: `SELECT id, site, kwh FROM ${table} WHERE site = 'MAN-02' ORDER BY id`, limit: 3 });
    expect(r.ok, r.message).toBe(true);
    expect(r.columns).toEqual(['id', 'site', 'kwh']);
    expect(r.rows.map((row) => [Number(row.id), row.site])).toEqual([
      [2, 'MAN-02'],
      [4, 'MAN-02'],
      [6, 'MAN-02'],
    ]);
    expectNothingSaved();
  });

  it('answers a table that does not exist with its name', async () => {
    const r = await test({ ...base, table: `missing_${table}` });
    expect(r.ok).toBe(false);
    expect(r.message).toContain(`missing_${table}`);
  });

  it('refuses a watermark column the table or the query does not have', async () => {
    const r = await test({ ...base, table, watermarkColumn: 'nope' });
    expect(r.ok).toBe(false);
    expect(r.message).toContain(`The watermark column "nope" is not a column of the table "${table}". Its columns are: "id", "site", "kwh".`);
    const q = await test({ ...base, query: `SELECT site, kwh FROM ${table}`, watermarkColumn: 'id' });
    expect(q.ok).toBe(false);
    expect(q.message).toContain('"id" is not among the columns the query returns: "site", "kwh".');
    const added = (await dispatchAdd({ ...base, name: 'MYBAD', table, watermarkColumn: 'nope' })) as { ok: boolean; error?: { code: string; message: string } };
    expect(added).toMatchObject({ ok: false, error: { code: 'source', message: expect.stringContaining('"nope"') } });
    expectNothingSaved();
    expect((await test({ ...base, table, watermarkColumn: 'ID' })).ok).toBe(true);
  });
});
