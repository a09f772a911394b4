/**
 * Text normalisation and similarity for headers, site names and metric names. Used by drift
 * detection (renamed columns) and by the engine's suggestions.
 */

/** Lowercase, accents folded, punctuation to spaces, letters and digits split ('Scope3' → 'scope 3'). */
export function foldText(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/([a-z])(\d)/g, '$1 $2')
    .replace(/(\d)([a-z])/g, '$1 $2')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export function tokens(s: string): string[] {
  const f = foldText(s);
  return f === '' ? [] : f.split(' ');
}

/** Levenshtein distance, two-row. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length] as number;
}

/** 1 for equal folded strings, 0 for nothing in common. */
export function editSimilarity(a: string, b: string): number {
  const x = foldText(a);
  const y = foldText(b);
  if (x === '' && y === '') return 1;
  const max = Math.max(x.length, y.length);
  return max === 0 ? 0 : 1 - levenshtein(x, y) / max;
}

/** Dice coefficient over folded tokens. */
export function tokenSimilarity(a: string, b: string): number {
  const x = new Set(tokens(a));
  const y = new Set(tokens(b));
  if (x.size === 0 || y.size === 0) return 0;
  let common = 0;
  for (const t of x) if (y.has(t)) common++;
  return (2 * common) / (x.size + y.size);
}

/** The better of edit and token similarity: catches both typos ('Elecricity') and reordering ('Waste total'). */
export function similarity(a: string, b: string): number {
  return Math.max(editSimilarity(a, b), tokenSimilarity(a, b));
}
