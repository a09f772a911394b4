import { DatabaseSourceError } from '../errors';
import type { DatabaseKind, DatabaseSourceConfig } from './types';

/**
 * Whether `wanted` names one of `columns` the way the database would resolve it. The agent
 * quotes the watermark column: PostgreSQL then matches it exactly, while SQLite and MySQL/MariaDB
 * compare column names without regard to case.
 */
function sameColumn(kind: DatabaseKind, a: string, b: string): boolean {
  return kind === 'postgres' ? a === b : a.toLowerCase() === b.toLowerCase();
}

/**
 * The watermark column must be one of the columns the source returns: the table's columns, or
 * the query's result columns (the query is read as a subquery, so only what it selects exists).
 * Checked when a source is tested — before it is saved, from the add-database form's "Test", and
 * by "source test" — so a misspelt column is refused with the columns to choose from instead of
 * failing the first scheduled run. Returns null when the column is there (or none is set).
 */
export function watermarkColumnProblem(kind: DatabaseKind, cfg: DatabaseSourceConfig, columns: readonly string[]): DatabaseSourceError | null {
  const wanted = cfg.watermarkColumn;
  if (wanted === undefined || columns.some((c) => sameColumn(kind, c, wanted))) return null;
  const list = columns.length > 0 ? columns.map((c) => `"${c}"`).join(', ') : '(none)';
  const caseOnly = kind === 'postgres' ? columns.find((c) => c.toLowerCase() === wanted.toLowerCase()) : undefined;
  const hint = caseOnly ? ` PostgreSQL column names are case-sensitive: did you mean "${caseOnly}"?` : '';
  const choose = 'whose value grows whenever a row is added or changed (an updated-at timestamp or an increasing id), or leave the watermark column out to read every row on each run.';
  if (cfg.query) {
    return new DatabaseSourceError(
      'COLUMN_NOT_FOUND',
      `The watermark column "${wanted}" is not among the columns the query returns: ${list}.${hint} Add it to the query's SELECT list, or choose one of these columns ${choose}`,
    );
  }
  const table = cfg.schema ? `${cfg.schema}.${cfg.table ?? ''}` : (cfg.table ?? '');
  return new DatabaseSourceError('COLUMN_NOT_FOUND', `The watermark column "${wanted}" is not a column of the table "${table}". Its columns are: ${list}.${hint} Choose one of them ${choose}`);
}
