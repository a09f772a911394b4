import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil, detectDateFormat, formatYmd, parseDate, parseYearCell } from '../../../shared/mapping/dates';
import { parseNumber } from '../../../shared/mapping/numbers';
import { canonicalJson } from '../../../shared/mapping/hash';
import { convert, UNITS } from '../../../shared/units';

/** Format like a spreadsheet in a given locale: grouping every three digits, fixed decimals. */
function formatLocale(value: number, decimals: number, dec: '.' | ',', group: string): string {
  const [int, frac] = Math.abs(value).toFixed(decimals).split('.') as [string, string | undefined];
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return `${value < 0 ? '-' : ''}${grouped}${frac ? dec + frac : ''}`;
}

describe('properties', () => {
  it('parseNumber reads back any number formatted in either locale', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 4 }), fc.boolean(), (n, decimals, comma) => {
        const value = n / 100;
        const text = formatLocale(value, decimals, comma ? ',' : '.', comma ? '.' : ',');
        const r = parseNumber(text, { decimal: comma ? ',' : '.', thousands: comma ? '.' : ',', parenthesesNegative: true });
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.value).toBeCloseTo(Number(value.toFixed(decimals)), 6);
      }),
    );
  });

  it('civil day arithmetic round-trips and formats as the date parser reads it', () => {
    fc.assert(
      fc.property(fc.integer({ min: -50000, max: 100000 }), (z) => {
        const d = civilFromDays(z);
        expect(daysFromCivil(d.y, d.m, d.d)).toBe(z);
        if (d.y >= 1000) {
          const r = parseDate(formatYmd(d.y, d.m, d.d), 'YYYY-MM-DD');
          expect(r).toEqual({ ok: true, token: { kind: 'day', ...d } });
        }
      }),
    );
  });

  it('a column of day-first dates with any day above 12 is never ambiguous', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 20 }), fc.integer({ min: 13, max: 28 }), (pairs, bigDay) => {
        const values = [...pairs, [bigDay, 5] as [number, number]].map(([d, m]) => `${String(d).padStart(2, '0')}/${String(m).padStart(2, '0')}/2024`);
        const det = detectDateFormat(values);
        expect(det.ambiguous).toBe(false);
        expect(det.format).toBe('DD/MM/YYYY');
      }),
    );
  });

  it('unit conversion round-trips within each dimension', () => {
    const byDim = new Map<string, string[]>();
    for (const u of UNITS) byDim.set(u.dimension, [...(byDim.get(u.dimension) ?? []), u.id]);
    const pairs = [...byDim.values()].flatMap((ids) => ids.flatMap((a) => ids.map((b) => [a, b] as const)));
    fc.assert(
      fc.property(fc.constantFrom(...pairs), fc.double({ min: 1e-3, max: 1e9, noNaN: true }), ([a, b], v) => {
        const back = convert(convert(v, a, b), b, a);
        expect(Math.abs(back - v) / v).toBeLessThan(1e-9);
      }),
    );
  });

  it('canonical JSON does not depend on key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null))), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
      }),
    );
  });

  it('reads split fiscal-year labels across a century', () => {
    expect(parseYearCell('2099/00')).toBe(2100);
  });
});
