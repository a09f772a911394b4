/**
 * Header fingerprints (a file whose header matches a saved one uses that profile automatically)
 * and drift detection (a file whose header changed does not sync with a guess).
 */
import { fnv1a64 } from './hash';
import type { HeaderFingerprint, MappingProfile } from './profile';
import { similarity } from './text';

/**
 * Cosmetic differences an export tool introduces without changing meaning: case, surrounding
 * and repeated spaces, underscores for spaces, Unicode compatibility forms (m³ vs m3).
 */
export function normaliseHeader(header: string): string {
  return header.normalize('NFKC').replace(/_/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase();
}

export function headerFingerprint(headers: readonly string[], options: { orderInsensitive?: boolean } = {}): HeaderFingerprint {
  const orderInsensitive = options.orderInsensitive ?? false;
  const normalised = headers.map(normaliseHeader);
  if (orderInsensitive) normalised.sort();
  // A record separator cannot appear in a header cell, so joining with it is unambiguous.
  return { algorithm: 'fnv1a64-v1', orderInsensitive, value: fnv1a64(normalised.join('\u001e')), headers: [...headers] };
}

export function matchesFingerprint(fingerprint: HeaderFingerprint, headers: readonly string[]): boolean {
  return headerFingerprint(headers, { orderInsensitive: fingerprint.orderInsensitive }).value === fingerprint.value;
}

/** The first profile whose fingerprint matches the header, or null. */
export function findProfileForHeader<P extends Pick<MappingProfile, 'headerFingerprint'>>(profiles: readonly P[], headers: readonly string[]): P | null {
  for (const p of profiles) if (p.headerFingerprint && matchesFingerprint(p.headerFingerprint, headers)) return p;
  return null;
}

export interface Drift {
  /** Saved columns not in the file (original spelling from the saved header). */
  missing: string[];
  /** File columns not in the saved header. */
  added: string[];
  /** Missing/added pairs similar enough to be the same column renamed. Not also listed in missing/added. */
  renamed: { from: string; to: string; similarity: number }[];
  /** Same columns, different order (only reported for order-sensitive fingerprints). */
  reordered: boolean;
  /** Columns the profile reads that are missing or renamed: the mapping cannot run as saved. */
  affectsMapping: string[];
  hasDrift: boolean;
}

const BRACKETED_TAIL = /\s*[([{]([^)\]}]*)[)\]}]\s*$/;

/**
 * How likely two headers name the same column. The bracketed unit ('(m³)') is compared apart
 * from the name: 'Gas (m³)' and 'Water (m³)' share a unit, not a meaning.
 */
export function renameSimilarity(a: string, b: string): number {
  const unitA = BRACKETED_TAIL.exec(a)?.[1]?.trim().toLowerCase() ?? '';
  const unitB = BRACKETED_TAIL.exec(b)?.[1]?.trim().toLowerCase() ?? '';
  const nameA = a.replace(BRACKETED_TAIL, '');
  const nameB = b.replace(BRACKETED_TAIL, '');
  return 0.8 * similarity(nameA, nameB) + 0.2 * (unitA.normalize('NFKC') === unitB.normalize('NFKC') ? 1 : 0);
}

/** Similarity above which a vanished and a new column are reported as one renamed column. */
export const RENAME_THRESHOLD = 0.6;

/** Every file column a profile reads. */
export function columnsUsedBy(profile: MappingProfile): string[] {
  const cols = new Set<string>();
  if (profile.shape.kind === 'long') cols.add(profile.shape.valueColumn);
  else for (const c of profile.shape.valueColumns) cols.add(c.column);
  if (profile.metric?.kind === 'column') cols.add(profile.metric.column);
  if (profile.entity.kind === 'column') cols.add(profile.entity.column);
  const p = profile.period;
  if (p?.kind === 'date') cols.add(p.column);
  if (p?.kind === 'range') {
    cols.add(p.startColumn);
    cols.add(p.endColumn);
  }
  if (p?.kind === 'year-month') {
    cols.add(p.yearColumn);
    cols.add(p.monthColumn);
  }
  if (p?.kind === 'year') cols.add(p.yearColumn);
  if (profile.unit.kind === 'column') cols.add(profile.unit.column);
  if (profile.comment) cols.add(profile.comment.column);
  if (profile.evidence) cols.add(profile.evidence.column);
  for (const rule of profile.filters.skipWhen) cols.add(rule.column);
  for (const k of profile.naturalKey) if (typeof k === 'object') cols.add(k.column);
  // Constants are virtual columns: they never drift.
  for (const name of Object.keys(profile.constants)) cols.delete(name);
  return [...cols];
}

/**
 * Compare a file's header with the one the profile was saved with. Without a saved fingerprint,
 * the columns the profile reads are the expectation.
 */
