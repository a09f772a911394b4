/**
 * Small, pure measurement helpers for the benchmark harness. Kept free of engine imports so the
 * unit smoke test (test/unit/bench) can exercise them in milliseconds.
 */

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile ${p} is outside 0..100`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export interface Spread {
  n: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
}

/** Distribution of a sample, rounded for reports. */
export function spread(values: readonly number[], digits = 3): Spread {
  return {
    n: values.length,
    min: round(Math.min(...values), digits),
    p50: round(percentile(values, 50), digits),
    p95: round(percentile(values, 95), digits),
    max: round(Math.max(...values), digits),
  };
}

/** Runs `fn` `times` times (after `warmup` untimed runs) and returns each duration in ms. */
export async function timeMany(fn: () => unknown, times: number, warmup = 3): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Times one async operation: wall seconds, and CPU seconds this process used meanwhile (all
 * threads). CPU time barely moves when other processes compete for the cores, so it is
 * reported next to every wall-clock ratio as the steadier view.
 */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { value, seconds, cpuSeconds: (c.user + c.system) / 1e6 };
}

/** Rows per CPU second of the measured work over the baseline's (best run), rounded. */
export function cpuRatio(rows: number, cpuSeconds: number, baseline: { rows: number; cpuSeconds: number }[]): number {
  const best = Math.max(...baseline.map((b) => b.rows / b.cpuSeconds));
  return round(rows / cpuSeconds / best, 3);
}

export interface RatioFigure {
  /** Rows per second of the thing measured. */
  rowsPerSecond: number;
  /** Rows per second of the baseline, the fastest of its runs (the conservative choice). */
  baselineRowsPerSecond: number;
  /** rowsPerSecond / baselineRowsPerSecond. */
  ratio: number;
  budget: number;
  pass: boolean;
}

/**
 * A throughput ratio against a baseline measured in the same run. The fastest baseline run is
 * used: noise only ever slows a run down, so this never flatters the thing measured.
 */
export function ratioFigure(rows: number, seconds: number, baseline: { rows: number; seconds: number }[], budget: number): RatioFigure {
  if (baseline.length === 0) throw new Error('a ratio needs at least one baseline run');
  if (!(seconds > 0)) throw new Error(`measured time must be positive, got ${seconds}`);
  const rowsPerSecond = rows / seconds;
  const baselineRowsPerSecond = Math.max(...baseline.map((b) => b.rows / b.seconds));
  const ratio = rowsPerSecond / baselineRowsPerSecond;
  return { rowsPerSecond: Math.round(rowsPerSecond), baselineRowsPerSecond: Math.round(baselineRowsPerSecond), ratio: round(ratio, 3), budget, pass: ratio >= budget };
}

/**
 * The highest ratio the ingest could reach if the agent cost nothing: a platform process that
 * spends `platformCpuSeconds` of CPU on `rows` rows cannot take them faster than one at a time
 * on one core (the sandbox is single-threaded), whatever the agent does.
 */
export function platformCeiling(rows: number, platformCpuSeconds: number, baselineRowsPerSecond: number): number | null {
  if (!(platformCpuSeconds > 0) || !(baselineRowsPerSecond > 0)) return null;
  return round(rows / platformCpuSeconds / baselineRowsPerSecond, 3);
}

/** Parses `--quick`, `--only 1,3` (or `--only=1`), `--keep`. Unknown flags are an error. */
export function parseBenchArgs(argv: readonly string[]): { quick: boolean; only: Set<number> | null; keep: boolean } {
  let quick = false;
  let keep = false;
  let only: Set<number> | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--keep') keep = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!v || !/^\d(,\d)*$/.test(v)) throw new Error(`--only takes benchmark numbers 1 to 7, e.g. --only 1 or --only 1,3; got "${v ?? ''}".`);
      only = new Set(v.split(',').map(Number));
      for (const n of only) if (n < 1 || n > 8) throw new Error(`There is no benchmark ${n}; they are numbered 1 to 8.`);
    } else throw new Error(`Unknown option "${a}". Use --quick, --only N[,M] or --keep.`);
  }
  return { quick, only, keep };
}
