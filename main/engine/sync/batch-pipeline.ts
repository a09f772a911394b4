/**
 * Batches an ingest keeps in flight at once. With one, the agent sat idle for every round trip
 * while the platform validated and stored a batch, and the platform sat idle while the agent
 * prepared the next one; two overlap the two sides and a third covers a slow answer. Each batch
 * is in the outbox before it is sent and commits its own ledger rows when answered, and the keys
 * of one run are distinct, so the order in which answers arrive does not matter.
 */
export const BATCHES_IN_FLIGHT = 3;

/**
 * Runs at most `limit` tasks at a time. `add` waits for a free slot, so the caller never gets
 * ahead of the platform by more than `limit` batches (memory stays bounded). After a task fails
 * no new task starts: `add` and `drain` rethrow the first failure once every task already
 * started has settled, so nothing is still writing when the caller reports the run.
 */
export class BatchPipeline {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`Batches in flight must be a whole number of at least 1, not ${String(limit)}.`);
  }

  get inFlight(): number {
    return this.running.size;
  }

  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit && !this.failure) await Promise.race(this.running);
    if (this.failure) return this.fail();
    const p: Promise<void> = task().then(
      () => {
        this.running.delete(p);
      },
      (error: unknown) => {
        this.running.delete(p);
        this.failure ??= { error };
      },
    );
    this.running.add(p);
  }

  /** Waits for every started task; rethrows the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    if (this.failure) return this.fail();
  }

  /** Waits for every started task without throwing (for cleanup after another error). */
  async settle(): Promise<void> {
    while (this.running.size) await Promise.all(this.running);
  }

  private async fail(): Promise<never> {
    await this.settle();
    throw this.failure!.error;
  }
}
