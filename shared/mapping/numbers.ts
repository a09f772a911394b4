/**
 * Locale-aware number parsing for values typed by people and exported by ERPs:
 * '1.234,56', '1,234.56', '(12.5)', '12%', ' 3 400 ', '−5', '1e3', SAP's trailing minus '12,50-'.
 * Never guesses: the decimal separator is part of the source's declared locale, because
 * '1.234' is a thousand in Germany and one-point-two in the UK.
 */
import type { CellValue } from '../domain';

export type DecimalSeparator = '.' | ',';
/** 'auto' accepts any grouping character that is not the decimal separator. */
export type ThousandsSeparator = ',' | '.' | ' ' | "'" | '' | 'auto';

export interface NumberLocale {
  decimal: DecimalSeparator;
  thousands: ThousandsSeparator;
  /** Accounting style: '(12.5)' means -12.5. */
  parenthesesNegative: boolean;
}

export const DEFAULT_NUMBER_LOCALE: NumberLocale = { decimal: '.', thousands: 'auto', parenthesesNegative: true };

export type NumberErrorReason =
  | 'empty'
  | 'placeholder'
  | 'not-a-number'
  | 'bad-grouping'
  | 'wrong-decimal-separator'
  | 'not-finite';

export type ParsedNumber =
  | { ok: true; value: number; percent: boolean }
  | { ok: false; reason: NumberErrorReason; message: string };

// Cells people fill with "no data" rather than leaving blank.
const PLACEHOLDERS = new Set(['-', '–', '—', '--', 'n/a', 'na', 'n.a.', 'n.v.', 'k.a.', '#n/a', 'null', 'none', '..', '.', '?', 'nd', 'n.d.']);

// Spaces of every width used as digit grouping (NBSP in French locales, NNBSP and thin space in typeset reports).
const SPACE_CHARS = /[\s\u00a0\u2007\u2009\u202f]/g;
const MINUS_CHARS = /[\u2212\ufe63\uff0d]/g;

const PLAIN_DECIMAL_DOT = /^-?\d{1,15}(?:\.\d{1,15})?$/;
const PLAIN_DECIMAL_COMMA = /^-?\d{1,15}(?:,\d{1,15})?$/;

function fail(reason: NumberErrorReason, message: string): ParsedNumber {
  return { ok: false, reason, message };
}

/**
 * Parse a cell into a number. Numbers pass through; booleans are refused.
 * `percent` is true when the text carried a '%' sign; the value is then the number before it
 * (12 for '12%'): whether that means 12 or 0.12 is the profile's decision.
 */
