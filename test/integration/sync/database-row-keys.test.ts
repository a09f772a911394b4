/**
 * A database table has no stable row order, so a row error that says "line 3" (its position in
 * one read) finds nothing. Row errors of a database source name the row by its key: the table's
 * primary key when it has one (`Row id=1042`), else the columns of the mapping's natural key
 * (`Row where site="LON-01", month="2024-02"`). The History rows carry the key, and the errors
 * CSV has a "row" column to look the row up with SQL. Run against SQLite, PostgreSQL and MariaDB;
 * a server that does not answer is skipped, said in the output.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MappingProfileInput } from '../../../shared/mapping';
import type { RunSummary } from '../../../shared/api';
import type { SourceInfo } from '../../../shared/dto';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { saveErrorsCsv } from '../../../main/engine/history/errors-csv';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { SyncService } from '../../../main/engine/sync/service';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { memorySecretStore } from '../../helpers/memory-secrets';
import { MYSQL_URL, PG_URL, serverConn, whyNoMysql, whyNoPostgres } from '../../helpers/table-servers';

const pgReason = await whyNoPostgres();
if (pgReason) console.warn(`[skip] PostgreSQL row-key tests: no server at ${PG_URL} (${pgReason})`);
const myReason = await whyNoMysql();
if (myReason) console.warn(`[skip] MySQL/MariaDB row-key tests: no server at ${MYSQL_URL} (${myReason})`);

let root: string;
let engine: Engine;
let sandbox: RunningSandbox;
let call: <T>(method: string, params: Record<string, unknown>) => Promise<T>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-row-keys-'));
  sandbox = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
  const dispatch = createDispatcher(createEngineApi(engine));
  call = async <T,>(method: string, params: Record<string, unknown>) => {
    const r = await dispatch(method as never, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
    return r.result as T;
  };
  engine.sync = new SyncService(engine);
  await engine.sync.start();
  await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
});

afterAll(async () => {
  await engine?.stop();
  await sandbox?.close();
  rmSync(root, { recursive: true, force: true });
});

/** The rows every table holds: the third has a kWh that is no number. */
const ROWS: [number, string, string, string][] = [
  [7, 'LON-01', '2024-01', '100'],
  [1042, 'LON-01', '2024-02', 'abc'],
  [9, 'LON-01', '2024-03', '300'],
];

/** Runs a job reading `source` and returns its run and the errors CSV's lines. */
async function runOnce(name: string, source: Record<string, unknown>): Promise<{ run: RunSummary; csv: string[] }> {
  const src = await call<SourceInfo>('sources.addDatabase', { name, ...source });
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  const profile: MappingProfileInput = {
    schemaVersion: 1,
    name,
    sourceId: src.id,
    connectionId,
    shape: { kind: 'long', valueColumn: 'kwh' },
    metric: { kind: 'fixed', metricId: 'met_elec_cons' },
    entity: { kind: 'column', column: 'site' },
    period: { kind: 'date', column: 'month', format: 'YYYY-MM', granularity: 'month' },
  };
  const mappingId = `map-${randomBytes(3).toString('hex')}`;
  engine.store.mappings.save({ id: mappingId, name, sourceId: src.id, connectionId, fingerprint: null, profile }, new Date().toISOString());
  const job = await call<{ id: string }>('jobs.add', { name: `${name} job`, type: 'ingest', connectionId, sourceId: src.id, mappingId, config: {} });
  const run = (await call<{ run: RunSummary }>('jobs.run', { jobId: job.id, wait: true })).run;
  const path = join(root, `${mappingId}.csv`);
  await saveErrorsCsv(engine.store, run.id, path);
  return { run, csv: readFileSync(path, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/) };
}

function expectKeyed(run: RunSummary, csv: string[], key: string) {
  expect(run).toMatchObject({ status: 'succeeded_with_rejections', read: 3, rejected: 1 });
  expect(run.created + run.updated + run.unchanged).toBe(2);
  const errors = engine.store.runs.errors(run.id, 0, 10);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ row: key, column: 'kwh', value: 'abc' });
  expect(errors[0]!.reason).toMatch(new RegExp(`^Row ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, column 'kwh': 'abc' is not a number`));
  expect(errors[0]!.reason).not.toMatch(/Line \d/);
  // The CSV leads with the row's key, for a WHERE clause.
  expect(csv[0]).toBe('row,line,column,value,reason');
  expect(csv).toHaveLength(2);
  expect(csv[1]!.startsWith(`${key.includes('"') || key.includes(',') ? `"${key.replace(/"/g, '""')}"` : key},`)).toBe(true);
  // The timeline says which key names the rows.
  expect(engine.store.runs.events(run.id).map((e) => e.message).join('\n')).toMatch(/Row errors name a row by/);
}

