/**
 * Dates and reporting periods. A cell is parsed with an explicit format (never a guess at run
 * time), then expanded to the platform's inclusive [start, end] period: a month, a (fiscal)
 * quarter, a (fiscal) year, or a single day.
 *
 * Calendar arithmetic is done on plain {y, m, d} numbers, not Date objects, so no time zone
 * can move a period by a day.
 */
import type { CellValue } from '../domain';

export const DATE_FORMATS = [
  'YYYY-MM-DD',
  'YYYY/MM/DD',
  'DD/MM/YYYY',
  'MM/DD/YYYY',
  'DD.MM.YYYY',
  'DD-MM-YYYY',
  'DD/MM/YY',
  'MM/DD/YY',
  'YYYY-MM',
  'MM/YYYY',
  'MMM YYYY',
  'MMM-YY',
  'YYYY-Qn',
  'YYYY',
  'FY',
  'excel-serial',
  'excel-serial-1904',
  'iso',
] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export type Granularity = 'day' | 'month' | 'quarter' | 'year';

/** What a cell says: a day, a month, a quarter, a year, or a fiscal year. */
export type DateToken =
  | { kind: 'day'; y: number; m: number; d: number }
  | { kind: 'month'; y: number; m: number }
  | { kind: 'quarter'; y: number; q: number }
  | { kind: 'year'; y: number }
  | { kind: 'fiscal-year'; y: number };

export type DateParse = { ok: true; token: DateToken } | { ok: false; reason: 'empty' | 'invalid' | 'no-such-date'; message: string };

export interface Period {
  start: string; // YYYY-MM-DD
  end: string; // YYYY-MM-DD inclusive
}

export interface PeriodOptions {
  /** 1 = calendar year. 4 = fiscal year from April, as in the UK and Japan. */
  fiscalYearStartMonth?: number;
  /** How fiscal years are named: by the calendar year they end in (UK, US, AU: 'FY2024' = to March 2024) or start in (JP). */
  fiscalYearLabel?: 'end' | 'start';
}

// ---------------------------------------------------------------- month names

