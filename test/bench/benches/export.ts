/**
 * Benchmark 5: an export job (submissions dataset, CSV to a folder) run by the job runner
 * against the sandbox process: paged HTTP reads, flattening, formula neutralising, csv-stringify,
 * atomic file commit, history. The ratio is to csv-stringify alone writing the same number of
 * rows, with the writer's options, cycling through the first 10,000 rows of the exported file.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SyncService } from '../../../main/engine/sync/service';
import { csvStringifyAlone, sampleCsv } from '../lib/data';
import { cpuRatio, ratioFigure, round, timed } from '../lib/stats';
import { addSandboxConnection, api, openBenchEngine } from '../lib/wiring';
import type { BenchContext, BenchResult } from './context';

export async function exportBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const rows = ctx.sizes.exportRows;
  const sandbox = await ctx.sandbox(rows);
  if (sandbox.submissions !== rows) throw new Error(`The sandbox holds ${sandbox.submissions} submissions; the export benchmark expects ${rows}.`);
  const { engine, call } = await openBenchEngine(ctx.folder('export', 'agent-data'));
  const out = ctx.folder('export', 'out');
  try {
    const connectionId = await addSandboxConnection(engine, call, sandbox.url);
    const job = await api<{ id: string }>(call, 'jobs.add', {
      name: 'Bench export',
      type: 'export',
      connectionId,
      config: { export: { dataset: 'submissions', destination: { kind: 'folder', path: out, format: 'csv', fileName: 'submissions' } } },
    });
    const sync = new SyncService(engine);
    engine.sync = sync;
    ctx.log(`  exporting ${rows.toLocaleString('en')} submissions…`);
    const run = await timed(() => sync.runner.run({ jobId: job.id, trigger: 'manual' }));
    if (run.value.status !== 'succeeded' || run.value.read !== rows) throw new Error(`The export did not write every row: ${run.value.status} ${run.value.read} ${run.value.error ?? ''}`);
    const file = readdirSync(out).find((f) => f.endsWith('.csv'));
    if (!file) throw new Error(`The export wrote no CSV file into ${out}.`);
    const sample = await sampleCsv(join(out, file), 10_000);
    const baseline = [];
    for (let i = 0; i < 2; i++) baseline.push(await csvStringifyAlone(ctx.path('export', `baseline-${i}.csv`), sample.header, sample.rows, rows));
    const f = ratioFigure(rows, run.seconds, baseline, 0.3);
    const cpu = cpuRatio(rows, run.cpuSeconds, baseline);
    ctx.log(`  export: ${f.rowsPerSecond.toLocaleString('en')} rows/s, csv-stringify alone ${f.baselineRowsPerSecond.toLocaleString('en')} rows/s, ratio ${f.ratio} (CPU-time ratio ${cpu})`);
    return {
      id: 5,
      name: 'Export to CSV',
      pass: f.pass,
      headline: `${f.rowsPerSecond.toLocaleString('en')} rows/s; ratio to csv-stringify ${f.ratio} (CPU-time ratio ${cpu})`,
      budget: 'ratio ≥ 0.3',
      details: { rows, columns: sample.header.length, seconds: round(run.seconds, 2), cpuSeconds: round(run.cpuSeconds, 2), bytes: run.value.bytes, requests: run.value.requests, ...f, cpuTimeRatio: cpu, baselineRuns: baseline.map((b) => ({ seconds: round(b.seconds, 3), cpuSeconds: round(b.cpuSeconds, 3) })) },
    };
  } finally {
    await engine.stop();
  }
}
