import type { HistoryFilter, RunRequestDto, RunSummary } from '../../../shared/api';
import type { RowError, RunCounts, RunStatus, RunTrigger } from '../../../shared/domain';
import { ErrorGrouper, errorKind, type ErrorGroups } from '../../../shared/mapping/error-groups';
import type { Db } from './database';

type ErrorRowWithHeld = Omit<RowError, 'held'> & { id: number; held: number };

/** A file's row errors have no row key: left out rather than null, so they read as before. */
function withoutNullRow<T extends { row?: string | null }>(e: T): T {
  if (e.row === null) delete e.row;
  return e;
}

interface RunRow {
  id: number;
  job_id: string | null;
  job_name: string;
  /** The job's name now (null once the job is removed). */
  job_now: string | null;
  /** The job's type (null once the job is removed). */
  job_type: 'ingest' | 'export' | null;
  trigger: RunTrigger;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  read: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  rejected: number;
  held: number;
  bytes: number;
  requests: number;
  retries: number;
  service_account: string | null;
  file: string | null;
  watermark_from: string | null;
  watermark_to: string | null;
  error: string | null;
  mapping_id: string | null;
  mapping_version: number | null;
}

const toSummary = (r: RunRow): RunSummary => ({
  id: r.id,
  jobId: r.job_id,
  // A renamed job's runs go by its name now (as the job filter does); the old name stays beside it.
  jobName: r.job_now ?? r.job_name,
  jobNameAtRun: r.job_now !== null && r.job_now !== r.job_name ? r.job_name : null,
  jobType: r.job_type,
  trigger: r.trigger,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  read: r.read,
  created: r.created,
  updated: r.updated,
  deleted: r.deleted,
  unchanged: r.unchanged,
  rejected: r.rejected,
  held: r.held,
  bytes: r.bytes,
  requests: r.requests,
  retries: r.retries,
  serviceAccount: r.service_account,
  file: r.file,
  watermarkFrom: r.watermark_from,
  watermarkTo: r.watermark_to,
  error: r.error,
  mappingId: r.mapping_id,
  mappingVersion: r.mapping_version,
});

/** Every column of a run, and its job's name now and type. */
const RUN_COLUMNS = 'runs.*, (SELECT name FROM jobs WHERE jobs.id = runs.job_id) AS job_now, (SELECT type FROM jobs WHERE jobs.id = runs.job_id) AS job_type';

export interface NewRun {
  jobId: string | null;
  jobName: string;
  trigger: RunTrigger;
  startedAt: string;
  file?: string | null;
  /** The content of that file, to find it again after it was moved (processed/). */
  fileSha256?: string | null;
  watermarkFrom?: string | null;
}

export interface RunUpdate extends Partial<RunCounts> {
  status?: RunStatus;
  finishedAt?: string | null;
  bytes?: number;
  requests?: number;
  retries?: number;
  serviceAccount?: string | null;
  file?: string | null;
  watermarkTo?: string | null;
  error?: string | null;
  mappingId?: string | null;
  mappingVersion?: number | null;
}

const updateColumns: Record<keyof RunUpdate, string> = {
  status: 'status',
  finishedAt: 'finished_at',
  read: 'read',
  created: 'created',
  updated: 'updated',
  deleted: 'deleted',
  unchanged: 'unchanged',
  rejected: 'rejected',
  held: 'held',
  bytes: 'bytes',
  requests: 'requests',
  retries: 'retries',
  serviceAccount: 'service_account',
  file: 'file',
  watermarkTo: 'watermark_to',
  error: 'error',
  mappingId: 'mapping_id',
  mappingVersion: 'mapping_version',
};

/** One platform request as the recorder hands it over (see platforms/http/request-log.ts). */
export interface NewRunRequest {
  method: string;
  host: string;
  path: string;
  status: number | null;
  error: string | null;
  startedAt: number;
  durationMs: number;
  attempt: number;
  kind: 'api' | 'token';
}

/** Which finished runs retention removes: older than `olderThanIso`, or beyond the newest `keepRuns`. */
export interface RetentionPolicy {
  olderThanIso: string;
  keepRuns: number;
}

