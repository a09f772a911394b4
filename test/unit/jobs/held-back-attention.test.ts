/**
 * The attention rule for a database job held back by rows it holds (shared/attention.ts): codes not
 * mapped for a week need someone; a code that appeared days ago, or rows waiting for their period
 * to end, do not — and neither makes the run that only held them count as "rows rejected". Also
 * the words the Jobs page and the CLI say about it (shared/held-back.ts).
 */
import { describe, expect, it } from 'vitest';
import { HELD_CODES_ATTENTION_DAYS, attentionItems } from '../../../shared/attention';
import type { HeldBack, JobInfo } from '../../../shared/dto';
import { heldBackWords } from '../../../shared/held-back';

const DAY = 24 * 3600_000;
const since = '2026-03-02T06:00:00.000Z';
const after = (days: number) => new Date(Date.parse(since) + days * DAY);

const heldBack = (patch: Partial<HeldBack> = {}): HeldBack => ({
  watermark: '2026-03-01 23:59:10',
  since,
  sinceRunId: 40,
  runId: 52,
  codes: 3,
  codesSince: since,
  codeValues: ['PAR-09'],
  moreCodes: false,
  codeSteps: ['Sites & periods'],
  periods: 0,
  periodsEnd: null,
  rejectedOther: 0,
  ...patch,
});

const job = (held: HeldBack | null, last: JobInfo['lastRun'] = { id: 52, status: 'succeeded_with_rejections', finishedAt: '2026-03-09T06:01:00.000Z' }): JobInfo => ({
  id: 'j1',
  name: 'Meters',
  type: 'ingest',
  connectionId: 'c1',
  sourceId: 's1',
  mappingId: 'm1',
  schedule: '0 6 * * *',
  timezone: 'UTC',
  scheduleText: 'At 06:00 (UTC)',
  paused: false,
  lastRun: last,
  nextRunAt: null,
  heldBack: held,
});

const items = (jobs: JobInfo[], now: Date) => attentionItems(jobs, [], [], { errorOf: () => 'the run error', formatTime: (iso) => iso.slice(0, 10), now });

describe('held-back attention', () => {
  it('codes not mapped count from a week on, not before, and only as that item', () => {
    const j = job(heldBack());
    expect(items([j], after(HELD_CODES_ATTENTION_DAYS - 0.01))).toEqual([]);
    expect(items([j], after(HELD_CODES_ATTENTION_DAYS))).toEqual([
      {
        key: 'held-j1',
        tone: 'warn',
        label: 'Codes not mapped',
        subject: 'Meters',
        text: 'Meters has held back 3 rows since 2026-03-02: their site codes are not mapped yet, so they are not sent, and every run reads again from watermark 2026-03-01 23:59:10.',
        detail: "Map PAR-09 in the mapping's “Sites & periods” step, then run the job; the run's page lists the rows.",
        runId: 52,
        page: 'history',
      },
    ]);
  });

  it('rows waiting only for their period never count, however long', () => {
    const j = job(heldBack({ codes: 0, codesSince: null, codeValues: [], codeSteps: [], periods: 12, periodsEnd: '2026-03-31' }));
    expect(items([j], after(365))).toEqual([]);
  });

  it('a run that also rejected rows for other reasons still says so, from the first day', () => {
    const j = job(heldBack({ rejectedOther: 2 }));
    expect(items([j], after(1))).toEqual([expect.objectContaining({ key: 'job-j1', label: 'Rows rejected', runId: 52 })]);
  });

  it('a later run that failed is said as always; a week of unmapped codes is said beside it', () => {
    const failed = { id: 53, status: 'failed' as const, finishedAt: '2026-03-10T06:01:00.000Z' };
    expect(items([job(heldBack(), failed)], after(1)).map((a) => a.key)).toEqual(['job-j1']);
    expect(items([job(heldBack(), failed)], after(8)).map((a) => [a.key, a.tone, a.runId])).toEqual([
      ['job-j1', 'bad', 53],
      ['held-j1', 'warn', 52],
    ]);
  });

  it('a job with nothing held back keeps the rules it had', () => {
    expect(items([job(null)], after(1))).toEqual([expect.objectContaining({ key: 'job-j1', label: 'Rows rejected', detail: 'the run error' })]);
    expect(items([{ ...job(null, { id: 9, status: 'succeeded', finishedAt: null }), heldBack: undefined }], after(1))).toEqual([]);
  });

  it('names metric codes and both steps when the run held both kinds', () => {
    const [a] = items([job(heldBack({ codeSteps: ['Sites & periods', 'Columns'], codeValues: ['A', 'B', 'C', 'D', 'E'], moreCodes: true }))], after(30));
    expect(a!.text).toContain('their site or metric codes are not mapped yet');
    expect(a!.detail).toBe("Map A, B, C, D, E and the others in the mapping's “Sites & periods” step or “Columns” step, then run the job; the run's page lists the rows.");
  });
});

describe('held-back words', () => {
  const fmt = (iso: string) => iso.slice(0, 10);

  it('codes: a warning that says which codes, where to map them, and since when', () => {
    expect(heldBackWords(heldBack({ codes: 1, codeSteps: ['Columns'], codeValues: ['GAS-X'] }), fmt)).toEqual({
      tone: 'warn',
      headline: 'Held back since 2026-03-01 23:59:10',
      codes: "1 row waits for its metric code to be mapped (GAS-X), since 2026-03-02: map it in the mapping's “Columns” step, then run the job, and it is sent.",
      periods: null,
      rereads: 'Every run reads again from there until it is sent.',
    });
  });

  it('periods: information, nothing to do; an id watermark is said as one', () => {
    const w = heldBackWords(heldBack({ watermark: '1234', codes: 0, codesSince: null, codeValues: [], codeSteps: [], periods: 2, periodsEnd: '2026-03-31' }), fmt);
    expect(w).toEqual({
      tone: 'info',
      headline: 'Held back at watermark 1234',
      codes: null,
      periods: '2 rows wait for their periods to end (the last on 2026-03-31): they are sent on their own then, nothing to do.',
      rereads: 'Every run reads again from there until they are sent (the watermark has stayed there since 2026-03-02).',
    });
  });

  it('a source without a watermark column: no headline watermark, nothing re-read from one', () => {
    const w = heldBackWords(heldBack({ watermark: null }), fmt);
    expect(w.headline).toBe('Rows held');
    expect(w.rereads).toBeNull();
  });
});
