/**
 * File patterns as a person types them: "*.csv;*.xlsx", "*.csv, *.xlsx" or one per line.
 * Spaces inside a pattern are kept (file names have them); empty pieces are dropped.
 */
export function parsePatterns(text: string): string[] {
  return text
    .split(/[;,\n]/)
    .map((p) => p.trim())
    .filter(Boolean);
}

export const formatPatterns = (patterns: string[]): string => patterns.join(';');

export const DEFAULT_INCLUDE = '*.csv;*.tsv;*.txt;*.xlsx;*.json;*.ndjson';

/** Seconds as typed → whole milliseconds, or null when it is not a number in range. */
export function secondsToMs(text: string, min: number, max: number): number | null {
  const n = Number(text.replace(',', '.'));
  if (!Number.isFinite(n) || text.trim() === '') return null;
  const ms = Math.round(n * 1000);
  return ms >= min && ms <= max ? ms : null;
}

/** Milliseconds as the forms show them, in seconds: 2000 → "2", 500 → "0.5". */
export const msToSeconds = (ms: number): string => String(ms / 1000);