const MONTH_NAMES: Record<string, number> = {};
const monthLists: string[][] = [
  // English
  ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'],
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  // German
  ['januar', 'februar', 'märz', 'april', 'mai', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'dezember'],
  ['jan', 'feb', 'mär', 'apr', 'mai', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dez'],
  // French
  ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
  ['janv', 'févr', 'mars', 'avr', 'mai', 'juin', 'juil', 'août', 'sept', 'oct', 'nov', 'déc'],
  // Spanish
  ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'],
  ['ene', 'feb', 'mar', 'abr', 'may', 'jun', 'jul', 'ago', 'sep', 'oct', 'nov', 'dic'],
  // Dutch
  ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'],
  ['jan', 'feb', 'mrt', 'apr', 'mei', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec'],
];
for (const list of monthLists) list.forEach((name, i) => (MONTH_NAMES[name] = i + 1));
// Common extra spellings.
Object.assign(MONTH_NAMES, { sept: 9, maerz: 3, marz: 3, fevrier: 2, fev: 2, aout: 8, decembre: 12, dec: 12, fevr: 2 });

/** Month number for a month name or abbreviation in en/de/fr/es/nl, or a number 1–12. */
export function parseMonth(value: CellValue | undefined): number | null {
  if (value === null || value === undefined || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= 12 ? value : null;
  const s = value.trim().toLowerCase().replace(/\.$/, '');
  if (/^\d{1,2}$/.test(s)) {
    const n = Number(s);
    return n >= 1 && n <= 12 ? n : null;
  }
  return MONTH_NAMES[s] ?? MONTH_NAMES[s.normalize('NFD').replace(/[\u0300-\u036f]/g, '')] ?? null;
}

// ---------------------------------------------------------------- calendar helpers

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
export const formatYmd = (y: number, m: number, d: number): string => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

function validDay(y: number, m: number, d: number): boolean {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** Parse 'YYYY-MM-DD' strictly; null for anything else or a non-existent day. */
export function parseYmd(s: string): { y: number; m: number; d: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return validDay(y, mo, d) ? { y, m: mo, d } : null;
}

/** Days since 1970-01-01 for a civil date (proleptic Gregorian). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): { y: number; m: number; d: number } {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

// Excel's 1900 system counts 1900-02-29, a day that never existed (kept for Lotus 1-2-3 compatibility):
// serial 60 is that day, and serials from 61 on are one more than the true day count from 1899-12-31.
const EXCEL_1900_EPOCH = daysFromCivil(1899, 12, 30);
const EXCEL_1904_EPOCH = daysFromCivil(1904, 1, 1);

function excelSerialToDay(serial: number, system1904: boolean): { y: number; m: number; d: number } | null {
  if (!Number.isFinite(serial) || serial < 0) return null;
  const whole = Math.floor(serial);
  if (system1904) return civilFromDays(EXCEL_1904_EPOCH + whole);
  if (whole < 1 || whole === 60) return null;
  return civilFromDays(EXCEL_1900_EPOCH + (whole < 60 ? whole + 1 : whole));
}

// ---------------------------------------------------------------- parsing

const expandYY = (yy: number): number => 2000 + yy; // ESG data is this century; a 2-digit year of 99 is 2099, not 1999.

interface FormatSpec {
  re: RegExp;
  build: (g: string[]) => DateToken | 'no-such-date' | null;
}

function dayToken(y: number, m: number, d: number): DateToken | 'no-such-date' {
  return validDay(y, m, d) ? { kind: 'day', y, m, d } : 'no-such-date';
}

function monthToken(y: number, m: number): DateToken | 'no-such-date' {
  return m >= 1 && m <= 12 && y >= 1 ? { kind: 'month', y, m } : 'no-such-date';
}

const n = (s: string | undefined): number => Number(s);

const SPECS: Record<Exclude<DateFormat, 'excel-serial' | 'excel-serial-1904'>, FormatSpec> = {
  'YYYY-MM-DD': { re: /^(\d{4})-(\d{1,2})-(\d{1,2})$/, build: (g) => dayToken(n(g[1]), n(g[2]), n(g[3])) },
  'YYYY/MM/DD': { re: /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/, build: (g) => dayToken(n(g[1]), n(g[2]), n(g[3])) },
  'DD/MM/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, build: (g) => dayToken(n(g[3]), n(g[2]), n(g[1])) },
  'MM/DD/YYYY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, build: (g) => dayToken(n(g[3]), n(g[1]), n(g[2])) },
  'DD.MM.YYYY': { re: /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/, build: (g) => dayToken(n(g[3]), n(g[2]), n(g[1])) },
  'DD-MM-YYYY': { re: /^(\d{1,2})-(\d{1,2})-(\d{4})$/, build: (g) => dayToken(n(g[3]), n(g[2]), n(g[1])) },
  'DD/MM/YY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{2})$/, build: (g) => dayToken(expandYY(n(g[3])), n(g[2]), n(g[1])) },
  'MM/DD/YY': { re: /^(\d{1,2})\/(\d{1,2})\/(\d{2})$/, build: (g) => dayToken(expandYY(n(g[3])), n(g[1]), n(g[2])) },
  'YYYY-MM': { re: /^(\d{4})[-/](\d{1,2})$/, build: (g) => monthToken(n(g[1]), n(g[2])) },
  'MM/YYYY': { re: /^(\d{1,2})[/.-](\d{4})$/, build: (g) => monthToken(n(g[2]), n(g[1])) },
  'MMM YYYY': {
    re: /^([\p{L}]+)\.?[\s\-/.']*(\d{4})$/u,
    build: (g) => {
      const m = parseMonth(g[1] ?? '');
      return m === null ? null : monthToken(n(g[2]), m);
    },
  },
  'MMM-YY': {
    re: /^([\p{L}]+)\.?[\s\-/.']*'?(\d{2})$/u,
    build: (g) => {
      const m = parseMonth(g[1] ?? '');
      return m === null ? null : monthToken(expandYY(n(g[2])), m);
    },
  },
  'YYYY-Qn': {
    re: /^(?:(\d{4})[\s\-/]*Q([1-4])|Q([1-4])[\s\-/]*(\d{4}))$/i,
    build: (g) => (g[1] ? { kind: 'quarter', y: n(g[1]), q: n(g[2]) } : { kind: 'quarter', y: n(g[4]), q: n(g[3]) }),
  },
  YYYY: { re: /^(\d{4})$/, build: (g) => ({ kind: 'year', y: n(g[1]) }) },
  FY: {
    // 'FY2024', 'FY 24', 'FY2023/24', 'FY 2023-2024': the label year is the later one.
    re: /^FY\s*'?(\d{2}|\d{4})(?:\s*[-/]\s*(\d{2}|\d{4}))?$/i,
    build: (g) => {
      const a = g[1] ?? '';
      const b = g[2];
      const y = (s: string) => (s.length === 2 ? expandYY(n(s)) : n(s));
      return { kind: 'fiscal-year', y: b ? y(b) : y(a) };
    },
  },
  iso: {
    // Readers hand spreadsheet dates on as ISO strings. The date part is taken as written: a
    // source's "2024-03-01T00:00:00+01:00" is the 1st of March wherever this agent runs.
    re: /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/,
    build: (g) => dayToken(n(g[1]), n(g[2]), n(g[3])),
  },
};

const FORMAT_LABEL: Record<DateFormat, string> = {
  'YYYY-MM-DD': '2024-01-31',
  'YYYY/MM/DD': '2024/01/31',
  'DD/MM/YYYY': '31/01/2024',
  'MM/DD/YYYY': '01/31/2024',
  'DD.MM.YYYY': '31.01.2024',
  'DD-MM-YYYY': '31-01-2024',
  'DD/MM/YY': '31/01/24',
  'MM/DD/YY': '01/31/24',
  'YYYY-MM': '2024-01',
  'MM/YYYY': '01/2024',
  'MMM YYYY': 'Jan 2024',
  'MMM-YY': 'Jan-24',
  'YYYY-Qn': '2024-Q1',
  YYYY: '2024',
  FY: 'FY2024',
  'excel-serial': '45322 (Excel date number)',
  'excel-serial-1904': '43860 (Excel 1904 date number)',
  iso: '2024-01-31T00:00:00Z',
};

/** An example of the format, for messages and the wizard's format picker. */
export function formatExample(format: DateFormat): string {
  return FORMAT_LABEL[format];
}

/** Parse one cell with an explicit format. */
export function parseDate(value: CellValue | undefined, format: DateFormat): DateParse {
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) {
    return { ok: false, reason: 'empty', message: 'The date is empty.' };
  }
  if (typeof value === 'boolean') return { ok: false, reason: 'invalid', message: `'${value}' is not a date.` };

  if (format === 'excel-serial' || format === 'excel-serial-1904') {
    const num = typeof value === 'number' ? value : /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : NaN;
    const day = excelSerialToDay(num, format === 'excel-serial-1904');
    if (!day) return { ok: false, reason: 'invalid', message: `'${value}' is not an Excel date number.` };
    return { ok: true, token: { kind: 'day', ...day } };
  }
  const text = typeof value === 'number' ? String(value) : value.trim();
  const spec = SPECS[format];
  const g = spec.re.exec(text);
  const built = g ? spec.build([...g].map((x) => x ?? '')) : null;
  if (built === null) {
    // A date cell Excel saved as its day number (a CSV exported from a sheet whose column was not formatted as a date).
    const serial = /^\d{5}(\.\d+)?$/.test(text) ? excelSerialToDay(Number(text), false) : null;
    if (serial && serial.y >= 1950 && serial.y <= 2100) {
      const day = `${serial.y}-${String(serial.m).padStart(2, '0')}-${String(serial.d).padStart(2, '0')}`;
      return {
        ok: false,
        reason: 'invalid',
        message: `'${text}' does not match the date format ${format} (like ${FORMAT_LABEL[format]}); it looks like an Excel date number (${day}). If the column holds such numbers, choose “${FORMAT_LABEL['excel-serial']}” as its date format.`,
      };
    }
    return { ok: false, reason: 'invalid', message: `'${text}' does not match the date format ${format} (like ${FORMAT_LABEL[format]}).` };
  }
  if (built === 'no-such-date') return { ok: false, reason: 'no-such-date', message: `'${text}' read as ${format} is not a real date.` };
  return { ok: true, token: built };
}

/** What a date written in each format stands for by itself. */
const FORMAT_GRANULARITY: Record<DateFormat, Granularity> = {
  'YYYY-MM-DD': 'day',
  'YYYY/MM/DD': 'day',
  'DD/MM/YYYY': 'day',
  'MM/DD/YYYY': 'day',
  'DD.MM.YYYY': 'day',
  'DD-MM-YYYY': 'day',
  'DD/MM/YY': 'day',
  'MM/DD/YY': 'day',
  'YYYY-MM': 'month',
  'MM/YYYY': 'month',
  'MMM YYYY': 'month',
  'MMM-YY': 'month',
  'YYYY-Qn': 'quarter',
  YYYY: 'year',
  FY: 'year',
  'excel-serial': 'day',
  'excel-serial-1904': 'day',
  iso: 'day',
};

/** What a date written in this format stands for by itself: a day, a month, a quarter or a year. */
export const formatGranularity = (format: DateFormat): Granularity => FORMAT_GRANULARITY[format];

/**
 * Read a mapped date cell: with the profile's format, or else as an unambiguous ISO date.
 *
 * The declared format says how the *text* dates of a file are written. A spreadsheet's typed
 * date cell has no text: the workbook reader hands it on as ISO 'YYYY-MM-DD' (with 'THH:MM:SS'
 * when it has a time), as database and JSON sources do with their dates, and a cell value does not
 * say whether it was typed or written. So a column declared 'YYYY-MM' (or 'DD.MM.YYYY', or
 * 'excel-serial') whose cells are real Excel dates would otherwise reject every row.
 *
 * An ISO date is accepted whatever format is declared, also when it is text (a CSV cell
 * '2024-06-01' in a file declared 'DD.MM.YYYY'): a user expects a date that can only mean one day
 * to be read as that day, not refused. No format writes a four-digit year first with dashes and
 * means something else, so accepting it cannot move a value to another period; the
 * format-specific readings — day-first vs month-first ('03/04/2024'), two-digit years, month
 * names — are untouched, and still follow the declared format alone.
 *
 * Use `cellGranularity` for the period: an ISO day in a month column still stands for its month.
 */
export function parseDateCell(value: CellValue | undefined, format: DateFormat): DateParse {
  const declared = parseDate(value, format);
  if (declared.ok || declared.reason !== 'invalid' || typeof value !== 'string' || format === 'iso') return declared;
  const iso = parseDate(value, 'iso');
  if (iso.ok) return iso;
  return iso.reason === 'no-such-date' ? { ok: false, reason: 'no-such-date', message: `'${value.trim()}' is not a real date.` } : declared;
}

/**
 * The granularity a date cell stands for by itself: its token's, or the declared format's when
 * that is coarser (an ISO day read in a 'YYYY-MM' column is that month, in a 'YYYY-Qn' column
 * that quarter). For a cell read with the declared format the two are the same.
 */
export function cellGranularity(token: DateToken, format: DateFormat): Granularity {
  const rank: Record<Granularity, number> = { day: 0, month: 1, quarter: 2, year: 3 };
  const own = tokenGranularity(token);
  const declared = FORMAT_GRANULARITY[format];
  return rank[declared] > rank[own] ? declared : own;
}

// ---------------------------------------------------------------- periods

function fiscalStart(opts: PeriodOptions): number {
  const m = opts.fiscalYearStartMonth ?? 1;
  return Number.isInteger(m) && m >= 1 && m <= 12 ? m : 1;
}

function addMonths(y: number, m: number, k: number): { y: number; m: number } {
  const idx = y * 12 + (m - 1) + k;
  return { y: Math.floor(idx / 12), m: (idx % 12) + 1 };
}

function monthSpan(y: number, m: number, months: number): Period {
  const end = addMonths(y, m, months - 1);
  return { start: formatYmd(y, m, 1), end: formatYmd(end.y, end.m, daysInMonth(end.y, end.m)) };
}

/** First month of the fiscal year labelled `label`. */
function fiscalYearFirstMonth(label: number, opts: PeriodOptions): { y: number; m: number } {
  const s = fiscalStart(opts);
  if (s === 1) return { y: label, m: 1 };
  return (opts.fiscalYearLabel ?? 'end') === 'end' ? { y: label - 1, m: s } : { y: label, m: s };
}

/** The label of the fiscal year that contains the month (y, m). */
function fiscalYearOf(y: number, m: number, opts: PeriodOptions): number {
  const s = fiscalStart(opts);
  if (s === 1) return y;
  const startYear = m >= s ? y : y - 1;
  return (opts.fiscalYearLabel ?? 'end') === 'end' ? startYear + 1 : startYear;
}

/**
 * The reporting period a token stands for at the given granularity. A day-level date widened to
 * a month/quarter/year gives the period containing it; quarters and years follow the fiscal
 * year's start month. A coarser token cannot be narrowed ('2024' at month granularity is an error).
 */
export function expandPeriod(token: DateToken, granularity: Granularity, opts: PeriodOptions = {}): Period | { error: string } {
  const rank: Record<DateToken['kind'], number> = { day: 0, month: 1, quarter: 2, year: 3, 'fiscal-year': 3 };
  const gRank: Record<Granularity, number> = { day: 0, month: 1, quarter: 2, year: 3 };
  if (rank[token.kind] > gRank[granularity]) {
    return { error: `a ${token.kind.replace('-', ' ')} cannot be reported per ${granularity}` };
  }
  switch (token.kind) {
    case 'day': {
      if (granularity === 'day') return { start: formatYmd(token.y, token.m, token.d), end: formatYmd(token.y, token.m, token.d) };
      return expandPeriod({ kind: 'month', y: token.y, m: token.m }, granularity, opts);
    }
    case 'month': {
      if (granularity === 'month') return monthSpan(token.y, token.m, 1);
      const label = fiscalYearOf(token.y, token.m, opts);
      const first = fiscalYearFirstMonth(label, opts);
      if (granularity === 'year') return monthSpan(first.y, first.m, 12);
      const monthsIn = (token.y * 12 + token.m - 1) - (first.y * 12 + first.m - 1);
      const q = Math.floor(monthsIn / 3);
      const qStart = addMonths(first.y, first.m, q * 3);
      return monthSpan(qStart.y, qStart.m, 3);
    }
    case 'quarter': {
      // 'Q1 2024' is the first quarter of the (fiscal) year labelled 2024.
      const first = fiscalYearFirstMonth(token.y, opts);
      const qStart = addMonths(first.y, first.m, (token.q - 1) * 3);
      return granularity === 'quarter' ? monthSpan(qStart.y, qStart.m, 3) : monthSpan(first.y, first.m, 12);
    }
    case 'year': {
      // A bare year in a calendar-year profile is the calendar year; in a fiscal profile it is the fiscal year's label.
      const first = fiscalYearFirstMonth(token.y, opts);
      return monthSpan(first.y, first.m, 12);
    }
    case 'fiscal-year': {
      const first = fiscalYearFirstMonth(token.y, opts);
      return monthSpan(first.y, first.m, 12);
    }
  }
}

/** The natural granularity of a token: what a month label or a quarter label means by itself. */
export function tokenGranularity(token: DateToken): Granularity {
  return token.kind === 'fiscal-year' ? 'year' : token.kind;
}

/** Whether 'YYYY-MM-DD' strings form a valid inclusive period. */
export function isValidPeriod(p: Period): boolean {
  const a = parseYmd(p.start);
  const b = parseYmd(p.end);
  return a !== null && b !== null && p.start <= p.end;
}

export function todayYmd(now: Date): string {
  return formatYmd(now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate());
}

// ---------------------------------------------------------------- detection

export interface DateDetection {
  /** The format to use, or null when none fits or the samples fit several that disagree. */
  format: DateFormat | null;
  /** Every format that reads all non-empty samples, best first. */
  candidates: DateFormat[];
  /** True when two candidates read the same samples as different dates (e.g. all days ≤ 12). */
  ambiguous: boolean;
  /** Non-empty samples considered. */
  samples: number;
}

const DETECT_ORDER: DateFormat[] = [
  'iso',
  'YYYY-MM-DD',
  'YYYY/MM/DD',
  'DD.MM.YYYY',
  'DD/MM/YYYY',
  'MM/DD/YYYY',
  'DD-MM-YYYY',
  'DD/MM/YY',
  'MM/DD/YY',
  'YYYY-MM',
  'MM/YYYY',
  'MMM YYYY',
  'MMM-YY',
  'YYYY-Qn',
  'FY',
  'YYYY',
  'excel-serial',
];

const tokenKey = (t: DateToken): string => JSON.stringify(t);

/** Plausible spreadsheet serials for ESG data: 1950 to 2100. Outside that a number is more likely a value. */
const SERIAL_MIN = 18264;
const SERIAL_MAX = 73051;

/** Detect the date format of a column from sample cells. */
export function detectDateFormat(samples: Iterable<CellValue>): DateDetection {
  const values: CellValue[] = [];
  for (const v of samples) {
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v === 'string' && v.trim() === '') continue;
    values.push(v);
  }
  if (values.length === 0) return { format: null, candidates: [], ambiguous: false, samples: 0 };

  const readings = new Map<DateFormat, string[]>();
  for (const format of DETECT_ORDER) {
    const keys: string[] = [];
    let all = true;
    for (const v of values) {
      if (format === 'excel-serial') {
        const num = typeof v === 'number' ? v : NaN;
        if (!(num >= SERIAL_MIN && num <= SERIAL_MAX)) {
          all = false;
          break;
        }
      } else if (format === 'YYYY') {
        const y = Number(v);
        if (!(y >= 1900 && y <= 2100)) {
          all = false;
          break;
        }
      }
      const r = parseDate(v, format);
      // A year outside 1900–2100 is a decimal that happens to fit ('5.1234' as May 1234), not ESG data.
      if (!r.ok || r.token.y < 1900 || r.token.y > 2100) {
        all = false;
        break;
      }
      keys.push(tokenKey(r.token));
    }
    if (all) readings.set(format, keys);
  }
  const candidates = [...readings.keys()];
  if (candidates.length === 0) return { format: null, candidates, ambiguous: false, samples: values.length };
  const first = readings.get(candidates[0] as DateFormat) as string[];
  const ambiguous = candidates.some((c) => (readings.get(c) as string[]).some((k, i) => k !== first[i]));
  return { format: ambiguous ? null : (candidates[0] as DateFormat), candidates, ambiguous, samples: values.length };
}

// ---------------------------------------------------------------- period headers (wide shapes)

export type HeaderPeriod =
  | { kind: 'fixed'; start: string; end: string; granularity: Granularity }
  | { kind: 'month'; month: number };

/**
 * Read a reporting period from a column header of a wide sheet: 'Jan 2024', 'Jan-24',
 * '2024-01', '01/2024', 'Q1 2024', 'FY2024', or a bare month name ('January', 'Mär') whose year
 * comes from elsewhere. Headers with a unit after the period ('Jan 2024 (kWh)') are read too.
 */
export function periodFromHeader(header: string, opts: PeriodOptions = {}): HeaderPeriod | null {
  const text = header
    .trim()
    .replace(/\s*[([{][^)\]}]*[)\]}]\s*$/, '')
    .trim();
  const month = /^[\p{L}]+\.?$/u.test(text) ? parseMonth(text) : null;
  if (month !== null && !/^\d+$/.test(text)) return { kind: 'month', month };
  for (const format of ['YYYY-MM', 'MM/YYYY', 'MMM YYYY', 'MMM-YY', 'YYYY-Qn', 'FY', 'YYYY-MM-DD', 'iso'] as const) {
    const r = parseDate(text, format);
    if (!r.ok) continue;
    const granularity = format === 'YYYY-MM-DD' || format === 'iso' ? 'month' : tokenGranularity(r.token);
    const p = expandPeriod(r.token, granularity, opts);
    if ('error' in p) continue;
    return { kind: 'fixed', start: p.start, end: p.end, granularity };
  }
  return null;
}

