/**
 * Column profiling of a sample: what each column looks like (type, blanks, distinct values,
 * range, date format, number locale, unit), so suggestions and the wizard start from facts.
 * Memory is bounded by the sample size and the distinct-value cap, not by the file.
 */
import type { CellValue, SourceRow } from '../../../shared/domain';
import { detectDateFormat, periodFromHeader, type DateDetection, type DateFormat, type HeaderPeriod } from '../../../shared/mapping/dates';
import { detectNumberLocale, parseNumber, type LocaleGuess, type NumberLocale } from '../../../shared/mapping/numbers';
import { tokens } from '../../../shared/mapping/text';
import { lookupUnit } from '../../../shared/units';
import { unitFromHeader } from '../../../shared/units/header-unit';

export { unitFromHeader };

export type InferredType = 'number' | 'date' | 'text' | 'boolean' | 'empty';

export interface DetectedUnit {
  unit: string;
  source: 'header' | 'values';
}

export interface ColumnProfile {
  column: string;
  inferredType: InferredType;
  rows: number;
  nonEmpty: number;
  /** Share of sampled rows where the cell is empty or a placeholder ('-', 'n/a'). */
  nullShare: number;
  distinctCount: number;
  /** True when there were more distinct values than were kept. */
  distinctCapped: boolean;
  /** Distinct non-empty values as text, up to the cap, in order of first appearance (for value maps). */
  distinctValues: string[];
  /** Up to five example values. */
  sampleValues: string[];
  min: number | string | null;
  max: number | string | null;
  /** For number columns: shares that matter for plausibility checks. */
  integerShare: number | null;
  negativeShare: number | null;
  dateFormat: DateDetection | null;
  numberLocale: LocaleGuess | null;
  unit: DetectedUnit | null;
  /** Share of non-empty cells that are unit names (a unit column). */
  unitValueShare: number;
  /** A reporting period read from the header ('Jan 2024', 'Q1 2024', 'Januar'). */
  headerPeriod: HeaderPeriod | null;
}

export interface ProfileOptions {
  /** Rows to look at; the rest of a longer sample is ignored. Default 1000. */
  maxRows?: number;
  /** Distinct values kept per column. Default 500. */
  maxDistinct?: number;
  /** Number locale when the source declares one; otherwise it is detected per column. */
  numberLocale?: NumberLocale;
  /**
   * Day/month order of the source's locale ('DMY' in most of the world, 'MDY' in the US), used
   * only when the values themselves leave '01/02/2026' open.
   */
  dateOrder?: DateOrder;
}

export type DateOrder = 'DMY' | 'MDY';

/** Formats that read a bare number: a year or a spreadsheet serial is a number unless the header says date. */
const NUMBER_LIKE_FORMATS = new Set<DateFormat>(['YYYY', 'excel-serial', 'excel-serial-1904']);
/** Day/month twins: the same text read with the day first and with the month first. */
const ORDER_PAIRS: Array<Record<DateOrder, DateFormat>> = [
  { DMY: 'DD/MM/YYYY', MDY: 'MM/DD/YYYY' },
  { DMY: 'DD/MM/YY', MDY: 'MM/DD/YY' },
];
/** Header words that say a column holds dates, so a spreadsheet date number in it is a date. */
const DATE_HEADER_WORDS = new Set(['date', 'dated', 'datum', 'fecha', 'day', 'start', 'end', 'from', 'to', 'von', 'bis', 'period', 'periode', 'zeitraum', 'begin', 'beginn', 'ende', 'debut', 'fin', 'inicio', 'desde', 'hasta']);

const BOOLEAN_WORDS = new Set(['true', 'false', 'yes', 'no', 'y', 'n', 'ja', 'nein', 'oui', 'non', 'si', 'sí', 'wahr', 'falsch']);

const isEmpty = (v: CellValue | undefined): boolean => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
const text = (v: CellValue): string => (typeof v === 'string' ? v.trim() : String(v));