export function parseNumber(input: CellValue | undefined, locale: NumberLocale = DEFAULT_NUMBER_LOCALE): ParsedNumber {
  if (input === null || input === undefined) return fail('empty', 'The cell is empty.');
  if (typeof input === 'number') {
    return Number.isFinite(input) ? { ok: true, value: input, percent: false } : fail('not-finite', `${input} is not a finite number.`);
  }
  if (typeof input === 'boolean') return fail('not-a-number', `'${String(input)}' is a yes/no value, not a number.`);

  // Fast path for the plain form most exports use ('1234', '-12.5' with the locale's decimal
  // separator): the full reading below gives the same number, at several times the cost per cell.
  if (locale.decimal === ',' ? PLAIN_DECIMAL_COMMA.test(input) : PLAIN_DECIMAL_DOT.test(input)) {
    const value = Number(locale.decimal === ',' ? input.replace(',', '.') : input);
    return { ok: true, value: value === 0 ? 0 : value, percent: false };
  }

  const original = input;
  let s = input.normalize('NFKC').replace(MINUS_CHARS, '-').trim();
  if (s === '') return fail('empty', 'The cell is empty.');
  if (PLACEHOLDERS.has(s.toLowerCase())) return fail('placeholder', `'${original.trim()}' marks a missing value.`);

  let negative = false;
  let percent = false;

  if (s.endsWith('%')) {
    percent = true;
    s = s.slice(0, -1).trim();
  }
  if (locale.parenthesesNegative && /^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1).trim();
    if (s.endsWith('%') && !percent) {
      percent = true;
      s = s.slice(0, -1).trim();
    }
  }
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s.startsWith('-')) negative = !negative;
    s = s.slice(1).trim();
  } else if (s.endsWith('-')) {
    // SAP and other ERPs print negatives with a trailing minus.
    negative = !negative;
    s = s.slice(0, -1).trim();
  }

  // Spaces group thousands only in threes ('1 234 567'): '20 03 01' is a code (an EWC waste code), not 200301.
  const spacedInt = (s.split(locale.decimal)[0] ?? '').trim();
  if (/\d[\s\u00a0\u2007\u2009\u202f]+\d/.test(spacedInt) && /^[\d\s\u00a0\u2007\u2009\u202f]+$/.test(spacedInt)) {
    const [first = '', ...rest] = spacedInt.split(/[\s\u00a0\u2007\u2009\u202f]+/);
    if (!/^\d{1,3}$/.test(first) || rest.some((x) => !/^\d{3}$/.test(x))) {
      return fail('bad-grouping', `'${original.trim()}' groups its digits irregularly (expected groups of three, like 1 234 567).`);
    }
  }
  s = s.replace(SPACE_CHARS, '');
  if (s === '') return fail('not-a-number', `'${original.trim()}' has no digits.`);

  let exponent = '';
  const exp = /[eE]([+-]?\d+)$/.exec(s);
  if (exp && /\d/.test(s.slice(0, exp.index))) {
    exponent = `e${exp[1]}`;
    s = s.slice(0, exp.index);
  }

  if (!/^[\d.,'’]+$/.test(s)) {
    return fail('not-a-number', `'${original.trim()}' is not a number.`);
  }

  const dec = locale.decimal;
  const other = dec === '.' ? ',' : '.';
  const allowedGroup = allowedGroupChars(locale);
  s = s.replace(/’/g, "'");

  const decimalCount = s.split(dec).length - 1;
  if (decimalCount > 1) {
    if (allowedGroup.has(dec)) {
      // Unreachable with a consistent locale, kept for clarity.
      return fail('bad-grouping', `'${original.trim()}' has more than one decimal separator.`);
    }
    return fail(
      'wrong-decimal-separator',
      `'${original.trim()}' has several '${dec}' characters; if '${dec}' groups thousands in this file, set the decimal separator to '${other}'.`,
    );
  }
  const [intPart = '', fracPart] = s.split(dec) as [string, string | undefined];
  if (fracPart !== undefined && !/^\d*$/.test(fracPart)) {
    return fail('bad-grouping', `'${original.trim()}' has a grouping character after the decimal separator '${dec}'.`);
  }

  let digits = intPart;
  const groupChars = [...new Set(intPart.replace(/\d/g, ''))];
  if (groupChars.length > 0) {
    if (groupChars.length > 1) return fail('bad-grouping', `'${original.trim()}' mixes grouping characters.`);
    const g = groupChars[0] as string;
    if (!allowedGroup.has(g)) {
      if (g === other && fracPart === undefined) {
        return fail(
          'wrong-decimal-separator',
          `'${original.trim()}' uses '${g}', but this source's decimal separator is '${dec}' and '${g}' is not set as its thousands separator. Check the number format in the mapping.`,
        );
      }
      return fail('bad-grouping', `'${original.trim()}' uses '${g}' to group digits, which this source's number format does not allow.`);
    }
    const groups = intPart.split(g);
    const [first, ...rest] = groups as [string, ...string[]];
    if (!/^\d{1,3}$/.test(first) || rest.some((x) => !/^\d{3}$/.test(x))) {
      return fail('bad-grouping', `'${original.trim()}' groups its digits irregularly (expected groups of three, like 1${g}234${g}567).`);
    }
    digits = groups.join('');
  }
  if (digits === '' && (fracPart === undefined || fracPart === '')) {
    return fail('not-a-number', `'${original.trim()}' has no digits.`);
  }
  const text = `${digits === '' ? '0' : digits}${fracPart ? `.${fracPart}` : ''}${exponent}`;
  const value = Number(text);
  if (!Number.isFinite(value)) return fail('not-finite', `'${original.trim()}' is too large to be a number.`);
  const signed = negative ? -value : value;
  return { ok: true, value: signed === 0 ? 0 : signed, percent };
}

function allowedGroupChars(locale: NumberLocale): Set<string> {
  const dec = locale.decimal;
  if (locale.thousands === 'auto') return new Set([',', '.', "'"].filter((c) => c !== dec));
  if (locale.thousands === '' || locale.thousands === ' ') return new Set();
  if (locale.thousands === dec) return new Set();
  return new Set([locale.thousands]);
}

export interface LocaleGuess {
  locale: NumberLocale;
  /** Share of non-empty samples that parse with the guessed locale. */
  parsed: number;
  /** True when the samples fit both decimal separators equally (e.g. only '1,234'). */
  ambiguous: boolean;
}

/**
 * Suggest a number locale from sample cells, for the wizard to pre-fill. A value such as
 * '1,5' or '1.234,56' is evidence of a decimal comma; '1,234.56' or '0.5' of a decimal point;
 * '1,234' alone fits both and leaves the guess ambiguous.
 */
export function detectNumberLocale(samples: Iterable<CellValue>): LocaleGuess {
  const texts: string[] = [];
  for (const v of samples) if (typeof v === 'string' && v.trim() !== '') texts.push(v);
  const candidates: NumberLocale[] = [
    { decimal: '.', thousands: 'auto', parenthesesNegative: true },
    { decimal: ',', thousands: 'auto', parenthesesNegative: true },
  ];
  const scores = candidates.map((locale) => {
    let ok = 0;
    const values: number[] = [];
    for (const t of texts) {
      const r = parseNumber(t, locale);
      if (r.ok) {
        ok++;
        values.push(r.value);
      }
    }
    return { locale, ok, values };
  });
  const [dot, comma] = scores as [(typeof scores)[0], (typeof scores)[0]];
  const sameValues = dot.ok === comma.ok && dot.values.every((v, i) => v === comma.values[i]);
  const total = Math.max(texts.length, 1);
  if (comma.ok > dot.ok) return { locale: comma.locale, parsed: comma.ok / total, ambiguous: false };
  if (dot.ok > comma.ok) return { locale: dot.locale, parsed: dot.ok / total, ambiguous: false };
  // Same count: the samples either agree under both (integers without grouping) or each reading differs.
  return { locale: dot.locale, parsed: dot.ok / total, ambiguous: !sameValues };
}
