/**
 * Benchmark 3: peak RSS of the agent process for a small and a five times larger file. Each size
 * gets a fresh agent process (bundled, as shipped) and a fresh sandbox process, and the agent
 * reports its own VmHWM after the run: the kernel's record of its peak resident set.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildChildren, startChild, startSandboxChild } from '../lib/children';
import { writeBenchCsv } from '../lib/data';
import { round } from '../lib/stats';
import type { BenchContext, BenchResult } from './context';

interface AgentReport {
  status: string;
  error: string | null;
  read: number;
  created: number;
  rejected: number;
  seconds: number;
  startRssMb: number | null;
  peakRssMb: number | null;
  endRssMb: number | null;
  peakHeapTotalMb?: number;
  peakExternalMb?: number;
  endHeapUsedMb?: number;
  heapUsedAfterGcMb?: number;
}

const BUDGET_MB = 250;

export async function memoryBenchmark(ctx: BenchContext): Promise<BenchResult> {
  await buildChildren();
  const runs: (AgentReport & { rows: number })[] = [];
  for (const rows of ctx.sizes.memoryRows) {
    const dir = ctx.folder('memory', String(rows));
    const drop = ctx.folder('memory', String(rows), 'drop');
    const file = join(drop, 'utilities.csv');
    ctx.log(`  generating ${rows.toLocaleString('en')} rows…`);
    await writeBenchCsv(file, rows);
    const sandbox = await startSandboxChild(join(dir, 'platform.db'));
    try {
      // --expose-gc only lets the child collect once more after the run, to report what it still holds.
      // BENCH_AGENT_NODE_FLAGS="--flag …" probes V8 settings against the agent's own heap policy.
      const probe = (process.env.BENCH_AGENT_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
      const agent = startChild<AgentReport>('ingestAgent', ['--data-dir', join(dir, 'agent-data'), '--file', file, '--sandbox', sandbox.url], {}, ['--expose-gc', ...probe]);
      const report = await agent.first;
      await agent.exited;
      if (report.created !== rows || report.status !== 'succeeded') throw new Error(`The ${rows}-row ingest did not create every row: ${JSON.stringify(report)}`);
      if (report.peakRssMb === null) throw new Error('The agent could not read its peak RSS (/proc is needed).');
      ctx.log(`  ${rows.toLocaleString('en')} rows: peak RSS ${round(report.peakRssMb, 1)} MB, ${round(rows / report.seconds)} rows/s`);
      runs.push({ ...report, rows });
    } finally {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const [small, large] = runs as [AgentReport & { rows: number }, AgentReport & { rows: number }];
  const growth = large.peakRssMb! / small.peakRssMb! - 1;
  const worst = Math.max(small.peakRssMb!, large.peakRssMb!);
  const pass = Math.abs(growth) <= 0.1 && worst <= BUDGET_MB;
  return {
    id: 3,
    name: 'Memory (agent peak RSS)',
    pass,
    headline: `${round(small.peakRssMb!, 1)} MB at ${small.rows.toLocaleString('en')} rows vs ${round(large.peakRssMb!, 1)} MB at ${large.rows.toLocaleString('en')} (${growth >= 0 ? '+' : ''}${round(growth * 100, 1)}%)`,
    budget: `within 10% of each other, ≤ ${BUDGET_MB} MB`,
    details: {
      runs: runs.map((r) => ({ rows: r.rows, peakRssMb: round(r.peakRssMb!, 1), startRssMb: r.startRssMb === null ? null : round(r.startRssMb, 1), endRssMb: r.endRssMb === null ? null : round(r.endRssMb, 1), peakHeapTotalMb: r.peakHeapTotalMb === undefined ? null : round(r.peakHeapTotalMb, 1), peakExternalMb: r.peakExternalMb === undefined ? null : round(r.peakExternalMb, 1), endHeapUsedMb: r.endHeapUsedMb === undefined ? null : round(r.endHeapUsedMb, 1), heapUsedAfterGcMb: r.heapUsedAfterGcMb === undefined ? null : round(r.heapUsedAfterGcMb, 1), seconds: round(r.seconds, 1), rowsPerSecond: Math.round(r.rows / r.seconds) })),
      growthPercent: round(growth * 100, 1),
      budgetMb: BUDGET_MB,
    },
  };
}
