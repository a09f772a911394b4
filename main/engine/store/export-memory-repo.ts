import type { Db } from './database';

export interface ExportMemorySessionOptions {
  jobId: string;
  dataset: string;
  /** The run writing, recorded with each item (for whoever audits the memory). */
  runId: number | null;
  /** Write every item and replace the memory with what this run wrote (a full export). */
  refill: boolean;
}

export interface ExportMemoryCounts {
  /** Items never written by this job before (or, refilling, every item written). */
  added: number;
  /** Items written before whose content changed since. */
  changed: number;
  /** Items written before, unchanged since: not written again. */
  unchanged: number;
}

const STAGE_BATCH = 500;

/**
 * What each export job wrote, item by item (for PACT: footprint id → content hash), so an
 * incremental run writes exactly the items new to the job or changed since it last wrote them,
 * whatever their timestamps say.
 *
 * A run compares as it reads, one indexed look-up per item, and notes what it writes in
 * `export_memory_staged` in batches: memory stays flat however many items the platform lists.
 * Only `commit` (called once the run has succeeded, with the cursor) makes that the job's memory;
 * a failed run's notes are dropped, so the next run writes the same items again.
 */
export class ExportMemoryRepo {
  constructor(private readonly db: Db) {}

  /** Whether a successful run filled the job's memory for this dataset. */
  filled(jobId: string, dataset: string): boolean {
    const row = this.db.prepare('SELECT dataset FROM export_memory_jobs WHERE job_id = ?').get(jobId) as { dataset: string } | undefined;
    return row?.dataset === dataset;
  }

  /** How many items the job's memory holds. */
  count(jobId: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM export_memory WHERE job_id = ?').get(jobId) as { n: number }).n;
  }

  /** The hash recorded when the job last wrote this item, or null when it never did. */
  hashOf(jobId: string, itemId: string): string | null {
    const row = this.db.prepare('SELECT hash FROM export_memory WHERE job_id = ? AND item_id = ?').get(jobId, itemId) as { hash: string } | undefined;
    return row?.hash ?? null;
  }

  /** Forgets what the job wrote (its next run writes everything). */
  clear(jobId: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM export_memory WHERE job_id = ?').run(jobId);
      this.db.prepare('DELETE FROM export_memory_staged WHERE job_id = ?').run(jobId);
      this.db.prepare('DELETE FROM export_memory_jobs WHERE job_id = ?').run(jobId);
    })();
  }

  /** One run's comparison: `take` per item as it is read, then `commit` after success or `discard`. */
  session(o: ExportMemorySessionOptions): ExportMemorySession {
    return new ExportMemorySession(this.db, o);
  }
}

export class ExportMemorySession {
  readonly counts: ExportMemoryCounts = { added: 0, changed: 0, unchanged: 0 };
  private pending: [string, string][] = [];
  private readonly lookup;
  private readonly stageStmt;

  constructor(
    private readonly db: Db,
    private readonly o: ExportMemorySessionOptions,
  ) {
    this.lookup = db.prepare('SELECT hash FROM export_memory WHERE job_id = ? AND item_id = ?').pluck();
    this.stageStmt = db.prepare(
      'INSERT INTO export_memory_staged (job_id, item_id, hash) VALUES (?, ?, ?) ON CONFLICT (job_id, item_id) DO UPDATE SET hash = excluded.hash',
    );
    // Notes left by a run that never finished (the agent stopped mid-run) are not this run's.
    db.prepare('DELETE FROM export_memory_staged WHERE job_id = ?').run(o.jobId);
  }

  /** Whether to write this item now; an item taken is noted, to be remembered once the run succeeded. */
  take(itemId: string, hash: string): boolean {
    const before = this.o.refill ? undefined : (this.lookup.get(this.o.jobId, itemId) as string | undefined);
    if (before === hash) {
      this.counts.unchanged++;
      return false;
    }
    if (before === undefined) this.counts.added++;
    else this.counts.changed++;
    this.pending.push([itemId, hash]);
    if (this.pending.length >= STAGE_BATCH) this.flush();
    return true;
  }

  /** After the run succeeded: what it wrote becomes the job's memory (replacing it when refilling). */
  commit(at: string): void {
    this.flush();
    const { jobId, dataset, runId, refill } = this.o;
    this.db.transaction(() => {
      if (refill) this.db.prepare('DELETE FROM export_memory WHERE job_id = ?').run(jobId);
      this.db
        .prepare(
          `INSERT INTO export_memory (job_id, item_id, hash, run_id)
           SELECT job_id, item_id, hash, ? FROM export_memory_staged WHERE job_id = ?
           ON CONFLICT (job_id, item_id) DO UPDATE SET hash = excluded.hash, run_id = excluded.run_id`,
        )
        .run(runId, jobId);
      this.db.prepare('DELETE FROM export_memory_staged WHERE job_id = ?').run(jobId);
      this.db
        .prepare(
          `INSERT INTO export_memory_jobs (job_id, dataset, filled_at, run_id) VALUES (?, ?, ?, ?)
           ON CONFLICT (job_id) DO UPDATE SET dataset = excluded.dataset, filled_at = excluded.filled_at, run_id = excluded.run_id`,
        )
        .run(jobId, dataset, at, runId);
    })();
  }

  /** After a failed run: nothing it wrote is remembered, so the next run writes it again. */
  discard(): void {
    this.pending = [];
    this.db.prepare('DELETE FROM export_memory_staged WHERE job_id = ?').run(this.o.jobId);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.db.transaction(() => {
      for (const [itemId, hash] of batch) this.stageStmt.run(this.o.jobId, itemId, hash);
    })();
  }
}
