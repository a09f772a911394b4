/**
 * History retention (Settings: keep N days, keep N runs) and incremental vacuum.
 *
 * Finished runs older than the day limit or beyond the newest N runs are removed in bounded
 * steps, yielding to the event loop between them, so a large clean-up never holds the write lock
 * long enough to stall a running sync: first their row errors (the bulk of history), then their
 * platform requests and events, then the runs themselves. A crash half way leaves runs without
 * some details, never details without a run. Afterwards the freed pages are handed back to the
 * file system with `PRAGMA incremental_vacuum`, also in steps, and the WAL is checkpointed so
 * the file really shrinks.
 */
import type { Logger } from 'pino';
import type { Settings } from '../../../shared/api';
import { incrementalVacuumEnabled } from './database';
import { RUN_DETAIL_TABLES, type RunDetailTable } from './runs-repo';
import type { Store } from './index';

export interface RetentionResult {
  runs: number;
  rowErrors: number;
  requests: number;
  events: number;
  freedPages: number;
  vacuumEnabled: boolean;
  durationMs: number;
}

export interface PruneOptions {
  /** Rows deleted per step (one short write transaction each). */
  chunk?: number;
  /** Pages released per `incremental_vacuum` step. */
  vacuumPages?: number;
  /** Called between steps; the default yields to the event loop. */
  pause?: () => Promise<void>;
  /** Stops between steps when it returns true (engine shutting down). */
  cancelled?: () => boolean;
}

/** Expired runs taken per step (their details are deleted `chunk` rows at a time). */
const RUNS_PER_STEP = 200;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const RESULT_KEY: Record<RunDetailTable, 'rowErrors' | 'requests' | 'events'> = {
  row_errors: 'rowErrors',
  run_requests: 'requests',
  run_events: 'events',
};

export async function pruneHistory(
  store: Store,
  policy: Pick<Settings, 'retentionDays' | 'retentionRuns'>,
  now: Date,
  opts: PruneOptions = {},
): Promise<RetentionResult> {
  const started = Date.now();
  // 500 rows per step keeps each write transaction around 0.1 s on a busy machine (measured: 1M row errors, 112 MB → 11 MB).
  const chunk = opts.chunk ?? 500;
  const pause = opts.pause ?? yieldToLoop;
  const cancelled = opts.cancelled ?? (() => false);
  const result: RetentionResult = { runs: 0, rowErrors: 0, requests: 0, events: 0, freedPages: 0, vacuumEnabled: false, durationMs: 0 };
  const olderThanIso = new Date(now.getTime() - policy.retentionDays * 86_400_000).toISOString();
  const where = store.runs.retentionWhere({ olderThanIso, keepRuns: policy.retentionRuns });

  // Each table is walked once through the expired runs by id, so no step rescans emptied runs.
  for (const table of RUN_DETAIL_TABLES) {
    for (let ids = store.runs.expiredRunIds(where, 0, RUNS_PER_STEP); ids.length; ids = store.runs.expiredRunIds(where, ids[ids.length - 1]!, RUNS_PER_STEP)) {
      for (;;) {
        if (cancelled()) return finish();
        const n = store.runs.deleteDetails(table, ids, chunk);
        result[RESULT_KEY[table]] += n;
        await pause();
        if (n < chunk) break;
      }
    }
  }
  for (;;) {
    if (cancelled()) return finish();
    const ids = store.runs.expiredRunIds(where, 0, Math.min(chunk, RUNS_PER_STEP));
    if (!ids.length) break;
    result.runs += store.runs.deleteRuns(ids);
    await pause();
  }
  // Answered outbox batches are only a record of idempotency keys used; they age out with history.
  store.outbox.pruneDone(olderThanIso);

  result.vacuumEnabled = incrementalVacuumEnabled(store.db);
  const removedSomething = result.runs + result.rowErrors + result.requests + result.events > 0;
  if (result.vacuumEnabled && (removedSomething || freelistCount(store) > 0)) {
    result.freedPages = await incrementalVacuum(store, opts.vacuumPages ?? 256, pause, cancelled);
    // In WAL mode the file is truncated when the vacuum's pages are checkpointed back into it.
    store.db.pragma('wal_checkpoint(TRUNCATE)');
  }
  return finish();

  function finish(): RetentionResult {
    result.durationMs = Date.now() - started;
    return result;
  }
}

function freelistCount(store: Store): number {
  return store.db.pragma('freelist_count', { simple: true }) as number;
}

