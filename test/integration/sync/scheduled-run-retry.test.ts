/**
 * A scheduled export (or database) run that fails for a reason that may pass — here the platform
 * answering 500 — is tried again after a pause instead of waiting for its next slot; a failure that
 * will not pass, a run by hand, and a retry that would come after the next slot are not.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../shared/api';
import type { Engine } from '../../../main/engine/engine';
import { SyncService } from '../../../main/engine/sync/service';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { engineOnSandbox } from '../mappings-api/helpers';

let sandbox: RunningSandbox;
let root: string;
let engine: Engine;
let ok: Awaited<ReturnType<typeof engineOnSandbox>>['ok'];

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-run-retry-'));
  ({ engine, ok } = await engineOnSandbox(root, sandbox.url));
});
afterEach(async () => {
  await engine.stop();
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

/** An export job; its schedule is once a year unless given, so no slot comes during a test. */
function exportJob(opts: { schedule?: string; folder?: string } = {}): string {
  const out = opts.folder ?? join(root, 'out');
  if (!opts.folder) mkdirSync(out, { recursive: true });
  engine.store.jobs.insert({
    id: 'out',
    name: 'Nightly export',
    type: 'export',
    connectionId: 'sandbox',
    sourceId: null,
    mappingId: null,
    config: { schedule: opts.schedule ?? '0 6 1 1 *', timezone: 'UTC', onFileArrival: false, export: { dataset: 'submissions', destination: { kind: 'folder', path: out, format: 'csv', fileName: 'latest' }, contents: 'everything' } },
    paused: false,
    cursor: null,
    createdAt: new Date().toISOString(),
  });
  return 'out';
}

// The service adds its notes just after run.finished: read them with expect.poll.
const notes = (run: RunSummary) => engine.store.runs.events(run.id).map((e) => e.message).join('\n');
const runCount = () => engine.store.runs.list({ limit: 50 }).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function nextRun(after: number, timeoutMs = 30_000): Promise<RunSummary> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no further run finished in time')), timeoutMs);
    const off = engine.events.subscribe((event, payload) => {
      if (event === 'run.finished' && (payload as RunSummary).id > after) {
        clearTimeout(timer);
        off();
        resolve(payload as RunSummary);
      }
    });
  });
}

describe('a scheduled run that failed for a reason that may pass', () => {
  it('is tried again after a pause, and the retry says what it is', async () => {
    const jobId = exportJob();
    engine.sync = new SyncService(engine, undefined, { runRetryDelaysMs: [1500, 1500] });
    await engine.sync.start();
    sandbox.setFaults({ error500: 1 });
    const failedAt = Date.now();
    const first = (await engine.sync.trigger(jobId, 'schedule'))!;
    expect(first.status).toBe('failed');
    // The jobs list shows the retry as the job's next run, not the slot a year away.
    await expect.poll(async () => (await ok<{ id: string; nextRunIsRetry?: boolean }[]>('jobs.list', {})).find((j) => j.id === jobId)?.nextRunIsRetry).toBe(true);
    const listed = (await ok<{ id: string; nextRunAt: string }[]>('jobs.list', {})).find((j) => j.id === jobId)!;
    expect(Date.parse(listed.nextRunAt)).toBeGreaterThan(failedAt);
    expect(Date.parse(listed.nextRunAt)).toBeLessThan(Date.now() + 1600);
    expect(notes(first)).toContain('The failure may pass (the platform or a database out of reach, or a lock): the run will be tried again automatically in 2 seconds.');
    sandbox.setFaults({});
    const retried = await nextRun(first.id);
    expect(retried).toMatchObject({ status: 'succeeded', trigger: 'schedule' });
    // Said at its start, right after "Run started", not after it finished.
    const timeline = engine.store.runs.events(retried.id).map((e) => e.message);
    expect(timeline[0]).toMatch(/^Run started \(schedule\)/);
    expect(timeline[1]).toBe('Automatic retry 1 of the scheduled run that failed for a reason that may pass.');
    // It went through: nothing more is armed, and the next run is the schedule's again.
    await sleep(1700);
    expect(runCount()).toBe(2);
    const after = (await ok<{ id: string; nextRunAt: string; nextRunIsRetry?: boolean }[]>('jobs.list', {})).find((j) => j.id === jobId)!;
    expect(after.nextRunIsRetry).toBeUndefined();
    expect(after.nextRunAt).toMatch(/-01-01T06:00:00/);
  }, 60_000);

  it('stops after its retries, saying the job waits for its next slot', async () => {
    const jobId = exportJob();
    engine.sync = new SyncService(engine, undefined, { runRetryDelaysMs: [300, 300] });
    await engine.sync.start();
    sandbox.setFaults({ error500: 1 });
    const first = (await engine.sync.trigger(jobId, 'schedule'))!;
    const second = await nextRun(first.id);
    const third = await nextRun(second.id);
    expect([first.status, second.status, third.status]).toEqual(['failed', 'failed', 'failed']);
    await expect.poll(() => notes(third)).toContain('Tried again 2 times automatically; the job now waits for its next scheduled run.');
    await sleep(1000);
    expect(runCount()).toBe(3);
  }, 90_000);
});

describe('no retry', () => {
  it('for a failure that will not pass (the export folder is gone)', async () => {
    const jobId = exportJob({ folder: join(root, 'no-such-folder') });
    engine.sync = new SyncService(engine, undefined, { runRetryDelaysMs: [300] });
    await engine.sync.start();
    const first = (await engine.sync.trigger(jobId, 'schedule'))!;
    expect(first.status).toBe('failed');
    expect(notes(first)).not.toContain('tried again automatically');
    await sleep(1000);
    expect(runCount()).toBe(1);
  }, 30_000);

  it('for a run by hand: the person sees it fail and decides', async () => {
    const jobId = exportJob();
    engine.sync = new SyncService(engine, undefined, { runRetryDelaysMs: [300] });
    await engine.sync.start();
    sandbox.setFaults({ error500: 1 });
    const first = (await engine.sync.trigger(jobId, 'manual'))!;
    expect(first.status).toBe('failed');
    await sleep(1000);
    expect(runCount()).toBe(1);
  }, 60_000);

  it('when the next slot comes before the pause ends: the slot runs it anyway', async () => {
    const jobId = exportJob({ schedule: '* * * * *' });
    engine.sync = new SyncService(engine, undefined, { runRetryDelaysMs: [10 * 60_000] });
    await engine.sync.start();
    sandbox.setFaults({ error500: 1 });
    const first = (await engine.sync.trigger(jobId, 'schedule'))!;
    expect(first.status).toBe('failed');
    expect(notes(first)).toContain('Not tried again before the job’s next scheduled run, which comes sooner.');
  }, 60_000);
});
