import type { EventName, EventPayload } from '../../shared/api';

type RunProgress = EventPayload<'run.progress'>;
type RunSummary = EventPayload<'run.started'>;

const n = (v: number) => v.toLocaleString('en-US');

/** One line of progress, as `run --wait` prints it; an export's rows are written, not sent. */
export function progressLine(p: RunProgress, isExport = false): string {
  const rows = `${n(p.read)} ${p.read === 1 ? 'row' : 'rows'}`;
  const parts = [isExport ? `exported ${rows}` : `read ${rows}`];
  if (!isExport && (p.sent || p.accepted || p.rejected)) parts.push(`sent ${n(p.sent)}`, `accepted ${n(p.accepted)}`, `rejected ${n(p.rejected)}`);
  if (typeof p.share === 'number') parts.push(`${Math.floor(p.share * 100)}% done`);
  else if (p.totalBytes) parts.push(`${Math.min(100, Math.round((p.bytes / p.totalBytes) * 100))}% of the file read`);
  if (p.rowsPerSecond > 0) parts.push(`${n(Math.round(p.rowsPerSecond))} rows/s`);
  if (p.etaSeconds !== null && p.etaSeconds > 0) parts.push(`about ${p.etaSeconds < 90 ? `${Math.ceil(p.etaSeconds)} s` : `${Math.ceil(p.etaSeconds / 60)} min`} left`);
  return `Run #${p.runId}: ${parts.join(', ')}`;
}

/**
 * Follows the runs of one job through engine events and writes their progress: on a terminal,
 * one line rewritten in place; into a log or pipe, a line at most every `everyMs` so a long
 * unattended run leaves a readable trace rather than thousands of lines.
 */
export function followRunProgress(
  job: string,
  out: { write: (s: string) => void; isTTY: boolean },
  opts: { everyMs?: number; now?: () => number } = {},
): { onEvent: (event: EventName, payload: unknown) => void; done: () => void } {
  const every = opts.everyMs ?? (out.isTTY ? 250 : 5000);
  const now = opts.now ?? Date.now;
  const runs = new Set<number>();
  const exports = new Set<number>();
  let last = 0;
  let live = false;
  return {
    onEvent(event, payload) {
      if (event === 'run.started') {
        const run = payload as RunSummary;
        if (run.jobId === job || run.jobName === job) runs.add(run.id);
        if (run.jobType === 'export') exports.add(run.id);
        return;
      }
      if (event !== 'run.progress') return;
      const p = payload as RunProgress;
      if (!runs.has(p.runId) && p.jobId !== job) return;
      if (now() - last < every) return;
      last = now();
      if (out.isTTY) {
        out.write(`\r\x1b[2K${progressLine(p, exports.has(p.runId))}`);
        live = true;
      } else out.write(`${progressLine(p, exports.has(p.runId))}\n`);
    },
    done() {
      if (live) out.write('\r\x1b[2K');
      live = false;
    },
  };
}