/** The detail tables of a run, in the order retention empties them: row errors first. */
export const RUN_DETAIL_TABLES = ['row_errors', 'run_requests', 'run_events'] as const;
export type RunDetailTable = (typeof RUN_DETAIL_TABLES)[number];

/** Run history: one row per run, its events, its platform requests and its row-level errors. */
// A held value's reason when its period has not ended yet (msg.futurePeriod); the others are codes not mapped.
const EARLY = "'%has not ended yet%'";

export class RunsRepo {
  constructor(private readonly db: Db) {}

  create(run: NewRun): RunSummary {
    const info = this.db
      .prepare(
        `INSERT INTO runs (job_id, job_name, trigger, status, started_at, file, file_sha256, watermark_from)
         VALUES (?, ?, ?, 'running', ?, ?, ?, ?)`,
      )
      .run(run.jobId, run.jobName, run.trigger, run.startedAt, run.file ?? null, run.fileSha256 ?? null, run.watermarkFrom ?? null);
    return this.get(Number(info.lastInsertRowid))!;
  }

  update(id: number, patch: RunUpdate): RunSummary {
    const entries = Object.entries(patch).filter(([k, v]) => v !== undefined && k in updateColumns);
    if (entries.length) {
      const sets = entries.map(([k]) => `${updateColumns[k as keyof RunUpdate]} = ?`).join(', ');
      this.db.prepare(`UPDATE runs SET ${sets} WHERE id = ?`).run(...entries.map(([, v]) => v as unknown), id);
    }
    return this.get(id)!;
  }

