import type { Db } from './database';

export interface OutboxBatch {
  id: number;
  jobId: string;
  runId: number;
  idempotencyKey: string;
  ops: unknown[];
  status: 'pending' | 'done';
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

interface Row {
  id: number;
  job_id: string;
  run_id: number;
  idempotency_key: string;
  ops: string;
  status: 'pending' | 'done';
  attempts: number;
  last_error: string | null;
  created_at: string;
}

const fromRow = (r: Row): OutboxBatch => ({
  id: r.id,
  jobId: r.job_id,
  runId: r.run_id,
  idempotencyKey: r.idempotency_key,
  ops: JSON.parse(r.ops) as unknown[],
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  createdAt: r.created_at,
});

/**
 * Durable batches: written before they are sent, marked done after the platform answered.
 * A crash between the two resends the same batch with the same idempotency key.
 */
export class OutboxRepo {
  // Prepared once: these run for every batch of every ingest.
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      insert: db.prepare(`INSERT INTO outbox (job_id, run_id, idempotency_key, ops, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)`),
      attempt: db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?'),
      done: db.prepare(`UPDATE outbox SET status = 'done', done_at = ?, ops = '[]' WHERE id = ?`),
    };
  }

  /** Writes a pending batch. The ops are returned as given, not read back: the row holds their JSON. */
  add(b: { jobId: string; runId: number; idempotencyKey: string; ops: unknown[]; createdAt: string; opsJson?: string }): OutboxBatch {
    // opsJson, when given, is JSON.stringify(ops) already built by the caller.
    const info = this.stmt.insert.run(b.jobId, b.runId, b.idempotencyKey, b.opsJson ?? JSON.stringify(b.ops), b.createdAt);
    return {
      id: Number(info.lastInsertRowid),
      jobId: b.jobId,
      runId: b.runId,
      idempotencyKey: b.idempotencyKey,
      ops: b.ops,
      status: 'pending',
      attempts: 0,
      lastError: null,
      createdAt: b.createdAt,
    };
  }

  get(id: number): OutboxBatch | null {
    const row = this.db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  pending(jobId: string): OutboxBatch[] {
    return (
      this.db.prepare(`SELECT * FROM outbox WHERE job_id = ? AND status = 'pending' ORDER BY id`).all(jobId) as Row[]
    ).map(fromRow);
  }

  recordAttempt(id: number, error: string | null): void {
    this.stmt.attempt.run(error, id);
  }

  markDone(id: number, at: string): void {
    this.stmt.done.run(at, id);
  }

  /** Done batches are only needed as a record of keys used; old ones are pruned. */
  pruneDone(beforeIso: string): number {
    return this.db.prepare(`DELETE FROM outbox WHERE status = 'done' AND done_at < ?`).run(beforeIso).changes;
  }
}
