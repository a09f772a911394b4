import { describe, expect, it } from 'vitest';
import {
  cellGranularity,
  detectDateFormat,
  expandPeriod,
  monthInYear,
  parseDate,
  parseDateCell,
  parseMonth,
  parseYearCell,
  periodFromHeader,
  type DateFormat,
  type DateToken,
} from '../../../shared/mapping/dates';

const day = (y: number, m: number, d: number): DateToken => ({ kind: 'day', y, m, d });

describe('parseDate with explicit formats', () => {
  const CASES: Array<[string | number, DateFormat, DateToken]> = [
    ['2024-03-05', 'YYYY-MM-DD', day(2024, 3, 5)],
    ['2024/03/05', 'YYYY/MM/DD', day(2024, 3, 5)],
    ['05/03/2024', 'DD/MM/YYYY', day(2024, 3, 5)],
    ['5/3/2024', 'DD/MM/YYYY', day(2024, 3, 5)],
    ['03/05/2024', 'MM/DD/YYYY', day(2024, 3, 5)],
    ['05.03.2024', 'DD.MM.YYYY', day(2024, 3, 5)],
    ['05-03-2024', 'DD-MM-YYYY', day(2024, 3, 5)],
    ['05/03/24', 'DD/MM/YY', day(2024, 3, 5)],
    ['03/05/24', 'MM/DD/YY', day(2024, 3, 5)],
    ['2024-03', 'YYYY-MM', { kind: 'month', y: 2024, m: 3 }],
    ['03/2024', 'MM/YYYY', { kind: 'month', y: 2024, m: 3 }],
    ['Mar 2024', 'MMM YYYY', { kind: 'month', y: 2024, m: 3 }],
    ['March 2024', 'MMM YYYY', { kind: 'month', y: 2024, m: 3 }],
    ['März 2024', 'MMM YYYY', { kind: 'month', y: 2024, m: 3 }],
    ['févr. 2024', 'MMM YYYY', { kind: 'month', y: 2024, m: 2 }],
    ['Jan-24', 'MMM-YY', { kind: 'month', y: 2024, m: 1 }],
    ["Dez '23", 'MMM-YY', { kind: 'month', y: 2023, m: 12 }],
    ['2024-Q2', 'YYYY-Qn', { kind: 'quarter', y: 2024, q: 2 }],
    ['Q3 2024', 'YYYY-Qn', { kind: 'quarter', y: 2024, q: 3 }],
    ['2024', 'YYYY', { kind: 'year', y: 2024 }],
    [2024, 'YYYY', { kind: 'year', y: 2024 }],
    ['FY2024', 'FY', { kind: 'fiscal-year', y: 2024 }],
    ['FY 2023/24', 'FY', { kind: 'fiscal-year', y: 2024 }],
    ['2024-03-05T00:00:00Z', 'iso', day(2024, 3, 5)],
    ['2024-03-05T23:30:00-05:00', 'iso', day(2024, 3, 5)], // the date as written, not shifted to UTC
    ['2024-03-05T00:00:00.000+01:00', 'iso', day(2024, 3, 5)],
    ['2024-03-05', 'iso', day(2024, 3, 5)],
    // Excel 1900 system: 45356 = 2024-03-05; 1 = 1900-01-01; 61 = 1900-03-01 (after the phantom 1900-02-29).
    [45356, 'excel-serial', day(2024, 3, 5)],
    ['45356', 'excel-serial', day(2024, 3, 5)],
    [45356.75, 'excel-serial', day(2024, 3, 5)],
    [1, 'excel-serial', day(1900, 1, 1)],
    [59, 'excel-serial', day(1900, 2, 28)],
    [61, 'excel-serial', day(1900, 3, 1)],
    [0, 'excel-serial-1904', day(1904, 1, 1)],
    [43894, 'excel-serial-1904', day(2024, 3, 5)],
  ];
  for (const [input, format, expected] of CASES) {
    it(`'${input}' as ${format}`, () => {
      const r = parseDate(input, format);
      expect(r).toEqual({ ok: true, token: expected });
    });
  }

  const ERRORS: Array<[string | number | null, DateFormat, string]> = [
    [null, 'YYYY-MM-DD', 'empty'],
    ['', 'DD/MM/YYYY', 'empty'],
    ['2024-02-30', 'YYYY-MM-DD', 'no-such-date'],
    ['29/02/2023', 'DD/MM/YYYY', 'no-such-date'],
    ['13/13/2024', 'MM/DD/YYYY', 'no-such-date'],
    ['2024-03-05', 'DD/MM/YYYY', 'invalid'],
    ['Foo 2024', 'MMM YYYY', 'invalid'],
    ['2024-13', 'YYYY-MM', 'no-such-date'],
    [60, 'excel-serial', 'invalid'], // 1900-02-29 never existed
    ['abc', 'excel-serial', 'invalid'],
  ];
  for (const [input, format, reason] of ERRORS) {
    it(`'${input}' as ${format} fails with ${reason}`, () => {
      const r = parseDate(input, format);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toBe(reason);
    });
  }

  it('says a 5-digit number in a date column looks like an Excel date number, and which day', () => {
    const r = parseDate('46023', 'MMM YYYY');
    expect(r).toMatchObject({ ok: false, reason: 'invalid' });
    expect(!r.ok && r.message).toBe("'46023' does not match the date format MMM YYYY (like Jan 2024); it looks like an Excel date number (2026-01-01). If the column holds such numbers, choose “45322 (Excel date number)” as its date format.");
    // Not every number: a 5-digit code far outside 1950–2100 is only said not to match.
    const code = parseDate('99999', 'YYYY-MM');
    expect(!code.ok && code.message).toBe("'99999' does not match the date format YYYY-MM (like 2024-01).");
  });

  it('accepts 29 February in leap years only', () => {
    expect(parseDate('29.02.2024', 'DD.MM.YYYY').ok).toBe(true);
    expect(parseDate('29.02.1900', 'DD.MM.YYYY').ok).toBe(false);
    expect(parseDate('29.02.2000', 'DD.MM.YYYY').ok).toBe(true);
  });
});