/**
 * The calendar month (y, m) of month `month` inside the year labelled `label`. With a calendar
 * year that is simply (label, month); with a fiscal year from April labelled by its end,
 * 'Jan' of FY2024 is January 2024 and 'May' of FY2024 is May 2023.
 */
export function monthInYear(label: number, month: number, opts: PeriodOptions = {}): { y: number; m: number } {
  const first = fiscalYearFirstMonth(label, opts);
  return { y: month >= first.m ? first.y : first.y + 1, m: month };
}

/** A year cell: 2024, '2024', 'FY2024', 'FY24', '2023/24' (→ the later year, as fiscal labels go). */
export function parseYearCell(value: CellValue | undefined): number | null {
  if (value === null || value === undefined || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1000 && value <= 9999 ? value : null;
  const s = value.trim();
  if (/^\d{4}$/.test(s)) return Number(s);
  const fy = parseDate(s, 'FY');
  if (fy.ok && fy.token.kind === 'fiscal-year') return fy.token.y;
  const split = /^(\d{4})\s*[-/]\s*(\d{2}|\d{4})$/.exec(s);
  if (split) {
    const later = split[2] as string;
    if (later.length === 4) return Number(later);
    const first = Number(split[1]);
    // '2023/24' → 2024; '2099/00' → 2100: the later year is the first one after the start.
    let y = Math.floor(first / 100) * 100 + Number(later);
    if (y <= first) y += 100;
    return y;
  }
  return null;
}
