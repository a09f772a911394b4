import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import type { RunSummary } from '../../../shared/api';
import { finishWithRun } from '../../../main/agent/run-outcome';
import { createOutput } from '../../../main/agent/output';

const run = (over: Partial<RunSummary>): RunSummary => ({
  id: 42,
  jobId: 'j1',
  jobName: 'ERP to platform',
  trigger: 'manual',
  status: 'succeeded_with_rejections',
  startedAt: '2026-12-07T08:00:00.000Z',
  finishedAt: '2026-12-07T08:00:01.000Z',
  read: 9,
  created: 8,
  updated: 0,
  deleted: 0,
  unchanged: 0,
  rejected: 1,
  held: 1,
  bytes: 0,
  requests: 1,
  retries: 0,
  serviceAccount: null,
  file: null,
  watermarkFrom: null,
  watermarkTo: '2026-12-07',
  error: null,
  ...over,
});

function printed(r: RunSummary): string {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (c) => (text += String(c)));
  expect(() => finishWithRun(createOutput(false, stdout, new PassThrough()), r)).toThrow();
  return text;
}

it('offers `history retry` for the held rows of a file run only; a database run says its next run sends them', () => {
  expect(printed(run({ file: null }))).toContain("Once the codes are mapped (or the periods are over), the job's next run reads the held rows again and sends them.");
  expect(printed(run({ file: null }))).not.toContain('history retry');
  expect(printed(run({ file: '/data/bills.csv' }))).toContain('Once the codes are mapped, send the held rows with: esg-sync history retry 42');
});

it('counts an export run in rows exported, with those deleted on the platform, not in values sent', () => {
  const text = printed(run({ jobType: 'export', status: 'failed', error: 'x', read: 13, created: 12, deleted: 1, rejected: 0, held: 0 }));
  expect(text).toContain('13 rows written (1 of them deleted on the platform)');
  expect(text).not.toMatch(/created|unchanged/);
});

it('counts a PACT export\'s skipped footprints apart from the rows it wrote', () => {
  // The runner stores read = rows written + footprints skipped, rejected = footprints skipped.
  const text = printed(run({ jobType: 'export', status: 'succeeded_with_rejections', error: null, read: 1202, created: 1200, deleted: 0, rejected: 2, held: 0 }));
  expect(text).toContain('1,200 rows written, 2 footprints skipped (failed PACT validation)');
});

it('exits 0 for a run whose held rows only wait for their period to end, and 1 for rows held for codes', () => {
  const quiet = () => createOutput(false, new PassThrough(), new PassThrough());
  // The engine marks a run 'succeeded' when its only held rows wait for a period to end.
  expect(() => finishWithRun(quiet(), run({ status: 'succeeded', rejected: 1, held: 1 }))).not.toThrow();
  let code: number | undefined;
  try {
    finishWithRun(quiet(), run({ status: 'succeeded_with_rejections', rejected: 1, held: 1 }));
  } catch (err) {
    code = (err as { exitCode?: number }).exitCode;
  }
  expect(code).toBe(1);
});
