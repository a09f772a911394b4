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

/**
 * The period a date column's dates each start, when every one is the first day of a period: all on
 * the 1st of a month is a month each ('period_month'); all on 1 January, April, July or October a
 * quarter, and all on 1 January a year — those two only from two different dates or more, since
 * one date alone says no more than its month. Null when a date falls inside a month, or there is
 * none to go by.
 */
export function periodStartGrain(values: Iterable<CellValue>, format: DateFormat): 'month' | 'quarter' | 'year' | null {
  if (formatGranularity(format) !== 'day') return null;
  const dates = new Set<string>();
  let quarter = true;
  let year = true;
  for (const v of values) {
    if (v === null || v === undefined || String(v).trim() === '') continue;
    const parsed = parseDateCell(v, format);
    if (!parsed.ok || parsed.token.kind !== 'day' || parsed.token.d !== 1) return null;
    const { y, m } = parsed.token;
    dates.add(`${y}-${m}`);
    if ((m - 1) % 3 !== 0) quarter = false;
    if (m !== 1) year = false;
  }
  if (dates.size === 0) return null;
  if (dates.size >= 2 && year) return 'year';
  if (dates.size >= 2 && quarter) return 'quarter';
  return 'month';
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
