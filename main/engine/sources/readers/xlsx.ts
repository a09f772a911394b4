import type ExcelJS from 'exceljs';
import { loadExcelJS, skipWorksheet } from '../../runtime/lazy-modules';
import type { SourceRow, CellValue } from '../../../../shared/domain';
import { SourceFileError, displayName } from '../errors';
import { combineHeaderRows, detectHeaderIndex, isSubHeaderRow, twoRowHeaderNote, uniqueHeaders, type HeaderMerges } from './sniff';
import { pushWarning, type BaseReadOptions, type ReaderInfo, type TabularReader } from './types';
import { readSheetLayout, readWorkbookSheets, type MergeRange, type SheetEntry, type WorkbookInput } from './xlsx-structure';
import { inputPath } from './byte-source';
import { PinnedFile } from './pinned-file';

export interface XlsxReadOptions extends BaseReadOptions {
  /** Sheet name (case-insensitive) or 0-based index among all sheets. Default: first visible sheet. */
  sheet?: string | number;
  /** 1-based sheet row holding the header. Default: detected. */
  headerRow?: number;
  /** Rows the header spans from `headerRow` (2: a group row over its sub-labels). Default: detected. */
  headerRows?: number;
  /** Skip rows hidden in Excel. Default false. */
  skipHiddenRows?: boolean;
}

/** Rows looked at to find the header. */
const DETECT_ROWS = 50;

export async function listSheets(path: string): Promise<Array<{ name: string; index: number; hidden: boolean }>> {
  const { sheets } = await readWorkbookSheets(path);
  return sheets.map((s, index) => ({ name: s.name, index, hidden: s.state !== 'visible' }));
}

function chooseSheet(file: string, sheets: SheetEntry[], wanted: string | number | undefined): SheetEntry {
  if (sheets.length === 0) throw new SourceFileError('NOT_A_SPREADSHEET', `${displayName(file)} has no worksheets.`, { file });
  const names = sheets.map((s) => `"${s.name}"`).join(', ');
  if (wanted === undefined) return sheets.find((s) => s.state === 'visible') ?? sheets[0]!;
  const found =
    typeof wanted === 'number' ? sheets[wanted] : (sheets.find((s) => s.name === wanted) ?? sheets.find((s) => s.name.toLowerCase() === wanted.trim().toLowerCase()));
  if (!found) {
    throw new SourceFileError(
      'SHEET_NOT_FOUND',
      typeof wanted === 'number'
        ? `${displayName(file)} has ${sheets.length} sheet(s); there is no sheet number ${wanted + 1}. Sheets: ${names}.`
        : `${displayName(file)} has no sheet named "${wanted}". Sheets: ${names}.${/^\s*\d+\s*$/.test(wanted) ? ` To choose a sheet by its position, give a number without quotes in the mapping ("sheet": ${Math.max(0, Number(wanted) - 1)} for sheet ${Math.max(1, Number(wanted))}, counted from 0).` : ''}`,
      { file },
    );
  }
  return found;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Excel dates carry no time zone: exceljs hands them over as UTC instants, so read them back in UTC. */
export function excelDateToIso(d: Date): string {
  const ms = Math.round(d.getTime() / 1000) * 1000; // serials are floats: 10:30 may arrive as 10:29:59.9997
  const r = new Date(ms);
  const date = `${r.getUTCFullYear()}-${pad(r.getUTCMonth() + 1)}-${pad(r.getUTCDate())}`;
  if (r.getUTCHours() === 0 && r.getUTCMinutes() === 0 && r.getUTCSeconds() === 0) return date;
  return `${date}T${pad(r.getUTCHours())}:${pad(r.getUTCMinutes())}:${pad(r.getUTCSeconds())}`;
}

export function serialToDate(serial: number, date1904 = false): Date {
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30);
  return new Date(epoch + serial * 86400000);
}

function isDateFormat(fmt: string | undefined): boolean {
  if (!fmt || fmt === 'General') return false;
  const f = fmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '').replace(/\\./g, '');
  return /[ymdhs]/i.test(f);
}

interface CellLike {
  value: unknown;
  numFmt?: string;
}

