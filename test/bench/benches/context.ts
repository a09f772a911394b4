/** What the benchmarks share within one `npm run bench`: sizes, a temp folder, one sandbox process. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startSandboxChild, type SandboxChild } from '../lib/children';

export interface Sizes {
  ingestRows: number;
  memoryRows: [number, number];
  watcherFiles: number;
  watcherStableMs: number;
  exportRows: number;
  historyRuns: number;
  historyErrors: number;
  idleSeconds: number;
  /** Size of the generated CSV read by the reader-memory figure (issue 4: 2 GB under 200 MB RSS). */
  bigCsvBytes: number;
}

export const FULL: Sizes = {
  ingestRows: 1_000_000,
  memoryRows: [1_000_000, 5_000_000],
  watcherFiles: 100,
  watcherStableMs: 500,
  exportRows: 1_000_000,
  historyRuns: 100_000,
  historyErrors: 100_000,
  idleSeconds: 60,
  bigCsvBytes: 2 * 1024 ** 3,
};

export const QUICK: Sizes = {
  ingestRows: 100_000,
  memoryRows: [100_000, 500_000],
  watcherFiles: 20,
  watcherStableMs: 500,
  exportRows: 100_000,
  historyRuns: 10_000,
  historyErrors: 10_000,
  idleSeconds: 10,
  bigCsvBytes: 200 * 1024 ** 2,
};

export class BenchContext {
  private sandboxChild: SandboxChild | null = null;

  constructor(
    readonly dir: string,
    readonly sizes: Sizes,
    readonly log: (line: string) => void,
  ) {}

  /** A folder under the run's temp folder, created. */
  folder(...parts: string[]): string {
    const p = join(this.dir, ...parts);
    mkdirSync(p, { recursive: true });
    return p;
  }

  /** A file path under the run's temp folder; its parent folder is created. */
  path(...parts: string[]): string {
    const p = join(this.dir, ...parts);
    mkdirSync(join(p, '..'), { recursive: true });
    return p;
  }

  /**
   * The shared sandbox process (a file database, as a long-running platform has). The ingest
   * benchmark fills it; the export benchmark reads what is there, seeding up to `seed` if the
   * ingest benchmark did not run.
   */
  async sandbox(seed = 0): Promise<SandboxChild> {
    if (this.sandboxChild && this.sandboxChild.submissions < seed) {
      await this.sandboxChild.stop();
      this.sandboxChild = null;
    }
    this.sandboxChild ??= await startSandboxChild(this.path('sandbox', 'platform.db'), seed);
    return this.sandboxChild;
  }

  /** Called after the ingest benchmark added rows to the shared sandbox. */
  noteSubmissions(n: number): void {
    if (this.sandboxChild) this.sandboxChild.submissions = n;
  }

  async close(): Promise<void> {
    await this.sandboxChild?.stop();
    this.sandboxChild = null;
  }
}

export interface BenchResult {
  id: number;
  name: string;
  /** Whether every budget of this benchmark was met. */
  pass: boolean;
  /** One line for the table: the headline figure against its budget. */
  headline: string;
  budget: string;
  details: Record<string, unknown>;
}
