import type { RunSummary } from '../../shared/api';

/** A banner for a run that failed or needs attention. */
export interface RunAlert {
  runId: number;
  /** Null for a run of a job removed since: no later run can settle it. */
  jobId: string | null;
  jobName: string;
  status: 'failed' | 'needs_attention';
  reason: string | null;
}

const MAX_REASON = 180;

/** Whether a finished run went through, so its job's older banners no longer hold. */
export const settles = (run: Pick<RunSummary, 'status'>): boolean => run.status === 'succeeded' || run.status === 'succeeded_with_rejections';

/** The banner a finished run raises: null when it neither failed nor needs attention. */
export function alertOf(run: Pick<RunSummary, 'id' | 'jobId' | 'jobName' | 'status' | 'error'>): RunAlert | null {
  if (run.status !== 'failed' && run.status !== 'needs_attention') return null;
  const r = run.error?.trim() || null;
  return { runId: run.id, jobId: run.jobId, jobName: run.jobName, status: run.status, reason: r && r.length > MAX_REASON ? `${r.slice(0, MAX_REASON - 1)}…` : r };
}

/** Whether a later run of the alert's job has gone through (`settled`: each job's latest such run). */
export const isSettled = (alert: Pick<RunAlert, 'runId' | 'jobId'>, settled: ReadonlyMap<string, number>): boolean =>
  alert.jobId !== null && (settled.get(alert.jobId) ?? -1) > alert.runId;

/** The banners once `run` went through: those of its job's earlier runs go (a removed job's stay). The same list when none goes. */
export function settle(list: RunAlert[], run: Pick<RunSummary, 'id' | 'jobId' | 'status'>): RunAlert[] {
  if (!settles(run) || run.jobId === null) return list;
  const left = list.filter((a) => !(a.jobId === run.jobId && a.runId < run.id));
  return left.length === list.length ? list : left;
}

/** The banners with a new one first (replacing one of the same run). */
export const raise = (list: RunAlert[], alert: RunAlert): RunAlert[] => [alert, ...list.filter((a) => a.runId !== alert.runId)];

/** Notes that `run` went through in `settled` (each job's latest run that did). */
export function noteSettled(settled: Map<string, number>, run: Pick<RunSummary, 'id' | 'jobId' | 'status'>): void {
  if (settles(run) && run.jobId !== null) settled.set(run.jobId, Math.max(run.id, settled.get(run.jobId) ?? -1));
}