/** Profile every column of a sample. */
export function profileColumns(headers: readonly string[], rows: Iterable<SourceRow>, options: ProfileOptions = {}): ColumnProfile[] {
  const maxRows = options.maxRows ?? 1000;
  const maxDistinct = options.maxDistinct ?? 500;
  const values: CellValue[][] = headers.map(() => []);
  let count = 0;
  for (const row of rows) {
    if (count >= maxRows) break;
    headers.forEach((h, i) => (values[i] as CellValue[]).push(row.cells[h] ?? null));
    count++;
  }
  const profiles = headers.map((h, i) => profileColumn(h, values[i] as CellValue[], maxDistinct, options.numberLocale));
  settleDateOrder(profiles, options.dateOrder);
  return profiles;
}

/**
 * '01/02/2026' reads as 1 February or 2 January. When a column's own values leave that open,
 * the file decides first (another date column whose days go past 12 shows the order), then the
 * source's declared order, then decimal commas (a European file, so day first). Otherwise the
 * column stays ambiguous and the person chooses in the Periods step.
 */
function settleDateOrder(profiles: ColumnProfile[], declared: DateOrder | undefined): void {
  const orderOf = (d: DateDetection): DateOrder | null => {
    for (const pair of ORDER_PAIRS) {
      const dmy = d.candidates.includes(pair.DMY);
      const mdy = d.candidates.includes(pair.MDY);
      if (dmy !== mdy) return dmy ? 'DMY' : 'MDY';
    }
    return null;
  };
  const seen = new Set<DateOrder>();
  for (const p of profiles) {
    const o = p.dateFormat && !p.dateFormat.ambiguous ? orderOf(p.dateFormat) : null;
    if (o) seen.add(o);
  }
  const fromFile = seen.size === 1 ? [...seen][0] : undefined;
  const decimalComma = profiles.some((p) => p.inferredType === 'number' && p.numberLocale && !p.numberLocale.ambiguous && p.numberLocale.locale.decimal === ',');
  const order = fromFile ?? declared ?? (decimalComma ? 'DMY' : undefined);
  if (!order) return;
  for (const p of profiles) {
    const d = p.dateFormat;
    if (!d?.ambiguous) continue;
    const pair = ORDER_PAIRS.find((x) => d.candidates.includes(x.DMY) && d.candidates.includes(x.MDY));
    // Only a day/month twin is settled this way; any other disagreement stays with the person.
    if (!pair || d.candidates.some((c) => c !== pair.DMY && c !== pair.MDY)) continue;
    const chosen = pair[order];
    p.dateFormat = { ...d, format: chosen, ambiguous: false, candidates: [chosen, ...d.candidates.filter((c) => c !== chosen)] };
  }
}

function dateOnly(d: DateDetection): DateDetection | null {
  const candidates = d.candidates.filter((c) => !NUMBER_LIKE_FORMATS.has(c));
  if (candidates.length === 0) return null;
  return { ...d, candidates, format: d.format && candidates.includes(d.format) ? d.format : null };
}

