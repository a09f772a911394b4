import { basename } from 'node:path';
import type { RunSummary } from '../../../shared/api';
import { JobConfig } from '../../../shared/jobs';
import { findProfileForHeader, parseProfile } from '../../../shared/mapping';
import type { RunTrigger } from '../../../shared/domain';
import { ApiError } from '../../../shared/rpc';
import { ConnectionService } from '../connections';
import type { Engine } from '../engine';
import { FolderWatcher, type FileLedger, type ReadyFile } from '../sources/folder';
import { openReader } from '../sources/readers';
import type { SourceRecord } from '../store';
import { describeStoreFault, storeFaultOf } from '../store-faults';
import { JobRunner, type RunRequest } from './job-runner';
import { RunQueue } from './run-queue';
import { Scheduler } from './scheduler';
import { pruneStaging } from './staging';

/** Pauses before trying again when the agent's own store refused a write (disk full, locked...). */
export const STORE_RETRY_DELAYS_MS = [5_000, 15_000, 30_000, 60_000];
const MAX_STORE_RETRIES = 60;

type QueuedRequest = RunRequest & { done?: (r: RunSummary) => void; fail?: (e: unknown) => void; storeRetries?: number; lateBecause?: string };

/** Where the scheduler keeps a job's last handled slot; cleared when the schedule changes. */
export const SLOT_KEY = (jobId: string) => `schedule.lastSlot.${jobId}`;

/**
 * Everything that makes runs happen on their own: the scheduler, one folder watcher per
 * watched folder, and the queue that keeps one run per job. Started by the agent and the
 * desktop app; the CLI's one-off commands use JobRunner directly.
 */
export class SyncService {
  readonly runner: JobRunner;
  private readonly queue: RunQueue<QueuedRequest>;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly scheduler: Scheduler;
  private readonly watchers = new Map<string, FolderWatcher>();
  private readonly deferred: RunRequest[] = [];
  private readonly abort = new AbortController();
  private unsubscribe: (() => void) | null = null;
  private started = false;

