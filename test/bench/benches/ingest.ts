/**
 * Benchmarks 1 and 2: a full file ingest of the generated CSV into the sandbox (read, map with a
 * value map and unit conversions, validate, stage, ledger diff, durable outbox, HTTP batches over
 * loopback, sandbox persisting), then the same file again with nothing changed. Each is a ratio
 * to csv-parse alone reading the same file in this same process, measured around the runs.
 */
import { statSync } from 'node:fs';
import { SyncService } from '../../../main/engine/sync/service';
import type { RunSummary } from '../../../shared/api';
import { csvParseAlone, writeBenchCsv } from '../lib/data';
import { readCpuSeconds } from '../lib/proc';
import { cpuRatio, platformCeiling, ratioFigure, round, timed } from '../lib/stats';
import { addFolderIngestJob, addSandboxConnection, openBenchEngine } from '../lib/wiring';
import type { BenchContext, BenchResult } from './context';

const counts = (r: RunSummary) => ({ status: r.status, read: r.read, created: r.created, updated: r.updated, unchanged: r.unchanged, rejected: r.rejected, requests: r.requests, retries: r.retries, error: r.error });

export async function ingestBenchmarks(ctx: BenchContext, which: { first: boolean; resync: boolean }): Promise<BenchResult[]> {
  const rows = ctx.sizes.ingestRows;
  const folder = ctx.folder('ingest', 'drop');
  const file = `${folder}/utilities.csv`;
  ctx.log(`  generating ${rows.toLocaleString('en')} rows × 8 columns…`);
  const gen = await writeBenchCsv(file, rows);
  const sandbox = await ctx.sandbox();
  const { engine, call } = await openBenchEngine(ctx.folder('ingest', 'agent-data'));
  const results: BenchResult[] = [];
  try {
    const connectionId = await addSandboxConnection(engine, call, sandbox.url);
    // BENCH_BATCH_SIZE / BENCH_BATCHES_IN_FLIGHT probe job settings against the defaults a new job gets.
    const probe = { ...(process.env.BENCH_BATCH_SIZE ? { batchSize: Number(process.env.BENCH_BATCH_SIZE) } : {}), ...(process.env.BENCH_BATCHES_IN_FLIGHT ? { batchesInFlight: Number(process.env.BENCH_BATCHES_IN_FLIGHT) } : {}) };
    const job = await addFolderIngestJob(engine, call, { key: 'ingest', folder, connectionId, ingest: probe });
    const sync = new SyncService(engine);
    engine.sync = sync;
    const runFile = () => sync.runner.run({ jobId: job.jobId, trigger: 'file', file: { path: file, sha256: 'bench', size: statSync(file).size } });

    const baseline = [await csvParseAlone(file)];
    ctx.log(`  csv-parse alone: ${Math.round(baseline[0]!.rows / baseline[0]!.seconds).toLocaleString('en')} rows/s`);
    if (baseline[0]!.rows !== rows) throw new Error(`csv-parse read ${baseline[0]!.rows} rows but ${rows} were generated`);

    // 1. Full ingest.
    const sandboxCpu0 = readCpuSeconds(sandbox.pid);
    const first = await timed(runFile);
    const sandboxCpu = readCpuSeconds(sandbox.pid) - sandboxCpu0;
    ctx.noteSubmissions(rows);
    baseline.push(await csvParseAlone(file));
    const c1 = counts(first.value);
    if (c1.created !== rows || c1.rejected !== 0 || c1.status !== 'succeeded') throw new Error(`The full ingest did not create every row: ${JSON.stringify(c1)}`);
    const f1 = ratioFigure(rows, first.seconds, baseline, 0.3);
    const cpu1 = cpuRatio(rows, first.cpuSeconds, baseline);
    const ceiling = platformCeiling(rows, sandboxCpu, f1.baselineRowsPerSecond);
    ctx.log(`  full ingest: ${f1.rowsPerSecond.toLocaleString('en')} rows/s in ${round(first.seconds, 1)} s, ratio ${f1.ratio} (CPU-time ratio ${cpu1})`);
    ctx.log(`  sandbox process: ${round(sandboxCpu, 1)} CPU-s (${round((sandboxCpu / rows) * 1e6, 1)} µs a row); a free agent could reach ratio ${ceiling ?? '?'} at most`);
    if (which.first) {
      results.push({
        id: 1,
        name: 'Ingest throughput',
        pass: f1.pass,
        headline: `${f1.rowsPerSecond.toLocaleString('en')} rows/s; ratio to csv-parse ${f1.ratio} (CPU-time ratio ${cpu1}); the sandbox's own ${round((sandboxCpu / rows) * 1e6, 1)} CPU-µs a row cap it at ${ceiling ?? '?'}`,
        budget: 'ratio ≥ 0.3',
        details: { rows, fileBytes: gen.bytes, seconds: round(first.seconds, 2), cpuSeconds: round(first.cpuSeconds, 2), ...f1, cpuTimeRatio: cpu1, sandboxCpuSeconds: round(sandboxCpu, 2), platformCeilingRatio: ceiling, baselineRuns: baseline.map((b) => ({ seconds: round(b.seconds, 3), cpuSeconds: round(b.cpuSeconds, 3) })), run: c1 },
      });
    }

    // 2. Unchanged re-sync: every row unchanged by ledger hash, nothing sent.
    if (which.resync) {
      const second = await timed(runFile);
      baseline.push(await csvParseAlone(file));
      const c2 = counts(second.value);
      if (c2.unchanged !== rows || c2.created + c2.updated + c2.rejected !== 0) throw new Error(`The re-sync did not find every row unchanged: ${JSON.stringify(c2)}`);
      const f2 = ratioFigure(rows, second.seconds, baseline, 0.8);
      const cpu2 = cpuRatio(rows, second.cpuSeconds, baseline);
      ctx.log(`  unchanged re-sync: ${f2.rowsPerSecond.toLocaleString('en')} rows/s in ${round(second.seconds, 1)} s, ratio ${f2.ratio} (CPU-time ratio ${cpu2})`);
      results.push({
        id: 2,
        name: 'Unchanged re-sync',
        pass: f2.pass,
        headline: `${f2.rowsPerSecond.toLocaleString('en')} rows/s; ratio to csv-parse ${f2.ratio} (CPU-time ratio ${cpu2})`,
        budget: 'ratio ≥ 0.8',
        details: { rows, seconds: round(second.seconds, 2), cpuSeconds: round(second.cpuSeconds, 2), ...f2, cpuTimeRatio: cpu2, baselineRuns: baseline.map((b) => ({ seconds: round(b.seconds, 3), cpuSeconds: round(b.cpuSeconds, 3) })), run: c2 },
      });
    }
    return results;
  } finally {
    await engine.stop();
  }
}
