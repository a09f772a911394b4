import { describe, expect, it } from 'vitest';
import type { CellValue, SourceRow } from '../../../shared/domain';
import { profileColumns } from '../../../main/engine/mapping/profiler';

function profile(header: string, values: CellValue[], extra: Record<string, CellValue[]> = {}, options = {}) {
  const headers = [header, ...Object.keys(extra)];
  const rows: SourceRow[] = values.map((v, i) => ({ line: i + 2, cells: { [header]: v, ...Object.fromEntries(Object.entries(extra).map(([h, vs]) => [h, vs[i] ?? null])) } }));
  return profileColumns(headers, rows, options);
}
const one = (header: string, values: CellValue[]) => profile(header, values)[0]!;

describe('profiler: dates are never taken for numbers', () => {
  it.each([
    ['ISO dates', ['2026-09-01', '2026-10-01', '2026-11-01'], 'iso'],
    ['ISO datetimes', ['2026-09-01T00:00:00Z', '2026-10-01T08:30:00+02:00'], 'iso'],
    ['dd/mm/yyyy', ['13/01/2026', '01/02/2026', '28/02/2026'], 'DD/MM/YYYY'],
    ['mm/dd/yyyy', ['01/13/2026', '02/01/2026'], 'MM/DD/YYYY'],
    ['dd.mm.yyyy', ['13.01.2026', '01.02.2026'], 'DD.MM.YYYY'],
    ['dd-mm-yyyy', ['13-01-2026', '01-02-2026'], 'DD-MM-YYYY'],
    ['yyyy-mm', ['2026-09', '2026-10'], 'YYYY-MM'],
    ['month names', ['Sep 2026', 'Oct 2026'], 'MMM YYYY'],
  ])('%s are a date column', (_label, values, format) => {
    const p = one('Date', values);
    expect(p.inferredType).toBe('date');
    expect(p.dateFormat?.format).toBe(format);
  });

  it('reads Excel date numbers as dates in a date-named column, and as numbers elsewhere', () => {
    expect(one('Invoice date', [46266, 46296]).inferredType).toBe('date');
    expect(one('Invoice date', [46266, 46296]).dateFormat?.format).toBe('excel-serial');
    expect(one('Electricity kWh', [46266, 46296]).inferredType).toBe('number');
    expect(one('Reading date', ['46266', '46296'])).toMatchObject({ inferredType: 'date', dateFormat: { format: 'excel-serial' } });
    expect(one('Electricity kWh', ['46266', '46296']).inferredType).toBe('number');
  });

  it('keeps years and decimals that only look like dates as numbers', () => {
    expect(one('Year', ['2024', '2025']).inferredType).toBe('number');
    expect(one('Factor', ['5.1234', '3.1415']).inferredType).toBe('number');
    expect(one('Value', ['1.234', '12.5']).inferredType).toBe('number');
  });

  it('leaves dd/mm against mm/dd open when nothing decides it', () => {
    const p = one('Date', ['01/02/2026', '03/04/2026']);
    expect(p.inferredType).toBe('date');
    expect(p.dateFormat).toMatchObject({ format: null, ambiguous: true });
  });

  it('settles dd/mm against mm/dd by another date column of the same file', () => {
    const [start, end] = profile('Period start', ['01/02/2026', '01/03/2026'], { 'Period end': ['28/02/2026', '31/03/2026'] });
    expect(end?.dateFormat?.format).toBe('DD/MM/YYYY');
    expect(start?.dateFormat).toMatchObject({ format: 'DD/MM/YYYY', ambiguous: false });
  });

  it('settles dd/mm against mm/dd by the source date order, or by decimal commas in the file', () => {
    expect(profile('Date', ['01/02/2026', '03/04/2026'], {}, { dateOrder: 'MDY' })[0]?.dateFormat?.format).toBe('MM/DD/YYYY');
    const [d] = profile('Date', ['01/02/2026', '03/04/2026'], { Strom: ['1.234,5', '17,25'] });
    expect(d?.dateFormat?.format).toBe('DD/MM/YYYY');
  });

  it('does not read spaced codes like EWC 20 03 01 as numbers', () => {
    const p = one('EWC code', ['20 03 01', '15 01 01', '20 01 01']);
    expect(p.inferredType).toBe('text');
  });
});
