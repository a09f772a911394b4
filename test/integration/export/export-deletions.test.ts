/**
 * Deletions on the platform reach export destinations: an export asks the sandbox for deleted
 * submissions too (include_deleted=true); an incremental one writes them to a file with deleted_at
 * filled and deletes them by key from a table; a full export (the first run, or "everything")
 * writes only the current data. A dataset's CSV header is the same in every file, whatever the
 * run's size.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionService } from '../../../main/engine/connections';
import type { Engine } from '../../../main/engine/engine';
import { createEsgApiAdapter, type EsgApiAdapter } from '../../../main/engine/platforms/esg-api';
import type { RequestLogEntry } from '../../../main/engine/platforms/types';
import { runExport } from '../../../main/engine/sync/export';
import type { TableConnection } from '../../../main/engine/sync/export/writers';
import { JobRunner } from '../../../main/engine/sync/job-runner';
import { SEED_ENTITIES, startSandbox, type RunningSandbox } from '../../../main/sandbox';
import type { PlatformRecord, SubmissionOp } from '../../../shared/domain';
import type { ExportSettings } from '../../../shared/jobs';
import { engineOnSandbox } from '../mappings-api/helpers';
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
if (pgReason) console.warn(`[skip] PostgreSQL export deletion tests: no server at ${PG_URL} (${pgReason})`);
if (myReason) console.warn(`[skip] MySQL/MariaDB export deletion tests: no server at ${MYSQL_URL} (${myReason})`);

const facilities = SEED_ENTITIES.filter((e) => e.type === 'facility');
const record = (n: number, value = 100 + n): PlatformRecord => {
  const month = Math.floor(n / facilities.length);
  const year = 2020 + Math.floor(month / 12);
  const mm = String((month % 12) + 1).padStart(2, '0');
  return { metricId: 'met_elec_cons', entityId: facilities[n % facilities.length]!.id, periodStart: `${year}-${mm}-01`, periodEnd: `${year}-${mm}-28`, value, unit: 'kWh', comment: null, evidence: null };
};

let sandbox: RunningSandbox;
let adapter: EsgApiAdapter;
let dir: string;
let nextRecord = 0;
let batchNo = 0;
/** Remote id by record number. */
const ids: string[] = [];
const requests: RequestLogEntry[] = [];

