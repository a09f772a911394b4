import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { RunSummary, SourceInfo } from '../../../shared/api';
import { JobConfig } from '../../../shared/jobs';
import { plural } from '../../../shared/plural';
import { findProfileForHeader, parseProfile } from '../../../shared/mapping';
import type { RunTrigger } from '../../../shared/domain';
import { ApiError } from '../../../shared/rpc';
import { ConnectionService } from '../connections';
import { REFUSED_BY_RUN } from '../../../shared/attention';
import type { Engine } from '../engine';
import { disposeFileIn, FolderWatcher, type FileLedger, type FolderWatcherOptions, type ReadyFile } from '../sources/folder';
import { openReader } from '../sources/readers';
import { readerOptions } from '../sources/service';
import type { JobRecord, SourceRecord } from '../store';
import { describeStoreFault, storeFaultOf } from '../store-faults';
import { JobRunner, type RunRequest } from './job-runner';
import { RunQueue } from './run-queue';
import { nextRuns, Scheduler } from './scheduler';
import { readCheckpoint } from './upload-ingest';
import { pruneStaging } from './staging';
import { takeWaitingFiles } from './waiting-files';
import { HELD_DUE_CHECK_MS, sendDueHeldRows } from './held-due';

/** Pauses before trying again when the agent's own store refused a write (disk full, locked...). */
export const STORE_RETRY_DELAYS_MS = [5_000, 15_000, 30_000, 60_000];
const MAX_STORE_RETRIES = 60;

/**
 * Pauses before a file kept after a failure that was not the file's fault (platform outage,
 * store refusal) is tried again on its own: 1, 5, 15, 60 minutes, then hourly.
 */
export const FILE_RETRY_DELAYS_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];

/**
 * Pauses before a scheduled run of a database or export job that failed for a reason that may
 * pass (platform or database down, a lock) is tried again: 1, 5, 15, 60 minutes, then the job
 * waits for its next slot. A daily export that met a two-minute outage at 06:00 is not a day late.
 */
export const RUN_RETRY_DELAYS_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];

export interface SyncServiceOptions {
  /** Overrides FILE_RETRY_DELAYS_MS (tests); the last delay repeats. */
  fileRetryDelaysMs?: number[];
  /** Overrides RUN_RETRY_DELAYS_MS (tests): one retry per entry. */
  runRetryDelaysMs?: number[];
}

type QueuedRequest = RunRequest & {
  done?: (r: RunSummary) => void;
  fail?: (e: unknown) => void;
  storeRetries?: number;
  lateBecause?: string;
  /** How many automatic retries of this file came before this run. */
  fileRetries?: number;
  /** How many automatic retries of this scheduled run came before this one. */
  runRetries?: number;
  /** A folder job's "Run now" that found no waiting file: resend the outbox only. */
  outboxOnly?: boolean;
};

/** Where the scheduler keeps a job's last handled slot; cleared when the schedule changes. */
export const SLOT_KEY = (jobId: string) => `schedule.lastSlot.${jobId}`;

/**
 * After the platform refused a connection's secret, its jobs' scheduled slots try again at most
 * this often: the same secret is refused every time (a job every five minutes would sign in wrongly
 * 288 times a day, which identity providers flag or lock), until a person rotates it or Test
 * passes — which clears the refusal at once. Runs by hand and file arrivals are not held back.
 */
