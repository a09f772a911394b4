/**
 * Which row of a database table a row error is about, in words a person can look up with SQL.
 *
 * A file's rows have lines ("line 90,212"); a table has no stable row order, so its position in
 * one read ("row 90,211 of the table") finds nothing. A database row is named by its key instead:
 * the table's primary key or a unique key (`id=1042`), else the columns the mapping's natural key
 * reads (`where meter_id="M-7", reading_date=2026-01-31`), else the watermark column, and by its
 * position only when none of these exists. Values are kept short and terminal-safe: a control or
 * direction-changing character is escaped, a long value cut.
 */
import type { CellValue } from '../domain';
import type { MappingProfile } from './profile';

/** What identifies a database row in its row errors: 'unique' names exactly one row, the others may name several. */
export type RowKeyBasis = 'unique' | 'natural-key' | 'watermark';

export interface RowKeyColumns {
  basis: RowKeyBasis;
  columns: string[];
}

/** Longest value (in characters) shown whole; longer ones are cut and end in '…'. */
export const ROW_KEY_VALUE_CHARS = 40;

// C0 and C1 controls, zero-width and bidirectional formatting characters, the BOM: never printed raw.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BARE_NUMBER = /^-?\d+(\.\d+)?$/;
const BARE_DATE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

function cut(text: string): string {
  const chars = [...text];
  return chars.length > ROW_KEY_VALUE_CHARS ? `${chars.slice(0, ROW_KEY_VALUE_CHARS - 1).join('')}…` : text;
}

/** Text in double quotes: quotes and backslashes escaped, unsafe characters as \uXXXX, cut when long. */
function quoted(text: string): string {
  const safe = cut(text)
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${safe}"`;
}

/** A column's name as shown: bare when a plain identifier, quoted otherwise. */
export function keyColumnText(name: string): string {
  return PLAIN_NAME.test(name) && name.length <= ROW_KEY_VALUE_CHARS ? name : quoted(name);
}

/** A key value as shown: numbers, dates and NULL bare (as SQL writes them), other text quoted. */
export function keyValueText(value: CellValue | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (BARE_NUMBER.test(value) && value.length <= ROW_KEY_VALUE_CHARS) return value;
  if (BARE_DATE.test(value)) return value;
  return quoted(value);
}

/**
 * The row's key as shown after "Row": `id=1042` for a unique key, `where site="A", period=2026-01`
 * for columns that may name more than one row (the natural key as mapped, the watermark).
 */
export function rowKeyText(key: RowKeyColumns, cells: Readonly<Record<string, CellValue>>): string {
  const pairs = key.columns.map((c) => `${keyColumnText(c)}=${keyValueText(cells[c])}`).join(', ');
  return key.basis === 'unique' ? pairs : `where ${pairs}`;
}

/** A row named by its position in one read, when the source has nothing better. */
export function rowPositionText(line: number, noun: 'table' | 'query'): string {
  return `${line.toLocaleString('en-US')} of the ${noun === 'query' ? "query's result" : 'table'} as read`;
}

/**
 * The source columns a mapping's natural key reads, in its order: the metric, site, period and
 * unit columns it maps and its own key columns. Fixed values (a constant site, a metric per value
 * column) are no columns and are left out. Empty when the key reads no column of the row.
 */
export function naturalKeyColumns(profile: Pick<MappingProfile, 'naturalKey' | 'metric' | 'entity' | 'period' | 'unit' | 'constants'>): string[] {
  const out: string[] = [];
  const add = (c: string | undefined) => {
    if (c !== undefined && !out.includes(c) && !(c in profile.constants)) out.push(c);
  };
  for (const field of profile.naturalKey) {
    if (typeof field === 'object') add(field.column);
    else if (field === 'metric') add(profile.metric?.kind === 'column' ? profile.metric.column : undefined);
    else if (field === 'entity') add(profile.entity.kind === 'column' ? profile.entity.column : undefined);
    else if (field === 'unit') add(profile.unit.kind === 'column' ? profile.unit.column : undefined);
    else {
      const p = profile.period;
      if (p?.kind === 'date') add(p.column);
      else if (p?.kind === 'range') [p.startColumn, p.endColumn].forEach(add);
      else if (p?.kind === 'year-month') [p.yearColumn, p.monthColumn].forEach(add);
      else if (p?.kind === 'year') add(p.yearColumn);
    }
  }
  return out;
}

/**
 * How a database source's rows are named in row errors: its unique key when the table has one
 * (every column of it in the rows read), else the natural key's columns, else the watermark
 * column; null (the position) when none of them is among the columns read.
 */
export function chooseRowKey(opts: { unique: string[] | null; naturalKey: string[]; watermark: string | null; columns: readonly string[] }): RowKeyColumns | null {
  const present = (cols: readonly string[]) => cols.length > 0 && cols.every((c) => opts.columns.includes(c));
  if (opts.unique && present(opts.unique)) return { basis: 'unique', columns: opts.unique };
  if (present(opts.naturalKey)) return { basis: 'natural-key', columns: opts.naturalKey };
  if (opts.watermark && present([opts.watermark])) return { basis: 'watermark', columns: [opts.watermark] };
  return null;
}
