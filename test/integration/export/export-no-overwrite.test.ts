/**
 * A file export never replaces a file already in its folder, and a run with nothing new writes
 * no file at all. Against the real sandbox over loopback: first runExport on its own (two runs the
 * same day under one fixed name pattern), then an export JOB run the way the agent runs it
 * (jobs.add → jobs.run through the SyncService and the JobRunner), checking history too.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createEsgApiAdapter, type EsgApiAdapter } from '../../../main/engine/platforms/esg-api';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { runExport } from '../../../main/engine/sync/export';
import { SyncService } from '../../../main/engine/sync/service';
import { SEED_ENTITIES, startSandbox, type RunningSandbox } from '../../../main/sandbox';
import type { MethodName, Params, Result, RunSummary } from '../../../shared/api';
import type { PlatformRecord, SubmissionOp } from '../../../shared/domain';
import { memorySecretStore } from '../../helpers/memory-secrets';

const facilities = SEED_ENTITIES.filter((e) => e.type === 'facility');
const record = (n: number, value = 1000 + n): PlatformRecord => ({
  metricId: 'met_elec_cons',
  entityId: facilities[n % facilities.length]!.id,
  periodStart: `2025-${String((n % 12) + 1).padStart(2, '0')}-01`,
  periodEnd: `2025-${String((n % 12) + 1).padStart(2, '0')}-28`,
  value,
  unit: 'kWh',
  comment: null,
  evidence: null,
});

let sandbox: RunningSandbox;
let adapter: EsgApiAdapter;
let root: string;
const remoteIds: string[] = [];

async function create(count: number): Promise<void> {
  const start = remoteIds.length;
  const ops: SubmissionOp[] = Array.from({ length: count }, (_, i) => ({ op: 'create', key: `k${start + i}`, record: record(start + i) }));
  const res = await adapter.ingestRecords(ops, `create-${start}-${count}`);
  expect(res.every((r) => r.status === 'created')).toBe(true);
  remoteIds.push(...res.map((r) => r.remoteId!));
}
async function update(indexes: number[], value: number): Promise<void> {
  const ops: SubmissionOp[] = indexes.map((i) => ({ op: 'update', key: `k${i}`, remoteId: remoteIds[i]!, record: record(i, value) }));
  const res = await adapter.ingestRecords(ops, `update-${indexes.join('-')}-${value}`);
  expect(res.map((r) => r.status)).toEqual(indexes.map(() => 'updated'));
}

/** Every file of a folder with its bytes, to prove a later run left them exactly as they were. */
function snapshot(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));
}
async function xlsxRows(path: string): Promise<unknown[][]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  const rows: unknown[][] = [];
  book.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}
