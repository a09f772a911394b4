import type { RunSummary } from '../../shared/api';
import { CliError, EXIT, exitCodeForFailedRun } from './exit-codes';
import type { Output } from './output';

/** The counts of a run in one line, as `run` and `history` print them. */
export const countsLine = (run: RunSummary): string =>
  `read ${run.read}, created ${run.created}, updated ${run.updated}, deleted ${run.deleted}, unchanged ${run.unchanged}, rejected ${run.rejected}${run.held ? ` (${run.held} held: codes not mapped yet)` : ''}`;

/**
 * Prints a finished run and ends the command with its outcome as the exit code: 0 done, 1 rows
 * rejected or held, 2 a person must decide (needs attention), 3 the platform failed.
 */
export function finishWithRun(out: Output, run: RunSummary): void {
  out.print(run, () =>
    [
      `Run #${run.id} of "${run.jobName}": ${run.status.replace(/_/g, ' ')}`,
      countsLine(run),
      ...(run.error ? [run.error] : []),
      ...(run.rejected ? [`See the rejected rows with: esg-sync history show ${run.id}`] : []),
      ...(run.held ? [`Once the codes are mapped, send the held rows with: esg-sync history retry ${run.id}`] : []),
    ].join('\n'),
  );
  if (run.status === 'failed') throw Object.assign(new CliError('', exitCodeForFailedRun(run.error)), { silent: true });
  if (run.status === 'needs_attention') throw Object.assign(new CliError('', EXIT.usage), { silent: true });
  if (run.rejected > 0) throw Object.assign(new CliError('', EXIT.rejectedRows), { silent: true });
}
