/**
 * How finely a date column's rows are reported. A fuel card export or a meter log has a row per
 * transaction or reading, each with its own day; reported by month, every row of a site and
 * product in that month gets the same natural key and all of them are held back as duplicates.
 * These checks let the suggestion draft such files per day and let a duplicate error say so.
 */
import type { CellValue } from '../domain';
import { formatGranularity, parseDateCell, type DateFormat } from './dates';
import type { PeriodRole } from './profile';

/** A date column of whole days reported as their month, quarter or year. */
export function reportsDaysCoarser(period: PeriodRole | undefined): boolean {
  return period?.kind === 'date' && period.granularity !== 'custom' && formatGranularity(period.format) === 'day';
}

const text = (v: CellValue | undefined): string => (v === null || v === undefined ? '' : String(v).trim());

/**
 * Whether, among these rows, two with the same cells in `keyColumns` fall on different days of
 * one month: the sign of one row per transaction or reading rather than one per month.
 */
export function rowsRepeatWithinMonth(
  rows: Iterable<{ cells: Record<string, CellValue> }>,
  dateColumn: string,
  format: DateFormat,
  keyColumns: readonly string[],
): boolean {
  const firstDay = new Map<string, number>();
  for (const row of rows) {
    const parsed = parseDateCell(row.cells[dateColumn], format);
    if (!parsed.ok || parsed.token.kind !== 'day') continue;
    const { y, m, d } = parsed.token;
    const key = [...keyColumns.map((c) => text(row.cells[c])), `${y}-${m}`].join('\u0000');
    const seen = firstDay.get(key);
    if (seen === undefined) firstDay.set(key, d);
    else if (seen !== d) return true;
  }
  return false;
}
