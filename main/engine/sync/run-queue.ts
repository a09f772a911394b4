/**
 * One run per job at a time; a trigger during a run queues exactly one follow-up (never a
 * pile); runs of different connections go in parallel up to a limit, and one connection's
 * runs never take every slot.
 */
export interface QueuedRun<T> {
  jobId: string;
  connectionId: string;
  request: T;
}

export class RunQueue<T> {
  private readonly running = new Map<string, string>(); // jobId → connectionId
  private readonly waiting: QueuedRun<T>[] = [];
  private readonly idleResolvers: (() => void)[] = [];

  constructor(
    private readonly execute: (run: QueuedRun<T>) => Promise<void>,
    private readonly limits: { total: number; perConnection: number } = { total: 4, perConnection: 2 },
  ) {}

  /** False when the same job already has a follow-up waiting (file triggers carry their own file and always queue). */
  enqueue(run: QueuedRun<T>, opts: { coalesce: boolean }): boolean {
    if (opts.coalesce && this.waiting.some((w) => w.jobId === run.jobId)) return false;
    this.waiting.push(run);
    this.pump();
    return true;
  }

  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }

  get size(): number {
    return this.running.size + this.waiting.length;
  }

  onIdle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleResolvers.push(r));
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.running.size < this.limits.total; ) {
      const next = this.waiting[i]!;
      const perConn = [...this.running.values()].filter((c) => c === next.connectionId).length;
      if (this.running.has(next.jobId) || perConn >= this.limits.perConnection) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.running.set(next.jobId, next.connectionId);
      void this.execute(next)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(next.jobId);
          this.pump();
          if (this.size === 0) for (const r of this.idleResolvers.splice(0)) r();
        });
    }
  }
}
