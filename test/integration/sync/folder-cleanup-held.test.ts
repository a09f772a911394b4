/**
 * The folder clean-up against what real runs leave behind: a dropped file whose December values
 * are held (the period is not over) is moved to processed/ and must stay there, however old, until
 * the agent has read it again and sent them (and 30 days more); a file with nothing held goes once
 * it is old enough.
 * Proves the clean-up finds held files by what the runner really records (paths, contents, runs).
 */
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RunSummary } from '../../../shared/api';
import { ConnectionService } from '../../../main/engine/connections';
import type { Engine } from '../../../main/engine/engine';
import { sendDueHeldRows } from '../../../main/engine/sync/held-due';
import { JobRunner, type RunRequest } from '../../../main/engine/sync/job-runner';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { billsFolderJob, engineOnSandbox, runDroppedFile } from '../mappings-api/helpers';

let sandbox: RunningSandbox;
let root: string;
let engine: Engine;
let ok: Awaited<ReturnType<typeof engineOnSandbox>>['ok'];
let engineCall: Awaited<ReturnType<typeof engineOnSandbox>>['call'];
let now = new Date('2026-12-07T09:00:00Z');

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-folder-cleanup-held-'));
  ({ engine, ok, call: engineCall } = await engineOnSandbox(root, sandbox.url, { clock: { now: () => now } }));
});
afterEach(async () => {
  await engine.stop();
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

const trigger = (jobId: string, extra: Partial<RunRequest>): Promise<RunSummary> =>
  new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets(), clock: engine.clock })).run({ jobId, trigger: 'held', ...extra });

/** Last modified on New Year's Day 2026, whatever day the test runs. */
const exportedLongAgo = (path: string) => utimesSync(path, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));

it('keeps a processed file whose held values are not sent yet, and removes it once they are', async () => {
  const { folder } = await billsFolderJob(engine, ok, root);
  const processed = join(folder, 'processed');
  const held = join(folder, 'bills-2026-h2.csv');
  writeFileSync(held, 'Site code,Month,Electricity (kWh)\r\nLON-01,2026-11,1100\r\nLON-01,2026-12,1200\r\n');
  const done = join(folder, 'bills-2026-h1.csv');
  writeFileSync(done, 'Site code,Month,Electricity (kWh)\r\nLON-01,2026-05,500\r\nLON-01,2026-06,600\r\n');

  now = new Date('2026-12-07T09:00:00Z');
  expect(await runDroppedFile(engine, 'bills', held)).toMatchObject({ status: 'succeeded', held: 1 });
  const doneRun = await runDroppedFile(engine, 'bills', done);
  expect(doneRun).toMatchObject({ status: 'succeeded', held: 0 });
  // The held file's errors.csv lists the held line (what the person who dropped it sees).
  expect(readdirSync(processed).sort()).toEqual(['bills-2026-h1.csv', 'bills-2026-h2.csv', 'bills-2026-h2.csv.errors.csv']);
  for (const name of readdirSync(processed)) exportedLongAgo(join(processed, name));

  // Half a year later, keeping files 30 days: the held file stays with its report, the other goes.
  now = new Date('2027-06-01T06:00:00Z');
  expect(await ok('settings.update', { keepFolderFilesDays: 30 })).toMatchObject({ keepFolderFilesDays: 30 });
  expect(await ok('history.prune', {})).toMatchObject({ folderFiles: 1 });
  expect(readdirSync(processed).sort()).toEqual(['bills-2026-h2.csv', 'bills-2026-h2.csv.errors.csv']);
  expect(await ok('history.prune', {})).toMatchObject({ folderFiles: 0 });
  // The removed file's run says where it went and when, and reading it again says why it cannot.
  expect(await ok('history.get', { runId: doneRun.id })).toMatchObject({ fileNow: join(processed, 'bills-2026-h1.csv'), fileRemovedAt: '2027-06-01T06:00:00.000Z' });
  const again = await engineCall('mappings.retryFile', { runId: doneRun.id });
  expect(again.error?.message).toContain('was removed on 2027-06-01 by the clean-up of old files in processed/ and failed/ (Settings → Files in watched folders)');
  expect(again.error?.message).toContain('Drop the file into the watched folder again');

  // The agent reads it again from processed/ and sends December. That read counts as handling the
  // file: it is kept another 30 days from then, and then goes with its report.
  expect(await sendDueHeldRows(engine, trigger)).toBe(1);
  await expect.poll(() => engine.store.runs.list({ limit: 1 })[0], { timeout: 10_000 }).toMatchObject({ trigger: 'held', status: 'succeeded', held: 0 });
  expect(sandbox.listSubmissions().map((s) => s.value).sort()).toEqual([1100, 1200, 500, 600]);
  expect(await ok('history.prune', {})).toMatchObject({ folderFiles: 0 });
  now = new Date('2027-07-02T06:00:00Z');
  expect(await ok('history.prune', {})).toMatchObject({ folderFiles: 2 });
  expect(readdirSync(processed)).toEqual([]);
});