async function send(ops: SubmissionOp[]) {
  return adapter.ingestRecords(ops, `batch-${++batchNo}`);
}
async function create(count: number): Promise<string[]> {
  const ops: SubmissionOp[] = Array.from({ length: count }, () => {
    const n = nextRecord++;
    return { op: 'create', key: `k${n}`, record: record(n) };
  });
  const res = await send(ops);
  expect(res.map((r) => r.status)).toEqual(ops.map(() => 'created'));
  ids.push(...res.map((r) => r.remoteId!));
  return res.map((r) => r.remoteId!);
}
async function remove(remoteIds: string[]): Promise<void> {
  const res = await send(remoteIds.map((id) => ({ op: 'delete', key: id, remoteId: id })));
  expect(res.map((r) => r.status)).toEqual(remoteIds.map(() => 'deleted'));
}
async function update(remoteId: string, value: number): Promise<void> {
  const n = ids.indexOf(remoteId);
  const res = await send([{ op: 'update', key: `k${n}`, remoteId, record: record(n, value) }]);
  expect(res[0]!.status).toBe('updated');
}
const live = () => new Set(sandbox.listSubmissions().map((s) => s.id));

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  adapter = createEsgApiAdapter(
    { id: 'c', kind: 'esg-api', baseUrl: sandbox.url, authUrl: null, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', scopes: [] },
    { pageSize: 7 },
  );
  dir = mkdtempSync(join(tmpdir(), 'esg-export-del-'));
  await create(30);
});
afterAll(async () => {
  await adapter?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function csvFile(path: string): { header: string[]; rows: Record<string, string>[] } {
  const text = readFileSync(path, 'utf8');
  const [header] = parse(text, { bom: true, to: 1 }) as string[][];
  return { header: header!, rows: parse(text, { bom: true, columns: true }) as Record<string, string>[] };
}

describe('incremental export to CSV carries platform deletions', () => {
  it('a deleted submission is a row with deleted_at; full files carry none; every file has the same header', async () => {
    const out = join(dir, 'csv');
    mkdirSync(out);
    const folder = (name: string) => ({ kind: 'folder' as const, folder: out, format: 'csv' as const, fileNamePattern: name });
    // A header window smaller than the run (as a full export of more than 1000 rows is by default).
    const writerOptions = { headerWindow: 5 };
    const from = requests.length;
    const full = await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination: folder('full.csv'), writerOptions, onRequest: (e) => requests.push(e) });
    expect(full.rows).toBe(sandbox.countSubmissions());
    expect(full.deleted).toBe(0);
    // A full export reads the deletions too, only to move its cursor past them (none is in its file).
    expect(requests.slice(from).filter((e) => e.path.startsWith('/v1/submissions')).every((e) => e.path.includes('include_deleted=true'))).toBe(true);
    expect(full.newCursor).toBe(sandbox.listSubmissions({ includeDeleted: true }).map((x) => x.updatedAt).sort().at(-1));

    const [gone, alsoGone, changed] = [ids[3]!, ids[4]!, ids[5]!];
    await remove([gone, alsoGone]);
    await update(changed, 4242);
    const [brief] = await create(1);
    await remove([brief!]);

    const mark = requests.length;
    const delta = await runExport({ adapter, dataset: 'submissions', updatedSince: full.newCursor, destination: folder('delta.csv'), writerOptions, onRequest: (e) => requests.push(e) });
    const asked = requests.slice(mark).filter((e) => e.path.startsWith('/v1/submissions'));
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((e) => e.path.includes('include_deleted=true'))).toBe(true);
    expect(delta.rows).toBe(4);
    expect(delta.deleted).toBe(3);
    expect(delta.summary).toBe(`Wrote 4 rows (3 deleted on the platform) to ${join(out, 'delta.csv')}.`);
    expect(delta.newCursor! > full.newCursor!).toBe(true);

    const f = csvFile(join(out, 'full.csv'));
    const d = csvFile(join(out, 'delta.csv'));
    expect(f.header).toContain('deleted_at');
    expect(f.header).not.toContain('_extra');
    expect(d.header).toEqual(f.header);
    expect(f.rows.every((r) => r.deleted_at === '')).toBe(true);
    const byId = new Map(d.rows.map((r) => [r.id, r]));
    expect([...byId.keys()].sort()).toEqual([gone, alsoGone, changed, brief].sort());
    for (const id of [gone, alsoGone, brief]) expect(byId.get(id)!.deleted_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(byId.get(changed)).toMatchObject({ value: '4242', deleted_at: '' });

    // Nothing since: no file, cursor kept; a full export afterwards holds the current data only.
    const none = await runExport({ adapter, dataset: 'submissions', updatedSince: delta.newCursor, destination: folder('none.csv') });
    expect(none).toMatchObject({ rows: 0, deleted: 0, newCursor: delta.newCursor });
    const again = await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination: folder('again.csv'), writerOptions });
    const a = csvFile(join(out, 'again.csv'));
    expect(a.header).toEqual(f.header);
    expect(new Set(a.rows.map((r) => r.id))).toEqual(live());
    expect(a.rows.every((r) => r.deleted_at === '')).toBe(true);
    expect(again.deleted).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['again.csv', 'delta.csv', 'full.csv']);
  });
});

interface TableCase {
  name: string;
  skip: string | null;
  connection: () => TableConnection;
  ids: (table: string) => Promise<string[]>;
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
    ids: async (t) => sqliteDo((db) => (db.prepare(`SELECT id FROM "${t}"`).all() as { id: string }[]).map((r) => r.id)),
    drop: async (t) => sqliteDo((db) => void db.exec(`DROP TABLE IF EXISTS "${t}"`)),
  },
  {
    name: 'PostgreSQL',
    skip: pgReason,
    connection: () => PG,
    ids: async (t) => (await pgQuery<{ id: string }>(`SELECT id FROM "${t}"`)).map((r) => r.id),
    drop: async (t) => void (await pgQuery(`DROP TABLE IF EXISTS "${t}"`)),
  },
  {
    name: 'MariaDB/MySQL',
    skip: myReason,
    connection: () => MY,
    ids: async (t) => (await myQuery<{ id: string }>(`SELECT id FROM \`${t}\``)).map((r) => r.id),
    drop: async (t) => void (await myQuery(`DROP TABLE IF EXISTS \`${t}\``)),
  },
];

