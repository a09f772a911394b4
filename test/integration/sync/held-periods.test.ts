/**
 * A file that arrives before its last month is over (December's report dropped on 7 December):
 * the values of periods already over are sent; the others are held — not rejected — and the agent
 * sends them on its own the day after their period ends, once, by reading the file's held lines
 * again. Before, they were rejected with a promise ("values are sent once the period is over")
 * nothing kept, and the same file dropped again in January was refused as a duplicate.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RunSummary } from '../../../shared/api';
import { createEngineApi } from '../../../main/engine/api';
import { ConnectionService } from '../../../main/engine/connections';
import type { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { sendDueHeldRows } from '../../../main/engine/sync/held-due';
import { JobRunner, type RunRequest } from '../../../main/engine/sync/job-runner';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { billsFolderJob, engineOnSandbox, runDroppedFile } from '../mappings-api/helpers';

let sandbox: RunningSandbox;
let root: string;
let engine: Engine;
let ok: Awaited<ReturnType<typeof engineOnSandbox>>['ok'];
let now = new Date('2026-12-07T09:00:00Z');

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-held-periods-'));
  ({ engine, ok } = await engineOnSandbox(root, sandbox.url, { clock: { now: () => now } }));
});
afterEach(async () => {
  await engine.stop();
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

const runner = () => new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets(), clock: engine.clock }));
const trigger = (jobId: string, extra: Partial<RunRequest>): Promise<RunSummary> => runner().run({ jobId, trigger: 'held', ...extra });

it('holds the values of a period not over yet and sends them on its own once it is, once', async () => {
  now = new Date('2026-12-07T09:00:00Z');
  const { folder } = await billsFolderJob(engine, ok, root);
  const path = join(folder, 'bills-2026-h2.csv');
  writeFileSync(path, 'Site code,Month,Electricity (kWh)\r\nLON-01,2026-11,1100\r\nMAN-02,2026-11,2100\r\nLON-01,2026-12,1200\r\n');

  const first = await runDroppedFile(engine, 'bills', path);
  // Nothing is wrong with the file: the run went through (a cron script's `run` exits 0), the row waits.
  expect(first).toMatchObject({ status: 'succeeded', created: 2, rejected: 1, held: 1 });
  expect(sandbox.countSubmissions()).toBe(2);
  const said = engine.store.runs.events(first.id).map((e) => e.message);
  expect(said).toContain('1 row is for periods that have not ended yet (the last ends on 2026-12-31): held, and sent once the period is over.');
  const call = createDispatcher(createEngineApi(engine));
  const detail = await call('history.get', { runId: first.id });
  expect(detail.ok && detail.result).toMatchObject({ heldWhy: { codes: 0, periods: 1, lastEnd: '2026-12-31' }, heldSentBy: null, fileNow: join(folder, 'processed', 'bills-2026-h2.csv') });

  // Not due before the period is over, nor on its last day.
  now = new Date('2026-12-31T12:00:00Z');
  expect(await sendDueHeldRows(engine, trigger)).toBe(0);

  now = new Date('2027-01-01T06:00:00Z');
  expect(await sendDueHeldRows(engine, trigger)).toBe(1);
  await new Promise((r) => setTimeout(r, 50));
  await expect.poll(() => sandbox.countSubmissions(), { timeout: 10_000 }).toBe(3);
  // The platform holds the value before the run has recorded its end: wait for that too.
  await expect.poll(() => engine.store.runs.list({ limit: 10 })[0]?.status, { timeout: 10_000 }).not.toBe('running');
  const later = engine.store.runs.list({ limit: 10 })[0]!;
  expect(later).toMatchObject({ trigger: 'held', status: 'succeeded', created: 1, held: 0 });
  expect(engine.store.runs.heldSentBy(first.id)).toBe(later.id);
  expect(sandbox.listSubmissions().map((s) => s.value).sort()).toEqual([1100, 1200, 2100]);

  // Sent: never again, the same day or later.
  expect(await sendDueHeldRows(engine, trigger)).toBe(0);
  now = new Date('2027-01-02T06:00:00Z');
  expect(await sendDueHeldRows(engine, trigger)).toBe(0);
});
