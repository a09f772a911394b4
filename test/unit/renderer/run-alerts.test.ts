import { describe, expect, it } from 'vitest';
import { alertOf, isSettled, noteSettled, raise, settle, type RunAlert } from '../../../renderer/components/run-alerts';
import type { RunSummary } from '../../../shared/api';

type Finished = Pick<RunSummary, 'id' | 'jobId' | 'jobName' | 'status' | 'error'>;
const run = (id: number, jobId: string | null, status: RunSummary['status'], error: string | null = null): Finished => ({ id, jobId, jobName: `Job ${jobId ?? 'gone'}`, status, error });
const alert = (r: Finished): RunAlert => alertOf(r)!;

describe('run alerts', () => {
  it('a failed or needs-attention run raises one; any other finished run none', () => {
    expect(alertOf(run(1, 'a', 'failed', '  HTTP 500  '))).toEqual({ runId: 1, jobId: 'a', jobName: 'Job a', status: 'failed', reason: 'HTTP 500' });
    expect(alertOf(run(2, 'a', 'needs_attention'))).toMatchObject({ status: 'needs_attention', reason: null });
    for (const s of ['succeeded', 'succeeded_with_rejections', 'interrupted'] as const) expect(alertOf(run(3, 'a', s))).toBeNull();
    expect(alertOf(run(4, 'a', 'failed', 'x'.repeat(500)))!.reason).toHaveLength(180);
  });

  it("a later run of the same job that went through settles that job's earlier banners, and only those", () => {
    const list = [alert(run(5, 'b', 'failed')), alert(run(4, 'a', 'needs_attention')), alert(run(3, 'a', 'failed')), alert(run(2, null, 'failed'))];
    for (const status of ['succeeded', 'succeeded_with_rejections'] as const) {
      expect(settle(list, run(6, 'a', status)).map((a) => a.runId)).toEqual([5, 2]);
    }
    // Another job's success, a failure, or an interrupted run of the same job settle nothing.
    for (const r of [run(6, 'c', 'succeeded'), run(6, 'a', 'failed'), run(6, 'a', 'interrupted'), run(6, null, 'succeeded')]) expect(settle(list, r)).toBe(list);
    // A run of the job that started before the failure (a lower id) does not say the problem is over.
    expect(settle(list, run(1, 'a', 'succeeded'))).toBe(list);
  });

  it('a failure whose banner is raised after a later run of its job went through stays away', () => {
    const settled = new Map<string, number>();
    noteSettled(settled, run(8, 'a', 'succeeded'));
    noteSettled(settled, run(7, 'a', 'succeeded_with_rejections'));
    noteSettled(settled, run(9, 'b', 'failed'));
    expect(settled).toEqual(new Map([['a', 8]]));
    expect(isSettled(alert(run(7, 'a', 'failed')), settled)).toBe(true);
    expect(isSettled(alert(run(9, 'a', 'failed')), settled)).toBe(false);
    expect(isSettled(alert(run(1, 'b', 'failed')), settled)).toBe(false);
    expect(isSettled(alert(run(1, null, 'failed')), settled)).toBe(false);
  });

  it('raising puts the newest first, once per run', () => {
    const list = raise(raise([], alert(run(1, 'a', 'failed'))), alert(run(2, 'b', 'failed')));
    expect(raise(list, alert(run(1, 'a', 'failed', 'again'))).map((a) => [a.runId, a.reason])).toEqual([
      [1, 'again'],
      [2, null],
    ]);
  });
});
