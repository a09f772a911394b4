import type { RunSummary } from '../../shared/api';
import { exportCountsPhrase } from '../../shared/run-counts';
import { runStatusWords } from '../../shared/run-status';
import { CliError, EXIT, exitCodeForFailedRun } from './exit-codes';
import type { Output } from './output';

/** The counts of a run in one line, as `run` and `history` print them; an export's are rows written, it sends nothing. */
export const countsLine = (run: RunSummary): string =>
  run.jobType === 'export'
    ? exportCountsPhrase(run)
    : `read ${run.read}, created ${run.created}, updated ${run.updated}, deleted ${run.deleted}, unchanged ${run.unchanged}, rejected ${run.rejected - run.held}${run.held ? `, held ${run.held} (codes not mapped yet, or periods not over)` : ''}`;

function runLines(run: RunSummary): string[] {
  return [
    `Run #${run.id} of "${run.jobName}": ${runStatusWords(run)}`,
    countsLine(run),
    ...(run.error ? [run.error] : []),
    ...(run.rejected ? [`See the ${run.rejected > run.held ? 'rejected' : 'held'} rows with: esg-sync history show ${run.id}`] : []),
    // A database run's held rows are read again by the job's next run (from the held row's watermark); only a file is sent again by retry.
    ...(run.held
      ? [
          run.file
            ? `Once the codes are mapped, send the held rows with: esg-sync history retry ${run.id} (rows held for a period not over yet are sent by the agent once it is)`
            : "Once the codes are mapped (or the periods are over), the job's next run reads the held rows again and sends them.",
        ]
      : []),
  ];
}

/**
 * 0 done, 1 rows rejected or held for codes not mapped, 2 a person must decide (needs attention,
 * or not the platform's fault), 3 the platform failed. Rows only waiting for their period to end
 * are not a failure: a job run by cron every quarter of an hour would otherwise exit 1 all month.
 */
function exitCodeOf(run: RunSummary): number {
  if (run.status === 'failed') return exitCodeForFailedRun(run.error);
  if (run.status === 'needs_attention') return EXIT.usage;
  return run.status === 'succeeded_with_rejections' ? EXIT.rejectedRows : EXIT.ok;
}

/**
 * Prints finished runs ("Run now" on a folder takes every waiting file, a run each) and ends the
 * command with the worst outcome as the exit code, so a script never misses a file's rejected
 * rows behind a later clean run. With --json the last run's fields are printed, as for a single
 * run, and `runs` lists every run of the command (the exit code may come from an earlier one).
 */
export function finishWithRuns(out: Output, runs: RunSummary[]): void {
  const last = runs[runs.length - 1];
  if (!last) return;
  out.print({ ...last, runs }, () => [...(runs.length > 1 ? [`${runs.length} runs, one per waiting file:`, ''] : []), ...runs.flatMap((r, i) => [...(i ? [''] : []), ...runLines(r)])].join('\n'));
  const code = Math.max(...runs.map(exitCodeOf));
  if (code !== EXIT.ok) throw Object.assign(new CliError('', code), { silent: true });
}

/** One finished run: printed, and its outcome as the exit code. */
export const finishWithRun = (out: Output, run: RunSummary): void => finishWithRuns(out, [run]);
