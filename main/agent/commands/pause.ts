import type { Command } from 'commander';
import type { EngineStatus } from '../../../shared/api';
import { callEngine } from '../engine-call';
import { CliError } from '../exit-codes';
import type { GlobalContext } from '../context';
import { cliTime } from '../time';

/** The longest pause the engine accepts (30 days), in minutes. */
const MAX_MINUTES = 60 * 24 * 30;

export function parseMinutes(raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new CliError(`--minutes takes a whole number of minutes, like 60; "${raw}" is not one.`);
  const n = Number(raw.trim());
  if (n < 1 || n > MAX_MINUTES) throw new CliError(`--minutes must be between 1 and ${MAX_MINUTES} (30 days); use --until-resumed for longer.`);
  return n;
}

/** One sentence for the state a pause or resume left the agent in. */
export function describePause(status: Pick<EngineStatus, 'pausedUntil'>): string {
  if (status.pausedUntil === null) return 'Syncs are running: schedules and file arrivals start runs again.';
  if (status.pausedUntil === 'forever') return 'All syncs are paused until you run `esg-sync resume`. Scheduled and file-triggered runs wait; `esg-sync run JOB` still works.';
  return `All syncs are paused until ${cliTime(status.pausedUntil)}. Scheduled and file-triggered runs wait; \`esg-sync run JOB\` still works.`;
}

/**
 * `esg-sync pause` and `esg-sync resume`: the global pause of every schedule and folder trigger.
 * Through callEngine, so a running agent is paused at once; without one, the pause is saved in the
 * data folder and the next agent starts paused.
 */
export function registerPause(program: Command, ctx: () => GlobalContext): void {
  program
    .command('pause')
    .description('pause all scheduled and file-triggered syncs (until resumed, or for N minutes)')
    .option('--minutes <n>', 'resume by itself after N minutes (1 to 43200)')
    .option('--until-resumed', 'stay paused until `esg-sync resume` (the default)')
    .action(async (o: { minutes?: string; untilResumed?: boolean }) => {
      if (o.minutes !== undefined && o.untilResumed) throw new CliError('Use either --minutes N or --until-resumed, not both.');
      const minutes = o.minutes === undefined ? null : parseMinutes(o.minutes);
      const { dataDir, out } = ctx();
      const status = await callEngine(dataDir, 'engine.pause', { minutes });
      out.print({ pausedUntil: status.pausedUntil }, () => describePause(status));
    });

  program
    .command('resume')
    .description('resume syncs after `esg-sync pause`')
    .action(async () => {
      const { dataDir, out } = ctx();
      const status = await callEngine(dataDir, 'engine.resume', {});
      out.print({ pausedUntil: status.pausedUntil }, () => describePause(status));
    });
}