export function cellToValue(cell: CellLike, date1904 = false): CellValue {
  const v = cell.value;
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return excelDateToIso(v);
  if (typeof v === 'number') return isDateFormat(cell.numFmt) ? excelDateToIso(serialToDate(v, date1904)) : v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('formula' in o || 'sharedFormula' in o) {
      const result = o.result;
      if (result === undefined || result === null) return null;
      if (typeof result === 'object' && result !== null && 'error' in result) return String((result as { error: unknown }).error);
      return cellToValue({ value: result, numFmt: cell.numFmt }, date1904);
    }
    if (Array.isArray(o.richText)) return (o.richText as Array<{ text?: string }>).map((r) => r.text ?? '').join('');
    if ('error' in o) return String(o.error);
    if ('text' in o) {
      const t = o.text;
      if (typeof t === 'string') return t;
      if (t && typeof t === 'object' && Array.isArray((t as { richText?: unknown }).richText))
        return ((t as { richText: Array<{ text?: string }> }).richText).map((r) => r.text ?? '').join('');
    }
  }
  return String(v);
}

function mergeAt(merges: MergeRange[], row: number, col: number): MergeRange | undefined {
  return merges.find((m) => row >= m.top && row <= m.bottom && col >= m.left && col <= m.right);
}

function isBlank(v: CellValue | undefined): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

/**
 * A report title merged across the table right above its header ("Monthly energy report" over
 * A1:D1, or over A1:D2) is not a group label: everything the row shows is that one merged label,
 * in a range that ends above the header and spans every labelled column of it.
 */
function isTitleRow(master: (row: number, col: number) => CellValue | undefined, above: number, headerRow: number, width: number, merges: MergeRange[]): boolean {
  const labelled: number[] = [];
  const shown = new Set<MergeRange | number>();
  for (let c = 1; c <= width; c++) {
    if (!isBlank(master(headerRow, c))) labelled.push(c);
    if (!isBlank(master(above, c))) shown.add(mergeAt(merges, above, c) ?? c);
  }
  if (labelled.length === 0 || shown.size !== 1) return false;
  const [m] = [...shown];
  return typeof m === 'object' && m.bottom < headerRow && m.right > m.left && m.left <= labelled[0]! && m.right >= labelled[labelled.length - 1]!;
}

/**
 * Gives every covered cell of a merged range in the data rows the value of the range's top-left
 * (master) cell, as Excel shows it: a site merged over the rows of its months is the site of each
 * of them. Rows arrive in sheet order, so only the ranges the current row is inside are held,
 * each with its master's value; ranges that start on or above the header are left alone.
 */
class MergeFill {
  private readonly pending: MergeRange[];
  private next = 0;
  private active: Array<{ range: MergeRange; value: CellValue }> = [];

  constructor(merges: MergeRange[], firstDataRow: number) {
    this.pending = merges.filter((m) => m.top >= firstDataRow && (m.bottom > m.top || m.right > m.left)).sort((a, b) => a.top - b.top);
  }

  /** `values` of sheet row `row` (0-based by column); rows must come in ascending order. */
  apply(row: number, values: CellValue[]): CellValue[] {
    if (this.active.length > 0) this.active = this.active.filter((a) => a.range.bottom >= row);
    while (this.next < this.pending.length && this.pending[this.next]!.top <= row) {
      const range = this.pending[this.next++]!;
      // A range whose master row never came (an empty master) covers blanks only.
      if (range.bottom >= row) this.active.push({ range, value: range.top === row ? (values[range.left - 1] ?? null) : null });
    }
    if (this.active.length === 0) return values;
    const out = values.slice();
    for (const { range, value } of this.active) {
      for (let c = range.left; c <= range.right; c++) if (row !== range.top || c !== range.left) out[c - 1] = value;
    }
    for (let i = 0; i < out.length; i++) if (out[i] === undefined) out[i] = null;
    return out;
  }
}

/**
 * Header labels for the chosen row, spreading merged cells: a label merged across columns
 * applies to each of them, and a merged group row directly above (e.g. "Electricity" over
 * "Jan", "Feb") is prefixed: "Electricity Jan".
 */
