import { CronExpressionParser } from 'cron-parser';
import type { JobCatchUp } from '../../../shared/jobs';
import type { Clock } from '../store/clock';

export interface ScheduledJob {
  id: string;
  schedule: string;
  timezone: string;
  /** The job's own choice for missed slots; absent or 'default' follows `SchedulerOptions.catchUp`. */
  catchUp?: JobCatchUp;
}

export interface SchedulerOptions {
  clock: Clock;
  jobs: () => ScheduledJob[];
  fire: (jobId: string, trigger: 'schedule' | 'catch-up') => void;
  /** The agent's setting for slots missed while asleep or stopped, for jobs that have no choice of their own. */
  catchUp: () => 'run-once' | 'skip';
  /** The last slot handled per job, persisted so a restart knows what it missed. */
  lastSlot: { get(jobId: string): number | null; set(jobId: string, slotMs: number): void };
  tickMs?: number;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

const CRON_FIELDS = ['minute', 'hour', 'day of month', 'month', 'day of week'];

/**
 * Why a schedule cannot be used, in words; null when it can. Exactly five fields: the parser also
 * takes four (filling in the rest, so "0 6 * *" — a day-of-week forgotten — ran every minute of
 * the 6th) and six (a leading seconds field, so "0 6 * * * *" ran hourly): both are typos far more
 * often than intent.
 */
export function validateCron(expr: string, timezone: string): string | null {
  const fields = expr.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== CRON_FIELDS.length) {
    return `A schedule has five fields (${CRON_FIELDS.join(', ')}), e.g. "0 6 * * 1-5" for 06:00 on weekdays; "${expr.trim()}" has ${fields.length === 1 ? 'one' : fields.length}.`;
  }
  try {
    CronExpressionParser.parse(expr, { tz: timezone, currentDate: new Date() }).next();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export function nextRuns(expr: string, timezone: string, from: Date, count: number): string[] {
  const it = CronExpressionParser.parse(expr, { tz: timezone, currentDate: from });
  return Array.from({ length: count }, () => it.next().toDate().toISOString());
}

/** The most recent slot at or before `at` (first sight of a job: nothing is fired for it). */
function latestSlot(expr: string, timezone: string, at: Date): number {
  return CronExpressionParser.parse(expr, { tz: timezone, currentDate: new Date(at.getTime() + 1) }).prev().toDate().getTime();
}

/**
 * The slots after `handled` up to `at`: the latest of them and whether there was more than one.
 * Walked forwards with next(), whose DST handling is the one to trust: a local time the spring
 * change skips moves to just after it (once), and a local time the autumn change repeats comes
 * once. (prev() drops the first and yields the second twice.)
 */
function slotsAfter(expr: string, timezone: string, handled: number, at: Date): { latest: number | null; missedMore: boolean; first: number } {
  const it = CronExpressionParser.parse(expr, { tz: timezone, currentDate: new Date(handled) });
  const nowMs = at.getTime();
  let latest: number | null = null;
  let first = NaN;
  for (let n = 0; n < 2; n++) {
    const s = it.next().toDate().getTime();
    if (n === 0) first = s;
    if (s > nowMs) return { latest, missedMore: false, first };
    latest = s;
  }
  // Two or more passed (sleep, a stopped agent, a clock jump): only the newest matters now.
  return { latest: Math.max(latest!, latestSlot(expr, timezone, at)), missedMore: true, first };
}

/**
 * Wall-clock scheduler. Each tick asks every job for its latest cron slot at or before now; a
 * slot newer than the last one handled fires once. If more than one slot was passed (the
 * machine slept, the agent was stopped, the clock jumped forward) the job runs once as a
 * catch-up, or not at all when catch-up is off (the job's own choice, else the agent's). A
 * clock that jumps backwards finds only slots already handled, so nothing runs twice. Time zones
 * and DST come from cron-parser.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private lastTick: number | null = null;
  private readonly tickMs: number;
  /**
   * Per job, the first slot after the one handled: until the clock reaches it nothing can be due,
   * so a tick skips the cron arithmetic (10 scheduled jobs cost ~10 parses a second otherwise).
   * Keyed by expression, zone and handled slot, so an edit or a fired slot recomputes it.
   */
  private readonly upcoming = new Map<string, { key: string; at: number }>();

  constructor(private readonly opts: SchedulerOptions) {
    this.tickMs = opts.tickMs ?? 1000;
  }

  start(): void {
    this.safeTick();
    this.timer = setInterval(() => this.safeTick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A tick that cannot read or write its state (store locked, disk full) tries again next tick. */
  private safeTick(): void {
    try {
      this.tick();
    } catch (err) {
      this.opts.log?.('scheduler tick failed; trying again at the next tick', { err: err instanceof Error ? err.message : String(err) });
    }
  }

  tick(): void {
    const now = this.opts.clock.now();
    const nowMs = now.getTime();
    if (this.lastTick !== null) {
      const gap = nowMs - this.lastTick;
      if (gap > this.tickMs * 5 + 5000) this.opts.log?.('clock jumped forward or the computer woke from sleep', { gapMs: gap });
      else if (gap < -5000) this.opts.log?.('clock jumped backwards', { gapMs: gap });
    }
    this.lastTick = nowMs;
    for (const job of this.opts.jobs()) {
      const handled = this.opts.lastSlot.get(job.id);
      let due: { latest: number | null; missedMore: boolean; first: number };
      try {
        if (handled === null) {
          // First sight of this job: slots before it existed are not "missed".
          this.opts.lastSlot.set(job.id, latestSlot(job.schedule, job.timezone, now));
          continue;
        }
        const key = `${job.schedule}\u0000${job.timezone}\u0000${handled}`;
        const known = this.upcoming.get(job.id);
        if (known && known.key === key && nowMs < known.at) continue;
        due = slotsAfter(job.schedule, job.timezone, handled, now);
        this.upcoming.set(job.id, { key, at: due.first });
      } catch {
        continue; // an invalid expression was refused when saved; ignore defensively
      }
      const { latest, missedMore } = due;
      // Nothing new since the last slot handled — including after the clock was set back.
      if (latest === null || latest <= handled) continue;
      this.opts.lastSlot.set(job.id, latest);
      const late = nowMs - latest > this.tickMs * 5 + 5000;
      if (!missedMore && !late) {
        this.opts.fire(job.id, 'schedule');
        continue;
      }
      const own = job.catchUp === 'run-once' || job.catchUp === 'skip' ? job.catchUp : null;
      if ((own ?? this.opts.catchUp()) === 'run-once') this.opts.fire(job.id, 'catch-up');
      // Which setting made the skip, so a person reading the log knows where to change it.
      else if (own) this.opts.log?.('missed runs skipped (the job is set to skip them)', { jobId: job.id, reason: 'job' });
      else this.opts.log?.("missed runs skipped (catch-up is off in the agent's settings)", { jobId: job.id, reason: 'global' });
    }
  }
}
