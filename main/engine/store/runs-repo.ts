import type { HistoryFilter, RunSummary } from '../../../shared/api';
import type { RowError, RunCounts, RunStatus, RunTrigger } from '../../../shared/domain';
import type { Db } from './database';

interface RunRow {
  id: number;
  job_id: string | null;
  job_name: string;
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
  bytes: number;
  requests: number;
  retries: number;
  service_account: string | null;
  file: string | null;
  watermark_from: string | null;
  watermark_to: string | null;
  error: string | null;
}

const toSummary = (r: RunRow): RunSummary => ({
  id: r.id,
  jobId: r.job_id,
  jobName: r.job_name,
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
  bytes: r.bytes,
  requests: r.requests,
  retries: r.retries,
  serviceAccount: r.service_account,
  file: r.file,
  watermarkFrom: r.watermark_from,
  watermarkTo: r.watermark_to,
  error: r.error,
});

export interface NewRun {
  jobId: string | null;
  jobName: string;
  trigger: RunTrigger;
  startedAt: string;
  file?: string | null;
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
  bytes: 'bytes',
  requests: 'requests',
  retries: 'retries',
  serviceAccount: 'service_account',
  file: 'file',
  watermarkTo: 'watermark_to',
  error: 'error',
};

/** Run history: one row per run, its events and its row-level errors. */
export class RunsRepo {
  constructor(private readonly db: Db) {}

  create(run: NewRun): RunSummary {
    const info = this.db
      .prepare(
        `INSERT INTO runs (job_id, job_name, trigger, status, started_at, file, watermark_from)
         VALUES (?, ?, ?, 'running', ?, ?, ?)`,
      )
      .run(run.jobId, run.jobName, run.trigger, run.startedAt, run.file ?? null, run.watermarkFrom ?? null);
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
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
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
    const sql = `SELECT * FROM runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, filter.limit) as RunRow[]).map(toSummary);
  }

  lastForJob(jobId: string): RunSummary | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE job_id = ? ORDER BY id DESC LIMIT 1').get(jobId) as
      | RunRow
      | undefined;
    return row ? toSummary(row) : null;
  }

  /** Runs left 'running' by a crash or kill: they are marked interrupted at start. */
  markInterrupted(finishedAt: string): number {
    return this.db
      .prepare(
        `UPDATE runs SET status = 'interrupted', finished_at = ?,
           error = COALESCE(error, 'The agent stopped while this run was in progress; unfinished batches are resent on the next run.')
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
    const stmt = this.db.prepare('INSERT INTO row_errors (run_id, line, column_name, value, reason) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const e of errors) stmt.run(runId, e.line, e.column, e.value, e.reason);
    })();
  }

  errorCount(runId: number): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM row_errors WHERE run_id = ?').get(runId) as { n: number }).n;
  }

  errors(runId: number, afterId: number, limit: number): (RowError & { id: number })[] {
    return this.db
      .prepare(
        `SELECT id, line, column_name AS "column", value, reason FROM row_errors
         WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`,
      )
      .all(runId, afterId, limit) as (RowError & { id: number })[];
  }

  /** Every error of a run, streamed, for CSV downloads of any size. */
  *iterateErrors(runId: number): IterableIterator<RowError> {
    const stmt = this.db.prepare(
      'SELECT line, column_name AS "column", value, reason FROM row_errors WHERE run_id = ? ORDER BY id',
    );
    yield* stmt.iterate(runId) as IterableIterator<RowError>;
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
        `SELECT substr(started_at, 1, 10) AS day,
                SUM(created + updated + deleted) AS rowsSynced,
                COUNT(*) AS runs,
                SUM(CASE WHEN status IN ('failed', 'needs_attention') THEN 1 ELSE 0 END) AS failures
         FROM runs WHERE started_at >= ? GROUP BY day ORDER BY day`,
      )
      .all(sinceIso) as { day: string; rowsSynced: number; runs: number; failures: number }[];
  }

  /** Retention: drop runs older than the cut-off or beyond the newest `keepRuns`; row errors go with them. */
  prune(olderThanIso: string, keepRuns: number): number {
    return this.db.transaction(() => {
      const cutoff = this.db.prepare('SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?').get(keepRuns) as
        | { id: number }
        | undefined;
      const where = `status NOT IN ('running','queued') AND (started_at < ?${cutoff ? ' OR id <= ?' : ''})`;
      const args: unknown[] = cutoff ? [olderThanIso, cutoff.id] : [olderThanIso];
      this.db.prepare(`DELETE FROM row_errors WHERE run_id IN (SELECT id FROM runs WHERE ${where})`).run(...args);
      return this.db.prepare(`DELETE FROM runs WHERE ${where}`).run(...args).changes;
    })();
  }
}
