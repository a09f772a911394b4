/**
 * Ingest to a file-upload platform (Altruistiq): a folder file is mapped and validated like any
 * ingest, what is new or changed is written as one CSV and uploaded to the job's datasource in
 * parts, completed, and the dataset id recorded in history and the ledger. Runs against a local
 * stand-in whose every request is checked against Altruistiq's published OpenAPI file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import type { RunSummary } from '../../../shared/api';
import { Engine } from '../../../main/engine/engine';
import { ConnectionService } from '../../../main/engine/connections';
import { createEngineApi } from '../../../main/engine/api';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { SyncService } from '../../../main/engine/sync/service';
import { JobRunner } from '../../../main/engine/sync/job-runner';
import { readCheckpoint, UPLOAD_COLUMNS } from '../../../main/engine/sync/upload-ingest';
import { DEFAULT_PART_BYTES } from '../../../main/engine/platforms/altruistiq';
import { memorySecretStore } from '../../helpers/memory-secrets';
import { startAltruistiqStandin, type AltruistiqStandin } from '../../helpers/altruistiq-standin';

const API = '/api/public/v1';
const FACILITIES = Array.from({ length: 130 }, (_, i) => ({
  facilityId: `${String(i + 1).padStart(8, '0')}-28e4-450d-9e20-af64d9c0d813`,
  facilityName: `Site ${i + 1}`,
  internalId: `FAC-${String(i + 1).padStart(3, '0')}`,
}));

let dir: string;
let dataDir: string;
let aq: AltruistiqStandin;
let engine: Engine;

const profile = (sourceId: string, connectionId: string): MappingProfileInput => ({
  schemaVersion: 1,
  name: 'Purchased electricity',
  sourceId,
  connectionId,
  shape: { kind: 'long', valueColumn: 'kWh' },
  metric: { kind: 'fixed', metricId: 'ElectricityPurchased' },
  entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
  period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
  unit: { kind: 'fixed', unit: 'kWh' },
  headerFingerprint: headerFingerprint(['Site', 'Month', 'kWh'], { orderInsensitive: true }),
});

const csv = (rows: string[][]) => ['Site,Month,kWh', ...rows.map((r) => r.join(','))].join('\n') + '\n';

async function setUp(opts: { datasourceId?: string } = {}) {
  const call = createDispatcher(createEngineApi(engine));
  const added = await call('connections.add', { kind: 'altruistiq', name: 'Altruistiq', baseUrl: aq.url, clientId: 'aq-client', clientSecret: 'aq-secret', userEmail: 'ops@example.com' });
  expect(added.ok).toBe(true);
  const connectionId = engine.store.connections.get('Altruistiq')!.id;
  const watched = join(dir, 'drop');
  mkdirSync(watched, { recursive: true });
  engine.store.sources.insert({ id: 'src1', name: 'Meter exports', kind: 'folder', config: { path: watched, include: ['*.csv'], stableMs: 300 }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: new Date().toISOString() });
  engine.store.mappings.save({ id: 'map1', name: 'Purchased electricity', sourceId: 'src1', connectionId, fingerprint: null, profile: profile('src1', connectionId) }, new Date().toISOString());
  const job = await call('jobs.add', {
    name: 'Electricity to Altruistiq',
    type: 'ingest',
    connectionId,
    sourceId: 'src1',
    mappingId: 'map1',
    config: { onFileArrival: true, ingest: { datasourceId: opts.datasourceId ?? 'ds-1' } },
  });
  if (!job.ok) throw new Error(JSON.stringify(job));
  return { call, connectionId, watched, jobId: (job.result as { id: string }).id };
}

function waitForRun(predicate: (r: RunSummary) => boolean, timeoutMs = 30_000): Promise<RunSummary> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching run finished in time')), timeoutMs);
    const off = engine.events.subscribe((event, payload) => {
      if (event === 'run.finished' && predicate(payload as RunSummary)) {
        clearTimeout(timer);
        off();
        resolve(payload as RunSummary);
      }
    });
  });
}

const countsOf = (r: RunSummary) => ({ read: r.read, created: r.created, updated: r.updated, deleted: r.deleted, unchanged: r.unchanged, rejected: r.rejected });
const parseCsv = (b: Buffer) => b.toString('utf8').trim().split('\r\n').map((l) => l.split(','));

function fileInfo(path: string) {
  return { path, size: statSync(path).size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

function openEngine() {
  return Engine.open({ dataDir, mode: 'headless', fileLogs: false });
}

let secrets = memorySecretStore();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-upload-'));
  dataDir = join(dir, 'data');
  aq = await startAltruistiqStandin({ facilities: FACILITIES, datasources: ['ds-1'] });
  secrets = memorySecretStore();
  engine = openEngine();
  await engine.initSecrets({ allowEnv: false, store: secrets });
});

afterEach(async () => {
  await engine.stop();
  await aq.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('folder file → mapping → Altruistiq datasource upload', () => {
  it('uploads the mapped rows as a dataset, records its id, rejects bad rows by line, and uploads only changes next time', async () => {
    const { watched, jobId } = await setUp();
    engine.sync = new SyncService(engine);
    await engine.sync.start();

    const rows = [
      ['FAC-001', '2024-01', '1200'],
      ['FAC-001', '2024-02', '1100.5'],
      ['FAC-002', '2024-01', '900'],
      ['XXX-99', '2024-01', '5'], // line 5: not an Altruistiq facility
      ['FAC-002', '2024-02', 'lots'], // line 6: not a number
      ['FAC-003', '2024-01', '700'],
    ];
    const first = waitForRun((r) => r.trigger === 'file');
    writeFileSync(join(watched, 'meters-2024.csv'), csv(rows));
    const run1 = await first;
    expect(run1.error).toBeNull();
    expect(run1.status).toBe('succeeded_with_rejections');
    expect(countsOf(run1)).toEqual({ read: 6, created: 4, updated: 0, deleted: 0, unchanged: 0, rejected: 2 });

    // Exactly one dataset, on the job's datasource, attributed to the connection's user.
    expect(aq.violations).toEqual([]);
    expect(aq.datasets).toHaveLength(1);
    const ds = aq.datasets[0]!;
    expect(ds).toMatchObject({ datasourceId: 'ds-1', userEmail: 'ops@example.com', fileName: 'meters-2024-run-1.csv' });
    const table = parseCsv(ds.content);
    expect(table[0]).toEqual([...UPLOAD_COLUMNS]);
    expect(table.slice(1).map((r) => [r[2], r[4], r[5], r[6], r[7], r[8]])).toEqual([
      ['FAC-001', 'ElectricityPurchased', '2024-01-01', '2024-01-31', '1200', 'kWh'],
      ['FAC-001', 'ElectricityPurchased', '2024-02-01', '2024-02-29', '1100.5', 'kWh'],
      ['FAC-002', 'ElectricityPurchased', '2024-01-01', '2024-01-31', '900', 'kWh'],
      ['FAC-003', 'ElectricityPurchased', '2024-01-01', '2024-01-31', '700', 'kWh'],
    ]);
    expect(table[1]![1]).toBe(FACILITIES[0]!.facilityId);

    // The dataset id is in the run's history (events and the requests it made) and in the ledger.
    const events = engine.store.runs.events(run1.id).map((e) => e.message);
    expect(events.some((m) => m.includes(`dataset ${ds.fileId} on datasource ds-1`))).toBe(true);
    expect(engine.store.runs.requests(run1.id, 0, 100).some((r) => r.path === `${API}/datasource/ds-1/upload/${ds.uploadId}/file/${ds.fileId}/complete` && r.status === 200)).toBe(true);
    expect([...engine.store.ledger.iterate('map1')].map((e) => e.remoteId)).toEqual([ds.fileId, ds.fileId, ds.fileId, ds.fileId]);

    // Rejected rows are in row_errors with their line and column, like the record path.
    const errors = engine.store.runs.errors(run1.id, 0, 100);
    expect(errors.map((e) => [e.line, e.column, e.value])).toEqual([
      [5, 'Site', 'XXX-99'],
      [6, 'kWh', 'lots'],
    ]);
    expect(existsSync(join(watched, 'processed', 'meters-2024.csv'))).toBe(true);
    expect(readCheckpoint(engine.store, jobId)).toBeNull();
    expect(readdirSync(join(dataDir, 'uploads'))).toEqual([]);

    // A corrected file: one value changed, one row added, the rest unchanged → only 2 rows uploaded.
    const corrected = [...rows.filter((r) => r[0] !== 'XXX-99' && r[2] !== 'lots'), ['FAC-004', '2024-01', '650']];
    corrected[0] = ['FAC-001', '2024-01', '1250'];
    const second = waitForRun((r) => r.trigger === 'file' && r.id !== run1.id);
    writeFileSync(join(watched, 'meters-2024-v2.csv'), csv(corrected));
    const run2 = await second;
    expect(run2.status).toBe('succeeded');
    expect(countsOf(run2)).toEqual({ read: 5, created: 1, updated: 1, deleted: 0, unchanged: 3, rejected: 0 });
    expect(aq.datasets).toHaveLength(2);
    expect(parseCsv(aq.datasets[1]!.content).slice(1).map((r) => [r[2], r[7]])).toEqual([
      ['FAC-001', '1250'],
      ['FAC-004', '650'],
    ]);
    expect(engine.store.runs.events(run2.id).some((e) => e.level === 'warn' && e.message.includes(ds.fileId))).toBe(true);

    // The same rows again: nothing new, so no upload and no dataset.
    const third = waitForRun((r) => r.trigger === 'file' && r.id > run2.id);
    writeFileSync(join(watched, 'meters-2024-v3.csv'), csv([...corrected].reverse()));
    const run3 = await third;
    expect(run3.status).toBe('succeeded');
    expect(countsOf(run3)).toEqual({ read: 5, created: 0, updated: 0, deleted: 0, unchanged: 5, rejected: 0 });
    expect(aq.datasets).toHaveLength(2);
    expect(aq.uploads.size).toBe(2);
    expect(aq.violations).toEqual([]);
  });

  it('a run killed between parts is finished by the restart: no part resent that was acknowledged, one dataset', async () => {
    const { watched, jobId, connectionId } = await setUp();
    // ~87,000 values → a transformed file of more than one part (16 MiB by default).
    const rows: string[][] = [];
    for (const f of FACILITIES) for (let y = 1970; y < 2026; y++) for (let m = 1; m <= 12; m++) rows.push([f.internalId, `${y}-${String(m).padStart(2, '0')}`, String(1000 + m * 3.25)]);
    const path = join(watched, 'meters-history.csv');
    writeFileSync(path, csv(rows));

    // Kill the run when part 2 reaches the platform: it is stored there, but never acknowledged.
    const controller = new AbortController();
    aq.onPart = (_u, partNo) => {
      if (partNo === 2) controller.abort();
    };
    const runner = () => new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets(), clock: engine.clock, logger: engine.logger }));
    const killed = await runner().run({ jobId, trigger: 'file', file: fileInfo(path), signal: controller.signal });
    expect(killed.status).toBe('interrupted');
    expect(aq.datasets).toHaveLength(0);
    const cp = readCheckpoint(engine.store, jobId)!;
    expect(cp).toMatchObject({ state: 'started', datasourceId: 'ds-1', parts: [{ PartNumber: 1 }] });
    expect(cp.size).toBeGreaterThan(DEFAULT_PART_BYTES);
    expect(existsSync(path)).toBe(true); // an interrupted run leaves its file for the retry
    expect(engine.store.ledger.count('map1')).toBe(0);

    // Restart the process: a new engine on the same data dir; the agent finds the file still waiting.
    aq.onPart = null;
    await engine.stop();
    engine = openEngine();
    await engine.initSecrets({ allowEnv: false, store: secrets });
    // The unfinished upload gets a catch-up run at start; the waiting file then has its own run.
    const catchUp = waitForRun((r) => r.trigger === 'resume', 60_000);
    const next = waitForRun((r) => r.trigger === 'file', 60_000);
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    const resumed = await catchUp;
    expect(resumed.error).toBeNull();
    expect(resumed.status).toBe('succeeded');
    expect(countsOf(resumed)).toEqual({ read: 0, created: rows.length, updated: 0, deleted: 0, unchanged: 0, rejected: 0 });
    // The resumed upload's rows are in the ledger, so the file's rows are all unchanged: nothing uploaded twice.
    const fileRun = await next;
    expect(fileRun.status).toBe('succeeded');
    expect(countsOf(fileRun)).toEqual({ read: rows.length, created: 0, updated: 0, deleted: 0, unchanged: rows.length, rejected: 0 });

    expect(aq.uploads.size).toBe(1);
    expect(aq.datasets).toHaveLength(1);
    const posts = aq.partPosts().map((r) => {
      const m = /name="partNo"\r\n\r\n(\d+)/.exec(r.body.subarray(0, 2000).toString('latin1'));
      return Number(m?.[1]);
    });
    const total = Math.ceil(cp.size / DEFAULT_PART_BYTES);
    expect(posts.filter((n) => n === 1)).toHaveLength(1); // acknowledged before the kill: not resent
    expect(posts.filter((n) => n === 2)).toHaveLength(2); // stored but unacknowledged: resent (replaces)
    expect(Math.max(...posts)).toBe(total);
    const ds = aq.datasets[0]!;
    expect(ds.content.length).toBe(cp.size);
    expect(createHash('sha256').update(ds.content).digest('hex')).toBe(cp.sha256);
    expect(parseCsv(ds.content)).toHaveLength(rows.length + 1);
    expect(engine.store.ledger.count('map1')).toBe(rows.length);
    expect(readCheckpoint(engine.store, jobId)).toBeNull();
    const events = engine.store.runs.events(resumed.id).map((e) => e.message);
    expect(events.some((m) => m.includes(`left unfinished at "started"`))).toBe(true);
    expect(events.some((m) => m.includes(`dataset ${ds.fileId}`))).toBe(true);
    expect(existsSync(join(watched, 'processed', 'meters-history.csv'))).toBe(true);
    expect(aq.violations).toEqual([]);
    expect(connectionId).toBeTruthy();
  }, 120_000);

  it('a kill after "complete" was sent re-sends it with the same ids, never a second upload', async () => {
    const { watched, jobId } = await setUp();
    const path = join(watched, 'small.csv');
    writeFileSync(path, csv([['FAC-001', '2024-01', '10'], ['FAC-002', '2024-01', '20']]));
    // The platform completes the upload, but the answer never arrives (connection dropped).
    const controller = new AbortController();
    const realComplete = aq.datasets.push.bind(aq.datasets);
    aq.datasets.push = (...items) => {
      const n = realComplete(...items);
      controller.abort();
      return n;
    };
    const runner = () => new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets(), clock: engine.clock, logger: engine.logger }));
    const killed = await runner().run({ jobId, trigger: 'file', file: fileInfo(path), signal: controller.signal });
    expect(killed.status).toBe('interrupted');
    expect(readCheckpoint(engine.store, jobId)?.state).toBe('completing');
    expect(aq.datasets).toHaveLength(1);

    const again = await runner().run({ jobId, trigger: 'file', file: fileInfo(path) });
    // The stand-in answers 404 for an upload completed already: the run asks a person to check.
    expect(again.status).toBe('needs_attention');
    expect(again.error).toContain(aq.datasets[0]!.fileId);
    expect(aq.datasets).toHaveLength(1);
    expect(aq.uploads.size).toBe(1);
    expect(engine.store.ledger.count('map1')).toBe(2);
    expect(readCheckpoint(engine.store, jobId)).toBeNull();
    expect(aq.violations).toEqual([]);
  });

  it('a job without a datasource id fails with a message that says what to set', async () => {
    const { watched, jobId } = await setUp();
    const job = engine.store.jobs.get(jobId)!;
    engine.store.db.prepare('UPDATE jobs SET config = ? WHERE id = ?').run(JSON.stringify({ ...job.config, ingest: {} }), jobId);
    const path = join(watched, 'x.csv');
    writeFileSync(path, csv([['FAC-001', '2024-01', '10']]));
    const runner = new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets(), clock: engine.clock, logger: engine.logger }));
    const run = await runner.run({ jobId, trigger: 'file', file: fileInfo(path) });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/no datasource id.*Edit the job/);
    expect(aq.uploads.size).toBe(0);
    expect(existsSync(path)).toBe(true);
  });
});