describe.each(cases)('incremental export to a $name table deletes what the platform deleted', (c) => {
  const tag = `${c.name.replace(/\W/g, '').toLowerCase()}_${process.pid}_${Date.now().toString(36)}`;
  const tables = [`esg_del_${tag}`, `esg_del_multi_${tag}`];
  afterAll(async () => {
    if (!c.skip) for (const t of tables) await c.drop(t);
  });

  it.skipIf(c.skip !== null)('rows deleted on the platform leave the table by key; the others stay, changed rows are upserted', async () => {
    const table = tables[0]!;
    const [gone, changed] = await create(2);
    const destination = { kind: 'table' as const, connection: c.connection(), table, keyColumns: ['id'] };
    const first = await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination, writerOptions: { batchSize: 4 } });
    expect(first.deleted).toBe(0);
    expect(new Set(await c.ids(table))).toEqual(live());

    await remove([gone!]);
    await update(changed!, 777);
    const [brief] = await create(1);
    await remove([brief!]);
    const [fresh] = await create(1);

    const second = await runExport({ adapter, dataset: 'submissions', updatedSince: first.newCursor, destination, writerOptions: { batchSize: 4 } });
    expect(second.rows).toBe(4);
    expect(second.deleted).toBe(2);
    expect(second.summary).toBe(`Wrote 4 rows (2 deleted on the platform) to table "${table}".`);
    const after = await c.ids(table);
    expect(after).not.toContain(gone);
    expect(after).not.toContain(brief);
    expect(after).toContain(fresh);
    expect(new Set(after)).toEqual(live());

    // Deleted again on the platform after the table lost it: nothing to delete, nothing fails.
    const third = await runExport({ adapter, dataset: 'submissions', updatedSince: second.newCursor, destination });
    expect(third).toMatchObject({ rows: 0, deleted: 0 });
  });

  it.skipIf(c.skip !== null)('deletes by a key of several columns, in one batch with upserts', async () => {
    const table = tables[1]!;
    const mine = await create(3);
    const destination = { kind: 'table' as const, connection: c.connection(), table, keyColumns: ['entity_id', 'metric_id', 'period_start'] };
    const first = await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination });
    const livePeriods = () => sandbox.listSubmissions().map((s) => `${s.entityId}|${s.periodStart}`).sort();
    await remove([mine[0]!, mine[1]!]);
    await update(mine[2]!, 555);
    const second = await runExport({ adapter, dataset: 'submissions', updatedSince: first.newCursor, destination, writerOptions: { batchSize: 100 } });
    expect(second).toMatchObject({ rows: 3, deleted: 2 });
    const keys = async () => {
      const q = c.name === 'SQLite'
        ? sqliteDo((db) => db.prepare(`SELECT entity_id, period_start FROM "${table}"`).all() as { entity_id: string; period_start: string }[])
        : c.name === 'PostgreSQL'
          ? await pgQuery<{ entity_id: string; period_start: string }>(`SELECT entity_id, period_start::text AS period_start FROM "${table}"`)
          : await myQuery<{ entity_id: string; period_start: string }>(`SELECT entity_id, CAST(period_start AS CHAR) AS period_start FROM \`${table}\``);
      return q.map((r) => `${r.entity_id}|${r.period_start}`).sort();
    };
    expect(await keys()).toEqual(livePeriods());
  });
});

describe('portfolio metrics: an aggregate whose submissions were all deleted is a deletion', () => {
  it('every row has exactly the declared columns; a table loses the aggregate, a full export leaves it out', async () => {
    for (const dataset of ['submissions', 'portfolio-metrics']) {
      const columns = adapter.exportColumns({ dataset, updatedSince: null });
      expect(columns).toContain('deleted_at');
      for await (const item of adapter.exportStream({ dataset, updatedSince: '2000-01-01T00:00:00Z', includeDeleted: true })) {
        expect(Object.keys(item.row)).toEqual(columns);
        expect(item.deletedAt ?? null).toBe(item.row.deleted_at);
      }
    }

    const file = join(dir, 'portfolio.sqlite');
    const destination = { kind: 'table' as const, connection: { kind: 'sqlite' as const, file }, table: 'portfolio', keyColumns: ['entity_id', 'metric_id', 'period'] };
    const params = { granularity: 'month' };
    const rowsOf = () => {
      const db = new Database(file);
      try {
        return db.prepare('SELECT entity_id, period, submission_count, deleted_at FROM portfolio ORDER BY 1, 2').all() as Record<string, string | null>[];
      } finally {
        db.close();
      }
    };
    const first = await runExport({ adapter, dataset: 'portfolio-metrics', params, updatedSince: null, destination });
    expect(first.deleted).toBe(0);
    // Submissions deleted in earlier tests left aggregates of none: a full export leaves them out.
    expect(rowsOf().every((r) => r.submission_count !== '0' && r.deleted_at === null)).toBe(true);
    const groups = () => new Set(sandbox.listSubmissions().map((x) => `${x.entityId}|${x.periodStart.slice(0, 7)}`));
    expect(new Set(rowsOf().map((r) => `${r.entity_id}|${r.period}`))).toEqual(groups());

    const victim = sandbox.listSubmissions().find((x) => x.metricId === 'met_elec_cons')!;
    await remove([victim.id]);
    const second = await runExport({ adapter, dataset: 'portfolio-metrics', params, updatedSince: first.newCursor, destination });
    expect(second).toMatchObject({ rows: 1, deleted: 1 });
    expect(new Set(rowsOf().map((r) => `${r.entity_id}|${r.period}`))).toEqual(groups());
  });
});

