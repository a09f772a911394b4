/**
 * What the dashboard and `esg-sync status` keep saying about a folder job (shared/attention.ts):
 * a run that found nothing to do does not settle the rows an earlier run rejected, and a file
 * whose rows wait for codes stays listed however many files went through after it.
 */
import { describe, expect, it } from 'vitest';
import { attentionItems } from '../../../shared/attention';
import type { JobInfo } from '../../../shared/dto';

const at = '2026-03-09T06:01:00.000Z';
const job = (patch: Partial<JobInfo>): JobInfo => ({
  id: 'j1',
  name: 'Bills',
  type: 'ingest',
  connectionId: 'c1',
  sourceId: 's1',
  mappingId: 'm1',
  schedule: null,
  timezone: 'UTC',
  scheduleText: null,
  paused: false,
  lastRun: { id: 7, status: 'succeeded', finishedAt: at },
  nextRunAt: null,
  heldBack: null,
  lastDoneRun: { id: 7, status: 'succeeded', finishedAt: at, rejected: 0, held: 0 },
  waitingForCodes: null,
  ...patch,
});
const items = (jobs: JobInfo[]) => attentionItems(jobs, [], [], { errorOf: (id) => `error of run ${id}`, formatTime: (iso) => iso.slice(0, 10) });

describe('attention for a folder job', () => {
  it('keeps rejected rows listed after a run that found nothing to do', () => {
    const j = job({ lastDoneRun: { id: 5, status: 'succeeded_with_rejections', finishedAt: at, rejected: 2, held: 0 } });
    expect(items([j])).toMatchObject([{ key: 'job-j1', label: 'Rows rejected', runId: 5, text: 'The last run of Bills went through, but some rows were rejected (2026-03-09).' }]);
  });

  it('is clear once a run that did something went through, or when nothing was rejected', () => {
    expect(items([job({})])).toEqual([]);
    // Older agents' answers have no lastDoneRun: the last run decides, as before.
    expect(items([job({ lastDoneRun: undefined, waitingForCodes: undefined })])).toEqual([]);
  });

  it('does not bring back a failure that a later run, even one with nothing to do, went past', () => {
    const j = job({ lastDoneRun: { id: 5, status: 'failed', finishedAt: at, rejected: 0, held: 0 } });
    expect(items([j])).toEqual([]);
  });

  it('lists files whose rows wait for codes, and not the run that only held them as rows rejected', () => {
    const j = job({
      lastRun: { id: 9, status: 'succeeded_with_rejections', finishedAt: at },
      lastDoneRun: { id: 9, status: 'succeeded_with_rejections', finishedAt: at, rejected: 1, held: 1 },
      waitingForCodes: { files: 2, rows: 3, runId: 9 },
    });
    expect(items([j])).toEqual([
      {
        key: 'codes-j1',
        tone: 'warn',
        label: 'Codes not mapped',
        subject: 'Bills',
        text: '3 rows of 2 files for Bills wait for their site or metric code to be mapped: nothing of them was sent.',
        detail: "Map the codes (the run's page lists them and opens the mapping), then send the held rows from that page.",
        runId: 9,
        page: 'history',
      },
    ]);
    // A run that also rejected rows for another reason is listed as well.
    const both = job({ ...j, lastDoneRun: { id: 9, status: 'succeeded_with_rejections', finishedAt: at, rejected: 3, held: 1 } });
    expect(items([both]).map((i) => i.key)).toEqual(['codes-j1', 'job-j1']);
  });
});

describe('attention for a connection', () => {
  const conn = (lastTestMessage: string) => ({ id: 'c1', name: 'Prod', lastTestOk: false, lastTestMessage }) as unknown as import('../../../shared/dto').ConnectionInfo;
  const detail = (m: string) => attentionItems([], [], [conn(m)], { errorOf: () => null, formatTime: (i) => i })[0]!.detail;

  it('says a failed Test once: the label is the headline, the detail the message', () => {
    expect(detail('Client ID or secret rejected (401 invalid_client): The platform rejected the client ID or secret. Check them.')).toBe('The platform rejected the client ID or secret. Check them.');
  });

  it('says a run was refused, and that scheduled runs wait', () => {
    expect(detail('A run was refused sign-in: The platform rejected the client ID or secret.')).toMatch(/^A run was refused sign-in: The platform rejected the client ID or secret\. Its scheduled runs try to sign in again at most once an hour/);
  });
});

it('says when a failed scheduled run is tried again on its own', () => {
  const failed = { id: 9, status: 'failed' as const, finishedAt: '2026-12-07T06:00:00.000Z' };
  const retrying = items([job({ lastRun: failed, nextRunAt: '2026-12-08T06:01:00.000Z', nextRunIsRetry: true })]);
  expect(retrying[0]!.text).toMatch(/It is tried again automatically at 2026-12-08\.$/);
  const waiting = items([job({ lastRun: failed, nextRunAt: '2026-12-09T06:00:00.000Z' })]);
  expect(waiting[0]!.text).not.toContain('tried again');
});
