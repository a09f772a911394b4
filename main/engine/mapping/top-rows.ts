/**
 * The first rows of a file exactly as they stand, before any header is chosen: what the wizard
 * shows so a person can point at the row that holds the column names when a report has a
 * title block above it. `row` is the number the readers take as `headerRow` (a CSV record, a
 * sheet row); reads stop after a small head of the file, so a large file costs the same.
 */
import type ExcelJS from 'exceljs';
import { loadExcelJS, skipWorksheet } from '../runtime/lazy-modules';
import { parse as parseSync } from 'csv-parse/sync';
import type { CellValue } from '../../../shared/domain';
import { openByteSource } from '../sources/readers/byte-source';
import { decodeSample, detectEncoding, normaliseEncodingName } from '../sources/readers/encoding';
import { splitFields, sniffDelimiter, splitRecords } from '../sources/readers/sniff';
import { cellToValue } from '../sources/readers/xlsx';

export interface TopRow {
  /** The value to give as headerRow to choose this row. */
  row: number;
  /** 1-based physical line (CSV) or sheet row (XLSX). */
  line: number;
  cells: string[];
}

/** Rows offered as header candidates; title blocks are rarely longer. */
export const TOP_ROWS = 12;
/** Cells shown per row; a header wider than this is still chosen by its row. */
const MAX_CELLS = 30;
const HEAD_BYTES = 64 * 1024;

function text(v: CellValue | undefined): string {
  if (v === null || v === undefined) return '';
  return String(v).slice(0, 200);
}

function fields(record: string, delimiter: string): string[] {
  try {
    const out = parseSync(record, { delimiter, relax_quotes: true, relax_column_count: true, record_delimiter: '\n' }) as string[][];
    return out[0] ?? [''];
  } catch {
    return splitFields(record, delimiter);
  }
}

export async function csvTopRows(path: string, opts: { encoding?: string; delimiter?: string } = {}, n = TOP_ROWS): Promise<TopRow[]> {
  const src = await openByteSource(path);
  try {
    const head = await src.head(HEAD_BYTES);
    const encoding = opts.encoding ? normaliseEncodingName(opts.encoding, path) : detectEncoding(head.bytes, head.complete).encoding;
    const records = splitRecords(decodeSample(head.bytes, encoding), head.complete, '"', Math.max(n, 60));
    const delimiter = opts.delimiter === 'tab' ? '\t' : (opts.delimiter ?? sniffDelimiter(records));
    return records.slice(0, n).map((r, i) => ({ row: i + 1, line: r.line, cells: fields(r.text, delimiter).slice(0, MAX_CELLS).map((c) => c.slice(0, 200)) }));
  } finally {
    await src.close();
  }
}

/**
 * `sheet` is the sheet's exact name, as the reader reported it. exceljs's streaming reader now and
 * then loses the workbook part of a valid file (about once in 100 reads); one more read settles it.
 */
export async function xlsxTopRows(path: string, sheet: string, n = TOP_ROWS): Promise<TopRow[]> {
  try {
    return await readTopRows(path, sheet, n);
  } catch {
    return await readTopRows(path, sheet, n);
  }
}

async function readTopRows(path: string, sheet: string, n: number): Promise<TopRow[]> {
  const workbook = new (await loadExcelJS()).stream.xlsx.WorkbookReader(path, { worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore' });
  const out: TopRow[] = [];
  const date1904 = () => Boolean((workbook as unknown as { properties?: { date1904?: boolean } }).properties?.date1904);
  for await (const ws of workbook as AsyncIterable<ExcelJS.stream.xlsx.WorksheetReader & { name?: string }>) {
    if (ws.name !== sheet) {
      await skipWorksheet(ws as AsyncIterable<unknown>);
      continue;
    }
    for await (const row of ws as AsyncIterable<ExcelJS.Row>) {
      // Only the head is wanted: rows far down are not header candidates.
      if (out.length >= n || row.number > n * 4) break;
      const values: string[] = [];
      row.eachCell({ includeEmpty: false }, (cell, col) => {
        if (col <= MAX_CELLS) values[col - 1] = text(cellToValue(cell as unknown as { value: unknown; numFmt?: string }, date1904()));
      });
      for (let i = 0; i < values.length; i++) values[i] ??= '';
      if (values.every((v) => v.trim() === '')) continue;
      out.push({ row: row.number, line: row.number, cells: values });
    }
    break;
  }
  return out;
}
