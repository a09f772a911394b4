/**
 * An export JOB to a PostgreSQL table, run the way the agent runs it (jobs.add → jobs.run through
 * the SyncService's queue and the JobRunner, with history and the job's cursor), not runExport on
 * its own: the first run brings every submission, the next only what changed since the cursor,
 * an idle run nothing; moving the job to another table starts that table from the beginning.
 * Skips with the reason printed when no PostgreSQL answers at ESG_TEST_PG_URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createEsgApiAdapter, type EsgApiAdapter } from '../../../main/engine/platforms/esg-api';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { SyncService } from '../../../main/engine/sync/service';
import { SEED_ENTITIES, startSandbox, type RunningSandbox } from '../../../main/sandbox';
import type { MethodName, Params, Result, RunSummary } from '../../../shared/api';
import type { SubmissionOp } from '../../../shared/domain';
import { memorySecretStore } from '../../helpers/memory-secrets';

const PG_URL = process.env.ESG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const url = new URL(PG_URL);
const PG = {
  host: url.hostname,
  port: Number(url.port || 5432),
  database: decodeURIComponent(url.pathname.slice(1)),
  user: decodeURIComponent(url.username),
  password: url.password ? decodeURIComponent(url.password) : undefined,
};

async function pgQuery<T>(sql: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ ...PG, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    return (await c.query(sql, values)).rows as T[];
  } finally {
    await c.end();
  }
}
const pgReason = await pgQuery('SELECT 1').then(
  () => null,
  (e: unknown) => (e instanceof Error ? e.message || (e as { code?: string }).code || e.name : String(e)),
);
if (pgReason) console.warn(`[skip] export job to PostgreSQL: no server at ${PG_URL} (${pgReason})`);

const suffix = `${process.pid}_${Date.now().toString(36)}`;
const TABLE = `esg_job_export_${suffix}`;
const TABLE2 = `esg_job_export2_${suffix}`;
const facilities = SEED_ENTITIES.filter((e) => e.type === 'facility');

let dir: string;
let sandbox: RunningSandbox;
let engine: Engine;
let adapter: EsgApiAdapter;
let call: <M extends MethodName>(method: M, params: Params<M>) => Promise<Result<M>>;
const remoteIds: string[] = [];

async function create(count: number): Promise<string[]> {
  const start = remoteIds.length;
  const ops: SubmissionOp[] = Array.from({ length: count }, (_, i) => {
    const n = start + i;
    return {
      op: 'create',
      key: `k${n}`,
      record: { metricId: 'met_elec_cons', entityId: facilities[n % facilities.length]!.id, periodStart: `2024-${String((n % 12) + 1).padStart(2, '0')}-01`, periodEnd: `2024-${String((n % 12) + 1).padStart(2, '0')}-28`, value: 1000 + n, unit: 'kWh', comment: null, evidence: null },
    };
  });
  const res = await adapter.ingestRecords(ops, `seed-${start}-${count}`);
  expect(res.every((r) => r.status === 'created')).toBe(true);
  const ids = res.map((r) => r.remoteId!);
  remoteIds.push(...ids);
  return ids;
}

async function update(indexes: number[], value: number): Promise<void> {
  const ops: SubmissionOp[] = indexes.map((n) => ({
    op: 'update',
    key: `k${n}`,
    remoteId: remoteIds[n]!,
    record: { metricId: 'met_elec_cons', entityId: facilities[n % facilities.length]!.id, periodStart: `2024-${String((n % 12) + 1).padStart(2, '0')}-01`, periodEnd: `2024-${String((n % 12) + 1).padStart(2, '0')}-28`, value, unit: 'kWh', comment: null, evidence: null },
  }));
  const res = await adapter.ingestRecords(ops, `update-${indexes.join('-')}-${value}`);
  expect(res.map((r) => r.status)).toEqual(indexes.map(() => 'updated'));
}

const count = async (table: string) => Number((await pgQuery<{ n: string }>(`SELECT COUNT(*) AS n FROM "${table}"`))[0]!.n);
const valueOf = async (table: string, id: string) => (await pgQuery<{ value: string }>(`SELECT value FROM "${table}" WHERE id = $1`, [id]))[0]?.value ?? null;
const counts = (r: RunSummary) => ({ status: r.status, read: r.read, created: r.created, updated: r.updated, deleted: r.deleted, unchanged: r.unchanged, rejected: r.rejected });

async function runJob(jobId: string): Promise<RunSummary> {
  const r = await call('jobs.run', { jobId, wait: true });
  expect(r.queued).toBe(true);
  expect(r.run).not.toBeNull();
  return r.run!;
}

beforeAll(async () => {
  if (pgReason) return;
  dir = mkdtempSync(join(tmpdir(), 'esg-export-job-pg-'));
  sandbox = await startSandbox({ port: 0 });
  adapter = createEsgApiAdapter({ id: 'seed', kind: 'esg-api', baseUrl: sandbox.url, authUrl: null, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', scopes: [] }, { pageSize: 7 });
  engine = Engine.open({ dataDir: join(dir, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
  const dispatch = createDispatcher(createEngineApi(engine));
  call = async (method, params) => {
    const r = await dispatch(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}${r.error.details ? ` ${JSON.stringify(r.error.details)}` : ''}`);
    return r.result as never;
  };
  engine.sync = new SyncService(engine);
  await engine.sync.start();
  await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  await create(20);
});

afterAll(async () => {
  if (pgReason) return;
  for (const t of [TABLE, TABLE2]) await pgQuery(`DROP TABLE IF EXISTS "${t}"`).catch(() => undefined);
  await engine?.stop();
  await adapter?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an export job to a PostgreSQL table', () => {
  it.skipIf(pgReason !== null)('brings every submission, then only the new and changed ones by its cursor, then nothing', async () => {
    const connectionId = engine.store.connections.get('Sandbox')!.id;
    const destination = { kind: 'database' as const, database: 'postgres' as const, host: PG.host, port: PG.port, name: PG.database, user: PG.user, table: TABLE, keyColumns: ['id'] };
    const job = await call('jobs.add', {
      name: 'Submissions to BI',
      type: 'export',
      connectionId,
      config: { schedule: '0 6 * * *', timezone: 'Europe/London', export: { dataset: 'submissions', destination } },
      ...(PG.password ? { databasePassword: PG.password } : {}),
    });

    // 1. Everything the platform holds; progress events feed the UI's bar as rows are written.
    const progress: { runId: number; jobId: string | null; read: number; bytes: number }[] = [];
    const off = engine.events.subscribe((event, payload) => {
      if (event === 'run.progress') progress.push(payload as (typeof progress)[number]);
    });
    const first = await runJob(job.id);
    off();
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.runId === first.id && p.jobId === job.id)).toBe(true);
    expect(progress.at(-1)!.read).toBe(20);
    expect(first.error).toBeNull();
    expect(counts(first)).toEqual({ status: 'succeeded', read: 20, created: 20, updated: 0, deleted: 0, unchanged: 0, rejected: 0 });
    expect(first.trigger).toBe('manual');
    expect(first.serviceAccount).toBe('sandbox-client');
    expect(first.watermarkFrom).toBeNull();
    expect(first.watermarkTo).not.toBeNull();
    expect(await count(TABLE)).toBe(20);
    const afterFirst = await call('jobs.get', { jobId: job.id });
    expect(afterFirst.cursor).toBe(first.watermarkTo);
    expect(afterFirst.lastRun).toMatchObject({ id: first.id, status: 'succeeded' });

    // 2. Between runs: two submissions change on the platform and three new ones arrive.
    await update([4, 9], 4242);
    const added = await create(3);
    const second = await runJob(job.id);
    expect(counts(second)).toEqual({ status: 'succeeded', read: 5, created: 5, updated: 0, deleted: 0, unchanged: 0, rejected: 0 });
    expect(second.watermarkFrom).toBe(first.watermarkTo);
    expect(Date.parse(second.watermarkTo!)).toBeGreaterThan(Date.parse(first.watermarkTo!));
    expect(await count(TABLE)).toBe(23); // upserted by id: the changed rows were replaced, not added
    expect(await valueOf(TABLE, remoteIds[4]!)).toBe('4242');
    expect(await valueOf(TABLE, remoteIds[9]!)).toBe('4242');
    expect(await valueOf(TABLE, added[2]!)).toBe(String(1000 + 22));

    // 3. Nothing changed: an empty run keeps the cursor and the table.
    const third = await runJob(job.id);
    expect(counts(third)).toEqual({ status: 'succeeded', read: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, rejected: 0 });
    expect(third.watermarkTo).toBe(second.watermarkTo);
    expect(await count(TABLE)).toBe(23);

    // History has the three runs of the job, newest first, with the same counts.
    const history = await call('history.list', { jobId: job.id, limit: 10 });
    expect(history.map((r) => [r.id, r.read])).toEqual([
      [third.id, 0],
      [second.id, 5],
      [first.id, 20],
    ]);

    // 4. The job is pointed at another table: the cursor is reset (and the edit says so), so the
    //    new table starts with everything, while the old one is left as it was.
    const edited = await call('jobs.update', {
      jobId: job.id,
      name: 'Submissions to BI',
      type: 'export',
      connectionId,
      config: { schedule: '0 6 * * *', timezone: 'Europe/London', export: { dataset: 'submissions', destination: { ...destination, table: TABLE2 } } },
    });
    expect(edited.notes.join(' ')).toMatch(/exports everything again/);
    expect((await call('jobs.get', { jobId: job.id })).cursor).toBeNull();
    const fourth = await runJob(job.id);
    expect(counts(fourth)).toMatchObject({ status: 'succeeded', read: 23, created: 23 });
    expect(await count(TABLE2)).toBe(23);
    expect(await count(TABLE)).toBe(23);
  });
});
