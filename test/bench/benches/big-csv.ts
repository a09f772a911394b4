/**
 * Figure 8 (issue 4): the CSV reader over a generated 2 GB file keeps the process under 200 MB
 * RSS. Runs big-csv-memory.ts in its own process so nothing else in this one counts.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../lib/children';
import type { BenchContext, BenchResult } from './context';

interface BigCsvOutput {
  bytes: number;
  rows: number;
  seconds: number;
  mbPerSecond: number;
  baselineRssMb: number;
  peakRssMb: number;
  budgetMb: number;
  withinBudget: boolean;
  error?: string;
}

export async function bigCsvBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const bytes = ctx.sizes.bigCsvBytes;
  ctx.log(`  generating and reading a ${Math.round(bytes / 1024 ** 2)} MB CSV in a child process`);
  const out = await new Promise<BigCsvOutput>((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'test/bench/big-csv-memory.ts'), String(bytes)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      try {
        const parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '') as BigCsvOutput;
        if (parsed.error) reject(new Error(parsed.error));
        else resolve(parsed);
      } catch {
        reject(new Error(`big-csv-memory printed no result: ${stdout.slice(-500)}`));
      }
    });
  });
  return {
    id: 8,
    name: 'CSV reader memory',
    pass: out.withinBudget,
    // The file is generated in the same child first; RSS is sampled only while it is read.
    headline: `${(out.bytes / 1024 ** 3).toFixed(2)} GB, ${out.rows.toLocaleString('en-US')} rows at ${out.mbPerSecond} MB/s; RSS while reading peaked at ${out.peakRssMb} MB`,
    budget: `peak RSS ≤ ${out.budgetMb} MB`,
    details: { ...out },
  };
}