describe('export jobs count the deletions they carried', () => {
  let root: string;
  let engine: Engine;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'esg-export-del-job-'));
    ({ engine } = await engineOnSandbox(root, sandbox.url));
  });
  afterAll(async () => {
    await engine?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function addJob(id: string, exportSettings: ExportSettings) {
    engine.store.jobs.insert({
      id,
      name: id,
      type: 'export',
      connectionId: 'sandbox',
      sourceId: null,
      mappingId: null,
      config: { schedule: null, timezone: 'UTC', onFileArrival: false, export: exportSettings },
      paused: false,
      cursor: null,
      createdAt: new Date().toISOString(),
    });
    return () => new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets() })).run({ jobId: id, trigger: 'manual' });
  }
  const events = (runId: number) => engine.store.runs.events(runId).map((e) => e.message);

  it('changes: the run says how many rows were deleted on the platform; everything: current data only', async () => {
    const changesOut = join(root, 'changes');
    const everythingOut = join(root, 'everything');
    mkdirSync(changesOut);
    mkdirSync(everythingOut);
    const changes = addJob('changes', { dataset: 'submissions', nested: 'json', contents: 'changes', destination: { kind: 'folder', path: changesOut, format: 'csv', fileName: 'subs' } });
    const everything = addJob('everything', { dataset: 'submissions', nested: 'json', contents: 'everything', destination: { kind: 'folder', path: everythingOut, format: 'csv', fileName: 'subs' } });
    const table = addJob('table', { dataset: 'submissions', nested: 'json', contents: 'changes', destination: { kind: 'database', database: 'sqlite', file: join(root, 'bi.sqlite'), table: 'subs', keyColumns: ['id'] } });

    const n = sandbox.countSubmissions();
    expect(await changes()).toMatchObject({ status: 'succeeded', read: n, created: n, deleted: 0 });
    expect(await everything()).toMatchObject({ status: 'succeeded', read: n, created: n, deleted: 0 });
    expect(await table()).toMatchObject({ status: 'succeeded', read: n, created: n, deleted: 0 });

    const gone = ids[20]!;
    await remove([gone]);
    await update(ids[21]!, 999);

    const second = await changes();
    expect(second).toMatchObject({ status: 'succeeded', read: 2, created: 1, deleted: 1 });
    expect(events(second.id)).toContain(`Wrote 2 rows (1 deleted on the platform) to ${join(changesOut, 'subs (2).csv')}.`);
    const delta = csvFile(join(changesOut, 'subs (2).csv'));
    expect(delta.rows.find((r) => r.id === gone)!.deleted_at).not.toBe('');
    expect(delta.header).toEqual(csvFile(join(changesOut, 'subs.csv')).header);
    expect(delta.header).not.toContain('_extra');

    const t = await table();
    expect(t).toMatchObject({ status: 'succeeded', read: 2, created: 1, deleted: 1 });
    const inTable = new Database(join(root, 'bi.sqlite'));
    try {
      expect(inTable.prepare('SELECT COUNT(*) AS n FROM subs WHERE id = ?').get(gone)).toEqual({ n: 0 });
      expect((inTable.prepare('SELECT COUNT(*) AS n FROM subs').get() as { n: number }).n).toBe(sandbox.countSubmissions());
    } finally {
      inTable.close();
    }

    const whole = await everything();
    expect(whole).toMatchObject({ status: 'succeeded', read: n - 1, created: n - 1, deleted: 0 });
    const all = csvFile(join(everythingOut, 'subs.csv'));
    expect(all.rows.map((r) => r.id)).not.toContain(gone);
    expect(all.rows.every((r) => r.deleted_at === '')).toBe(true);
    expect(readdirSync(everythingOut)).toEqual(['subs.csv']);
  });
});
