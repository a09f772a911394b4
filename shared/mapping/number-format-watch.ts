/**
 * A file whose numbers are written with the other decimal separator than the mapping's: '1.234,5'
 * cells are rejected one by one, but '98.001' or '60.000' parse under either convention and would
 * be sent a thousand times too small. No single cell shows it; the whole file does. This watch
 * counts, per run, the value cells that only the other convention reads (against), the ones only
 * the mapping's reads (for), and the ones both read as different numbers (ambiguous), so the run
 * can stop before sending when the file as a whole contradicts the mapping.
 */
import type { CellValue } from '../domain';
import { plural } from '../plural';
import type { ApplyResult } from './apply';
import { parseNumber, type NumberLocale } from './numbers';
import type { MappingProfile } from './profile';

interface Sample {
  line: number;
  column: string;
  text: string;
}

export type NumberFormatVerdict =
  /** The file reads as the other convention: send nothing, a person decides. */
  | { kind: 'other-format'; message: string }
  /** Some rejected cells look like the other convention; the rest of the file does not. */
  | { kind: 'hint'; message: string }
  | null;

const SEPARATOR = /[.,]/;
const PLAIN_DOT = /^-?(\d+)\.(\d+)$/;
const PLAIN_COMMA = /^-?(\d+),(\d+)$/;

export class NumberFormatWatch {
  private readonly other: NumberLocale;
  private readonly valueColumns: ReadonlySet<string>;
  against = 0;
  for = 0;
  ambiguous = 0;
  private firstAgainst: Sample | null = null;
  private firstAmbiguous: (Sample & { read: number; meant: number }) | null = null;

  private readonly locale: NumberLocale;

  constructor(
    profile: Pick<MappingProfile, 'transforms' | 'shape'>,
    /** What the rows come from, for the message: a database's rows have no lines and are not dropped again. */
    private readonly source: 'file' | 'table' | 'query' = 'file',
  ) {
    const locale = profile.transforms.number;
    this.locale = locale;
    this.other = { decimal: locale.decimal === '.' ? ',' : '.', thousands: 'auto', parenthesesNegative: locale.parenthesesNegative };
    this.valueColumns = new Set(profile.shape.kind === 'long' ? [profile.shape.valueColumn] : profile.shape.valueColumns.map((c) => c.column));
  }

  /** One row's outcome: its sent numbers and its rejected value cells. */
  observe(line: number, applied: ApplyResult): void {
    for (const m of applied.records) {
      const text = m.source.rawValue;
      if (typeof m.record.value !== 'number' || text === null || !SEPARATOR.test(text)) continue;
      this.accepted({ line, column: m.source.valueColumn, text });
    }
    for (const e of applied.errors) {
      if (e.column === null || e.value === null || !this.valueColumns.has(e.column) || !SEPARATOR.test(e.value)) continue;
      this.rejected({ line, column: e.column, text: e.value });
    }
  }

  private accepted(s: Sample): void {
    // The plain form ('12.5', '98.001') decided without parsing twice: the other convention reads
    // it as a grouped integer only when it is 1–3 digits (no leading zero), the separator, 3 digits.
    const plain = (this.locale.decimal === '.' ? PLAIN_DOT : PLAIN_COMMA).exec(s.text);
    if (plain) {
      if (plain[1]!.length > 3 || plain[1]![0] === '0' || plain[2]!.length !== 3) this.for++;
      else {
        const sign = s.text.startsWith('-') ? -1 : 1;
        this.noteAmbiguous(s, sign * Number(`${plain[1]}.${plain[2]}`), sign * Number(`${plain[1]}${plain[2]}`));
      }
      return;
    }
    const theirs = parseNumber(s.text as CellValue, this.other);
    // A leading zero never starts a digit group ('0.125' is not 125 anywhere).
    if (!theirs.ok || /^[-+(]?0\d*[.,]/.test(s.text.trim())) {
      this.for++;
      return;
    }
    const ours = parseNumber(s.text as CellValue, this.locale);
    if (ours.ok && ours.value !== theirs.value) this.noteAmbiguous(s, ours.value, theirs.value);
  }

  private noteAmbiguous(s: Sample, read: number, meant: number): void {
    this.ambiguous++;
    this.firstAmbiguous ??= { ...s, read, meant };
  }

  private rejected(s: Sample): void {
    if (parseNumber(s.text as CellValue, this.locale).ok) return; // rejected for another reason (its unit, its period)
    if (!parseNumber(s.text as CellValue, this.other).ok) return;
    this.against++;
    this.firstAgainst ??= s;
  }

  /** `stopped`: what the caller did about it, said after the example of a wrong value. */
  verdict(stopped = 'so nothing was sent'): NumberFormatVerdict {
    const a = this.firstAgainst;
    if (!a) return null;
    const ours = `'${this.locale.decimal}'`;
    const theirs = `'${this.other.decimal}'`;
    const file = this.source === 'file';
    const at = (line: number) => (file ? `line ${line}` : `row ${line} of the ${this.source === 'query' ? "query's result" : 'table'}`);
    const example = `'${a.text}' on ${at(a.line)}, column '${a.column}'`;
    const fix = file
      ? `If the export changed, set the decimal separator to ${theirs} in the Units step (Update mapping) and send the file again; otherwise correct the file and drop it again.`
      : `If the database writes numbers that way now, set the decimal separator to ${theirs} in the Units step (Update mapping): the next run reads these rows again; otherwise correct the values in the database.`;
    const amb = this.firstAmbiguous;
    if (amb && this.against >= this.for) {
      return {
        kind: 'other-format',
        message:
          `The numbers in this ${file ? 'file' : this.source === 'query' ? "query's result" : 'table'} are written with ${theirs} as the decimal separator (e.g. ${example}), but the mapping reads ${ours}. ` +
          `${plural(this.ambiguous, 'value')} such as '${amb.text}' (${at(amb.line)}) would have been sent as ${amb.read} instead of ${amb.meant}, ${stopped}. ${fix}`,
      };
    }
    return {
      kind: 'hint',
      message: `${plural(this.against, 'rejected value')} ${this.against === 1 ? 'looks' : 'look'} written with ${theirs} as the decimal separator (e.g. ${example}); the mapping reads ${ours}. ${fix}`,
    };
  }
}
