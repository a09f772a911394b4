/**
 * Guessing a CSV's layout from its first lines: record boundaries (quote-aware), the
 * delimiter, and which row is the header when a report has a title block above it.
 * Works on LF-normalised text (see decodeText).
 */

export const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const;

export interface SampleRecord {
  /** 1-based physical line where the record starts. */
  line: number;
  /** Raw record text without its trailing newline. */
  text: string;
}

/**
 * Splits text into records the way a CSV parser would (a newline inside quotes does not end
 * a record). When `complete` is false the text is a truncated sample and its last, possibly
 * cut, record is dropped.
 */
export function splitRecords(text: string, complete: boolean, quote = '"', max = 500): SampleRecord[] {
  const out: SampleRecord[] = [];
  let inQuotes = false;
  let start = 0;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i < text.length && out.length < max; i++) {
    const ch = text[i];
    if (ch === quote) inQuotes = !inQuotes;
    else if (ch === '\n') {
      if (!inQuotes) {
        out.push({ line: startLine, text: text.slice(start, i) });
        start = i + 1;
        startLine = line + 1;
      }
      line++;
    }
  }
  if (complete && out.length < max && start < text.length && !inQuotes) {
    out.push({ line: startLine, text: text.slice(start) });
  }
  return out;
}

function countOutsideQuotes(text: string, delim: string, quote = '"'): number {
  let inQuotes = false;
  let n = 0;
  for (const ch of text) {
    if (ch === quote) inQuotes = !inQuotes;
    else if (!inQuotes && ch === delim) n++;
  }
  return n;
}

/**
 * The delimiter whose per-line count is most consistent: for each candidate, the most common
 * non-zero count across lines, scored by how many lines share it. Title lines (no delimiter)
 * do not vote; a decimal comma appears in fewer lines than the real delimiter.
 */
export function sniffDelimiter(records: SampleRecord[]): string {
  const lines = records.filter((r) => r.text.trim() !== '').slice(0, 100);
  let best: { delim: string; score: number; mode: number } = { delim: ',', score: 0, mode: 0 };
  for (const delim of DELIMITER_CANDIDATES) {
    const freq = new Map<number, number>();
    for (const r of lines) {
      const c = countOutsideQuotes(r.text, delim);
      if (c > 0) freq.set(c, (freq.get(c) ?? 0) + 1);
    }
    let mode = 0;
    let score = 0;
    for (const [count, n] of freq) {
      if (n > score || (n === score && count > mode)) {
        mode = count;
        score = n;
      }
    }
    if (score > best.score || (score === best.score && score > 0 && mode > best.mode)) {
      best = { delim, score, mode };
    }
  }
  return best.delim;
}

/** Quote-aware field split for sniffing only; the real parse is csv-parse. */
export function splitFields(text: string, delim: string, quote = '"'): string[] {
  const fields: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === quote) {
        if (text[i + 1] === quote) {
          cur += quote;
          i++;
        } else inQuotes = false;
      } else cur += ch;
    } else if (ch === quote && cur.trim() === '') {
      inQuotes = true;
      cur = '';
    } else if (ch === delim) {
      fields.push(cur);
      cur = '';
    } else cur += ch;
  }
  fields.push(cur);
  return fields;
}

