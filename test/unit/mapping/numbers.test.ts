import { describe, expect, it } from 'vitest';
import { detectNumberLocale, parseNumber, type NumberLocale } from '../../../shared/mapping/numbers';

const DOT: NumberLocale = { decimal: '.', thousands: ',', parenthesesNegative: true };
const COMMA: NumberLocale = { decimal: ',', thousands: '.', parenthesesNegative: true };
const AUTO_DOT: NumberLocale = { decimal: '.', thousands: 'auto', parenthesesNegative: true };
const AUTO_COMMA: NumberLocale = { decimal: ',', thousands: 'auto', parenthesesNegative: true };

const ok = (input: Parameters<typeof parseNumber>[0], locale: NumberLocale) => {
  const r = parseNumber(input, locale);
  if (!r.ok) throw new Error(`expected ${String(input)} to parse: ${r.message}`);
  return r;
};

describe('parseNumber: accepted formats', () => {
  const CASES: Array<[string | number, NumberLocale, number, boolean?]> = [
    ['1.234,56', COMMA, 1234.56],
    ['1,234.56', DOT, 1234.56],
    ['1234.56', DOT, 1234.56],
    ['1234,56', COMMA, 1234.56],
    ['(12.5)', DOT, -12.5],
    ['(1.234,5)', COMMA, -1234.5],
    ['12%', DOT, 12, true],
    ['12,5 %', COMMA, 12.5, true],
    [' 3 400 ', DOT, 3400],
    ['3\u00a0400,75', AUTO_COMMA, 3400.75], // French NBSP grouping
    ['1\u202f234', DOT, 1234], // narrow NBSP
    ['−5', DOT, -5], // U+2212 minus sign
    ['-5', DOT, -5],
    ['+5', DOT, 5],
    ['1e3', DOT, 1000],
    ['1.5E-3', DOT, 0.0015],
    ['2,5e2', COMMA, 250],
    ["1'234.50", AUTO_DOT, 1234.5], // Swiss grouping
    ['1’234.50', AUTO_DOT, 1234.5],
    ['12,50-', COMMA, -12.5], // SAP trailing minus
    ['.5', DOT, 0.5],
    ['0', DOT, 0],
    ['1,234,567', DOT, 1234567],
    ['1.234.567', COMMA, 1234567],
    ['１２３', DOT, 123], // full-width digits
    [42.5, DOT, 42.5],
    [-3, COMMA, -3],
  ];
  for (const [input, locale, expected, percent] of CASES) {
    it(`'${String(input)}' with decimal '${locale.decimal}' → ${expected}`, () => {
      const r = ok(input, locale);
      expect(r.value).toBe(expected);
      expect(r.percent).toBe(percent ?? false);
    });
  }
});

describe('parseNumber: errors are typed and explained', () => {
  const CASES: Array<[string | null | boolean | number, NumberLocale, string]> = [
    [null, DOT, 'empty'],
    ['', DOT, 'empty'],
    ['   ', DOT, 'empty'],
    ['-', DOT, 'placeholder'],
    ['n/a', DOT, 'placeholder'],
    ['#N/A', DOT, 'placeholder'],
    ['abc', DOT, 'not-a-number'],
    ['12 kWh', DOT, 'not-a-number'],
    [true, DOT, 'not-a-number'],
    ['1.234,56', DOT, 'bad-grouping'], // decimal point locale reading a German number
    ['1,234.56', COMMA, 'bad-grouping'],
    ['1,23', DOT, 'bad-grouping'], // groups of two
    ['1.2.3', COMMA, 'bad-grouping'],
    ['1,5', { decimal: '.', thousands: '', parenthesesNegative: true }, 'wrong-decimal-separator'],
    ['1.234.5', DOT, 'wrong-decimal-separator'],
    ['(12)', { decimal: '.', thousands: ',', parenthesesNegative: false }, 'not-a-number'],
    [Number.POSITIVE_INFINITY, DOT, 'not-finite'],
    ['1e999', DOT, 'not-finite'],
  ];
  for (const [input, locale, reason] of CASES) {
    it(`'${String(input)}' with decimal '${locale.decimal}' → ${reason}`, () => {
      const r = parseNumber(input, locale);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toBe(reason);
        expect(r.message).not.toBe('');
      }
    });
  }

  it('tells the user to switch the decimal separator when the file clearly uses the other one', () => {
    const r = parseNumber('1,5', { decimal: '.', thousands: '', parenthesesNegative: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/decimal separator is '\.'/);
  });
});

describe('detectNumberLocale', () => {
  it('detects a decimal comma from German-formatted samples', () => {
    const g = detectNumberLocale(['1.234,56', '12,5', '3.400']);
    expect(g.locale.decimal).toBe(',');
    expect(g.ambiguous).toBe(false);
    expect(g.parsed).toBe(1);
  });
  it('detects a decimal point from English-formatted samples', () => {
    expect(detectNumberLocale(['1,234.56', '0.5']).locale.decimal).toBe('.');
  });
  it('reports ambiguity when every sample reads both ways differently', () => {
    expect(detectNumberLocale(['1,234', '5,678']).ambiguous).toBe(true);
  });
  it('is not ambiguous for plain integers', () => {
    expect(detectNumberLocale(['12', '340']).ambiguous).toBe(false);
  });
});
