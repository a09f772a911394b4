/**
 * Export runs end to end: the real sandbox platform over loopback HTTP, through the esg-api adapter,
 * into real files and real database tables, then incrementally by the saved cursor.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEsgApiAdapter, type EsgApiAdapter } from '../../../main/engine/platforms/esg-api';
import type { RequestLogEntry } from '../../../main/engine/platforms/types';
import { runExport } from '../../../main/engine/sync/export';
import type { TableConnection } from '../../../main/engine/sync/export/writers';
import { SEED_ENTITIES, startSandbox, type RunningSandbox } from '../../../main/sandbox';
import type { PlatformRecord, SubmissionOp } from '../../../shared/domain';
import { MYSQL_URL, PG_URL, serverConn } from '../../helpers/table-servers';


const PG = serverConn('postgres', PG_URL);
const MY = serverConn('mysql', MYSQL_URL);

async function pgQuery<T>(sql: string): Promise<T[]> {
  const c = new pg.Client({ host: PG.host, port: PG.port, database: PG.database, user: PG.user, password: PG.password ?? undefined, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}
async function myQuery<T>(sql: string): Promise<T[]> {
  const c = await mysql.createConnection({ host: MY.host, port: MY.port, database: MY.database, user: MY.user, password: MY.password ?? undefined, connectTimeout: 3000 });
  try {
    return (await c.query(sql))[0] as T[];
  } finally {
    await c.end();
  }
}
const reason = (e: unknown) => (e instanceof Error ? e.message || (e as { code?: string }).code || e.name : String(e));
const pgReason = await pgQuery('SELECT 1').then(
  () => null,
  (e: unknown) => reason(e),
);
const myReason = await myQuery('SELECT 1').then(
  () => null,
  (e: unknown) => reason(e),
);
if (pgReason) console.warn(`[skip] PostgreSQL export tests: no server at ${PG_URL} (${pgReason})`);
if (myReason) console.warn(`[skip] MySQL/MariaDB export tests: no server at ${MYSQL_URL} (${myReason})`);

const facilities = SEED_ENTITIES.filter((e) => e.type === 'facility');
const record = (n: number): PlatformRecord => ({
  metricId: 'met_elec_cons',
  entityId: facilities[n % facilities.length]!.id,
  periodStart: `${2020 + Math.floor(n / 12 / facilities.length)}-${String((Math.floor(n / facilities.length) % 12) + 1).padStart(2, '0')}-01`,
  periodEnd: `${2020 + Math.floor(n / 12 / facilities.length)}-${String((Math.floor(n / facilities.length) % 12) + 1).padStart(2, '0')}-28`,
  value: 1000 + n,
  unit: 'kWh',
  comment: n === 0 ? '=HYPERLINK("http://evil")' : null,
  evidence: null,
});

let sandbox: RunningSandbox;
let adapter: EsgApiAdapter;
let dir: string;
let nextRecord = 0;
const remoteIds: string[] = [];
const requests: RequestLogEntry[] = [];

async function create(count: number): Promise<void> {
  const ops: SubmissionOp[] = Array.from({ length: count }, () => {
    const n = nextRecord++;
    return { op: 'create', key: `k${n}`, record: record(n) };
  });
  const res = await adapter.ingestRecords(ops, `create-${nextRecord}`);
  expect(res.every((r) => r.status === 'created')).toBe(true);
  remoteIds.push(...res.map((r) => r.remoteId!));
}
async function update(indexes: number[], value: number): Promise<void> {
  const ops: SubmissionOp[] = indexes.map((i) => ({ op: 'update', key: `k${i}`, remoteId: remoteIds[i]!, record: { ...record(i), value } }));
  const res = await adapter.ingestRecords(ops, `update-${indexes.join('-')}-${value}`);
  expect(res.map((r) => r.status)).toEqual(indexes.map(() => 'updated'));
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  adapter = createEsgApiAdapter(
    { id: 'c', kind: 'esg-api', baseUrl: sandbox.url, authUrl: null, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', scopes: [] },
    { pageSize: 7 },
  );
  dir = mkdtempSync(join(tmpdir(), 'esg-export-it-'));
  await create(30);
});
afterAll(async () => {
  await adapter?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const folder = (format: 'csv' | 'xlsx' | 'json' | 'ndjson', name: string) => ({ kind: 'folder' as const, folder: dir, format, fileNamePattern: name });

describe('export from the sandbox to files', () => {
  it('CSV: every submission, formula cells neutralised, cursor = newest updated_at', async () => {
    const r = await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination: folder('csv', 'subs-{date}.csv'), onRequest: (e) => requests.push(e) });
    expect(r.rows).toBe(sandbox.countSubmissions());
    const rows = parse(readFileSync((r.output as { path: string }).path, 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((x) => x.id).sort()).toEqual([...remoteIds].sort());
    expect(rows.find((x) => x.id === remoteIds[0])!.comment).toBe(`'=HYPERLINK("http://evil")`);
    const newest = sandbox.listSubmissions().map((s) => s.updatedAt).sort().at(-1);
    expect(r.newCursor).toBe(newest);
    // pageSize 7 → several pages, each one request the run can count
    expect(requests.filter((e) => e.path.startsWith('/v1/submissions')).length).toBeGreaterThanOrEqual(5);
  });

  it('NDJSON and JSON keep the platform fields; XLSX reads back with exceljs', async () => {
    const nd = await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination: folder('ndjson', 's.ndjson') });
    const lines = readFileSync(join(dir, 's.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(nd.rows);
    expect(lines[0]).toMatchObject({ metric_id: 'met_elec_cons', unit: 'kWh' });

    await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination: folder('json', 's.json') });
    const arr = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')) as Record<string, unknown>[];
    expect(arr.map((x) => x.id).sort()).toEqual([...remoteIds].sort());

    const x = await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination: folder('xlsx', 's.xlsx') });
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(join(dir, 's.xlsx'));
    const sheet = book.worksheets[0]!;
    expect(sheet.rowCount).toBe(x.rows + 1);
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    const valueCol = header.indexOf('value') + 1;
    const values = Array.from({ length: x.rows }, (_, i) => sheet.getRow(i + 2).getCell(valueCol).value);
    expect(values.every((v) => typeof v === 'number')).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});

interface TableCase {
  name: string;
  skip: string | null;
  connection: () => TableConnection;
  count: (table: string) => Promise<number>;
  valueOf: (table: string, id: string) => Promise<string | null>;
  drop: (table: string) => Promise<void>;
}

const sqliteFile = () => join(dir, 'bi.sqlite');
const sqliteDo = <T>(fn: (db: Database.Database) => T): T => {
  const db = new Database(sqliteFile());
  try {
    return fn(db);
  } finally {
    db.close();
  }
};

const cases: TableCase[] = [
  {
    name: 'SQLite',
    skip: null,
    connection: () => ({ kind: 'sqlite', file: sqliteFile() }),
    count: async (t) => sqliteDo((db) => (db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n),
    valueOf: async (t, id) => sqliteDo((db) => (db.prepare(`SELECT value FROM "${t}" WHERE id = ?`).get(id) as { value: string } | undefined)?.value ?? null),
    drop: async (t) => sqliteDo((db) => void db.exec(`DROP TABLE IF EXISTS "${t}"`)),
  },
  {
    name: 'PostgreSQL',
    skip: pgReason,
    connection: () => PG,
    count: async (t) => Number((await pgQuery<{ n: string }>(`SELECT COUNT(*) AS n FROM "${t}"`))[0]!.n),
    valueOf: async (t, id) => (await pgQuery<{ value: string }>(`SELECT value FROM "${t}" WHERE id = '${id.replace(/'/g, "''")}'`))[0]?.value ?? null,
    drop: async (t) => void (await pgQuery(`DROP TABLE IF EXISTS "${t}"`)),
  },
  {
    name: 'MariaDB/MySQL',
    skip: myReason,
    connection: () => MY,
    count: async (t) => Number((await myQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${t}\``))[0]!.n),
    valueOf: async (t, id) => (await myQuery<{ value: string }>(`SELECT value FROM \`${t}\` WHERE id = '${id.replace(/'/g, "''")}'`))[0]?.value ?? null,
    drop: async (t) => void (await myQuery(`DROP TABLE IF EXISTS \`${t}\``)),
  },
];

describe.each(cases)('export from the sandbox to a $name table', (c) => {
  const table = `esg_export_${c.name.replace(/\W/g, '').toLowerCase()}_${process.pid}_${Date.now().toString(36)}`;
  afterAll(async () => {
    if (!c.skip) await c.drop(table);
  });

  it.skipIf(c.skip !== null)('upserts by id, then an incremental run brings only updated and new rows', async () => {
    const destination = { kind: 'table' as const, connection: c.connection(), table, keyColumns: ['id'] };
    const first = await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination, writerOptions: { batchSize: 8 } });
    const total = sandbox.countSubmissions();
    expect(first.rows).toBe(total);
    expect(await c.count(table)).toBe(total);
    expect(first.output).toMatchObject({ kind: 'table', table });

    // Between runs: three submissions change on the platform and two new ones arrive.
    const changed = [1, 2, 3];
    const newValue = 7000 + nextRecord;
    await update(changed, newValue);
    const before = remoteIds.length;
    await create(2);
    const added = remoteIds.slice(before);

    const second = await runExport({ adapter, dataset: 'submissions', updatedSince: first.newCursor, destination, writerOptions: { batchSize: 8 } });
    expect(second.rows).toBe(changed.length + added.length);
    expect(second.newCursor! > first.newCursor!).toBe(true);
    expect(await c.count(table)).toBe(total + added.length);
    for (const i of changed) expect(await c.valueOf(table, remoteIds[i]!)).toBe(String(newValue));
    expect(await c.valueOf(table, added[0]!)).toBe(String(1000 + before));

    // Nothing changed since: an empty incremental run keeps the cursor and the table.
    const third = await runExport({ adapter, dataset: 'submissions', updatedSince: second.newCursor, destination });
    expect(third.rows).toBe(0);
    expect(third.newCursor).toBe(second.newCursor);
    expect(await c.count(table)).toBe(total + added.length);
  });
});

describe('incremental export to CSV', () => {
  it('a second file holds only the rows updated after the cursor', async () => {
    const first = await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination: folder('csv', 'full.csv') });
    await update([5, 6], 9999);
    const second = await runExport({ adapter, dataset: 'submissions', updatedSince: first.newCursor, destination: folder('csv', 'delta.csv') });
    const rows = parse(readFileSync(join(dir, 'delta.csv'), 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
    expect(second.rows).toBe(2);
    expect(rows.map((r) => r.id).sort()).toEqual([remoteIds[5], remoteIds[6]].sort());
    expect(rows.every((r) => r.value === '9999')).toBe(true);
  });
});