describe('parseDateCell: the declared format, or else an unambiguous ISO date', () => {
  // What the workbook reader hands on for a typed Excel date cell, whatever its number format shows.
  it('reads an ISO date (with or without a time) whatever text format is declared', () => {
    const every: DateFormat[] = ['YYYY-MM', 'MM/YYYY', 'MMM YYYY', 'MMM-YY', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD/MM/YY', 'YYYY/MM/DD', 'YYYY-Qn', 'YYYY', 'FY', 'excel-serial', 'excel-serial-1904'];
    for (const format of every) {
      expect(parseDateCell('2024-06-01', format), format).toEqual({ ok: true, token: day(2024, 6, 1) });
      expect(parseDateCell('2024-06-01T10:30:00', format), format).toEqual({ ok: true, token: day(2024, 6, 1) });
    }
    expect(parseDateCell(' 2024-06-30 ', 'DD.MM.YYYY')).toEqual({ ok: true, token: day(2024, 6, 30) });
  });

  it('reads cells in the declared format exactly as parseDate does', () => {
    expect(parseDateCell('2024-06', 'YYYY-MM')).toEqual(parseDate('2024-06', 'YYYY-MM'));
    expect(parseDateCell('01.06.2024', 'DD.MM.YYYY')).toEqual(parseDate('01.06.2024', 'DD.MM.YYYY'));
    expect(parseDateCell(45444, 'excel-serial')).toEqual(parseDate(45444, 'excel-serial'));
    expect(parseDateCell('2024-06-01', 'iso')).toEqual(parseDate('2024-06-01', 'iso'));
  });

  it('keeps day-first / month-first readings to the declared format, and refuses what is not ISO', () => {
    // '03/04/2024' is 3 April or 4 March: only the declared format decides.
    expect(parseDateCell('03/04/2024', 'DD/MM/YYYY')).toEqual({ ok: true, token: day(2024, 4, 3) });
    expect(parseDateCell('03/04/2024', 'MM/DD/YYYY')).toEqual({ ok: true, token: day(2024, 3, 4) });
    expect(parseDateCell('03/04/2024', 'DD.MM.YYYY')).toMatchObject({ ok: false, reason: 'invalid', message: expect.stringContaining('DD.MM.YYYY') });
    expect(parseDateCell('25/12/2024', 'MM/DD/YYYY')).toMatchObject({ ok: false, reason: 'no-such-date' });
    // Year first but not ISO (slashes, one-digit month, no day): the declared format's message.
    for (const text of ['2024/06/01', '2024-6-1', '24-06-01', '2024-06-01x'])
      expect(parseDateCell(text, 'DD.MM.YYYY'), text).toMatchObject({ ok: false, reason: 'invalid', message: `'${text}' does not match the date format DD.MM.YYYY (like 31.01.2024).` });
    expect(parseDateCell('2024-06', 'DD.MM.YYYY')).toMatchObject({ ok: false, reason: 'invalid' });
    expect(parseDateCell(45444, 'YYYY-MM')).toMatchObject({ ok: false, reason: 'invalid' });
    expect(parseDateCell('', 'YYYY-MM')).toMatchObject({ ok: false, reason: 'empty' });
    expect(parseDateCell(true, 'YYYY-MM')).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('says an ISO date that does not exist is not a real date', () => {
    expect(parseDateCell('2023-02-29', 'YYYY-MM')).toEqual({ ok: false, reason: 'no-such-date', message: "'2023-02-29' is not a real date." });
  });

  it('gives an ISO day the granularity of the column it was read in', () => {
    const june = day(2024, 6, 1);
    expect(cellGranularity(june, 'YYYY-MM')).toBe('month');
    expect(cellGranularity(june, 'MMM-YY')).toBe('month');
    expect(cellGranularity(june, 'YYYY-Qn')).toBe('quarter');
    expect(cellGranularity(june, 'FY')).toBe('year');
    expect(cellGranularity(june, 'DD.MM.YYYY')).toBe('day');
    expect(cellGranularity(june, 'excel-serial')).toBe('day');
    // A cell read in its declared format keeps its own granularity.
    expect(cellGranularity({ kind: 'month', y: 2024, m: 6 }, 'YYYY-MM')).toBe('month');
    expect(cellGranularity({ kind: 'fiscal-year', y: 2024 }, 'FY')).toBe('year');
  });

  it('leaves format detection strict: ISO samples are ISO, not every format', () => {
    const d = detectDateFormat(['2024-06-01', '2024-07-01']);
    expect(d.format).toBe('iso');
    expect(d.candidates).toEqual(['iso', 'YYYY-MM-DD']);
  });
});

describe('detectDateFormat', () => {
  it('detects DD/MM/YYYY when a day is above 12', () => {
    const d = detectDateFormat(['05/03/2024', '25/03/2024', '01/04/2024']);
    expect(d.format).toBe('DD/MM/YYYY');
    expect(d.ambiguous).toBe(false);
  });
  it('detects MM/DD/YYYY when the second number is above 12', () => {
    expect(detectDateFormat(['03/25/2024', '04/01/2024']).format).toBe('MM/DD/YYYY');
  });
  it('reports ambiguity when all days are ≤ 12', () => {
    const d = detectDateFormat(['05/03/2024', '01/04/2024', '12/11/2024']);
    expect(d.ambiguous).toBe(true);
    expect(d.format).toBeNull();
    expect(d.candidates).toEqual(expect.arrayContaining(['DD/MM/YYYY', 'MM/DD/YYYY']));
  });
  it('is not ambiguous when both readings agree (day equals month)', () => {
    expect(detectDateFormat(['01/01/2024', '02/02/2024']).ambiguous).toBe(false);
  });
  it('detects ISO date-times and plain ISO dates as one format', () => {
    expect(detectDateFormat(['2024-01-31T00:00:00Z', '2024-02-29T00:00:00Z']).format).toBe('iso');
    expect(detectDateFormat(['2024-01-31', '2024-02-29']).ambiguous).toBe(false);
  });
  it('detects German dates, month labels, quarters and years', () => {
    expect(detectDateFormat(['31.01.2024', '29.02.2024']).format).toBe('DD.MM.YYYY');
    expect(detectDateFormat(['Jan 2024', 'Feb 2024']).format).toBe('MMM YYYY');
    expect(detectDateFormat(['Jan-24', 'Feb-24']).format).toBe('MMM-YY');
    expect(detectDateFormat(['2024-01', '2024-02']).format).toBe('YYYY-MM');
    expect(detectDateFormat(['Q1 2024', 'Q2 2024']).format).toBe('YYYY-Qn');
    expect(detectDateFormat([2023, 2024]).format).toBe('YYYY');
  });
  it('detects Excel serials only in a plausible range', () => {
    expect(detectDateFormat([45292, 45323]).format).toBe('excel-serial');
    expect(detectDateFormat([12.5, 300]).format).toBeNull();
  });
  it('finds nothing in text and ignores blanks', () => {
    expect(detectDateFormat(['London', 'Paris']).format).toBeNull();
    expect(detectDateFormat([null, '', '2024-01-05']).format).toBe('iso');
  });
});

describe('expandPeriod', () => {
  it('expands a month to its first and last day, leap years included', () => {
    expect(expandPeriod({ kind: 'month', y: 2024, m: 2 }, 'month')).toEqual({ start: '2024-02-01', end: '2024-02-29' });
    expect(expandPeriod({ kind: 'month', y: 2023, m: 2 }, 'month')).toEqual({ start: '2023-02-01', end: '2023-02-28' });
    expect(expandPeriod(day(2024, 4, 17), 'month')).toEqual({ start: '2024-04-01', end: '2024-04-30' });
  });
  it('widens a day to its calendar quarter and year', () => {
    expect(expandPeriod(day(2024, 5, 17), 'quarter')).toEqual({ start: '2024-04-01', end: '2024-06-30' });
    expect(expandPeriod(day(2024, 5, 17), 'year')).toEqual({ start: '2024-01-01', end: '2024-12-31' });
  });
  it('uses fiscal quarters and years with a start month (April, labelled by end year)', () => {
    const fy = { fiscalYearStartMonth: 4, fiscalYearLabel: 'end' as const };
    expect(expandPeriod(day(2024, 5, 17), 'quarter', fy)).toEqual({ start: '2024-04-01', end: '2024-06-30' });
    expect(expandPeriod(day(2024, 2, 10), 'quarter', fy)).toEqual({ start: '2024-01-01', end: '2024-03-31' });
    expect(expandPeriod(day(2024, 2, 10), 'year', fy)).toEqual({ start: '2023-04-01', end: '2024-03-31' });
    expect(expandPeriod({ kind: 'fiscal-year', y: 2024 }, 'year', fy)).toEqual({ start: '2023-04-01', end: '2024-03-31' });
    expect(expandPeriod({ kind: 'quarter', y: 2024, q: 1 }, 'quarter', fy)).toEqual({ start: '2023-04-01', end: '2023-06-30' });
  });
  it('labels by start year when asked (July fiscal year, FY2024 = Jul 2024–Jun 2025)', () => {
    const fy = { fiscalYearStartMonth: 7, fiscalYearLabel: 'start' as const };
    expect(expandPeriod({ kind: 'fiscal-year', y: 2024 }, 'year', fy)).toEqual({ start: '2024-07-01', end: '2025-06-30' });
  });
  it('gives a single day for day granularity, calendar quarters for Q labels', () => {
    expect(expandPeriod(day(2024, 1, 9), 'day')).toEqual({ start: '2024-01-09', end: '2024-01-09' });
    expect(expandPeriod({ kind: 'quarter', y: 2024, q: 4 }, 'quarter')).toEqual({ start: '2024-10-01', end: '2024-12-31' });
  });
  it('refuses to narrow a coarse token', () => {
    expect(expandPeriod({ kind: 'year', y: 2024 }, 'month')).toHaveProperty('error');
    expect(expandPeriod({ kind: 'quarter', y: 2024, q: 1 }, 'month')).toHaveProperty('error');
  });
});

describe('month names, years and period headers', () => {
  it('reads month names in several languages and numbers', () => {
    expect(parseMonth('Jan')).toBe(1);
    expect(parseMonth('Mär')).toBe(3);
    expect(parseMonth('maerz')).toBe(3);
    expect(parseMonth('août')).toBe(8);
    expect(parseMonth('Dic')).toBe(12);
    expect(parseMonth('mrt')).toBe(3);
    expect(parseMonth(7)).toBe(7);
    expect(parseMonth('13')).toBeNull();
    expect(parseMonth('Site')).toBeNull();
  });
  it('reads year cells', () => {
    expect(parseYearCell(2024)).toBe(2024);
    expect(parseYearCell('FY24')).toBe(2024);
    expect(parseYearCell('2023/24')).toBe(2024);
    expect(parseYearCell('2023-2024')).toBe(2024);
    expect(parseYearCell('twenty')).toBeNull();
  });
  it('places months in a fiscal year', () => {
    expect(monthInYear(2024, 1)).toEqual({ y: 2024, m: 1 });
    expect(monthInYear(2024, 5, { fiscalYearStartMonth: 4 })).toEqual({ y: 2023, m: 5 });
    expect(monthInYear(2024, 2, { fiscalYearStartMonth: 4 })).toEqual({ y: 2024, m: 2 });
  });
  it('reads periods from wide-sheet headers', () => {
    expect(periodFromHeader('Jan 2024')).toEqual({ kind: 'fixed', start: '2024-01-01', end: '2024-01-31', granularity: 'month' });
    expect(periodFromHeader('Feb-24')).toEqual({ kind: 'fixed', start: '2024-02-01', end: '2024-02-29', granularity: 'month' });
    expect(periodFromHeader('2024-03 (kWh)')).toEqual({ kind: 'fixed', start: '2024-03-01', end: '2024-03-31', granularity: 'month' });
    expect(periodFromHeader('Q2 2024')).toEqual({ kind: 'fixed', start: '2024-04-01', end: '2024-06-30', granularity: 'quarter' });
    expect(periodFromHeader('Januar')).toEqual({ kind: 'month', month: 1 });
    expect(periodFromHeader('Site')).toBeNull();
    expect(periodFromHeader('Electricity (kWh)')).toBeNull();
  });
});
