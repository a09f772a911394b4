import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../../main/engine/store';
import { openDatabase } from '../../../main/engine/store/database';
import { latestVersion, migrations } from '../../../main/engine/store/migrations';
import { HistoryMaintenance, pruneHistory } from '../../../main/engine/store/retention';

const dirs: string[] = [];
const stores: Store[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'esg-retention-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const NOW = new Date('2026-06-01T00:00:00.000Z');
const DAY = 86_400_000;
const count = (store: Store, table: string) => (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

/** `n` finished runs, one per hour going back from NOW (run 1 oldest), each with bulky details. */
function fillHistory(store: Store, n: number, perRun = { errors: 40, requests: 10, events: 3 }): number[] {
  const ids: number[] = [];
  const reason = 'The value is not a number: '.padEnd(300, 'x');
  store.transaction(() => {
    for (let i = n; i >= 1; i--) {
      const startedAt = new Date(NOW.getTime() - i * 3600_000).toISOString();
      const run = store.runs.create({ jobId: null, jobName: `job ${i % 3}`, trigger: 'schedule', startedAt });
      store.runs.update(run.id, { status: i % 7 === 0 ? 'failed' : 'succeeded', finishedAt: startedAt });
      store.runs.addErrors(run.id, Array.from({ length: perRun.errors }, (_, k) => ({ line: k + 2, column: 'kWh', value: `v${k}`, reason })));
      for (let k = 0; k < perRun.requests; k++) {
        store.runs.addRequest(run.id, { method: 'GET', host: 'platform.example:443', path: `/v1/metrics?cursor=${k}`, status: 200, error: null, startedAt: NOW.getTime(), durationMs: 12.4, attempt: 1, kind: k === 0 ? 'token' : 'api' });
      }
      for (let k = 0; k < perRun.events; k++) store.runs.addEvent(run.id, startedAt, 'info', `step ${k}`);
      ids.push(run.id);
    }
  });
  return ids;
}

function fileBytes(path: string): number {
  return statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
}

describe('migration 4: run_requests and incremental vacuum', () => {
  it('creates new databases in incremental auto-vacuum mode with the run_requests table', () => {
    const db = openDatabase(join(tempDir(), 'new.db'));
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion);
    const cols = (db.prepare('PRAGMA table_info(run_requests)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(['id', 'run_id', 'started_at', 'method', 'host', 'path', 'status', 'error', 'duration_ms', 'attempt', 'kind']);
    // Nothing that could hold a secret.
    expect(cols.some((c) => /body|header|token|secret|authorization/i.test(c))).toBe(false);
    db.close();
  });

  it('converts a version-3 database (auto_vacuum NONE) with one VACUUM and keeps its data', () => {
    const path = join(tempDir(), 'v3.db');
    const raw = new Database(path);
    raw.pragma('journal_mode = WAL');
    for (const m of migrations.filter((x) => x.version <= 3)) raw.exec(m.sql);
    raw.pragma('user_version = 3');
    raw.prepare("INSERT INTO runs (job_name, trigger, status, started_at) VALUES ('old job', 'manual', 'succeeded', '2025-01-01T00:00:00.000Z')").run();
    expect(raw.pragma('auto_vacuum', { simple: true })).toBe(0);
    raw.close();

    const store = new Store(openDatabase(path));
    stores.push(store);
    expect(store.db.pragma('user_version', { simple: true })).toBe(latestVersion);
    expect(store.db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.runs.list({ limit: 10 }).map((r) => r.jobName)).toEqual(['old job']);
    store.runs.addRequest(1, { method: 'POST', host: 'h', path: '/oauth/token', status: 200, error: null, startedAt: 0, durationMs: 5, attempt: 1, kind: 'token' });
    expect(store.runs.requestCount(1)).toBe(1);
  });

  it('a database already at version 4 that missed the conversion is converted at the next open', () => {
    const path = join(tempDir(), 'v4-none.db');
    const raw = new Database(path);
    for (const m of migrations) raw.exec(m.sql);
    raw.pragma(`user_version = ${latestVersion}`);
    raw.close();
    const db = openDatabase(path);
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    db.close();
  });
});

describe('run requests', () => {
  it('pages a run’s requests oldest first by id and counts them', () => {
    const store = new Store(openDatabase(':memory:'));
    stores.push(store);
    const run = store.runs.create({ jobId: null, jobName: 'j', trigger: 'manual', startedAt: NOW.toISOString() });
    for (let i = 1; i <= 25; i++) {
      store.runs.addRequest(run.id, { method: 'POST', host: 'api:1', path: '/v1/submissions:batch', status: i % 5 ? 200 : null, error: i % 5 ? null : 'network (ECONNRESET)', startedAt: NOW.getTime() + i, durationMs: i, attempt: (i % 3) + 1, kind: 'api' });
    }
    expect(store.runs.requestCount(run.id)).toBe(25);
    const first = store.runs.requests(run.id, 0, 10);
    expect(first).toHaveLength(10);
    expect(first[0]).toMatchObject({ method: 'POST', host: 'api:1', path: '/v1/submissions:batch', status: 200, durationMs: 1, attempt: 2, kind: 'api', startedAt: new Date(NOW.getTime() + 1).toISOString() });
    expect(first[4]).toMatchObject({ status: null, error: 'network (ECONNRESET)' });
    const rest = store.runs.requests(run.id, first[9]!.id, 100);
    expect(rest).toHaveLength(15);
    expect([...store.runs.iterateRequests(run.id)].map((r) => r.id)).toEqual([...first, ...rest].map((r) => r.id));
  });
});

describe('retention', () => {
  it('keeps the newest N runs, removes their details first, and gives the space back to the file system', async () => {
    const path = join(tempDir(), 'history.db');
    const store = new Store(openDatabase(path));
    stores.push(store);
    const ids = fillHistory(store, 600);
    const running = store.runs.create({ jobId: null, jobName: 'still running', trigger: 'manual', startedAt: new Date(NOW.getTime() - 4000 * DAY).toISOString() });
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const before = fileBytes(path);
    expect(before).toBeGreaterThan(5_000_000);

    const r = await pruneHistory(store, { retentionDays: 3650, retentionRuns: 100 }, NOW, { chunk: 500 });
    // The running run counts as one of the newest 100 (it is the newest), so 99 finished ones stay.
    expect(r.runs).toBe(501);
    expect(r.rowErrors).toBe(501 * 40);
    expect(r.requests).toBe(501 * 10);
    expect(r.events).toBe(501 * 3);
    expect(r.vacuumEnabled).toBe(true);
    expect(r.freedPages).toBeGreaterThan(0);

    // The newest 100 are kept with all their details; a running run is never removed, whatever its age.
    const kept = store.runs.list({ limit: 1000 }).map((x) => x.id);
    expect(kept).toEqual([running.id, ...ids.slice(-99).reverse()]);
    expect(count(store, 'row_errors')).toBe(99 * 40);
    expect(count(store, 'run_requests')).toBe(99 * 10);
    // No detail row outlives its run.
    for (const t of ['row_errors', 'run_requests', 'run_events']) {
      expect((store.db.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE run_id NOT IN (SELECT id FROM runs)`).get() as { n: number }).n).toBe(0);
    }
    expect(store.db.pragma('freelist_count', { simple: true })).toBe(0);
    const after = fileBytes(path);
    expect(after).toBeLessThan(before * 0.3);
  });

  it('removes runs older than the day limit, and a second pass finds nothing', async () => {
    const store = new Store(openDatabase(join(tempDir(), 'days.db')));
    stores.push(store);
    fillHistory(store, 24 * 10, { errors: 1, requests: 1, events: 1 }); // ten days, hourly
    const r = await pruneHistory(store, { retentionDays: 3, retentionRuns: 100_000 }, NOW);
    expect(r.runs).toBe(24 * 7);
    const oldest = store.runs.list({ limit: 1000 }).at(-1)!;
    expect(Date.parse(oldest.startedAt)).toBeGreaterThanOrEqual(NOW.getTime() - 3 * DAY);
    expect(store.runs.list({ limit: 1000 })).toHaveLength(24 * 3);
    const again = await pruneHistory(store, { retentionDays: 3, retentionRuns: 100_000 }, NOW);
    expect(again).toMatchObject({ runs: 0, rowErrors: 0, requests: 0, events: 0 });
  });

  it('prunes row errors first: stopped after the first steps, every run is still there', async () => {
    const store = new Store(openDatabase(':memory:'));
    stores.push(store);
    fillHistory(store, 50, { errors: 100, requests: 10, events: 2 });
    let steps = 0;
    const r = await pruneHistory(store, { retentionDays: 3650, retentionRuns: 10 }, NOW, { chunk: 1000, cancelled: () => steps++ >= 2 });
    expect(r.rowErrors).toBe(2000);
    expect(r).toMatchObject({ runs: 0, requests: 0, events: 0 });
    expect(count(store, 'runs')).toBe(50);
    expect(count(store, 'run_requests')).toBe(500);
    // Finishing later completes the job.
    const rest = await pruneHistory(store, { retentionDays: 3650, retentionRuns: 10 }, NOW, { chunk: 1000 });
    expect(rest.runs).toBe(40);
    expect(count(store, 'row_errors')).toBe(10 * 100);
  });

  it('the maintenance timer runs one pass at a time and stops cleanly', async () => {
    const store = new Store(openDatabase(':memory:'));
    stores.push(store);
    fillHistory(store, 200, { errors: 2, requests: 2, events: 1 });
    const m = new HistoryMaintenance({ store, settings: () => ({ retentionDays: 3650, retentionRuns: 100 }), now: () => NOW, startDelayMs: 60_000 });
    m.start();
    const [a, b] = [m.runNow(), m.runNow()];
    expect(a).toBe(b);
    expect((await a).runs).toBe(100);
    await m.stop();
    expect(count(store, 'runs')).toBe(100);
  });
});