const NUMBER_LIKE = /^[-+(]?\s*[$€£¥]?\s*\d[\d\s.,'’]*%?\)?$/;

export function isNumberLike(value: string): boolean {
  return NUMBER_LIKE.test(value.trim());
}

function nonEmpty(cells: readonly unknown[]): number {
  let n = 0;
  for (const c of cells) if (c !== null && c !== undefined && String(c).trim() !== '') n++;
  return n;
}

/**
 * Index (0-based, into `rows`) of the header: the first row that is as wide as the data's
 * typical width (most common count of non-empty cells, ties to the wider) and looks like
 * labels (mostly not numbers). Falls back to the first row that wide, then the first
 * non-empty row.
 */
export function detectHeaderIndex(rows: ReadonlyArray<ReadonlyArray<unknown>>): { index: number; confident: boolean } {
  const widths = rows.map(nonEmpty);
  const freq = new Map<number, number>();
  for (const w of widths) if (w > 0) freq.set(w, (freq.get(w) ?? 0) + 1);
  let typical = 0;
  let seen = 0;
  for (const [w, n] of freq) {
    if (n > seen || (n === seen && w > typical)) {
      typical = w;
      seen = n;
    }
  }
  if (typical === 0) return { index: 0, confident: false };
  // A header may have unnamed (blank) columns yet span the data's full field count; a title
  // line padded with delimiters has only one non-empty cell, so it needs at least two.
  const fieldFreq = new Map<number, number>();
  rows.forEach((r, i) => {
    if (widths[i]! > 0) fieldFreq.set(r.length, (fieldFreq.get(r.length) ?? 0) + 1);
  });
  let typicalFields = 0;
  let fieldSeen = 0;
  for (const [f, n] of fieldFreq) {
    if (n > fieldSeen || (n === fieldSeen && f > typicalFields)) {
      typicalFields = f;
      fieldSeen = n;
    }
  }
  for (let i = 0; i < rows.length; i++) {
    const w = widths[i]!;
    if (w < typical && !(w >= 2 && rows[i]!.length >= typicalFields)) continue;
    const cells = rows[i]!.filter((c) => c !== null && c !== undefined && String(c).trim() !== '');
    const numeric = cells.filter((c) => typeof c === 'number' || (typeof c === 'string' && isNumberLike(c))).length;
    if (numeric / cells.length < 0.5) return { index: i, confident: true };
  }
  const wide = widths.findIndex((w) => w >= typical);
  if (wide !== -1) return { index: wide, confident: false };
  return { index: Math.max(0, widths.findIndex((w) => w > 0)), confident: false };
}

/**
 * Header names made unique and non-blank: blank → "Column N" (N = 1-based position),
 * a repeat → "Name (2)". Returns the warnings to show.
 */
export function uniqueHeaders(raw: ReadonlyArray<unknown>): { headers: string[]; warnings: string[] } {
  const headers: string[] = [];
  const warnings: string[] = [];
  const used = new Set<string>();
  const taken = new Set(raw.map((h) => String(h ?? '').trim().toLowerCase()).filter(Boolean));
  raw.forEach((value, i) => {
    const name = String(value ?? '').replace(/\s+/g, ' ').trim();
    let final = name;
    if (name === '') {
      final = `Column ${i + 1}`;
      let k = 2;
      while (used.has(final.toLowerCase()) || taken.has(final.toLowerCase())) final = `Column ${i + 1} (${k++})`;
      warnings.push(`Column ${i + 1} has no name in the header; it was named "${final}".`);
    } else if (used.has(name.toLowerCase())) {
      let k = 2;
      while (used.has(`${name} (${k})`.toLowerCase()) || taken.has(`${name} (${k})`.toLowerCase())) k++;
      final = `${name} (${k})`;
      warnings.push(`The header "${name}" appears more than once; column ${i + 1} was named "${final}".`);
    }
    used.add(final.toLowerCase());
    headers.push(final);
  });
  return { headers, warnings };
}

// ---------------------------------------------------------------- two-row headers

/** Cells that stand for "no value" in a data row, never a column label. */
const PLACEHOLDER = /^(n\/?a|na|none|null|nil|tbc|tbd|-+|–|—|\?+|x)$/i;
/** Data rows below a sub-header candidate looked at to tell what its columns hold. */
const SUB_HEADER_LOOKAHEAD = 20;

function isBlankCell(c: unknown): boolean {
  return c === null || c === undefined || String(c).trim() === '';
}

function isLabel(c: unknown): boolean {
  return typeof c === 'string' && c.trim() !== '' && !isNumberLike(c) && !PLACEHOLDER.test(c.trim());
}

function isNumeric(c: unknown): boolean {
  return typeof c === 'number' || (typeof c === 'string' && c.trim() !== '' && isNumberLike(c));
}

const sameLabel = (a: unknown, b: unknown): boolean => !isBlankCell(a) && !isBlankCell(b) && String(a).trim().toLowerCase() === String(b).trim().toLowerCase();

/** What a workbook's merged cells say about the header row (0-based columns). */
export interface HeaderMerges {
  /** Columns under a header cell merged across two or more columns that ends on the header row. */
  spanned: ReadonlySet<number>;
  /** Columns whose header cell is merged down into the next row. */
  mergedDown: ReadonlySet<number>;
}

/**
 * Whether `sub`, the row right under the header, is the header's second row ("Consumption" over
 * "Quantity | Unit") rather than the first data row. A workbook's merged cells say so outright; in
 * a CSV the row must look like nothing a data row is: only text labels, at least two, each under a
 * blank header cell (the rest of a label spanning columns), under the same label, or over a
 * column of numbers — with at least one word where the rows below hold numbers — under a header
 * row of at least two labels (not a title line), and the header's
 * shape showing a second row (a label with nothing under it where the data has values, a blank
 * header cell with a label under it, or a label repeated). A first data row of text (a site, a
 * text metric, 'Yes') is never one: its cells sit over columns of text under labels of their own.
 */
export function isSubHeaderRow(
  header: ReadonlyArray<unknown>,
  sub: ReadonlyArray<unknown>,
  below: ReadonlyArray<ReadonlyArray<unknown>>,
  merges?: HeaderMerges,
): boolean {
  const data = below.filter((r) => r.some((c) => !isBlankCell(c))).slice(0, SUB_HEADER_LOOKAHEAD);
  if (data.length === 0) return false;
  const labels: number[] = [];
  for (let i = 0; i < sub.length; i++) if (!isBlankCell(sub[i])) labels.push(i);
  if (labels.length === 0 || !labels.every((i) => isLabel(sub[i]))) return false;

  const numericBelow = (i: number): boolean => {
    let filled = 0;
    let numeric = 0;
    for (const r of data) {
      if (isBlankCell(r[i])) continue;
      filled++;
      if (isNumeric(r[i])) numeric++;
    }
    return filled > 0 && numeric / filled >= 0.8;
  };
  const filledBelow = (i: number): boolean => data.filter((r) => !isBlankCell(r[i])).length * 2 >= data.length;
  const spanned = (i: number): boolean => merges?.spanned.has(i) ?? false;
  if (!labels.every((i) => isBlankCell(header[i]) || spanned(i) || sameLabel(header[i], sub[i]) || numericBelow(i))) return false;

  // A label merged across columns with words under it, or merged down over this row, is a two-row header by construction.
  if (labels.some(spanned) || (merges && merges.mergedDown.size > 0)) return true;

  // A title line over the header ('Fuel card export,,,') has one label; a header row has several.
  if (labels.length < 2 || header.filter(isLabel).length < 2) return false;
  if (!labels.some((i) => numericBelow(i) && !sameLabel(header[i], sub[i]))) return false;
  const width = Math.max(header.length, sub.length);
  const spansRight = labels.some((i) => isBlankCell(header[i]) && i > 0 && !isBlankCell(sub[i - 1]));
  let labelOverBlank = false;
  for (let j = 0; j < width; j++) if (!isBlankCell(header[j]) && isBlankCell(sub[j]) && filledBelow(j)) labelOverBlank = true;
  return spansRight || labelOverBlank || labels.some((i) => sameLabel(header[i], sub[i]));
}

/**
 * One header from two rows: "Consumption" over "Quantity" is "Consumption Quantity". A blank top
 * cell right of a label, over a run of labels that starts under it, carries that label (a merged
 * cell's text sits in its first column only); a column with text in one row keeps that text.
 */
export function combineHeaderRows(top: ReadonlyArray<unknown>, sub: ReadonlyArray<unknown>): { headers: string[]; joined: string[] } {
  const width = Math.max(top.length, sub.length);
  const text = (c: unknown): string => (isBlankCell(c) ? '' : String(c).replace(/\s+/g, ' ').trim());
  const out: string[] = [];
  const joined: string[] = [];
  for (let i = 0; i < width; i++) {
    let group = text(top[i]);
    const own = text(sub[i]);
    if (!group && own) {
      let j = i - 1;
      while (j >= 0 && !text(top[j]) && text(sub[j])) j--;
      if (j >= 0 && text(top[j]) && text(sub[j])) group = text(top[j]);
    }
    const both = Boolean(group && own && group.toLowerCase() !== own.toLowerCase());
    out.push(both ? `${group} ${own}` : group || own);
    if (both) joined.push(`${group} ${own}`);
  }
  return { headers: out, joined };
}

/** Said when a header was read from two rows on its own, so a person can undo it. */
export function twoRowHeaderNote(row: number, joined: readonly string[]): string {
  const shown = joined.slice(0, 3).map((h) => `"${h}"`).join(', ');
  return `The column names span rows ${row} and ${row + 1}; the two rows were read together${shown ? ` (${shown})` : ''}. Choose one header row if row ${row + 1} is data.`;
}