  constructor(
    private readonly engine: Engine,
    connections?: ConnectionService,
  ) {
    const service = connections ?? new ConnectionService({ store: engine.store, secrets: () => engine.secrets(), clock: engine.clock, logger: engine.logger });
    this.runner = new JobRunner(engine, service);
    this.queue = new RunQueue(async (q) => {
      const { done, fail, storeRetries, lateBecause, ...request } = q.request;
      try {
        const summary = await this.runner.run({ ...request, signal: this.abort.signal });
        if (lateBecause) this.noteLateStart(summary, lateBecause);
        done?.(summary);
      } catch (err) {
        const fault = storeFaultOf(err);
        if (!fault) {
          this.engine.logger.error({ err: err instanceof Error ? err.message : String(err), jobId: q.jobId }, 'run could not start');
          fail?.(err);
          return;
        }
        // The store refused even the run's history row: not the job's fault. Say so, and try
        // again later so a file that arrived meanwhile is not forgotten.
        const message = describeStoreFault(fault, this.engine.dataDir, err);
        this.engine.logger.error({ err: err instanceof Error ? err.message : String(err), jobId: q.jobId, fault }, `run could not start: ${message}`);
        fail?.(new ApiError('store', message));
        if (request.trigger !== 'manual') this.retryLater(() => void this.trigger(request.jobId, request.trigger, { ...request, storeRetries: (storeRetries ?? 0) + 1, lateBecause: message } as Partial<RunRequest>)?.catch(() => undefined), storeRetries ?? 0);
      }
    });
    this.scheduler = new Scheduler({
      clock: engine.clock,
      jobs: () =>
        this.engine.store.jobs
          .list()
          .filter((j) => !j.paused)
          .flatMap((j) => {
            const c = JobConfig.safeParse(j.config);
            return c.success && c.data.schedule ? [{ id: j.id, schedule: c.data.schedule, timezone: c.data.timezone }] : [];
          }),
      fire: (jobId, trigger) => this.trigger(jobId, trigger),
      catchUp: () => this.engine.store.settings.get().catchUp,
      lastSlot: {
        get: (jobId) => {
          const v = this.engine.store.settings.getRaw(SLOT_KEY(jobId));
          return typeof v === 'number' ? v : null;
        },
        set: (jobId, slot) => this.engine.store.settings.setRaw(SLOT_KEY(jobId), slot),
      },
      log: (message, data) => this.engine.logger.info(data ?? {}, message),
    });
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // No run is in flight yet (one agent per data folder): staging rows are leftovers of a killed process.
    const pruned = pruneStaging(this.engine.store.db, []);
    if (pruned) this.engine.logger.info({ rows: pruned }, 'removed staged rows left by runs of an earlier process');
    this.scheduler.start();
    await this.armWatchers();
    this.unsubscribe = this.engine.events.subscribe((event) => {
      if (event === 'source.changed') this.armWatchers().catch((err: unknown) => this.engine.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'watched folders could not be updated'));
      if (event === 'engine.changed' && !this.engine.isPaused()) this.releaseDeferred();
    });
    // Batches a killed agent left unanswered are resent now, not at the job's next slot.
    for (const job of this.engine.store.jobs.list()) {
      if (!job.paused && this.engine.store.outbox.pending(job.id).length) this.trigger(job.id, 'catch-up');
    }
  }

  /** Queue a run. Scheduled and manual triggers coalesce into one follow-up per job. */
  trigger(jobId: string, trigger: RunTrigger, extra: Partial<RunRequest> = {}): Promise<RunSummary> | null {
    const job = this.engine.store.jobs.get(jobId);
    if (!job) return null;
    const request: RunRequest = { jobId: job.id, trigger, ...extra };
    if (this.engine.isPaused() && trigger !== 'manual') {
      if (trigger === 'file') this.deferred.push(request);
      this.engine.logger.info({ jobId, trigger }, 'syncs are paused; run deferred');
      return null;
    }
    return new Promise<RunSummary>((resolve, reject) => {
      const queued = this.queue.enqueue(
        { jobId: job.id, connectionId: job.connectionId, request: { ...request, done: resolve, fail: reject } },
        { coalesce: trigger !== 'file' },
      );
      if (!queued) reject(new Error(`A run of "${job.name}" is already waiting to start.`));
    });
  }

  isRunning(jobId: string): boolean {
    return this.queue.isRunning(jobId);
  }

  idle(): Promise<void> {
    return this.queue.onIdle();
  }

  /** Runs `fn` after the next store-retry pause (given up after MAX_STORE_RETRIES). */
  private retryLater(fn: () => void, attempt: number): void {
    if (attempt >= MAX_STORE_RETRIES || this.abort.signal.aborted) return;
    const delay = STORE_RETRY_DELAYS_MS[Math.min(attempt, STORE_RETRY_DELAYS_MS.length - 1)]!;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      fn();
    }, delay);
    timer.unref();
    this.retryTimers.add(timer);
  }

  private noteLateStart(summary: RunSummary, why: string): void {
    try {
      this.engine.store.runs.addEvent(summary.id, this.engine.clock.now().toISOString(), 'warn', `This run started late because an earlier attempt could not be recorded: ${why}`);
    } catch (err) {
      this.engine.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not note the late start in history');
    }
  }

  /** Event handlers run outside any caller: a store fault there is logged, never thrown into the process. */
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.engine.logger.warn({ err: err instanceof Error ? err.message : String(err) }, `${what} failed`);
    }
  }

  private releaseDeferred(): void {
    for (const r of this.deferred.splice(0)) void this.trigger(r.jobId, r.trigger, r)?.catch(() => undefined);
  }

  /** One watcher per folder source that some unpaused job takes files from. */
  private async armWatchers(): Promise<void> {
    const wanted = new Map<string, SourceRecord>();
    for (const job of this.engine.store.jobs.list()) {
      if (job.type !== 'ingest' || job.paused || !job.sourceId) continue;
      const config = JobConfig.safeParse(job.config);
      if (!config.success || !config.data.onFileArrival) continue;
      const source = this.engine.store.sources.get(job.sourceId);
      if (source && source.kind === 'folder' && !source.paused) wanted.set(source.id, source);
    }
    for (const [id, watcher] of this.watchers) {
      if (!wanted.has(id)) {
        this.watchers.delete(id);
        await watcher.stop();
        this.engine.store.sources.setStatus(id, 'idle', null);
      }
    }
    for (const source of wanted.values()) {
      if (this.watchers.has(source.id)) continue;
      const c = source.config;
      const watcher = new FolderWatcher(
        {
          path: String(c.path),
          recursive: Boolean(c.recursive),
          include: Array.isArray(c.include) ? (c.include as string[]) : undefined,
          exclude: Array.isArray(c.exclude) ? (c.exclude as string[]) : undefined,
          stableMs: typeof c.stableMs === 'number' ? c.stableMs : undefined,
          usePolling: Boolean(c.usePolling),
          pollIntervalMs: typeof c.pollIntervalMs === 'number' ? c.pollIntervalMs : undefined,
        },
        { ledger: this.fileLedger(source.id), logger: this.engine.logger },
      );
      watcher.on('status', (status, message) => this.guard('recording the folder status', () => this.engine.store.sources.setStatus(source.id, status, message ?? null)));
      watcher.on('file-ready', (file) => this.takeFile(source, file, 0));
      watcher.on('file-duplicate', (file) => {
        this.engine.logger.info({ path: file.path }, 'file content already processed; not synced again');
        this.guard('recording a duplicate file', () =>
          this.engine.store.sources.recordFile(source.id, { path: file.path, sha256: file.sha256, size: file.size, seenAt: this.engine.clock.now().toISOString(), status: 'duplicate' }),
        );
      });
      watcher.on('file-error', (e) => this.engine.logger.warn(e, 'file could not be read'));
      this.watchers.set(source.id, watcher);
      await watcher.start();
    }
  }

  private fileLedger(sourceId: string): FileLedger {
    const sources = this.engine.store.sources;
    return {
      lookup: (sha256) => {
        const f = sources.fileByHash(sourceId, sha256);
        if (!f || (f.status !== 'processed' && f.status !== 'failed')) return null;
        return { sha256, path: f.path, size: 0, outcome: f.status, recordedAt: '' };
      },
      record: () => undefined, // the runner records the outcome with its run id
    };
  }

  /** onFile, retried later when the store refuses to record the file (locked, disk full). */
  private takeFile(source: SourceRecord, file: ReadyFile, attempt: number): void {
    this.onFile(source, file).catch((err: unknown) => {
      const fault = storeFaultOf(err);
      this.engine.logger.error({ err: err instanceof Error ? err.message : String(err), file: file.path, fault }, fault ? describeStoreFault(fault, this.engine.dataDir, err) : 'a ready file could not be queued');
      if (fault) this.retryLater(() => this.takeFile(source, file, attempt + 1), attempt);
    });
  }

  /** A fully written file: find the job whose mapping matches its header, and queue it. */
  private async onFile(source: SourceRecord, file: ReadyFile): Promise<void> {
    const { store } = this.engine;
    store.sources.recordFile(source.id, { path: file.path, sha256: file.sha256, size: file.size, seenAt: this.engine.clock.now().toISOString(), status: 'pending' });
    const jobs = store.jobs.list().filter((j) => j.sourceId === source.id && j.type === 'ingest' && !j.paused);
    let job = jobs.length === 1 ? jobs[0] : undefined;
    if (jobs.length > 1) {
      let headers: string[];
      try {
        const reader = await openReader(file.path, {});
        headers = reader.info.headers;
        await reader.close();
      } catch {
        headers = [];
      }
      const profiles = jobs.flatMap((j) => {
        const m = j.mappingId ? store.mappings.get(j.mappingId) : null;
        if (!m) return [];
        try {
          return [{ job: j, headerFingerprint: parseProfile(m.profile).headerFingerprint }];
        } catch {
          return [];
        }
      });
      job = findProfileForHeader(profiles, headers)?.job ?? jobs[0];
    }
    if (!job) {
      this.engine.logger.info({ file: basename(file.path) }, 'file arrived in a folder no job takes files from');
      return;
    }
    void this.trigger(job.id, 'file', { file: { path: file.path, sha256: file.sha256, size: file.size } })?.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.scheduler.stop();
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.unsubscribe?.();
    await Promise.all([...this.watchers.values()].map((w) => w.stop()));
    this.watchers.clear();
    // Runs in flight are told to stop; what they sent is safe in the outbox and resent next start.
    this.abort.abort();
    await Promise.race([this.queue.onIdle(), new Promise((r) => setTimeout(r, 5000).unref())]);
  }
}
