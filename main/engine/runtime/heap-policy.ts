import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection.
 *
 * By default V8 picks a factor of up to 4× when a process allocates fast, which an ingest does
 * (every row is parsed, mapped, hashed and serialised, and almost all of it is garbage a moment
 * later): the agent then held ~29 MB of live heap but let the heap reach ~160 MB and its
 * resident memory ~270 MB before collecting. A fixed 40% keeps the peak near 185 MB for any file
 * size at the same rows/s (measured: test/bench/RESULTS.md, figure 3). Unlike the semi-space
 * limits, this flag is read at every collection, so setting it after start-up takes effect.
 */
export const HEAP_GROWING_PERCENT = 40;

/**
 * ESG_SYNC_V8_HEAP=default runs with V8's own policy (to compare, or to rule it out); a whole
 * number from 10 to 300 sets the growth percentage instead (more memory, fewer collections).
 */
export function applyHeapPolicy(env: NodeJS.ProcessEnv = process.env): boolean {
  const setting = env.ESG_SYNC_V8_HEAP?.trim() ?? '';
  if (setting === 'default') return false;
  const asked = /^\d+$/.test(setting) ? Number(setting) : NaN;
  const percent = asked >= 10 && asked <= 300 ? asked : HEAP_GROWING_PERCENT;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return true;
}