describe('SQLite', () => {
  /** A SQLite file with the table `readings` made by `create`, holding `rows`. */
  function sqliteFile(name: string, create: string, rows: readonly (readonly unknown[])[] = ROWS): string {
    const file = join(root, `${name}.sqlite`);
    const db = new Database(file);
    db.exec(create);
    for (const r of rows) db.prepare('INSERT INTO readings VALUES (?, ?, ?, ?)').run(...r);
    db.close();
    return file;
  }

  it('names a bad row of a table with a primary key by that key', async () => {
    const file = sqliteFile('keyed', 'CREATE TABLE readings (reading_id INTEGER PRIMARY KEY, site TEXT, month TEXT, kwh TEXT)');
    const { run, csv } = await runOnce('SQLite keyed', { kind: 'sqlite', file, table: 'readings' });
    expectKeyed(run, csv, 'reading_id=1042');
  });

  it('names a bad row of a table without a key by the columns of the mapping\'s natural key', async () => {
    const file = sqliteFile('unkeyed', 'CREATE TABLE readings (n INTEGER, site TEXT, month TEXT, kwh TEXT)');
    const { run, csv } = await runOnce('SQLite unkeyed', { kind: 'sqlite', file, table: 'readings' });
    expectKeyed(run, csv, 'where site="LON-01", month="2024-02"');
  });
  it('names rows by key in errors found after the read too: two rows with the same metric, site and period', async () => {
    const file = sqliteFile('duplicates', 'CREATE TABLE readings (reading_id INTEGER PRIMARY KEY, site TEXT, month TEXT, kwh TEXT)', [
      [5, 'LON-01', '2023-06', '10'],
      [31, 'LON-01', '2023-07', '20'],
      [88, 'LON-01', '2023-06', '30'],
    ]);
    const { run, csv } = await runOnce('SQLite duplicates', { kind: 'sqlite', file, table: 'readings' });
    expect(run).toMatchObject({ read: 3, rejected: 2 });
    const errors = engine.store.runs.errors(run.id, 0, 10);
    expect(errors.map((e) => e.row)).toEqual(['reading_id=5', 'reading_id=88']);
    // The other row is named by its key too, not by where it came in this read.
    expect(errors[0]!.reason).toMatch(/^The same metric, site and period also appears on the row reading_id=88\. /);
    expect(errors[1]!.reason).toMatch(/^The same metric, site and period also appears on the row reading_id=5\. /);
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['reading_id=5', 'reading_id=88']);
  });
});

describe.skipIf(pgReason !== null)('PostgreSQL', () => {
  const keyed = `esg_rowkey_${randomBytes(4).toString('hex')}`;
  const unkeyed = `${keyed}_nokey`;
  const { password: _pw, ...server } = serverConn('postgres', PG_URL);
  beforeAll(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`CREATE TABLE ${keyed} (site text, month text, kwh text, reading_id bigint, PRIMARY KEY (site, month))`);
    await c.query(`CREATE TABLE ${unkeyed} (reading_id bigint, site text, month text, kwh text)`);
    for (const [id, site, month, kwh] of ROWS) {
      await c.query(`INSERT INTO ${keyed} VALUES ($1, $2, $3, $4)`, [site, month, kwh, id]);
      await c.query(`INSERT INTO ${unkeyed} VALUES ($1, $2, $3, $4)`, [id, site, month, kwh]);
    }
    await c.end();
  });
  afterAll(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP TABLE IF EXISTS ${keyed}, ${unkeyed}`);
    await c.end();
  });

  it('names a bad row by the primary key, in the key\'s own column order', async () => {
    const { run, csv } = await runOnce('PG keyed', { ...server, table: keyed });
    expectKeyed(run, csv, 'site="LON-01", month="2024-02"');
  });

  it('names a bad row of a table without a key by the natural key as mapped', async () => {
    const { run, csv } = await runOnce('PG unkeyed', { ...server, table: unkeyed });
    expectKeyed(run, csv, 'where site="LON-01", month="2024-02"');
  });
});

describe.skipIf(myReason !== null)('MySQL/MariaDB', () => {
  const keyed = `esg_rowkey_${randomBytes(4).toString('hex')}`;
  const unkeyed = `${keyed}_nokey`;
  const { password: _pw, ...server } = serverConn('mysql', MYSQL_URL);
  beforeAll(async () => {
    const c = await mysql.createConnection({ uri: MYSQL_URL });
    await c.query(`CREATE TABLE ${keyed} (reading_id BIGINT PRIMARY KEY, site VARCHAR(20), month VARCHAR(7), kwh VARCHAR(10))`);
    await c.query(`CREATE TABLE ${unkeyed} (reading_id BIGINT, site VARCHAR(20), month VARCHAR(7), kwh VARCHAR(10))`);
    for (const r of ROWS) {
      await c.execute(`INSERT INTO ${keyed} VALUES (?, ?, ?, ?)`, [...r]);
      await c.execute(`INSERT INTO ${unkeyed} VALUES (?, ?, ?, ?)`, [...r]);
    }
    await c.end();
  });
  afterAll(async () => {
    const c = await mysql.createConnection({ uri: MYSQL_URL });
    await c.query(`DROP TABLE IF EXISTS ${keyed}, ${unkeyed}`);
    await c.end();
  });

  it('names a bad row by the primary key', async () => {
    const { run, csv } = await runOnce('MariaDB keyed', { ...server, table: keyed });
    expectKeyed(run, csv, 'reading_id=1042');
  });

  it('names a bad row of a table without a key by the natural key as mapped', async () => {
    const { run, csv } = await runOnce('MariaDB unkeyed', { ...server, table: unkeyed });
    expectKeyed(run, csv, 'where site="LON-01", month="2024-02"');
  });
});