export const SIGN_IN_RETRY_MS = 60 * 60_000;

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
  /** The settings each watcher was started with, so a source changed in place is watched anew. */
  private readonly watching = new Map<string, string>();
  private readonly deferred: RunRequest[] = [];
  private readonly abort = new AbortController();
  private unsubscribe: (() => void) | null = null;
  private started = false;
  /** Per folder source: content hash → path of each file queued or running, so one content never runs twice at once. */
  private readonly inFlight = new Map<string, Map<string, string>>();
  /** Folder scans of a slot or Run now that have not queued (and finished) their runs yet. */
  private readonly scans = new Set<Promise<void>>();
  private heldDueTimer: NodeJS.Timeout | null = null;
  /** Kept files waiting for their automatic retry: the timer, the job, and the retry itself (to run it early). */
  private readonly fileRetryTimers = new Map<string, { timer: NodeJS.Timeout; jobId: string; fire: () => void }>();
  /**
   * A file several jobs' mappings read (a workbook's sheets, one mapping each), by `<source>:<content
   * hash>`: the jobs still to run on it after the current one. Each runs in turn; only the last
   * moves the file, and a run that failed keeps it (and the rest of the chain) for its retry.
   */
  private readonly fileChains = new Map<string, string[]>();
  private readonly fileRetryDelaysMs: number[];
  private readonly runRetryDelaysMs: number[];
  /** A job's armed retry of its failed scheduled run (one per job), and when it is due. */
  private readonly runRetryTimers = new Map<string, { timer: NodeJS.Timeout; at: string }>();
  private arming: Promise<void> = Promise.resolve();

  constructor(
    private readonly engine: Engine,
    connections?: ConnectionService,
    options: SyncServiceOptions = {},
  ) {
    this.fileRetryDelaysMs = options.fileRetryDelaysMs?.length ? options.fileRetryDelaysMs : FILE_RETRY_DELAYS_MS;
    this.runRetryDelaysMs = options.runRetryDelaysMs ?? RUN_RETRY_DELAYS_MS;
    const service = connections ?? new ConnectionService({ store: engine.store, secrets: () => engine.secrets(), clock: engine.clock, logger: engine.logger, onStatus: (e) => engine.events.emit('connection.status', e) });
    this.runner = new JobRunner(engine, service);
    this.queue = new RunQueue(async (q) => {
      const { done, fail, storeRetries, lateBecause, fileRetries, runRetries, outboxOnly: _outboxOnly, ...request } = q.request;
      try {
        const chainKey = request.file ? this.chainKeyOf(request.jobId, request.file.sha256) : null;
        const chain = chainKey ? this.fileChains.get(chainKey) : undefined;
        const startNote = runRetries ? `Automatic retry ${runRetries} of the ${request.trigger === 'catch-up' ? 'missed' : 'scheduled'} run that failed for a reason that may pass.` : undefined;
        const summary = await this.runner.run({ ...request, ...(chain?.length ? { keepFileFor: chain } : {}), ...(startNote ? { startNote } : {}), signal: this.abort.signal });
        this.landed(request);
        this.logFinished(summary);
        if (summary.status === 'succeeded' || summary.status === 'succeeded_with_rejections') this.retryKeptFilesNow(q.connectionId);
        if (chainKey && chain?.length && request.file && summary.status !== 'failed' && summary.status !== 'interrupted') {
          const [next, ...rest] = chain;
          if (rest.length) this.fileChains.set(chainKey, rest);
          else this.fileChains.delete(chainKey);
          void this.trigger(next!, 'file', { file: request.file })?.catch(() => undefined);
        } else if (chainKey && chain && summary.status === 'failed') {
          // Moved to failed/ (the file's own fault): no later job can take it; kept for a retry: the chain waits.
          const sourceId = chainKey.slice(0, chainKey.indexOf(':'));
          if (this.engine.store.sources.fileByHash(sourceId, request.file!.sha256)?.status !== 'pending') this.fileChains.delete(chainKey);
        }
        if (lateBecause) this.noteLateStart(summary, lateBecause);
        if (fileRetries && request.file) this.note(summary.id, 'info', `Automatic retry ${fileRetries} of ${basename(request.file.path)}: the earlier run failed for a reason outside the file.`);
        if (request.file) this.retryKeptFile(request.jobId, request.file, summary, fileRetries ?? 0);
        this.retryScheduledRun(request, summary, runRetries ?? 0);
        done?.(summary);
      } catch (err) {
        this.landed(request);
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
          .filter((j) => !j.paused && !this.sourcePaused(j))
          .flatMap((j) => {
            const c = JobConfig.safeParse(j.config);
            return c.success && c.data.schedule ? [{ id: j.id, schedule: c.data.schedule, timezone: c.data.timezone, catchUp: c.data.catchUp }] : [];
          }),
      fire: (jobId, trigger) => {
        // A slot that comes while the job's run is still going and its next one already waits is
        // that waiting run's: nothing more to do (and nothing may reject unheard: it would stop the agent).
        this.trigger(jobId, trigger)?.catch((err: unknown) => {
          const job = this.engine.store.jobs.get(jobId)?.name ?? jobId;
          const reason = err instanceof Error ? err.message : String(err);
          if (reason.includes('already waiting to start')) this.engine.logger.info({ jobId, job, trigger }, 'scheduled slot not run: a run of this job is still going and the next one already waits');
          else this.engine.logger.warn({ jobId, job, trigger, reason }, 'scheduled run could not be completed');
        });
      },
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
    await this.refreshWatchers();
    this.unsubscribe = this.engine.events.subscribe((event, payload) => {
      // A status change this service announced itself needs no re-arm.
      if (event === 'source.changed' && !this.announcing) void this.refreshWatchers();
      // Removing a connection with its jobs (force) removes jobs without a source.changed.
      if (event === 'connection.status' && (payload as { message?: string | null }).message === 'removed') void this.refreshWatchers();
      if (event === 'engine.changed' && !this.engine.isPaused()) this.releaseDeferred();
    });
    // Rows held until their period is over are sent once it is: looked for now and every hour.
    const sendDue = () => void sendDueHeldRows(this.engine, (jobId, extra) => this.trigger(jobId, 'held', extra)).catch((err: unknown) => this.engine.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'held rows could not be looked up'));
    this.heldDueTimer = setInterval(sendDue, HELD_DUE_CHECK_MS);
    this.heldDueTimer.unref();
    sendDue();
    // Batches a killed agent left unanswered, and file uploads it left unfinished, are completed
    // now, not at the job's next slot or file.
    for (const job of this.engine.store.jobs.list()) {
      if (!job.paused && (this.engine.store.outbox.pending(job.id).length || this.hasUnfinishedUpload(job.id))) void this.trigger(job.id, 'resume')?.catch(() => undefined);
    }
  }

  /**
   * Queue a run. Scheduled and manual triggers coalesce into one follow-up per job; a run for
   * a file whose content is already queued or running returns null. "Run now" on a folder job
   * also takes the files already waiting in the folder.
   */
  /** "Run now": every run it makes (one per waiting file of a folder job, else one), or null when none could start. */
  private sourcePaused(job: JobRecord): boolean {
    return job.type === 'ingest' && job.sourceId !== null && this.engine.store.sources.get(job.sourceId)?.paused === true;
  }

  runNow(jobId: string, extra: Partial<QueuedRequest> = {}): Promise<RunSummary[]> | null {
    const job = this.engine.store.jobs.get(jobId);
    if (!job) return null;
    const folder = this.folderOf(job);
    if (folder && !extra.file && !extra.outboxOnly) return this.runNowFolder(job, folder, extra);
    return this.trigger(jobId, 'manual', extra)?.then((run) => [run]) ?? null;
  }

  trigger(jobId: string, trigger: RunTrigger, extra: Partial<QueuedRequest> = {}): Promise<RunSummary> | null {
    const job = this.engine.store.jobs.get(jobId);
    if (!job) return null;
    // A paused source gives nothing on its own (schedule, catch-up, held rows coming due); a person's
    // Run now is refused before it gets here, with what to do (jobs.run).
    if (trigger !== 'manual' && this.sourcePaused(job)) {
      this.engine.logger.info({ jobId, job: job.name, trigger }, 'its source is paused; this run is not started');
      return null;
    }
    if ((trigger === 'schedule' || trigger === 'catch-up') && this.signInRefusedRecently(job)) return null;
    // A folder job's run by hand or by its schedule takes the files waiting in the folder.
    if ((trigger === 'manual' || trigger === 'schedule' || trigger === 'catch-up') && !extra.file && !extra.outboxOnly && this.folderOf(job)) {
      if (trigger !== 'manual' && this.engine.isPaused()) {
        this.engine.logger.info({ jobId, trigger }, 'syncs are paused; this slot is not run');
        return null;
      }
      const scan = this.runNowFolder(job, this.folderOf(job)!, extra, trigger);
      const tracked = scan.then(
        () => undefined,
        () => undefined,
      );
      this.scans.add(tracked);
      void tracked.finally(() => this.scans.delete(tracked));
      return scan.then((runs) => runs[runs.length - 1]!);
    }
    const request: QueuedRequest = { jobId: job.id, trigger, ...extra };
    const flights = request.file && job.sourceId ? this.flightsOf(job.sourceId) : null;
    if (flights && request.file) {
      if (flights.has(request.file.sha256)) return null;
      flights.set(request.file.sha256, request.file.path);
    }
    if (this.engine.isPaused() && trigger !== 'manual') {
      if (trigger === 'file') this.deferred.push(request);
      else if (request.file) flights?.delete(request.file.sha256);
      this.engine.logger.info({ jobId, trigger }, trigger === 'file' ? 'syncs are paused; the file waits until they resume' : 'syncs are paused; this slot is not run');
      return null;
    }
    return new Promise<RunSummary>((resolve, reject) => {
      const queued = this.queue.enqueue(
        { jobId: job.id, connectionId: job.connectionId, request: { ...request, done: resolve, fail: reject } },
        { coalesce: !request.file },
      );
      if (!queued) reject(new Error(`A run of "${job.name}" is already waiting to start.`));
    });
  }

  /** Whether the job's slot is skipped because a run was refused sign-in within the last SIGN_IN_RETRY_MS. */
  private signInRefusedRecently(job: JobRecord): boolean {
    const conn = this.engine.store.connections.get(job.connectionId);
    if (!conn || conn.lastTestOk !== false || !conn.lastTestAt || !conn.lastTestMessage?.startsWith(REFUSED_BY_RUN)) return false;
    const since = this.engine.clock.now().getTime() - Date.parse(conn.lastTestAt);
    if (since >= SIGN_IN_RETRY_MS || since < 0) return false;
    const next = new Date(Date.parse(conn.lastTestAt) + SIGN_IN_RETRY_MS).toISOString();
    this.engine.logger.warn(
      { jobId: job.id, job: job.name, connection: conn.name, refusedAt: conn.lastTestAt, nextTry: next },
      `scheduled run skipped: the platform refused the sign-in of connection "${conn.name}"; scheduled runs try again from ${next}, or at once after its secret is rotated or Test succeeds`,
    );
    return true;
  }

  /** Re-evaluates which folders are watched (a job or source was added, changed or removed). */
  refreshWatchers(): Promise<void> {
    this.arming = this.arming
      .then(() => this.armWatchers())
      .catch((err: unknown) => this.engine.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'watched folders could not be updated'));
    return this.arming;
  }

  private folderOf(job: JobRecord): SourceRecord | null {
    if (job.type !== 'ingest' || !job.sourceId) return null;
    const source = this.engine.store.sources.get(job.sourceId);
    return source?.kind === 'folder' ? source : null;
  }

  private flightsOf(sourceId: string): Map<string, string> {
    let m = this.inFlight.get(sourceId);
    if (!m) this.inFlight.set(sourceId, (m = new Map()));
    return m;
  }

  /** A file run has finished (or could not start): its content may be taken again. */
  private landed(request: RunRequest, ran = true): void {
    const job = this.engine.store.jobs.get(request.jobId);
    if (request.file && job?.sourceId) {
      this.inFlight.get(job.sourceId)?.delete(request.file.sha256);
      this.watchers.get(job.sourceId)?.release(request.file.sha256);
      // Copies that arrived while it ran go where it went, now that its outcome is known.
      const key = `${job.sourceId}\u0000${request.file.sha256}`;
      const copies = ran ? this.copiesWaiting.get(key) : undefined;
      const source = copies ? this.engine.store.sources.get(job.sourceId) : null;
      if (copies && source) {
        this.copiesWaiting.delete(key);
        for (const copy of copies) void this.disposeDuplicate(source, copy);
      }
    }
  }

  /**
   * "Run now" on a folder job: every fully written file waiting in the folder that was not
   * processed before gets its run (each also resends unanswered outbox batches first); with no
   * such file, one run resends what is waiting in the outbox. Resolves with the last run.
   */
  private async runNowFolder(job: JobRecord, source: SourceRecord, extra: Partial<QueuedRequest>, trigger: 'manual' | 'schedule' | 'catch-up' = 'manual'): Promise<RunSummary[]> {
    const stillWriting: string[] = [];
    const files = await takeWaitingFiles(this.engine.store, source, {
      stillWriting,
      // A file waiting for a person's decision is sent again by a person (Run now, "Send the file"), not by the clock.
      skipAwaitingDecision: trigger !== 'manual',
      now: () => this.engine.clock.now().toISOString(),
      inFlight: (file) => {
        const flying = this.inFlight.get(source.id)?.get(file.sha256);
        if (!flying) return null;
        return flying !== file.path ? 'duplicate' : 'skip'; // already queued or running
      },
      onScanError: (err) => this.engine.logger.warn({ err: err instanceof Error ? err.message : String(err), folder: source.config.path }, 'the folder could not be scanned for waiting files'),
    });
    const runs: Promise<RunSummary>[] = [];
    for (const file of files) {
      const run = this.trigger(job.id, trigger, { confirmDeletes: extra.confirmDeletes, file: { path: file.path, sha256: file.sha256, size: file.size } });
      if (run) runs.push(run);
    }
    if (!runs.length) {
      const run = this.trigger(job.id, trigger, { ...extra, file: undefined, outboxOnly: true, stillWriting });
      if (!run) throw new Error(`A run of "${job.name}" is already waiting to start.`);
      return [await run];
    }
    return Promise.all(runs);
  }

  /**
   * A copy of content already synced goes where the synced file went (processed/, or deleted, as
   * the folder's jobs do with files after their run), so the drop folder shows only what is still
   * to do, and the colleague who dropped it sees it was dealt with. A copy of content still being
   * synced stays until that run is over (it may fail).
   */
  private async disposeDuplicate(source: SourceRecord, file: ReadyFile): Promise<void> {
    let path = file.path;
    // Decided here, not by the watcher: it may still count the original as in flight after its run.
    const synced = !this.inFlight.get(source.id)?.has(file.sha256) && this.engine.store.sources.fileByHash(source.id, file.sha256)?.status === 'processed';
    const job = this.engine.store.jobs.list().find((j) => j.sourceId === source.id && j.type === 'ingest');
    const policy = (['move', 'leave', 'delete'] as const).find((p) => p === source.config.afterRun) ?? (job ? JobConfig.parse(job.config).ingest?.afterRun : undefined) ?? 'move';
    if (synced && policy !== 'leave') {
      try {
        path = (await disposeFileIn(String(source.config.path), file.path, 'processed', policy)).path ?? file.path;
      } catch (err) {
        this.engine.logger.warn({ path: file.path, err: err instanceof Error ? err.message : String(err) }, 'a copy of a synced file could not be moved; it stays where it is');
      }
    }
    this.recordDuplicate(source.id, { ...file, path });
    // A copy of content still being synced: dealt with once that run is over (see landed).
    if (!synced && this.inFlight.get(source.id)?.has(file.sha256)) {
      const key = `${source.id}\u0000${file.sha256}`;
      this.copiesWaiting.set(key, [...(this.copiesWaiting.get(key) ?? []), file]);
    }
  }

  /** Copies of content that was being synced when they arrived, by source and content. */
  private readonly copiesWaiting = new Map<string, ReadyFile[]>();

  private recordDuplicate(sourceId: string, file: ReadyFile): void {
    this.engine.logger.info({ path: file.path }, 'file content already processed or waiting; not synced again');
    this.guard('recording a duplicate file', () =>
      this.engine.store.sources.recordFile(sourceId, { path: file.path, sha256: file.sha256, size: file.size, mtimeMs: file.mtimeMs, seenAt: this.engine.clock.now().toISOString(), status: 'duplicate' }),
    );
  }

  /**
   * A file left where it is after a failure outside the file (platform down, store refusing
   * writes) is tried again on its own after a growing pause, until it is processed or failed.
   * A file that needs attention (mapping drift) waits for a person instead.
   */
  private retryKeptFile(jobId: string, file: NonNullable<RunRequest['file']>, summary: RunSummary, attempt: number): void {
    if (summary.status !== 'failed' && summary.status !== 'interrupted') return;
    if (this.abort.signal.aborted) return; // stopping: the scan at next start finds it
    const job = this.engine.store.jobs.get(jobId);
    if (!job?.sourceId) return;
    const sourceId = job.sourceId;
    if (this.engine.store.sources.fileByHash(sourceId, file.sha256)?.status !== 'pending') return;
    const delay = this.fileRetryDelaysMs[Math.min(attempt, this.fileRetryDelaysMs.length - 1)]!;
    if (this.armFileRetry(jobId, sourceId, file, attempt, delay)) this.note(summary.id, 'info', `${basename(file.path)} will be tried again automatically in ${describeDelay(delay)}.`);
  }

  /**
   * A run on this connection just went through, so whatever kept the files waiting (the platform
   * down, a refused sign-in) is over: their retries run now, not after the rest of their pause
   * (up to an hour after a long outage).
   */
  private retryKeptFilesNow(connectionId: string): void {
    for (const { timer, jobId, fire } of [...this.fileRetryTimers.values()]) {
      if (this.engine.store.jobs.get(jobId)?.connectionId !== connectionId) continue;
      clearTimeout(timer);
      fire();
    }
  }

  /** One line per finished run in agent.log, for the person reading it at 3 a.m. */
  private logFinished(run: RunSummary): void {
    const fields = { runId: run.id, job: run.jobName, trigger: run.trigger, status: run.status, read: run.read, created: run.created, updated: run.updated, deleted: run.deleted, unchanged: run.unchanged, rejected: run.rejected, held: run.held, retries: run.retries, file: run.file ?? undefined };
    if (run.status === 'failed' || run.status === 'interrupted') this.engine.logger.warn({ ...fields, error: run.error }, 'run finished');
    else if (run.status === 'needs_attention') this.engine.logger.warn({ ...fields, error: run.error }, 'run finished: waiting for a decision');
    else this.engine.logger.info(fields, 'run finished');
  }

  /** False when a retry of this content is already armed. */
  private armFileRetry(jobId: string, sourceId: string, file: NonNullable<RunRequest['file']>, attempt: number, delay: number): boolean {
    const key = `${sourceId}:${file.sha256}`;
    if (this.fileRetryTimers.has(key) || this.abort.signal.aborted) return false;
    const fire = () => {
      this.fileRetryTimers.delete(key);
      void (async () => {
        const still = this.engine.store.jobs.get(jobId);
        if (!still || this.engine.store.sources.fileByHash(sourceId, file.sha256)?.status !== 'pending') return;
        if (!(await stat(file.path).catch(() => null))) return; // moved away or deleted meanwhile
        // A paused job keeps the file waiting: look again after the same pause.
        if (still.paused) return void this.armFileRetry(jobId, sourceId, file, attempt, delay);
        await this.trigger(jobId, 'file', { file, fileRetries: attempt + 1 });
      })().catch(() => undefined);
    };
    const timer = setTimeout(fire, delay);
    timer.unref();
    this.fileRetryTimers.set(key, { timer, jobId, fire });
    return true;
  }

  private hasUnfinishedUpload(jobId: string): boolean {
    try {
      return readCheckpoint(this.engine.store, jobId) !== null;
    } catch {
      return true; // unreadable: the catch-up run records what to do about it in history
    }
  }

  isRunning(jobId: string): boolean {
    return this.queue.isRunning(jobId);
  }

  async idle(): Promise<void> {
    // A folder scan started by a slot or Run now queues its runs only once done: wait for those first.
    while (this.scans.size) await Promise.allSettled([...this.scans]);
    return this.queue.onIdle();
  }

  /**
   * A scheduled (or catch-up) run of a job without files — a database source or an export — that
   * failed for a reason that may pass is tried again after a growing pause, as long as that comes
   * before the job's next slot (which runs it anyway). A run that goes through, by any trigger,
   * ends the retries.
   */
  private retryScheduledRun(request: RunRequest, summary: RunSummary, attempt: number): void {
    const mayPass = this.runner.takePassingFailure(summary.id);
    if (summary.status !== 'failed') {
      if (summary.status !== 'interrupted') this.cancelRunRetry(request.jobId);
      return;
    }
    if (!mayPass || request.file || (request.trigger !== 'schedule' && request.trigger !== 'catch-up') || this.abort.signal.aborted) return;
    const job = this.engine.store.jobs.get(request.jobId);
    if (!job || this.folderOf(job)) return;
    const delay = this.runRetryDelaysMs[attempt];
    if (delay === undefined) {
      if (attempt > 0) this.note(summary.id, 'warn', `Tried again ${plural(attempt, 'time')} automatically; the job now waits for its next scheduled run.`);
      return;
    }
    const config = JobConfig.safeParse(job.config);
    const now = this.engine.clock.now();
    const next = config.success && config.data.schedule ? nextRuns(config.data.schedule, config.data.timezone, now, 1)[0] : undefined;
    if (next && Date.parse(next) <= now.getTime() + delay) {
      this.note(summary.id, 'info', 'Not tried again before the job’s next scheduled run, which comes sooner.');
      return;
    }
    this.cancelRunRetry(job.id, false);
    const timer = setTimeout(() => {
      this.runRetryTimers.delete(job.id);
      const still = this.engine.store.jobs.get(job.id);
      if (!still || still.paused) return;
      this.trigger(job.id, request.trigger, { runRetries: attempt + 1 })?.catch(() => undefined);
    }, delay);
    timer.unref();
    this.runRetryTimers.set(job.id, { timer, at: new Date(now.getTime() + delay).toISOString() });
    this.note(summary.id, 'info', `The failure may pass (the platform or a database out of reach, or a lock): the run will be tried again automatically in ${describeDelay(delay)}.`);
    // The jobs list and the dashboard show the retry as the job's next run.
    this.engine.events.emit('engine.changed', this.engine.status());
  }

  /** When the job's automatic retry of a failed scheduled run is due, or null when none is armed. */
  retryAt(jobId: string): string | null {
    return this.runRetryTimers.get(jobId)?.at ?? null;
  }

  private cancelRunRetry(jobId: string, announce = true): void {
    const armed = this.runRetryTimers.get(jobId);
    if (!armed) return;
    clearTimeout(armed.timer);
    this.runRetryTimers.delete(jobId);
    if (announce) this.engine.events.emit('engine.changed', this.engine.status());
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
    this.note(summary.id, 'warn', `This run started late because an earlier attempt could not be recorded: ${why}`);
  }

  private note(runId: number, level: 'info' | 'warn', message: string): void {
    try {
      this.engine.store.runs.addEvent(runId, this.engine.clock.now().toISOString(), level, message);
    } catch (err) {
      this.engine.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not add a note to the run history');
    }
  }

  private announcing = false;

  /** Tells the UI (Dashboard, Sources page) a watched folder's status changed, without a reload. */
  private announce(sourceId: string): void {
    const { store } = this.engine;
    const s = store.sources.get(sourceId);
    if (!s) return;
    const info: SourceInfo = {
      id: s.id,
      name: s.name,
      kind: s.kind,
      location: String(s.config.path ?? s.config.location ?? ''),
      paused: s.paused,
      sandbox: s.sandbox,
      status: s.status,
      statusMessage: s.statusMessage,
      createdAt: s.createdAt,
      lastFile: store.sources.lastFile(s.id),
      lastWatermark: null,
      filesWaiting: store.sources.pendingFiles(s.id),
    };
    this.announcing = true;
    try {
      this.engine.events.emit('source.changed', info);
    } finally {
      this.announcing = false;
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
    for (const r of this.deferred.splice(0)) {
      this.landed(r, false); // its in-flight mark is set again as it is queued
      void this.trigger(r.jobId, r.trigger, r)?.catch(() => undefined);
    }
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
      const source = wanted.get(id);
      if (source && this.watching.get(id) === JSON.stringify(watcherOptions(source))) continue;
      // Not wanted any more, or its folder settings changed (path, patterns, polling…): stopped,
      // and started again below with the new settings.
      this.watchers.delete(id);
      this.watching.delete(id);
      await watcher.stop();
      if (source) {
        this.engine.logger.info({ source: id, path: String(source.config.path) }, 'folder settings changed; watching the folder anew');
        continue;
      }
      this.guard('recording the folder status', () => {
        this.engine.store.sources.setStatus(id, 'idle', null);
        this.announce(id);
      });
    }
    for (const source of wanted.values()) {
      if (this.watchers.has(source.id)) continue;
      const options = watcherOptions(source);
      const watcher = new FolderWatcher(options, { ledger: this.fileLedger(source.id), logger: this.engine.logger });
      watcher.on('status', (status, message) =>
        this.guard('recording the folder status', () => {
          this.engine.store.sources.setStatus(source.id, status, message ?? null);
          this.announce(source.id);
        }),
      );
      watcher.on('file-ready', (file) => this.takeFile(source, file, 0));
      watcher.on('file-duplicate', (file) => void this.disposeDuplicate(source, file));
      watcher.on('file-removed', (path) => {
        // Not while its run has it (a run moving it to processed/ records it itself).
        if ([...(this.inFlight.get(source.id)?.values() ?? [])].includes(path)) return;
        this.guard('forgetting a removed waiting file', () => {
          if (this.engine.store.sources.forgetPending(source.id, path)) this.announce(source.id);
        });
      });
      watcher.on('file-error', (e) => this.engine.logger.warn(e, 'file could not be read'));
      this.watchers.set(source.id, watcher);
      this.watching.set(source.id, JSON.stringify(options));
      await watcher.start();
    }
  }

  private fileLedger(sourceId: string): FileLedger {
    const sources = this.engine.store.sources;
    return {
      lookup: (sha256, path) => {
        const f = sources.fileByHash(sourceId, sha256);
        if (!f || (f.status !== 'processed' && f.status !== 'failed')) return null;
        // Content synced before but not the latest, dropped anew (a correction withdrawn: A, B,
        // then A again), is what the source holds now: taken, and the ledger sends what differs.
        if (f.status === 'processed' && f.path !== path && sources.latestProcessed(sourceId) !== sha256) return null;
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
    // The same content already queued or running (a copy dropped before the original was processed) is a duplicate.
    const flying = this.inFlight.get(source.id)?.get(file.sha256);
    if (flying) {
      if (flying !== file.path) this.recordDuplicate(source.id, file);
      return;
    }
    // ...or kept waiting under another name (for its automatic retry, or for syncs to resume).
    const known = store.sources.fileByHash(source.id, file.sha256);
    if (known?.status === 'pending' && known.path !== file.path && (await stat(known.path).catch(() => null))) {
      this.recordDuplicate(source.id, file);
      return;
    }
    store.sources.recordFile(source.id, { path: file.path, sha256: file.sha256, size: file.size, mtimeMs: file.mtimeMs, seenAt: this.engine.clock.now().toISOString(), status: 'pending' });
    const jobs = store.jobs.list().filter((j) => j.sourceId === source.id && j.type === 'ingest');
    const active = jobs.filter((j) => !j.paused);
    let job = jobs.length === 1 ? active[0] : undefined;
    if (jobs.length > 1) {
      // The file goes to the job whose mapping it fits (paused jobs count: a paused job's file
      // waits for it rather than going to another job that would report its columns as changed).
      const fits = await this.jobsFitting(source, jobs, file.path);
      const taking = fits.filter((j) => !j.paused);
      job = taking[0];
      // Several mappings read this file (each its own sheet): every one of their jobs gets it, in turn.
      if (taking.length > 1) this.fileChains.set(`${source.id}:${file.sha256}`, taking.slice(1).map((j) => j.id));
      if (!job && fits.length) {
        this.engine.logger.info({ file: basename(file.path), job: fits[0]!.name }, 'file waits in the folder for its job, which is paused');
        return;
      }
      job ??= active[0];
    }
    if (!job) {
      this.engine.logger.info({ file: basename(file.path) }, 'file arrived in a folder no job takes files from');
      return;
    }
    void this.trigger(job.id, 'file', { file: { path: file.path, sha256: file.sha256, size: file.size } })?.catch(() => undefined);
  }

  private chainKeyOf(jobId: string, sha256: string): string | null {
    const sourceId = this.engine.store.jobs.get(jobId)?.sourceId;
    return sourceId ? `${sourceId}:${sha256}` : null;
  }

  /** The jobs whose mapping fits a file's columns, each read as its mapping reads (its sheet, its header row). */
  private async jobsFitting(source: SourceRecord, jobs: JobRecord[], path: string): Promise<JobRecord[]> {
    const fits: JobRecord[] = [];
    for (const j of jobs) {
      const m = j.mappingId ? this.engine.store.mappings.get(j.mappingId) : null;
      if (!m) continue;
      try {
        const profile = parseProfile(m.profile);
        if (!profile.headerFingerprint) continue;
        const reader = await openReader(path, { ...readerOptions(source), ...(profile.read ?? {}) });
        const headers = reader.info.headers;
        await reader.close();
        if (findProfileForHeader([profile], headers)) fits.push(j);
      } catch {
        // Unreadable as this mapping reads it (another sheet, say): not its file.
      }
    }
    return fits;
  }

  /**
   * A job was resumed: files that waited in its folder while it was paused are taken now, each by
   * the job it fits (the resumed one, or another on the same folder).
   */
  async takeWaiting(jobId: string): Promise<void> {
    const job = this.engine.store.jobs.get(jobId);
    const source = job ? this.folderOf(job) : null;
    if (!job || job.paused || !source || source.paused) return;
    const files = await takeWaitingFiles(this.engine.store, source, {
      now: () => this.engine.clock.now().toISOString(),
      inFlight: (file) => (this.inFlight.get(source.id)?.has(file.sha256) ? 'skip' : null),
    });
    for (const file of files) await this.onFile(source, file);
  }

  async stop(): Promise<void> {
    this.scheduler.stop();
    if (this.heldDueTimer) clearInterval(this.heldDueTimer);
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    for (const t of this.fileRetryTimers.values()) clearTimeout(t.timer);
    this.fileRetryTimers.clear();
    for (const t of this.runRetryTimers.values()) clearTimeout(t.timer);
    this.runRetryTimers.clear();
    this.unsubscribe?.();
    await Promise.all([...this.watchers.values()].map((w) => w.stop()));
    this.watchers.clear();
    this.watching.clear();
    // Runs in flight are told to stop; what they sent is safe in the outbox and resent next start.
    this.abort.abort();
    await Promise.race([this.queue.onIdle(), new Promise((r) => setTimeout(r, 5000).unref())]);
  }
}

/** How a folder source is watched, from its saved settings. */
function watcherOptions(source: SourceRecord): FolderWatcherOptions {
  const c = source.config;
  return {
    path: String(c.path),
    recursive: Boolean(c.recursive),
    include: Array.isArray(c.include) ? (c.include as string[]) : undefined,
    exclude: Array.isArray(c.exclude) ? (c.exclude as string[]) : undefined,
    stableMs: typeof c.stableMs === 'number' ? c.stableMs : undefined,
    usePolling: Boolean(c.usePolling),
    pollIntervalMs: typeof c.pollIntervalMs === 'number' ? c.pollIntervalMs : undefined,
  };
}

function describeDelay(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return ms === 3_600_000 ? '1 hour' : `${ms / 3_600_000} hours`;
  if (ms >= 60_000 && ms % 60_000 === 0) return ms === 60_000 ? '1 minute' : `${ms / 60_000} minutes`;
  return plural(Math.max(1, Math.round(ms / 1000)), 'second');
}