function profileColumn(column: string, cells: CellValue[], maxDistinct: number, declaredLocale?: NumberLocale): ColumnProfile {
  const nonEmptyCells = cells.filter((v) => !isEmpty(v));
  const distinct = new Map<string, number>();
  let capped = false;
  for (const v of nonEmptyCells) {
    const t = text(v);
    if (distinct.has(t)) continue;
    if (distinct.size >= maxDistinct) {
      capped = true;
      continue;
    }
    distinct.set(t, distinct.size);
  }
  const distinctValues = [...distinct.keys()];

  const headerUnit = unitFromHeader(column);
  let unitCells = 0;
  const unitCounts = new Map<string, number>();
  for (const v of nonEmptyCells) {
    if (typeof v !== 'string') continue;
    const r = lookupUnit(v);
    if (r.ok) {
      unitCells++;
      unitCounts.set(r.unit.id, (unitCounts.get(r.unit.id) ?? 0) + 1);
    }
  }
  const unitValueShare = nonEmptyCells.length ? unitCells / nonEmptyCells.length : 0;
  const commonUnit = [...unitCounts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const unit: DetectedUnit | null = headerUnit
    ? { unit: headerUnit, source: 'header' }
    : unitValueShare >= 0.8 && commonUnit
      ? { unit: commonUnit, source: 'values' }
      : null;

  const base = {
    column,
    rows: cells.length,
    distinctCount: distinct.size,
    distinctCapped: capped,
    distinctValues,
    sampleValues: distinctValues.slice(0, 5),
    unit,
    unitValueShare,
    headerPeriod: periodFromHeader(column),
  };

  if (nonEmptyCells.length === 0) {
    return { ...base, inferredType: 'empty', nonEmpty: 0, nullShare: cells.length ? 1 : 0, min: null, max: null, integerShare: null, negativeShare: null, dateFormat: null, numberLocale: null };
  }

  // Booleans
  const allBoolean = nonEmptyCells.every((v) => typeof v === 'boolean' || (typeof v === 'string' && BOOLEAN_WORDS.has(v.trim().toLowerCase())));
  if (allBoolean) {
    return { ...base, inferredType: 'boolean', nonEmpty: nonEmptyCells.length, nullShare: 1 - nonEmptyCells.length / cells.length, min: null, max: null, integerShare: null, negativeShare: null, dateFormat: null, numberLocale: null };
  }

  // Dates come before numbers: '2026-09-01' and '13.01.2026' are made of digits and separators,
  // but no number reading of them is right. A bare year or a spreadsheet date number stays a
  // number, unless the header names a date ('Invoice date' holding 46266).
  const stringCells = nonEmptyCells.filter((v): v is string => typeof v === 'string');
  const all = detectDateFormat(nonEmptyCells);
  const dateHeader = tokens(column).some((t) => DATE_HEADER_WORDS.has(t));
  // A CSV saved from Excel carries its date numbers as text ('46266').
  const serials = dateHeader ? nonEmptyCells.map((v) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d{5}(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN)) : [];
  const serialDates = serials.length && serials.every(Number.isFinite) ? detectDateFormat(serials) : null;
  const detection =
    stringCells.length === nonEmptyCells.length && dateOnly(all)
      ? dateOnly(all)
      : serialDates?.candidates[0] === 'excel-serial'
        ? { ...serialDates, format: 'excel-serial' as const, candidates: ['excel-serial' as const], ambiguous: false }
        : null;
  {
    if (detection) {
      return {
        ...base,
        inferredType: 'date',
        nonEmpty: nonEmptyCells.length,
        nullShare: 1 - nonEmptyCells.length / cells.length,
        min: null,
        max: null,
        integerShare: null,
        negativeShare: null,
        dateFormat: detection,
        numberLocale: null,
      };
    }
  }

  // Numbers
  const locale = declaredLocale ? { locale: declaredLocale, parsed: 1, ambiguous: false } : detectNumberLocale(stringCells);
  const numbers: number[] = [];
  let placeholders = 0;
  for (const v of nonEmptyCells) {
    const r = parseNumber(v, locale.locale);
    if (r.ok) numbers.push(r.value);
    else if (r.reason === 'placeholder') placeholders++;
  }
  const valued = nonEmptyCells.length - placeholders;
  // A value column may hold a bad cell or two ('lots', 'n/a?'): those become row errors when it
  // runs. In a small sample one such cell is more than a tenth, so one is always forgiven.
  const strays = valued - numbers.length;
  if (valued > 0 && (numbers.length / valued >= 0.9 || (strays <= 1 && numbers.length >= 3))) {
    let min = Infinity;
    let max = -Infinity;
    let ints = 0;
    let negs = 0;
    for (const x of numbers) {
      if (x < min) min = x;
      if (x > max) max = x;
      if (Number.isInteger(x)) ints++;
      if (x < 0) negs++;
    }
    const numericDates = ints === numbers.length ? detectDateFormat(nonEmptyCells) : null;
    return {
      ...base,
      inferredType: 'number',
      nonEmpty: valued,
      nullShare: 1 - valued / cells.length,
      min,
      max,
      integerShare: ints / numbers.length,
      negativeShare: negs / numbers.length,
      dateFormat: numericDates && numericDates.candidates.length ? numericDates : null,
      numberLocale: stringCells.length ? locale : null,
    };
  }

  const sorted = [...distinctValues].sort();
  return {
    ...base,
    inferredType: 'text',
    nonEmpty: nonEmptyCells.length,
    nullShare: 1 - nonEmptyCells.length / cells.length,
    min: sorted[0] ?? null,
    max: sorted[sorted.length - 1] ?? null,
    integerShare: null,
    negativeShare: null,
    dateFormat: null,
    numberLocale: null,
  };
}