export function detectDrift(profile: MappingProfile, headers: readonly string[]): Drift {
  const expected = profile.headerFingerprint?.headers ?? columnsUsedBy(profile);
  const actualNorm = new Map<string, string>();
  for (const h of headers) if (!actualNorm.has(normaliseHeader(h))) actualNorm.set(normaliseHeader(h), h);
  const expectedNorm = new Map<string, string>();
  for (const h of expected) if (!expectedNorm.has(normaliseHeader(h))) expectedNorm.set(normaliseHeader(h), h);

  let missing = [...expectedNorm.entries()].filter(([n]) => !actualNorm.has(n)).map(([, h]) => h);
  // Without a saved header, extra columns are simply unused; they still count as rename candidates.
  const extras = [...actualNorm.entries()].filter(([n]) => !expectedNorm.has(n)).map(([, h]) => h);

  // Greedy best-first pairing of vanished and new columns by name similarity.
  const pairs: { from: string; to: string; similarity: number }[] = [];
  for (const from of missing) for (const to of extras) pairs.push({ from, to, similarity: renameSimilarity(from, to) });
  pairs.sort((a, b) => b.similarity - a.similarity);
  const renamed: Drift['renamed'] = [];
  const usedFrom = new Set<string>();
  const usedTo = new Set<string>();
  for (const p of pairs) {
    if (p.similarity < RENAME_THRESHOLD) break;
    if (usedFrom.has(p.from) || usedTo.has(p.to)) continue;
    usedFrom.add(p.from);
    usedTo.add(p.to);
    renamed.push({ ...p, similarity: Math.round(p.similarity * 100) / 100 });
  }
  missing = missing.filter((h) => !usedFrom.has(h));
  const added = profile.headerFingerprint ? extras.filter((h) => !usedTo.has(h)) : [];

  let reordered = false;
  const fp = profile.headerFingerprint;
  if (fp && !fp.orderInsensitive && missing.length === 0 && added.length === 0 && renamed.length === 0) {
    reordered = !matchesFingerprint(fp, headers);
  }

  const used = new Set(columnsUsedBy(profile).map(normaliseHeader));
  const affectsMapping = [...missing, ...renamed.map((r) => r.from)].filter((h) => used.has(normaliseHeader(h)));
  return { missing, added, renamed, reordered, affectsMapping, hasDrift: missing.length > 0 || added.length > 0 || renamed.length > 0 || reordered };
}

/**
 * Whether a changed header stops the run. A file's does, whatever changed: a new column may be a
 * month a wide file gained, or a sign of another export. A table's or query's does only when the
 * mapping reads a column that is gone or renamed, or a wide mapping may be missing a new value
 * column: a database administrator dropping a column nobody maps, or a query trimmed to the
 * columns the mapping reads, stopped the feed until the whole wizard was gone through again.
 */
export function driftStopsRun(profile: MappingProfile, drift: Drift, noun: 'file' | 'table' | 'query'): boolean {
  if (!(drift.missing.length || drift.renamed.length || drift.added.length)) return false;
  if (noun === 'file') return true;
  return drift.affectsMapping.length > 0 || drift.renamed.length > 0 || (profile.shape.kind === 'wide' && drift.added.length > 0);
}

/** One paragraph for history and the "needs attention" banner. */
/**
 * Whether a file's "column names" look like a row of data (numbers, dates, codes): the file has no
 * header row, or is the rest of one taken before it was fully written. Changing the mapping to such
 * names would break it.
 */
export function headerLooksLikeData(headers: readonly string[]): boolean {
  const named = headers.map((h) => h.trim()).filter(Boolean);
  if (named.length === 0) return false;
  const dataLike = named.filter((h) => /^[-+(]?[\d.,\s']+\)?%?$/.test(h) || /^\d{4}-\d{1,2}(-\d{1,2})?([T ][\d:.]+Z?)?$/.test(h) || /^\d{1,2}[./]\d{1,2}[./]\d{2,4}$/.test(h));
  return dataLike.length * 2 >= named.length;
}

export function describeDrift(drift: Drift, headers?: readonly string[], noun: 'file' | 'table' | 'query' = 'file'): string {
  // Only when nothing of the saved header is left: a file with month columns ('2024-01', …) has a
  // data-like header of its own, and gains a column each month.
  const kept = headers ? headers.length - drift.added.length - drift.renamed.length : 0;
  if (noun === 'file' && headers && kept <= 0 && headerLooksLikeData(headers)) {
    return `The file's first row looks like data, not column names (${headers.slice(0, 4).map((c) => `'${c}'`).join(', ')}${headers.length > 4 ? ', …' : ''}). Nothing was sent. The file has no header row, or is the rest of a file taken before it was fully written: check it, and if files arrive slowly, raise the folder's waiting time ("a file is taken once unchanged for"). Do not change the mapping to these names.`;
  }
  const parts: string[] = [];
  if (drift.missing.length) parts.push(`missing column${drift.missing.length > 1 ? 's' : ''} ${drift.missing.map((c) => `'${c}'`).join(', ')}`);
  if (drift.renamed.length) parts.push(`renamed ${drift.renamed.map((r) => `'${r.from}' → '${r.to}'`).join(', ')}`);
  if (drift.added.length) parts.push(`new column${drift.added.length > 1 ? 's' : ''} ${drift.added.map((c) => `'${c}'`).join(', ')}`);
  if (drift.reordered) parts.push('columns in a different order');
  const the = noun === 'query' ? "The query's result" : `The ${noun}`;
  const its = noun === 'query' ? "The query result's" : `The ${noun}'s`;
  if (parts.length === 0) return `${the} has the same columns as the mapping.`;
  return `${its} columns changed since the mapping was saved: ${parts.join('; ')}. Nothing was sent. Review the mapping and save it to use the new columns.`;
}