  get(id: number): RunSummary | null {
    const row = this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`).get(id) as RunRow | undefined;
    return row ? toSummary(row) : null;
  }

  list(filter: HistoryFilter & { limit: number }): RunSummary[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const conditions: [string, unknown][] = [
      ['job_id = ?', filter.jobId],
      ['status = ?', filter.status],
      ['trigger = ?', filter.trigger],
      ['started_at >= ?', filter.from],
      ['started_at < ?', filter.to],
      ['id < ?', filter.beforeId],
    ];
    for (const [clause, value] of conditions) {
      if (value === undefined) continue;
      where.push(clause);
      args.push(value);
    }
    const sql = `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, filter.limit) as RunRow[]).map(toSummary);
  }

  /**
   * The job's latest run that did something: not a run that succeeded having read and sent
   * nothing ("Run now" on a folder with no new file), which settles nothing an earlier run left.
   */
  lastDoneForJob(jobId: string): RunSummary | null {
    const row = this.db
      .prepare(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE job_id = ?
            AND NOT (status = 'succeeded' AND read = 0 AND created = 0 AND updated = 0 AND deleted = 0)
          ORDER BY id DESC LIMIT 1`,
      )
      .get(jobId) as RunRow | undefined;
    return row ? toSummary(row) : null;
  }

  /**
   * Files of a job whose latest run held rows for site or metric codes not mapped yet: they wait
   * for a person however many other files went through since. (Rows held for a period not over
   * are sent on their own and are not counted.)
   */
  filesWaitingForCodes(jobId: string): { files: number; rows: number; runId: number | null } {
    const r = this.db
      .prepare(
        `SELECT COUNT(*) AS files, SUM(codes) AS rows, MAX(id) AS runId FROM (
           SELECT r.id AS id, (SELECT COUNT(*) FROM row_errors e WHERE e.run_id = r.id AND e.held = 1 AND e.reason NOT LIKE ${EARLY}) AS codes
             FROM runs r
            WHERE r.job_id = ? AND r.held > 0 AND r.file_sha256 IS NOT NULL AND r.finished_at IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM runs later WHERE later.job_id = r.job_id AND later.id > r.id AND later.file_sha256 = r.file_sha256
                                AND later.status IN ('succeeded', 'succeeded_with_rejections'))
         ) WHERE codes > 0`,
      )
      .get(jobId) as { files: number; rows: number | null; runId: number | null };
    return { files: r.files, rows: r.rows ?? 0, runId: r.runId };
  }

  lastForJob(jobId: string): RunSummary | null {
    const row = this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE job_id = ? ORDER BY id DESC LIMIT 1`).get(jobId) as
      | RunRow
      | undefined;
    return row ? toSummary(row) : null;
  }

  /** Runs left 'running' by a crash or kill: they are marked interrupted at start. */
  markInterrupted(finishedAt: string): number {
    return this.db
      .prepare(
        // Its counts were to be written at its end: the requests it recorded meanwhile say how many it made.
        `UPDATE runs SET status = 'interrupted', finished_at = ?,
           error = COALESCE(error, 'The agent stopped while this run was in progress; unfinished batches are resent on the next run.'),
           requests = MAX(requests, (SELECT COUNT(*) FROM run_requests q WHERE q.run_id = runs.id)),
           retries = MAX(retries, (SELECT COUNT(*) FROM run_requests q WHERE q.run_id = runs.id AND q.attempt > 1))
         WHERE status IN ('running', 'queued')`,
      )
      .run(finishedAt).changes;
  }

  addEvent(runId: number, at: string, level: 'info' | 'warn' | 'error', message: string): void {
    this.db.prepare('INSERT INTO run_events (run_id, at, level, message) VALUES (?, ?, ?, ?)').run(runId, at, level, message);
  }

  events(runId: number, limit = 1000): { at: string; level: 'info' | 'warn' | 'error'; message: string }[] {
    return this.db
      .prepare('SELECT at, level, message FROM run_events WHERE run_id = ? ORDER BY id LIMIT ?')
      .all(runId, limit) as { at: string; level: 'info' | 'warn' | 'error'; message: string }[];
  }

  addErrors(runId: number, errors: RowError[]): void {
    if (!errors.length) return;
    const stmt = this.db.prepare('INSERT INTO row_errors (run_id, line, column_name, value, reason, held, row_key) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const e of errors) stmt.run(runId, e.line, e.column, e.value, e.reason, e.held ? 1 : 0, e.row ?? null);
    })();
  }

  /** The first later run of the same job and file content that finished with nothing held: it sent what this run held. */
  heldSentBy(runId: number): number | null {
    const id = this.db
      .prepare(
        `SELECT later.id FROM runs r JOIN runs later ON later.job_id = r.job_id AND later.id > r.id
          WHERE r.id = ? AND r.file_sha256 IS NOT NULL AND later.file_sha256 = r.file_sha256
            AND later.held = 0 AND later.status IN ('succeeded', 'succeeded_with_rejections')
          ORDER BY later.id LIMIT 1`,
      )
      .pluck()
      .get(runId) as number | undefined;
    return id ?? null;
  }

  /** Where a file run's file is now (moved to processed/ or failed/, or kept), if the agent knows; null if deleted or unknown. */
  fileNow(runId: number): string | null {
    return this.fileWhereabouts(runId)?.path ?? null;
  }

  /** Where the run's file is now, and when the folder clean-up removed it from there, if it did. */
  fileWhereabouts(runId: number): { path: string; removedAt: string | null } | null {
    const r = this.db
      .prepare(
        `SELECT f.path AS path, f.removed_at AS removedAt FROM runs r JOIN jobs j ON j.id = r.job_id
           JOIN source_files f ON f.source_id = j.source_id AND f.sha256 = r.file_sha256
          WHERE r.id = ? AND r.file_sha256 IS NOT NULL`,
      )
      .get(runId) as { path: string; removedAt: string | null } | undefined;
    return r ?? null;
  }

  /** Why a run's values are held: codes not mapped yet, or periods not over yet (with the last one's end). */
  heldWhy(runId: number): { codes: number; periods: number; lastEnd: string | null } {
    const r = this.db
      .prepare(
        `SELECT SUM(reason LIKE ${EARLY}) AS periods, SUM(reason NOT LIKE ${EARLY}) AS codes,
                MAX(CASE WHEN reason LIKE ${EARLY} THEN substr(value, instr(value, '..') + 2) END) AS lastEnd
           FROM row_errors WHERE run_id = ? AND held = 1`,
      )
      .get(runId) as { periods: number | null; codes: number | null; lastEnd: string | null };
    return { codes: r.codes ?? 0, periods: r.periods ?? 0, lastEnd: r.lastEnd };
  }

  /**
   * File runs whose held values were all held only because their period had not ended, every one
   * of which has ended before `today`, and that no later run of the same file sent yet: the agent
   * sends those on its own.
   */
  dueHeldRuns(today: string, limit = 20): { runId: number; jobId: string; file: string | null; sha256: string }[] {
    return this.db
      .prepare(
        `SELECT r.id AS runId, r.job_id AS jobId, r.file AS file, r.file_sha256 AS sha256 FROM runs r
          WHERE r.held > 0 AND r.file_sha256 IS NOT NULL AND r.job_id IS NOT NULL AND r.finished_at IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM row_errors e WHERE e.run_id = r.id AND e.held = 1 AND e.reason NOT LIKE ${EARLY})
            AND (SELECT MAX(substr(e.value, instr(e.value, '..') + 2)) FROM row_errors e WHERE e.run_id = r.id AND e.held = 1) < ?
            AND NOT EXISTS (SELECT 1 FROM runs later WHERE later.job_id = r.job_id AND later.id > r.id AND later.file_sha256 = r.file_sha256
                              AND later.held = 0 AND later.status IN ('succeeded', 'succeeded_with_rejections'))
          ORDER BY r.id LIMIT ?`,
      )
      .all(today, limit) as { runId: number; jobId: string; file: string | null; sha256: string }[];
  }

  /** The file lines of a run that held values for codes not mapped yet. */
  heldLines(runId: number): number[] {
    return this.db.prepare('SELECT DISTINCT line FROM row_errors WHERE run_id = ? AND held = 1 AND line IS NOT NULL ORDER BY line').pluck().all(runId) as number[];
  }

  errorCount(runId: number): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM row_errors WHERE run_id = ?').get(runId) as { n: number }).n;
  }

  /**
   * A page of a run's row errors in line order (errors without a line first, then by line, then
   * in the order found), after the error `afterId` (0: from the start). Rejections the platform
   * sends back arrive in the ledger's key order, long after the read errors; people read them
   * against their file, by line.
   */
  errors(runId: number, afterId: number, limit: number, kind?: string): (RowError & { id: number })[] {
    if (kind !== undefined) return this.errorsOfKind(runId, afterId, limit, kind);
    const columns = 'SELECT id, line, row_key AS "row", column_name AS "column", value, reason FROM row_errors';
    if (afterId <= 0) {
      return (this.db.prepare(`${columns} WHERE run_id = ? ORDER BY line_order, id LIMIT ?`).all(runId, limit) as (RowError & { id: number })[]).map(withoutNullRow);
    }
    const after = this.afterKey(runId, afterId);
    if (!after) return [];
    return (
      this.db
        .prepare(`${columns} WHERE run_id = ? AND (line_order, id) > (?, ?) ORDER BY line_order, id LIMIT ?`)
        .all(runId, after.lineOrder, afterId, limit) as (RowError & { id: number })[]
    ).map(withoutNullRow);
  }

  private afterKey(runId: number, afterId: number): { lineOrder: number } | undefined {
    return this.db.prepare('SELECT line_order AS lineOrder FROM row_errors WHERE id = ? AND run_id = ?').get(afterId, runId) as { lineOrder: number } | undefined;
  }

  /**
   * A page of one kind's errors (errorKind). The kind is a sentence shape, which SQL cannot
   * match, so the page walks the run's errors from the keyset in line order and keeps those of the
   * kind: a rare kind in a run of 100,000 errors is one pass of the index, well under a second.
   */
  private errorsOfKind(runId: number, afterId: number, limit: number, kind: string): (RowError & { id: number })[] {
    const columns = 'SELECT id, line, row_key AS "row", column_name AS "column", value, reason, held FROM row_errors';
    let rows: IterableIterator<ErrorRowWithHeld>;
    if (afterId <= 0) {
      rows = this.db.prepare(`${columns} WHERE run_id = ? ORDER BY line_order, id`).iterate(runId) as IterableIterator<ErrorRowWithHeld>;
    } else {
      const after = this.afterKey(runId, afterId);
      if (!after) return [];
      rows = this.db
        .prepare(`${columns} WHERE run_id = ? AND (line_order, id) > (?, ?) ORDER BY line_order, id`)
        .iterate(runId, after.lineOrder, afterId) as IterableIterator<ErrorRowWithHeld>;
    }
    const page: (RowError & { id: number })[] = [];
    for (const r of rows) {
      if (errorKind({ ...r, held: r.held === 1 }) !== kind) continue;
      page.push(withoutNullRow({ id: r.id, line: r.line, row: r.row, column: r.column, value: r.value, reason: r.reason }));
      if (page.length >= limit) break; // leaving the loop ends the statement's iterator
    }
    return page;
  }

  /** Does the run name any error's row by its key (a database source, see shared/mapping/row-key.ts)? */
  hasRowKeys(runId: number): boolean {
    return this.db.prepare('SELECT 1 FROM row_errors WHERE run_id = ? AND row_key IS NOT NULL LIMIT 1').get(runId) !== undefined;
  }

  /** Every error of a run in line order (as errors() pages them), streamed, for CSV downloads of any size; only one kind's when `kind` is given. */
  *iterateErrors(runId: number, kind?: string): IterableIterator<RowError> {
    const stmt = this.db.prepare(
      'SELECT line, row_key AS "row", column_name AS "column", value, reason, held FROM row_errors WHERE run_id = ? ORDER BY line_order, id',
    );
    for (const r of stmt.iterate(runId) as IterableIterator<Omit<ErrorRowWithHeld, 'id'>>) {
      if (kind !== undefined && errorKind({ ...r, held: r.held === 1 }) !== kind) continue;
      yield withoutNullRow({ line: r.line, row: r.row, column: r.column, value: r.value, reason: r.reason });
    }
  }

  /**
   * The run's row errors grouped by kind (shared/mapping/error-groups.ts), the largest `limit`
   * kinds first. One pass over the run's errors in the order they were found, in bounded memory.
   */
  errorGroups(runId: number, limit: number): ErrorGroups {
    const grouper = new ErrorGrouper();
    const stmt = this.db.prepare('SELECT line, row_key AS "row", column_name AS "column", value, reason, held FROM row_errors WHERE run_id = ? ORDER BY line_order, id');
    for (const r of stmt.iterate(runId) as IterableIterator<Omit<RowError, 'held'> & { held: number }>) grouper.add({ ...r, held: r.held === 1 });
    return grouper.result(limit);
  }

  countSince(sinceIso: string): { total: number; failed: number; attention: number; running: number } {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS total,
                SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
                SUM(CASE WHEN status = 'needs_attention' THEN 1 ELSE 0 END) AS attention
         FROM runs WHERE started_at >= ?`,
      )
      .get(sinceIso) as { total: number; failed: number | null; attention: number | null };
    const running = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE status IN ('running', 'queued')`).get() as { n: number }
    ).n;
    return { total: row.total, failed: row.failed ?? 0, attention: row.attention ?? 0, running };
  }

  activity(sinceIso: string): { day: string; rowsSynced: number; runs: number; failures: number }[] {
    return this.db
      .prepare(
        // Values sent to the platform (deletions send none): an export run's "created" are rows it wrote to a file or table.
        // (A removed job's runs no longer say which kind they were; they count as sent.)
        `SELECT substr(r.started_at, 1, 10) AS day,
                SUM(CASE WHEN j.type = 'export' THEN 0 ELSE r.created + r.updated END) AS rowsSynced,
                COUNT(*) AS runs,
                SUM(CASE WHEN r.status IN ('failed', 'needs_attention') THEN 1 ELSE 0 END) AS failures
         FROM runs r LEFT JOIN jobs j ON j.id = r.job_id WHERE r.started_at >= ? GROUP BY day ORDER BY day`,
      )
      .all(sinceIso) as { day: string; rowsSynced: number; runs: number; failures: number }[];
  }

  addRequest(runId: number, r: NewRunRequest): void {
    this.db
      .prepare(
        `INSERT INTO run_requests (run_id, started_at, method, host, path, status, error, duration_ms, attempt, kind)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(runId, new Date(r.startedAt).toISOString(), r.method, r.host, r.path, r.status, r.error, Math.round(r.durationMs), r.attempt, r.kind);
  }

  requestCount(runId: number): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM run_requests WHERE run_id = ?').get(runId) as { n: number }).n;
  }

  /** Keyset-paged, oldest first, so a page never shifts while a running run adds requests. */
  requests(runId: number, afterId: number, limit: number): RunRequestDto[] {
    return (this.db
      .prepare(
        `SELECT id, started_at AS startedAt, method, host, path, status, error, duration_ms AS durationMs, attempt, kind
         FROM run_requests WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`,
      )
      .all(runId, afterId, limit) as RunRequestDto[]);
  }

  /** Every request of a run, streamed (CLI `history show --requests`). */
  *iterateRequests(runId: number): IterableIterator<RunRequestDto> {
    const stmt = this.db.prepare(
      `SELECT id, started_at AS startedAt, method, host, path, status, error, duration_ms AS durationMs, attempt, kind
       FROM run_requests WHERE run_id = ? ORDER BY id`,
    );
    yield* stmt.iterate(runId) as IterableIterator<RunRequestDto>;
  }

  /**
   * Retention, one bounded step at a time so a big clean-up never holds the write lock for long.
   * The expired set is fixed by `policy` when this is called; a run still running or queued is
   * never expired. Returns the condition on `runs` (aliased r) and its arguments.
   */
  retentionWhere(policy: RetentionPolicy): { sql: string; args: unknown[] } {
    const cutoff = this.db.prepare('SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?').get(policy.keepRuns) as
      | { id: number }
      | undefined;
    const sql = `r.status NOT IN ('running','queued') AND (r.started_at < ?${cutoff ? ' OR r.id <= ?' : ''})`;
    return { sql, args: cutoff ? [policy.olderThanIso, cutoff.id] : [policy.olderThanIso] };
  }

  /** The next expired runs after `afterId`, oldest first (a walk by primary key: never rescans). */
  expiredRunIds(where: { sql: string; args: unknown[] }, afterId: number, limit: number): number[] {
    return (this.db.prepare(`SELECT r.id FROM runs r WHERE r.id > ? AND ${where.sql} ORDER BY r.id LIMIT ?`).pluck().all(afterId, ...where.args, limit) as number[]);
  }

  /** Deletes up to `limit` rows of one detail table belonging to `runIds`; returns how many. */
  deleteDetails(table: RunDetailTable, runIds: number[], limit: number): number {
    if (!runIds.length) return 0;
    return this.db
      .prepare(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE run_id IN (SELECT value FROM json_each(?)) LIMIT ?)`)
      .run(JSON.stringify(runIds), limit).changes;
  }

  /** Deletes the runs themselves (their details should be gone already, else they cascade). */
  deleteRuns(runIds: number[]): number {
    if (!runIds.length) return 0;
    return this.db.prepare('DELETE FROM runs WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(runIds)).changes;
  }

  /**
   * Retention in one go (tests, small stores): row errors first, then requests and events, then
   * the runs. The engine uses main/engine/store/retention.ts, which yields between steps.
   */
  prune(olderThanIso: string, keepRuns: number, chunk = 5000): number {
    const where = this.retentionWhere({ olderThanIso, keepRuns });
    for (const table of RUN_DETAIL_TABLES) {
      for (let ids = this.expiredRunIds(where, 0, 500); ids.length; ids = this.expiredRunIds(where, ids[ids.length - 1]!, 500)) {
        while (this.deleteDetails(table, ids, chunk) === chunk);
      }
    }
    let runs = 0;
    for (let ids = this.expiredRunIds(where, 0, 500); ids.length; ids = this.expiredRunIds(where, 0, 500)) runs += this.deleteRuns(ids);
    return runs;
  }
}
