/**
 * `npm run bench [-- --quick] [-- --only 1,3] [-- --keep]`: the benchmark suite of issue 8.
 *
 * Full sizes write test/bench/results.json and the table in test/bench/RESULTS.md (a `--only`
 * run replaces just its rows). `--quick` uses reduced sizes for development and writes
 * test/bench/results.quick.json only. `--keep` leaves the temp folder for inspection.
 * Profile one benchmark with: node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx test/bench/run.ts --only 1
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchContext, FULL, QUICK, type BenchResult } from './benches/context';
import { bigCsvBenchmark } from './benches/big-csv';
import { exportBenchmark } from './benches/export';
import { historyBenchmark } from './benches/history';
import { idleBenchmark } from './benches/idle';
import { ingestBenchmarks } from './benches/ingest';
import { memoryBenchmark } from './benches/memory';
import { watcherBenchmark } from './benches/watcher';
import { applyHeapPolicy } from '../../main/engine/runtime/heap-policy';
import { ROOT } from './lib/children';
import { gitCommit, machineInfo } from './lib/proc';
import { mergeResults, writeReport, type BenchReport, type ReportedResult } from './lib/report';
import { parseBenchArgs } from './lib/stats';

const NAMES: Record<number, string> = {
  1: 'Ingest throughput',
  2: 'Unchanged re-sync',
  3: 'Memory (agent peak RSS)',
  4: 'Watcher latency',
  5: 'Export to CSV',
  6: 'History queries',
  7: 'Idle agent',
  8: 'CSV reader memory',
};

async function main(): Promise<number> {
  // Benchmarks 1, 2, 5 and 6 run the engine in this process: with the agent's own heap policy.
  applyHeapPolicy();
  const args = parseBenchArgs(process.argv.slice(2));
  const wanted = (n: number) => !args.only || args.only.has(n);
  const sizes = args.quick ? QUICK : FULL;
  const dir = mkdtempSync(join(tmpdir(), 'esg-bench-'));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const ctx = new BenchContext(dir, sizes, log);
  const machine = machineInfo();
  const { commit, dirty } = gitCommit(ROOT);
  const started = performance.now();
  const results: ReportedResult[] = [];
  const failures: BenchReport['failures'] = [];
  log(`ESG Sync Agent benchmarks (${args.quick ? 'quick' : 'full'}) on ${machine.cores} cores, ${machine.ramGb} GB, Node ${machine.node}; load ${machine.loadAverage1m}; temp ${dir}`);

  const run = async (ids: number[], fn: () => Promise<BenchResult | BenchResult[]>) => {
    const todo = ids.filter(wanted);
    if (!todo.length) return;
    log(`\n[${todo.join(', ')}] ${todo.map((i) => NAMES[i]).join(' + ')}`);
    try {
      const out = await fn();
      for (const r of Array.isArray(out) ? out : [out]) {
        if (!todo.includes(r.id)) continue;
        results.push({ ...r, measuredAt: new Date().toISOString(), commit: dirty ? `${commit}+` : commit, loadAverage1m: Math.round(loadavg()[0]! * 100) / 100 });
        log(`  → ${r.pass ? 'PASS' : 'MISS'}: ${r.headline} (budget ${r.budget})`);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`  → ERROR: ${err instanceof Error ? err.stack : message}`);
      for (const id of todo) failures.push({ id, name: NAMES[id]!, error: message });
    }
  };

  try {
    // The export reads what the ingest wrote to the shared sandbox, so it runs right after it.
    await run([1, 2], () => ingestBenchmarks(ctx, { first: wanted(1), resync: wanted(2) }));
    await run([5], () => exportBenchmark(ctx));
    await ctx.close();
    await run([6], () => historyBenchmark(ctx));
    await run([4], () => watcherBenchmark(ctx));
    await run([3], () => memoryBenchmark(ctx));
    await run([7], () => idleBenchmark(ctx));
    await run([8], () => bigCsvBenchmark(ctx));
  } finally {
    await ctx.close();
    if (args.keep) log(`\nTemp folder kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }

  const jsonPath = join(ROOT, 'test/bench', args.quick ? 'results.quick.json' : 'results.json');
  const previous: ReportedResult[] = args.only && existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchReport).results : [];
  const report: BenchReport = {
    date: new Date().toISOString(),
    commit,
    dirty,
    mode: args.quick ? 'quick' : 'full',
    machine,
    loadAverageEnd: Math.round(loadavg()[0]! * 100) / 100,
    durationSeconds: Math.round((performance.now() - started) / 1000),
    results: mergeResults(previous, results),
    failures,
  };
  writeReport(jsonPath, args.quick ? null : join(ROOT, 'test/bench/RESULTS.md'), report);
  log(`\nWrote ${jsonPath}${args.quick ? '' : ' and test/bench/RESULTS.md'}.`);
  const missed = results.filter((r) => !r.pass).length + failures.length;
  log(missed ? `${missed} benchmark(s) missed their budget or did not complete.` : 'Every benchmark met its budget.');
  return missed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
