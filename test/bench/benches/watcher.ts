/**
 * Benchmark 4: watcher latency. The agent's SyncService watches a folder; files are written one
 * after another (each after the previous one's run finished, so no file waits behind another
 * run). Latency = time from the close of the write to the run's start, minus the folder's
 * stability threshold (the time a file must stay unchanged before it is taken, by design).
 */
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SyncService } from '../../../main/engine/sync/service';
import { startSandbox } from '../../../main/sandbox';
import type { RunSummary } from '../../../shared/api';
import { csvLine, HEADERS } from '../lib/data';
import { round, spread } from '../lib/stats';
import { addFolderIngestJob, addSandboxConnection, openBenchEngine } from '../lib/wiring';
import type { BenchContext, BenchResult } from './context';

const ROWS_PER_FILE = 5;
const BUDGET_P95_MS = 1000;

export async function watcherBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const { watcherFiles: files, watcherStableMs: stableMs } = ctx.sizes;
  const sandbox = await startSandbox({ port: 0 });
  const { engine, call } = await openBenchEngine(ctx.folder('watcher', 'agent-data'));
  const folder = ctx.folder('watcher', 'drop');
  try {
    const connectionId = await addSandboxConnection(engine, call, sandbox.url);
    await addFolderIngestJob(engine, call, { key: 'watch', folder, connectionId, stableMs, ingest: { afterRun: 'move' } });
    const started = new Map<string, number>();
    const finished = new Map<string, (r: RunSummary) => void>();
    engine.events.subscribe((event, payload) => {
      const run = payload as RunSummary;
      if (event === 'run.started' && run.file) started.set(basename(run.file), performance.now());
      if (event === 'run.finished' && run.file) finished.get(basename(run.file))?.(run);
    });
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    // Let the watcher finish its initial scan before the clock starts.
    await new Promise((r) => setTimeout(r, 500));

    const latencies: number[] = [];
    for (let k = 0; k < files; k++) {
      const path = join(folder, `reading-${String(k).padStart(3, '0')}.csv`);
      // Rows far past the ingest benchmark's keys: every file creates new submissions.
      const body = [HEADERS.join(','), ...Array.from({ length: ROWS_PER_FILE }, (_, j) => csvLine(20_000_000 + k * ROWS_PER_FILE + j))].join('\n') + '\n';
      const done = new Promise<RunSummary>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No run finished for ${path} within 30 s.`)), 30_000);
        finished.set(basename(path), (r) => {
          clearTimeout(timer);
          resolve(r);
        });
      });
      await writeFile(path, body);
      const closedAt = performance.now();
      const run = await done;
      if (run.status !== 'succeeded' || run.created !== ROWS_PER_FILE) throw new Error(`The run for ${path} did not create its rows: ${run.status} ${run.error ?? ''}`);
      const startAt = started.get(basename(path));
      if (startAt === undefined) throw new Error(`No run.started event was seen for ${path}.`);
      latencies.push(startAt - closedAt - stableMs);
    }
    const s = spread(latencies, 1);
    ctx.log(`  p50 ${s.p50} ms, p95 ${s.p95} ms over ${files} files (stability threshold ${stableMs} ms subtracted)`);
    return {
      id: 4,
      name: 'Watcher latency',
      pass: s.p95 <= BUDGET_P95_MS,
      headline: `p50 ${s.p50} ms, p95 ${s.p95} ms (after the ${stableMs} ms stability threshold)`,
      budget: `p95 ≤ ${BUDGET_P95_MS} ms`,
      details: { files, rowsPerFile: ROWS_PER_FILE, stableMs, latencyMs: s, rawMs: latencies.map((l) => round(l, 1)) },
    };
  } finally {
    await engine.stop();
    await sandbox.close();
  }
}