function freshFolder(name: string): string {
  const d = join(root, name);
  mkdirSync(d);
  return d;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  adapter = createEsgApiAdapter({ id: 'c', kind: 'esg-api', baseUrl: sandbox.url, authUrl: null, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', scopes: [] }, { pageSize: 7 });
  root = mkdtempSync(join(tmpdir(), 'esg-export-keep-'));
  await create(10);
});
afterAll(async () => {
  await adapter?.close();
  await sandbox?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const SAME_DAY = new Date(2026, 11, 7, 9, 30, 0);

describe('two exports the same day under one fixed name pattern', () => {
  it('XLSX: the second run gets "<name> (2).xlsx", the first file stays byte for byte, both have their header row', async () => {
    const dir = freshFolder('xlsx');
    const destination = { kind: 'folder' as const, folder: dir, format: 'xlsx' as const, fileNamePattern: '{dataset}-{date}.{ext}' };
    const first = await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination, now: SAME_DAY });
    expect(first.output).toMatchObject({ kind: 'file', written: true, path: join(dir, 'submissions-2026-12-07.xlsx') });
    expect(first.rows).toBe(10);
    const before = snapshot(dir);

    await update([2, 3], 7777);
    const second = await runExport({ adapter, dataset: 'submissions', updatedSince: first.newCursor, destination, now: new Date(SAME_DAY.getTime() + 3600_000) });
    expect(second.rows).toBe(2);
    expect(second.output).toMatchObject({ kind: 'file', written: true, path: join(dir, 'submissions-2026-12-07 (2).xlsx') });
    expect(second.summary).toBe(`Wrote 2 rows to ${join(dir, 'submissions-2026-12-07 (2).xlsx')}.`);
    expect(readdirSync(dir).sort()).toEqual(['submissions-2026-12-07 (2).xlsx', 'submissions-2026-12-07.xlsx']);
    expect(readFileSync(join(dir, 'submissions-2026-12-07.xlsx')).equals(before.get('submissions-2026-12-07.xlsx')!)).toBe(true);

    const one = await xlsxRows(join(dir, 'submissions-2026-12-07.xlsx'));
    const two = await xlsxRows(join(dir, 'submissions-2026-12-07 (2).xlsx'));
    expect(one[0]).toContain('id');
    expect(one).toHaveLength(11);
    expect(two[0]).toEqual(one[0]);
    expect(two).toHaveLength(3);
    const idAt = (one[0] as string[]).indexOf('id');
    expect(two.slice(1).map((r) => r[idAt]).sort()).toEqual([remoteIds[2], remoteIds[3]].sort());

    // A third run the same day takes (3); nothing before it moves.
    await update([4], 8888);
    const third = await runExport({ adapter, dataset: 'submissions', updatedSince: second.newCursor, destination, now: SAME_DAY });
    expect(basename((third.output as { path: string }).path)).toBe('submissions-2026-12-07 (3).xlsx');
    expect(readdirSync(dir)).toHaveLength(3);
  });

  it('CSV: a run with rows under a taken name keeps both files, each with its header row', async () => {
    const dir = freshFolder('csv');
    const destination = { kind: 'folder' as const, folder: dir, format: 'csv' as const, fileNamePattern: 'daily.csv' };
    const first = await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination });
    const before = snapshot(dir);
    await update([5], 6666);
    const second = await runExport({ adapter, dataset: 'submissions', updatedSince: first.newCursor, destination });
    expect(second.output).toMatchObject({ written: true, path: join(dir, 'daily (2).csv') });
    expect(readFileSync(join(dir, 'daily.csv')).equals(before.get('daily.csv')!)).toBe(true);
    const rows1 = parse(readFileSync(join(dir, 'daily.csv'), 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
    const rows2 = parse(readFileSync(join(dir, 'daily (2).csv'), 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows1).toHaveLength(remoteIds.length);
    expect(rows2.map((r) => [r.id, r.value])).toEqual([[remoteIds[5], '6666']]);
  });
});

describe('an incremental run with nothing new', () => {
  for (const format of ['xlsx', 'csv', 'json', 'ndjson'] as const) {
    it(`${format}: writes no file, leaves the earlier one untouched and says why`, async () => {
      const dir = freshFolder(`empty-${format}`);
      for (const pattern of ['{dataset}-{date}.{ext}', undefined]) {
        const destination = { kind: 'folder' as const, folder: dir, format, fileNamePattern: pattern };
        const first = await runExport({ adapter, dataset: 'submissions', updatedSince: null, destination, now: SAME_DAY });
        expect(first.rows).toBe(remoteIds.length);
        const before = snapshot(dir);
        const progress: { rows: number; bytes: number }[] = [];
        const second = await runExport({ adapter, dataset: 'submissions', updatedSince: first.newCursor, destination, now: SAME_DAY, onProgress: (p) => progress.push(p) });
        expect(second).toMatchObject({ rows: 0, bytes: 0, newCursor: first.newCursor, output: { kind: 'file', written: false, rows: 0, bytes: 0 } });
        expect(second.summary).toBe('No new or changed rows since the last export; no file was written.');
        expect(progress.at(-1)).toEqual({ rows: 0, bytes: 0 });
        expect(snapshot(dir)).toEqual(before); // same names (no temp file left either), same bytes
      }
    });
  }

  it('a full export of a dataset without rows writes no file either, and says so', async () => {
    const dir = freshFolder('none');
    const r = await runExport({ adapter, dataset: 'submissions', updatedSince: '2999-01-01T00:00:00.000Z', destination: { kind: 'folder', folder: dir, format: 'csv' } });
    expect(r.output).toMatchObject({ written: false });
    expect(readdirSync(dir)).toEqual([]);
    const empty = {
      exportStream: () => (async function* () {})(),
    };
    const full = await runExport({ adapter: empty, dataset: 'portfolio-metrics', updatedSince: null, destination: { kind: 'folder', folder: dir, format: 'xlsx' } });
    expect(full.summary).toBe('The dataset "portfolio-metrics" has no rows to export; no file was written.');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an "everything" export of a dataset that has become empty writes the file without rows, so it no longer shows rows gone from the platform', async () => {
    const dir = freshFolder('emptied');
    const one = { exportStream: () => (async function* () { yield { row: { id: 's1', value: 5 }, updatedAt: '2026-01-01T00:00:00.000Z' }; })(), exportColumns: () => ['id', 'value'] };
    const none = { exportStream: () => (async function* () {})(), exportColumns: () => ['id', 'value'] };
    const opts = { dataset: 'submissions', updatedSince: null, destination: { kind: 'folder' as const, folder: dir, format: 'csv' as const, fileNamePattern: 'latest.{ext}' }, writerOptions: { replaceExisting: true, bom: false } };
    await runExport({ ...opts, adapter: one });
    expect(readFileSync(join(dir, 'latest.csv'), 'utf8')).toBe('id,value\ns1,5\n');
    const emptied = await runExport({ ...opts, adapter: none });
    expect(readdirSync(dir)).toEqual(['latest.csv']);
    expect(readFileSync(join(dir, 'latest.csv'), 'utf8')).toBe('id,value\n');
    expect(emptied.summary).toBe(`The dataset "submissions" has no rows now: wrote ${join(dir, 'latest.csv')} without rows, in place of the earlier file.`);
  });

  it('still fails up front when the destination folder is missing, rows or not', async () => {
    const err = await runExport({ adapter, dataset: 'submissions', updatedSince: '2999-01-01T00:00:00.000Z', destination: { kind: 'folder', folder: join(root, 'missing'), format: 'csv' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ExportError' });
    expect((err as Error).message).toMatch(/does not exist or is not a folder/);
  });
});

describe('an export job to a folder, run twice the same day (the QA repro)', () => {
  let engine: Engine;
  let call: <M extends MethodName>(method: M, params: Params<M>) => Promise<Result<M>>;
  const started = Date.now();

  beforeAll(async () => {
    // The engine's clock stays on one day whatever the machine's date, so {date} is the same for every run.
    engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false, clock: { now: () => new Date(SAME_DAY.getTime() + (Date.now() - started)) } });
    await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
    const dispatch = createDispatcher(createEngineApi(engine));
    call = async (method, params) => {
      const r = await dispatch(method, params);
      if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
      return r.result as never;
    };
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  async function runJob(jobId: string): Promise<RunSummary> {
    const r = await call('jobs.run', { jobId, wait: true });
    expect(r.run).not.toBeNull();
    return r.run!;
  }
  const events = (run: RunSummary) => engine.store.runs.events(run.id).map((e) => e.message);

  it('the second run writes no file and replaces nothing; a later run with rows takes a new name', async () => {
    const dir = freshFolder('job');
    const job = await call('jobs.add', {
      name: 'Export XLSX',
      type: 'export',
      connectionId: engine.store.connections.get('Sandbox')!.id,
      config: { schedule: null, export: { dataset: 'portfolio-metrics', destination: { kind: 'folder', path: dir, format: 'xlsx', fileName: '{dataset}-{date}' } } },
    });

    const first = await runJob(job.id);
    expect(first).toMatchObject({ status: 'succeeded', error: null });
    expect(first.read).toBeGreaterThan(0);
    const name = 'portfolio-metrics-2026-12-07.xlsx';
    expect(readdirSync(dir)).toEqual([name]);
    expect(first.bytes).toBe(readFileSync(join(dir, name)).length);
    expect(events(first).join('\n')).toContain(`to ${join(dir, name)}.`);
    const before = snapshot(dir);
    expect((await xlsxRows(join(dir, name)))[0]).toContain('entity_id');

    // Nothing changed on the platform: no file, the first one untouched, the run succeeded with 0.
    const second = await runJob(job.id);
    expect(second).toMatchObject({ status: 'succeeded', error: null, read: 0, created: 0, bytes: 0, watermarkTo: first.watermarkTo });
    expect(snapshot(dir)).toEqual(before);
    // Its timeline names no file and says why nothing was written.
    expect(events(second).filter((m) => m.includes('.xlsx'))).toEqual([]);
    expect(events(second)).toContain('No new or changed rows since the last export; no file was written.');

    // New data the same day: a second file beside the first, which stays as it was.
    await update([0], 4321);
    const third = await runJob(job.id);
    expect(third).toMatchObject({ status: 'succeeded' });
    expect(third.read).toBeGreaterThan(0);
    expect(readdirSync(dir).sort()).toEqual(['portfolio-metrics-2026-12-07 (2).xlsx', name]);
    expect(readFileSync(join(dir, name)).equals(before.get(name)!)).toBe(true);
    expect(events(third).join('\n')).toContain(`to ${join(dir, 'portfolio-metrics-2026-12-07 (2).xlsx')}.`);
    expect((await xlsxRows(join(dir, 'portfolio-metrics-2026-12-07 (2).xlsx')))[0]).toContain('entity_id');
  });
});
