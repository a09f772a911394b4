/**
 * Memory benchmark for the CSV reader: generates a large CSV (default 2 GB) in the temp
 * folder, reads it through readCsv, and prints peak RSS as JSON. Not a vitest test.
 *
 *   npx esbuild test/bench/big-csv-memory.ts --bundle --platform=node --format=esm \
 *     --packages=external --outfile=dist/bench/big-csv-memory.mjs
 *   node dist/bench/big-csv-memory.mjs [SIZE] [--assert]
 *
 * SIZE: bytes, or with a unit (500MB, 2GB). --assert exits 1 when peak RSS while reading
 * exceeds the 200 MB budget.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsv } from '../../main/engine/sources/readers';

const BUDGET_MB = 200;

function parseSize(arg: string | undefined): number {
  if (!arg) return 2 * 1024 ** 3;
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(arg.trim());
  if (!m) throw new Error(`Size "${arg}" is not understood; use e.g. 500MB or 2GB.`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
  return Math.floor(Number(m[1]) * mult);
}

async function generate(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path, { highWaterMark: 1024 * 1024 });
  const sites = ['LON-01', 'PAR-02', 'BER-03', 'MAD-04', 'ROM-05'];
  let written = 0;
  let rows = 0;
  const header = 'site;date;metric;value;unit;comment\n';
  out.write(header);
  written += header.length;
  while (written < bytes) {
    let chunk = '';
    for (let i = 0; i < 2000; i++, rows++) {
      const comment = rows % 97 === 0 ? '"meter swap\nreading ""estimated"""' : 'ok';
      chunk += `${sites[rows % 5]};2024-${String((rows % 12) + 1).padStart(2, '0')}-01;electricity;${(rows % 10000) * 1.25},5;kWh;${comment}\n`;
    }
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
  return rows;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const assert = args.includes('--assert');
  const size = parseSize(args.find((a) => !a.startsWith('--')));
  const dir = await mkdtemp(join(tmpdir(), 'esg-bench-'));
  const file = join(dir, 'big.csv');
  try {
    const generatedRows = await generate(file, size);
    const bytes = (await stat(file)).size;
    global.gc?.();
    const baselineMb = process.memoryUsage().rss / 1024 ** 2;
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const started = performance.now();
    const reader = await readCsv(file);
    let rows = 0;
    for await (const row of reader) {
      rows++;
      if (rows % 100000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      if (row.line < 0) throw new Error('impossible');
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const peakRssMb = Math.round((peak / 1024 ** 2) * 10) / 10;
    const result = {
      bench: 'big-csv-memory',
      bytes,
      rows,
      generatedRows,
      seconds: Math.round(seconds * 100) / 100,
      mbPerSecond: Math.round((bytes / 1024 ** 2 / seconds) * 10) / 10,
      baselineRssMb: Math.round(baselineMb * 10) / 10,
      peakRssMb,
      budgetMb: BUDGET_MB,
      withinBudget: peakRssMb <= BUDGET_MB,
      settings: { encoding: reader.info.encoding, delimiter: reader.info.delimiter, headers: reader.info.headers },
    };
    console.log(JSON.stringify(result));
    if (rows !== generatedRows) throw new Error(`Read ${rows} rows but generated ${generatedRows}.`);
    if (assert && !result.withinBudget) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(JSON.stringify({ bench: 'big-csv-memory', error: (err as Error).message }));
  process.exitCode = 1;
});