export function buildMergedHeader(
  valueAt: (row: number, col: number) => CellValue | undefined,
  headerRow: number,
  width: number,
  merges: MergeRange[],
): CellValue[] {
  const master = (row: number, col: number): CellValue | undefined => {
    const m = mergeAt(merges, row, col);
    return m ? valueAt(m.top, m.left) : valueAt(row, col);
  };
  const above = headerRow - 1;
  const groupRow =
    above >= 1 &&
    merges.some((m) => m.top <= above && m.bottom >= above && (m.right > m.left || m.bottom >= headerRow)) &&
    !isTitleRow(master, above, headerRow, width, merges);
  const out: CellValue[] = [];
  for (let c = 1; c <= width; c++) {
    const own = mergeAt(merges, headerRow, c);
    // A cell merged down from the group row has no label of its own.
    const sub = own && own.top < headerRow ? undefined : master(headerRow, c);
    const group = groupRow ? master(above, c) : undefined;
    const parts = [group, sub].filter((p) => !isBlank(p)).map((p) => String(p).trim());
    out.push(parts.length === 2 && parts[0] === parts[1] ? parts[0]! : parts.join(' '));
  }
  return out;
}

type BufferedRow = { number: number; values: CellValue[]; hidden: boolean };

/** What the merged cells say about header row `row` and the row under it (0-based columns). */
function headerMerges(merges: MergeRange[], row: number): HeaderMerges {
  const spanned = new Set<number>();
  const mergedDown = new Set<number>();
  for (const m of merges) {
    if (m.top > row || m.bottom < row) continue;
    if (m.right > m.left && m.bottom === row) for (let c = m.left; c <= m.right; c++) spanned.add(c - 1);
    if (m.top === row && m.bottom > row) for (let c = m.left; c <= m.right; c++) mergedDown.add(c - 1);
  }
  return { spanned, mergedDown };
}

/**
 * The header of rows `top` and `top + 1` read together: the top row's labels spread over their
 * merged columns, under them the second row's own labels (a cell merged down from the top row has
 * none of its own).
 */
function twoRowHeader(valueAt: (row: number, col: number) => CellValue | undefined, top: number, width: number, merges: MergeRange[]): { headers: string[]; joined: string[] } {
  const upper: CellValue[] = [];
  const lower: CellValue[] = [];
  for (let c = 1; c <= width; c++) {
    const m = mergeAt(merges, top, c);
    upper.push(m ? (valueAt(m.top, m.left) ?? null) : (valueAt(top, c) ?? null));
    const own = mergeAt(merges, top + 1, c);
    lower.push(own && (own.top < top + 1 || own.left < c) ? null : (valueAt(top + 1, c) ?? null));
  }
  return combineHeaderRows(upper, lower);
}

