/**
 * Error wording in one place, so apply and validate say the same thing the same way, in the
 * words of the sustainability analyst reading the run history: lines, columns, sites, metrics,
 * periods — and which wizard step fixes it.
 */
import type { CellValue, RowError } from '../domain';
import { inStep } from './wizard-steps';

const SITES = inStep('Sites & periods');
const COLUMNS = inStep('Columns');
const UNITS = inStep('Units');

/** `row`: a database row's key (row-key.ts), said instead of the line, which is only its position in the read. */
export function where(line: number | null, column?: string | null, row?: string | null): string {
  const l = row ? `Row ${row}` : line === null ? 'The file' : `Line ${line}`;
  return column ? `${l}, column '${column}'` : l;
}

/** A row error's reason without its "Line 4, column 'x': " (or "Row id=7, column 'x': ") lead, for a table that shows line and column already. */
export function reasonAlone(e: Pick<RowError, 'line' | 'column' | 'reason' | 'row'>): string {
  const lead = `${where(e.line, e.column, e.row)}: `;
  return e.reason.startsWith(lead) ? e.reason.slice(lead.length) : e.reason;
}

/**
 * The error named by a database row's key instead of its position: the "Line 4" lead of its
 * reason becomes "Row id=1042", and `row` carries the key for the History table and the CSV.
 */
export function withRowKey(e: RowError, row: string): RowError {
  const lead = `${where(e.line, e.column)}: `;
  const reason = e.reason.startsWith(lead) ? `${where(e.line, e.column, row)}: ${e.reason.slice(lead.length)}` : e.reason;
  return { ...e, row, reason };
}

export function cellText(value: CellValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
}

export function rowError(line: number | null, column: string | null | undefined, value: CellValue | undefined, message: string): RowError {
  return { line, column: column ?? null, value: cellText(value), reason: `${where(line, column)}: ${message}` };
}

export const msg = {
  unknownEntity: (value: string, label: string) =>
    `'${value}' is not a known ${label}. Map it to a platform ${label} in ${SITES}.`,
  /** `words`: what the row holds in its value columns, when only words (a second row of column names, not data). */
  missingEntity: (label: string, words: readonly string[] = []) =>
    words.length
      ? `no ${label} is given, and the row holds words where its values belong (${words.map((w) => `'${w}'`).join(', ')}): it looks like a second row of column names, not data. If the column names span two rows, choose that in ${inStep('Structure')}; if the row is data, fill in the ${label}.`
      : `no ${label} is given. Fill in the ${label}, or set a fixed ${label} in ${SITES}.`,
  entityNotInPlatform: (entityId: string, label: string, local: string | null) =>
    `${local ? `'${local}' is mapped to` : `the ${label} is set to`} platform entity '${entityId}', which no longer exists on the platform. Map it again in ${SITES}.`,
  unknownMetricValue: (value: string) =>
    `'${value}' is not a metric in the platform's library. Map it to a metric in ${SITES}, where the metric column's codes are listed.`,
  missingMetric: () => `no metric is given. Fill in the metric, or map this column to a fixed metric in ${COLUMNS}.`,
  metricNotInPlatform: (metricId: string) =>
    `metric '${metricId}' is not in the platform's metric library (it may have been removed). Choose another metric in ${COLUMNS}.`,
  metricNotWritable: (name: string) =>
    `this service account may not submit values for '${name}'. Ask a platform administrator for access, or remove this column from the mapping.`,
  missingPeriod: () => `no date or period is given. Fill it in, or set the period in ${SITES}.`,
  badPeriod: (value: string, detail: string) => `'${value}' could not be read as a period: ${detail} Check the date format in ${SITES}.`,
  futurePeriod: (start: string, end: string, today: string) =>
    `the period ${start} to ${end} has not ended yet (today is ${today}), so this value is held: the agent sends it on its own once the period is over. If the date is wrong, check it and its format in ${SITES}.`,
  farFuturePeriod: (start: string, end: string, today: string) =>
    `the period ${start} to ${end} starts more than a year from now (today is ${today}), which looks like a mistyped date rather than an early report, so this value is not sent. Correct the date in the source, or check its format in ${SITES}.`,
  invalidPeriod: (start: string, end: string) => `the period ${start} to ${end} is not a valid date range (the end must be a real date on or after the start).`,
  notNumber: (value: string, metricName: string, detail: string) => `'${value}' is not a number, but '${metricName}' needs one. ${detail}`,
  notInteger: (value: string, metricName: string) => `'${value}' is not a whole number, but '${metricName}' counts whole units.`,
  notBoolean: (value: string, metricName: string) => `'${value}' is not yes or no, which '${metricName}' needs.`,
  missingValue: () => `the value is empty.`,
  /** A site or metric code the mapping has not matched yet (its policy holds such rows rather than rejecting them). */
  held: (value: string, kind: 'entity' | 'metric', label: string) =>
    `'${value}' is not mapped to a platform ${kind === 'entity' ? label : 'metric'} yet, so this row was not sent. Map it in ${SITES}${kind === 'entity' ? '' : ", where the metric column's codes are listed"}.`,
  missingUnit: () => `no unit is given. Fill in the unit, or set a fixed unit in ${UNITS}.`,
  unitProblem: (detail: string) => `${detail} Check ${UNITS}.`,
  /** `detail` says what is missing and where to find it; this says where it goes. */
  calorificValueNeeded: (detail: string) => `${detail} Enter it in ${UNITS}.`,
  unitMismatch: (from: string, to: string, metricName: string) =>
    `values in ${from} cannot be converted to ${to}, the unit of '${metricName}'. Check ${UNITS}.`,
  /** `hint`: a mapping-specific way out, said instead of the general one. */
  duplicateOf: (otherLine: number, otherColumn: string | null, hint?: string) =>
    `this value has the same metric, site and period as ${otherColumn ? `column '${otherColumn}' on ` : ''}line ${otherLine}; both were held back. ${hint ?? `Remove the duplicate, or, if such rows are parts of one total, choose “Add them up” for “Rows with the same metric, site and period” in ${SITES}.`}`,
  /** Said where a mapping reports day-level dates by month (or coarser) and rows then collide. */
  dayPeriodHint: () =>
    `If each row is a separate transaction or reading, report it for its own day (“Its own day” for “Each row's period” in ${SITES}), or add the rows up into one value per period (“Add them up” for “Rows with the same metric, site and period”).`,
  /** Said where rows collide and the mapping does not add them up. */
  addUpHint: () =>
    `If such rows are parts of one total (fill-ups, invoice lines), choose “Add them up” for “Rows with the same metric, site and period” in ${SITES}; otherwise remove the duplicates where the data comes from (the file, or the database table).`,
};
