/**
 * Rows that share a metric, site and period and are parts of one total (a fuel card's fill-ups, an
 * invoice's lines), added up into the one value the platform holds for that key. A mapping chooses
 * this (`sameKeyRows: 'add'`); otherwise such rows are duplicates and none is sent.
 */
import type { PlatformRecord } from '../domain';
import type { Catalogue } from './apply';

/** Longest combined comment: the distinct comments of the parts, joined. */
const MAX_COMMENT = 1000;

export type AddedUp = { ok: true; record: PlatformRecord } | { ok: false; reason: string };

/** Decimal places of a number as written in JavaScript's shortest form (1.25 → 2, 1e-7 → 7). */
function decimals(n: number): number {
  const [mantissa = '', exponent] = String(n).split('e');
  const places = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, places - (exponent ? Number(exponent) : 0));
}

/**
 * The sum of the parts, rounded to the most decimal places any part has: 0.1 + 0.2 is 0.3, not
 * 0.30000000000000004, so the same parts always give the same value (and the same ledger hash).
 */
export function sumExact(values: readonly number[]): number {
  const places = Math.min(15, Math.max(0, ...values.map(decimals)));
  const sum = values.reduce((a, b) => a + b, 0);
  return Number(sum.toFixed(places));
}

function joinDistinct(texts: readonly (string | null)[]): string | null {
  // Sorted, not in file order: the same rows in another order are the same value (no update).
  const distinct = [...new Set(texts.filter((t): t is string => t !== null && t !== ''))].sort();
  if (!distinct.length) return null;
  const joined = distinct.join('; ');
  return joined.length > MAX_COMMENT ? `${joined.slice(0, MAX_COMMENT - 1)}…` : joined;
}

/**
 * The records of one natural key added up, or why they cannot be: only numbers add up (a
 * percentage, text or yes/no cannot), and only in one unit. The first part gives the metric,
 * site and period; distinct comments and evidence are kept, joined in sorted order.
 */
export function addUp(parts: readonly PlatformRecord[], catalogue: Catalogue): AddedUp {
  const first = parts[0];
  if (!first) return { ok: false, reason: 'there is nothing to add up.' };
  const metric = catalogue.metrics.find((m) => m.id === first.metricId);
  const metricName = metric ? `'${metric.name}'` : `the metric '${first.metricId}'`;
  if (metric && metric.valueType !== 'number' && metric.valueType !== 'integer') {
    return { ok: false, reason: `${metricName} is a ${metric.valueType === 'percentage' ? 'percentage' : metric.valueType === 'boolean' ? 'yes/no value' : 'text'}, which cannot be added up.` };
  }
  const values: number[] = [];
  for (const p of parts) {
    if (typeof p.value !== 'number') return { ok: false, reason: `${metricName} has a value that is not a number ('${String(p.value)}'), so the rows cannot be added up.` };
    if (p.unit !== first.unit) return { ok: false, reason: `the rows are in different units (${first.unit} and ${p.unit}), so they cannot be added up.` };
    values.push(p.value);
  }
  return {
    ok: true,
    record: { ...first, value: sumExact(values), comment: joinDistinct(parts.map((p) => p.comment)), evidence: joinDistinct(parts.map((p) => p.evidence)) },
  };
}