export async function readXlsx(input: WorkbookInput, opts: XlsxReadOptions = {}): Promise<TabularReader> {
  const path = inputPath(input)!;
  const { sheets, zip } = await readWorkbookSheets(input);
  const sheet = chooseSheet(path, sheets, opts.sheet);
  const layout = await readSheetLayout(path, zip, sheet);
  const skipHidden = opts.skipHiddenRows ?? false;

  const ExcelJSLib = await loadExcelJS();
  const open = () =>
    // A taken file is read through its descriptor, from the first byte each time.
    new ExcelJSLib.stream.xlsx.WorkbookReader(input instanceof PinnedFile ? input.stream() : path, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      styles: 'cache',
      hyperlinks: 'ignore',
      entries: 'ignore',
    });
  let workbook = open();
  // exceljs's streaming reader now and then loses the workbook part of a valid file (its model
  // is undefined; seen about once in 100 reads of the same file): a failure before the first row
  // is read once more from a fresh reader before the file is called unreadable.
  const rowsOf = async function* (): AsyncGenerator<BufferedRow> {
    let yielded = false;
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const row of sheetRows()) {
          yielded = true;
          yield row;
        }
        return;
      } catch (err) {
        if (err instanceof SourceFileError) throw err;
        if (!yielded && attempt === 1) {
          workbook = open();
          continue;
        }
        throw new SourceFileError(
          'NOT_A_SPREADSHEET',
          `${displayName(path)} could not be read as an Excel workbook (${(err as Error)?.message ?? 'unknown error'}). Open it in Excel and save it again as .xlsx.`,
          { file: path },
        );
      }
    }
  };
  const sheetRows = async function* (): AsyncGenerator<BufferedRow> {
    for await (const ws of workbook as AsyncIterable<ExcelJS.stream.xlsx.WorksheetReader & { name?: string }>) {
      if (ws.name !== sheet.name) {
        await skipWorksheet(ws as AsyncIterable<unknown>);
        continue;
      }
      const date1904 = Boolean((workbook as unknown as { properties?: { date1904?: boolean } }).properties?.date1904);
      for await (const row of ws as AsyncIterable<ExcelJS.Row>) {
        const values: CellValue[] = [];
        row.eachCell({ includeEmpty: false }, (cell, col) => {
          values[col - 1] = cellToValue(cell as unknown as CellLike, date1904);
        });
        for (let i = 0; i < values.length; i++) if (values[i] === undefined) values[i] = null;
        yield { number: row.number, values, hidden: layout.hiddenRows.has(row.number) };
      }
      return;
    }
  };

  const source = rowsOf();
  const buffered: BufferedRow[] = [];
  const wantUntil = Math.max(DETECT_ROWS, (opts.headerRow ?? 0) + 2);
  let exhausted = false;
  while (buffered.length < wantUntil) {
    const r = await source.next();
    if (r.done) {
      exhausted = true;
      break;
    }
    buffered.push(r.value);
    if (opts.headerRow !== undefined && r.value.number > opts.headerRow + DETECT_ROWS) break;
  }
  const byNumber = new Map(buffered.map((r) => [r.number, r]));
  const candidates = buffered.filter((r) => !(skipHidden && r.hidden));
  if (candidates.length === 0 && opts.headerRow === undefined) {
    await source.return(undefined);
    throw new SourceFileError('EMPTY_FILE', `The sheet "${sheet.name}" in ${displayName(path)} is empty.`, { file: path });
  }

  const warnings: string[] = [];
  let headerRow: number;
  if (opts.headerRow !== undefined) {
    if (!byNumber.has(opts.headerRow)) {
      await source.return(undefined);
      throw new SourceFileError('HEADER_ROW_OUT_OF_RANGE', `Row ${opts.headerRow} of sheet "${sheet.name}" in ${displayName(path)} is empty or missing. Choose the row that holds the column names.`, {
        file: path,
      });
    }
    headerRow = opts.headerRow;
  } else {
    const d = detectHeaderIndex(candidates.map((r) => r.values));
    headerRow = candidates[d.index]!.number;
    if (!d.confident) warnings.push(`No row clearly looks like a header; row ${headerRow} was used. Choose the header row if this is wrong.`);
  }
  let width = 0;
  for (const r of buffered) if (r.number >= headerRow - 1) width = Math.max(width, r.values.length);
  for (const m of layout.merges) if (m.top <= headerRow + 1 && m.bottom >= headerRow - 1) width = Math.max(width, m.right);
  const valueAt = (row: number, col: number) => byNumber.get(row)?.values[col - 1];

  const twoRowsAt = (top: number): boolean => {
    const upper = byNumber.get(top);
    const lower = byNumber.get(top + 1);
    if (!upper || !lower || (skipHidden && (upper.hidden || lower.hidden))) return false;
    const cells = (n: number) => Array.from({ length: width }, (_, i) => valueAt(n, i + 1) ?? null);
    // The second row's own cells: one merged down from the header row shows the header's label, not its own.
    const sub = cells(top + 1).map((v, i) => ((mergeAt(layout.merges, top + 1, i + 1)?.top ?? top + 1) < top + 1 ? null : v));
    const labels = cells(top).map((v, i) => {
      const m = mergeAt(layout.merges, top, i + 1);
      return m ? (valueAt(m.top, m.left) ?? null) : v;
    });
    const below = candidates.filter((r) => r.number > top + 1).map((r) => r.values);
    return isSubHeaderRow(labels, sub, below, headerMerges(layout.merges, top));
  };
  let headerRows = opts.headerRows === 2 ? 2 : 1;
  if (opts.headerRows !== 1) {
    const above = headerRow - 1;
    const master = (row: number, col: number) => {
      const m = mergeAt(layout.merges, row, col);
      return m ? valueAt(m.top, m.left) : valueAt(row, col);
    };
    // A group row narrower than the data ('Consumption' merged over two columns, or written in
    // one) is passed over by detection, which lands on its second row: the header starts a row
    // higher. So too when the mapping says the header spans two rows but not where it starts.
    if (opts.headerRow === undefined && above >= 1 && !isTitleRow(master, above, headerRow, width, layout.merges) && twoRowsAt(above)) {
      headerRow = above;
      headerRows = 2;
    } else if (opts.headerRows === undefined && twoRowsAt(headerRow)) headerRows = 2;
  }
  // Counted by row number, blank rows included: "row 3" leaves rows 1 and 2 above it, whatever they hold.
  if (opts.headerRow === undefined && headerRow > 1) {
    warnings.push(`The header was found on row ${headerRow}; ${headerRow === 2 ? 'row 1' : `rows 1 to ${headerRow - 1}`} above it ${headerRow === 2 ? 'was' : 'were'} skipped as a title block.`);
  }
  const next = byNumber.get(headerRow + 1);
  if (headerRows === 2 && !next) {
    await source.return(undefined);
    throw new SourceFileError('HEADER_ROW_OUT_OF_RANGE', `The header of sheet "${sheet.name}" in ${displayName(path)} is to span rows ${headerRow} and ${headerRow + 1}, but row ${headerRow + 1} is empty or missing.`, { file: path });
  }
  const lastHeaderRow = headerRow + headerRows - 1;
  const combined = headerRows === 2 ? twoRowHeader(valueAt, headerRow, width, layout.merges) : null;
  const rawHeader: CellValue[] = combined?.headers ?? buildMergedHeader(valueAt, headerRow, width, layout.merges);
  while (rawHeader.length > 0 && isBlank(rawHeader[rawHeader.length - 1]) && !buffered.some((r) => r.number > lastHeaderRow && !isBlank(r.values[rawHeader.length - 1]))) {
    rawHeader.pop();
  }
  const unique = uniqueHeaders(rawHeader);
  const headers = unique.headers;
  if (combined && opts.headerRows === undefined) warnings.push(twoRowHeaderNote(headerRow, combined.joined));
  warnings.push(...unique.warnings);

  const info: ReaderInfo = {
    format: 'xlsx',
    headerRow,
    ...(headerRows === 2 ? { headerRows } : {}),
    headers,
    warnings,
    sheet: sheet.name,
    sheets: sheets.map((s) => s.name),
  };
  const counter = { suppressed: 0 };
  const fill = new MergeFill(layout.merges, lastHeaderRow + 1);
  const toRow = (r: BufferedRow): SourceRow | null => {
    // Every data row goes through the fill in order (hidden ones too: a master may sit in one).
    const values = fill.apply(r.number, r.values);
    if (skipHidden && r.hidden) return null;
    // A row with nothing of its own stays blank, even inside a merged block.
    if (r.values.every(isBlank)) return null;
    const cells: Record<string, CellValue> = {};
    for (let i = 0; i < headers.length; i++) cells[headers[i]!] = values[i] ?? null;
    if (r.values.length > headers.length && r.values.slice(headers.length).some((v) => !isBlank(v))) {
      pushWarning(info, counter, `Row ${r.number} has values to the right of the last named column; they were ignored.`);
    }
    return { line: r.number, cells };
  };

  let started = false;
  async function* rows(): AsyncGenerator<SourceRow, void, undefined> {
    if (started) throw new SourceFileError('STREAM_ALREADY_CONSUMED', 'This workbook reader was already read once; open the file again.');
    started = true;
    try {
      for (const r of buffered) {
        if (r.number <= lastHeaderRow) continue;
        const row = toRow(r);
        if (row) yield row;
      }
      buffered.length = 0;
      byNumber.clear();
      if (exhausted) return;
      for await (const r of source) {
        const row = toRow(r);
        if (row) yield row;
      }
    } finally {
      await source.return(undefined);
    }
  }
  return {
    info,
    rows,
    [Symbol.asyncIterator]: () => rows(),
    close: async () => {
      await source.return(undefined);
    },
  };
}