async function incrementalVacuum(store: Store, pagesPerStep: number, pause: () => Promise<void>, cancelled: () => boolean): Promise<number> {
  let freed = 0;
  for (;;) {
    const before = freelistCount(store);
    if (before === 0 || cancelled()) return freed;
    store.db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pagesPerStep))})`);
    const after = freelistCount(store);
    freed += before - after;
    if (after >= before) return freed; // nothing more it can release
    await pause();
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** "3 runs, 120 row errors and 30 run events": what a pass removed, or '' when it removed nothing. */
export function describeRemoved(r: Pick<RetentionResult, 'runs' | 'rowErrors' | 'requests' | 'events'>): string {
  const parts = [
    r.runs ? plural(r.runs, 'run') : '',
    r.rowErrors ? plural(r.rowErrors, 'row error') : '',
    r.requests ? plural(r.requests, 'platform request record') : '',
    r.events ? plural(r.events, 'run event') : '',
  ].filter(Boolean);
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}` : (parts[0] ?? '');
}

export interface HistoryMaintenanceOptions {
  store: Store;
  settings: () => Pick<Settings, 'retentionDays' | 'retentionRuns'>;
  now: () => Date;
  logger?: Logger;
  /** First run after start (default 5 s, so start-up and catch-up runs come first). */
  startDelayMs?: number;
  /** Then every (default 24 h). */
  intervalMs?: number;
  /**
   * Removes old files from the folder sources' processed/ and failed/ (sources/folder/cleanup.ts,
   * which logs what it removed) and says how many went. Given by the engine: the store does not
   * reach into watched folders itself.
   */
  cleanUpFolders?: (now: Date, cancelled: () => boolean) => Promise<number>;
}

/** One maintenance pass: history retention, and the old folder files removed beside it. */
export type MaintenanceResult = RetentionResult & { folderFiles: number };

/** Runs retention (and the folder clean-up) at engine start and then daily; one pass at a time. */
export class HistoryMaintenance {
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<MaintenanceResult> | null = null;
  private stopped = false;

  constructor(private readonly o: HistoryMaintenanceOptions) {}

  start(): void {
    if (this.stopped || this.timers.length) return;
    const tick = () => void this.runNow().catch(() => undefined);
    const first = setTimeout(tick, this.o.startDelayMs ?? 5000);
    const daily = setInterval(tick, this.o.intervalMs ?? 86_400_000);
    // Maintenance never keeps a process alive (a one-off CLI command ends when its work is done).
    first.unref();
    daily.unref();
    this.timers = [first, daily];
  }

  /** Prunes now; joins a pass already under way rather than starting a second one. */
  runNow(): Promise<MaintenanceResult> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        const history = await this.pruneHistory().then(
          (r) => ({ ok: true as const, r }),
          (err: unknown) => ({ ok: false as const, err }),
        );
        // Even when history could not be pruned (a busy database, say), old files still go: a full disk is worse.
        const folderFiles = await this.cleanUpFolders();
        if (!history.ok) throw history.err;
        return { ...history.r, folderFiles };
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Never throws: a failure is logged, and counts as nothing removed. */
  private async cleanUpFolders(): Promise<number> {
    if (!this.o.cleanUpFolders || this.stopped) return 0;
    try {
      return await this.o.cleanUpFolders(this.o.now(), () => this.stopped);
    } catch (err) {
      this.o.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'the clean-up of old files in processed/ and failed/ could not finish; it is tried again at the next daily pass');
      return 0;
    }
  }

  private async pruneHistory(): Promise<RetentionResult> {
    try {
      const policy = this.o.settings();
      const r = await pruneHistory(this.o.store, policy, this.o.now(), { cancelled: () => this.stopped });
      const removed = describeRemoved(r);
      if (removed) {
        const kept = `keeping ${plural(policy.retentionDays, 'day')} and at most the newest ${plural(policy.retentionRuns, 'run')}`;
        const freed = r.freedPages ? `; ${plural(r.freedPages, 'page')} returned to the file system` : '';
        this.o.logger?.info({ retention: { ...policy }, removed: r }, `history retention removed ${removed} (${kept})${freed}`);
      } else if (r.freedPages) {
        // Free pages left by other work (a run's staging table); no history was removed.
        this.o.logger?.debug({ freedPages: r.freedPages }, `database free space returned to the file system (${plural(r.freedPages, 'page')}); no history was old enough to remove`);
      }
      if (!r.vacuumEnabled) {
        this.o.logger?.warn('the database is not yet in incremental-vacuum mode (it needs free disk space about the size of the database to convert); old history is removed but the file does not shrink until the next start converts it');
      }
      return r;
    } catch (err) {
      this.o.logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'history retention failed; it is tried again at the next daily pass');
      throw err;
    }
  }

  /** Stops the timers and waits for a pass in progress to reach its next step boundary. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await this.running?.catch(() => undefined);
  }
}
