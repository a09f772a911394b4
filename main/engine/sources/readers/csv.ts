import { Readable } from 'node:stream';
import { stat } from 'node:fs/promises';
import { parse, CsvError } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import type { SourceRow, CellValue } from '../../../../shared/domain';
import { SourceFileError, displayName } from '../errors';
import { inputPath, openByteSource, type ByteInput, type ByteSource } from './byte-source';
import { binaryKind, decodeSample, decodeText, detectEncoding, looksBinary, normaliseEncodingName } from './encoding';
import { combineHeaderRows, detectHeaderIndex, isSubHeaderRow, sniffDelimiter, twoRowHeaderNote, splitFields, splitRecords, uniqueHeaders, type SampleRecord } from './sniff';
import { pushWarning, type BaseReadOptions, type ReaderInfo, type TabularReader } from './types';

export interface CsvReadOptions extends BaseReadOptions {
  /** Overrides detection: 'utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'latin1'... */
  encoding?: string;
  /** Overrides sniffing: ',', ';', '\t' (or 'tab'), '|'. */
  delimiter?: string;
  /** 1-based row of the header (a blank line counts as a row, a quoted multi-line cell does not). */
  headerRow?: number;
  /** Rows the header spans from `headerRow` (2: a group row over its sub-labels). Default: detected. */
  headerRows?: number;
  /** Display name for messages when the input is a stream. */
  fileName?: string;
  /** Largest record accepted, in characters; bounds memory on a runaway quote. Default 32 M. */
  maxRecordChars?: number;
  /** First sample size for sniffing. Default 64 KiB; grows when the first records are longer. */
  sampleBytes?: number;
}

const MAX_SAMPLE = 16 * 1024 * 1024;

function normaliseDelimiter(d: string): string {
  if (d === 'tab' || d === '\\t' || d === 'TAB') return '\t';
  if (d === 'semicolon') return ';';
  if (d === 'comma') return ',';
  if (d === 'pipe') return '|';
  return d;
}

function parseRecordText(text: string, delimiter: string): string[] {
  try {
    const out = parseSync(text, { delimiter, relax_quotes: true, relax_column_count: true, record_delimiter: '\n' }) as string[][];
    return out[0] ?? [''];
  } catch {
    return splitFields(text, delimiter);
  }
}

export async function readCsv(input: ByteInput, opts: CsvReadOptions = {}): Promise<TabularReader> {
  const file = inputPath(input) ?? opts.fileName;
  const src = await openByteSource(input, file);
  try {
    return await prepare(src, file, opts);
  } catch (err) {
    await src.close();
    throw err;
  }
}

async function prepare(src: ByteSource, file: string | undefined, opts: CsvReadOptions): Promise<TabularReader> {
  let sampleBytes = opts.sampleBytes ?? 64 * 1024;
  let head = await src.head(sampleBytes);
  if (head.bytes.byteLength === 0) {
    throw new SourceFileError('EMPTY_FILE', `${displayName(file)} is empty (0 bytes). Check that the export finished writing.`, { file });
  }
  const magic = binaryKind(head.bytes);
  if (magic) {
    throw new SourceFileError(
      magic.code,
      magic.code === 'LEGACY_XLS'
        ? `${displayName(file)} is ${magic.what}, not CSV text. Open it in Excel and save it as .xlsx or CSV.`
        : `${displayName(file)} is ${magic.what}, not CSV text. If it is a spreadsheet, give it the .xlsx extension; otherwise export the data as CSV.`,
      { file },
    );
  }
  const detected = opts.encoding ? null : detectEncoding(head.bytes, head.complete);
  const encoding = opts.encoding ? normaliseEncodingName(opts.encoding, file) : detected!.encoding;

  let text = decodeSample(head.bytes, encoding);
  if (looksBinary(text)) {
    throw new SourceFileError('NOT_TEXT', `${displayName(file)} does not look like text (it contains binary data). Check that it is really a CSV export.`, { file });
  }
  let records: SampleRecord[] = splitRecords(text, head.complete);
  // A first record longer than the sample (a huge single line): widen the sample.
  while (!head.complete && records.filter((r) => r.text.trim()).length < 2 && sampleBytes < MAX_SAMPLE) {
    sampleBytes *= 4;
    head = await src.head(sampleBytes);
    text = decodeSample(head.bytes, encoding);
    records = splitRecords(text, head.complete);
  }
  if (records.every((r) => r.text.trim() === '')) {
    if (head.complete && !/"/.test(text)) {
      throw new SourceFileError('EMPTY_FILE', `${displayName(file)} contains no data, only blank lines.`, { file });
    }
    if (records.length === 0 && /"/.test(text)) {
      throw new SourceFileError(
        'UNCLOSED_QUOTE',
        `Unclosed quote starting at line 1 of ${displayName(file)} — check that every opening quote has a closing one.`,
        { file, line: 1 },
      );
    }
  }

  const delimiter = opts.delimiter ? normaliseDelimiter(opts.delimiter) : sniffDelimiter(records);
  const sampleRows = records.slice(0, 60).map((r) => parseRecordText(r.text, delimiter));

  let headerIdx: number;
  let confident = true;
  if (opts.headerRow !== undefined) {
    if (!Number.isInteger(opts.headerRow) || opts.headerRow < 1 || opts.headerRow > records.length) {
      throw new SourceFileError(
        'HEADER_ROW_OUT_OF_RANGE',
        `Header row ${opts.headerRow} is outside ${displayName(file)}, whose first part has ${records.length} row(s). Choose a row between 1 and ${records.length}.`,
        { file },
      );
    }
    headerIdx = opts.headerRow - 1;
  } else {
    const d = detectHeaderIndex(sampleRows);
    headerIdx = d.index;
    confident = d.confident;
  }
  let headerRows = opts.headerRows ?? 1;
  // A group row narrower than the data ('Site,Month,Consumption' over ',,Quantity,Unit') is passed
  // over by detection, which lands on its second row: the header starts a row higher.
  // (So too when the mapping says the header spans two rows but not where it starts.)
  if (opts.headerRow === undefined && opts.headerRows !== 1 && headerIdx > 0 && isSubHeaderRow(sampleRows[headerIdx - 1]!, sampleRows[headerIdx]!, sampleRows.slice(headerIdx + 1))) {
    headerIdx--;
    headerRows = 2;
  }
  const headerRecord = records[headerIdx]!;
  const topHeader = parseRecordText(headerRecord.text, delimiter);
  if (opts.headerRows === undefined && headerRows === 1 && headerIdx + 1 < records.length) {
    const below = records.slice(headerIdx + 2, headerIdx + 2 + 40).map((r) => parseRecordText(r.text, delimiter));
    if (isSubHeaderRow(topHeader, parseRecordText(records[headerIdx + 1]!.text, delimiter), below)) headerRows = 2;
  }
  if (headerRows === 2 && headerIdx + 1 >= records.length) {
    throw new SourceFileError('HEADER_ROW_OUT_OF_RANGE', `The header of ${displayName(file)} is to span rows ${headerIdx + 1} and ${headerIdx + 2}, but the file ends at row ${headerIdx + 1}.`, { file });
  }
  const combined = headerRows === 2 ? combineHeaderRows(topHeader, parseRecordText(records[headerIdx + 1]!.text, delimiter)) : null;
  const { headers, warnings } = uniqueHeaders(combined?.headers ?? topHeader);
  if (combined && opts.headerRows === undefined) warnings.unshift(twoRowHeaderNote(headerIdx + 1, combined.joined));
  if (!confident && opts.headerRow === undefined) {
    warnings.unshift(`No row clearly looks like a header; row ${headerIdx + 1} was used. Choose the header row if this is wrong.`);
  }
  if (headerIdx > 0 && opts.headerRow === undefined) {
    warnings.unshift(`The header was found on row ${headerIdx + 1}; the ${headerIdx} row(s) above it were skipped as a title block.`);
  }
  if (detected?.reason === 'not-utf8') {
    warnings.push(`${displayName(file)} is not valid UTF-8; it was read as Windows-1252. Choose another encoding if characters look wrong.`);
  }

  const info: ReaderInfo = {
    format: 'csv',
    encoding,
    encodingDetected: !opts.encoding,
    delimiter,
    headerRow: headerIdx + 1,
    ...(headerRows === 2 ? { headerRows } : {}),
    headerLine: headerRecord.line,
    headers,
    warnings,
  };

  let started = false;
  const rows = (): AsyncGenerator<SourceRow, void, undefined> => {
    if (started && typeof file !== 'string') {
      throw new SourceFileError('STREAM_ALREADY_CONSUMED', 'This input stream was already read once; open the source again.');
    }
    started = true;
    return iterateRows(src, file, encoding, !opts.encoding, delimiter, headerIdx + headerRows, headers, info, opts.maxRecordChars ?? 32 * 1024 * 1024);
  };
  return {
    info,
    rows,
    [Symbol.asyncIterator]: () => rows(),
    close: () => src.close(),
    bytesRead: () => src.bytesRead(),
  };
}

async function* iterateRows(
  src: ByteSource,
  file: string | undefined,
  encoding: string,
  detected: boolean,
  delimiter: string,
  /** Records up to and including the header's last row. */
  headerRow: number,
  headers: string[],
  info: ReaderInfo,
  maxRecordChars: number,
): AsyncGenerator<SourceRow, void, undefined> {
  // Neither `info` nor `raw` nor `on_record`: each costs csv-parse 2-4x its speed. Lines are
  // counted from the records instead: with line endings normalised to LF, a record spans one
  // line plus the newlines inside its quoted fields (a blank line is a record of its own).
  const parser = parse({
    delimiter,
    record_delimiter: '\n',
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
    max_record_size: maxRecordChars,
  });
  // Whether the text ends with a line end: a short last line without one is a file cut off mid-copy.
  let lastChar = '';
  async function* remembered(chunks: AsyncIterable<string>): AsyncGenerator<string> {
    for await (const c of chunks) {
      if (c.length) lastChar = c[c.length - 1]!;
      yield c;
    }
  }
  const text = Readable.from(remembered(decodeText(src.all(), encoding, { file, detected })), { objectMode: false, encoding: 'utf8' });
  text.on('error', (err) => parser.destroy(err));
  text.pipe(parser);

  const counter = { suppressed: 0 };
  let recordIndex = 0;
  let nextLine = 1;
  let short: { row: SourceRow; fields: number } | null = null;
  try {
    for await (const rec of parser as AsyncIterable<string[]>) {
      recordIndex++;
      const line = nextLine;
      let span = 1;
      for (const field of rec) for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) span++;
      nextLine += span;
      if (recordIndex <= headerRow) continue;
      if (rec.every((c) => c.trim() === '')) continue;
      if (short) {
        yield short.row;
        short = null;
      }
      const cells: Record<string, CellValue> = {};
      for (let i = 0; i < headers.length; i++) cells[headers[i]!] = i < rec.length ? rec[i]! : null;
      if (rec.length > headers.length && rec.slice(headers.length).some((c) => c.trim() !== '')) {
        pushWarning(info, counter, `Line ${line} has ${rec.length} fields but the header has ${headers.length}; the extra values were ignored.`);
      }
      if (rec.length < headers.length) {
        pushWarning(info, counter, `Line ${line} has ${rec.length} field(s) but the header has ${headers.length}; the missing ones were read as empty.`);
        // Held back one record: only the last line can turn out to be cut off.
        short = { row: { line, cells }, fields: rec.length };
        continue;
      }
      yield { line, cells };
    }
    if (short && lastChar !== '\n' && (await changedLately(file))) {
      throw new SourceFileError(
        'FILE_INCOMPLETE',
        `The last line of ${displayName(file)} (line ${short.row.line}) stops after ${short.fields} of its ${headers.length} fields, with no line end: the file looks cut off, most likely still being copied. Nothing was sent; the file is read again when it changes. If it is complete, add the missing fields (or a line end) and save it again.`,
        { file, line: short.row.line },
      );
    }
    if (short) yield short.row;
  } catch (err) {
    if (err instanceof SourceFileError) throw err;
    // The parser runs ahead of this loop, so find the offending record's line by a cheap rescan.
    const open = await locateBadRecord(src, encoding, file, maxRecordChars).catch(() => null);
    throw mapCsvError(err, file, open ?? nextLine);
  } finally {
    text.destroy();
    parser.destroy();
  }
}

/**
 * A file cut off mid-copy was written to moments ago; a short last line in a file nobody has
 * touched for minutes is how it was made (some tools leave out empty trailing fields and the
 * last line end), and is read as it is. An input without a path is read as it is.
 */
export const CUT_OFF_WITHIN_MS = 5 * 60_000;
async function changedLately(file: string | undefined): Promise<boolean> {
  if (!file) return false;
  const st = await stat(file).catch(() => null);
  return st !== null && Date.now() - st.mtimeMs < CUT_OFF_WITHIN_MS;
}

/**
 * Start line of the first record that never ends (an opening quote without its closing one)
 * or grows past `maxChars`; null when none. Quote-aware, streaming, nothing kept.
 */
async function locateBadRecord(src: ByteSource, encoding: string, file: string | undefined, maxChars: number): Promise<number | null> {
  let line = 1;
  let start = 1;
  let length = 0;
  let inQuotes = false;
  for await (const chunk of decodeText(src.all(), encoding, { file, detected: false })) {
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk.charCodeAt(i);
      if (ch === 34) inQuotes = !inQuotes;
      else if (ch === 10) {
        line++;
        if (!inQuotes) {
          start = line;
          length = 0;
          continue;
        }
      }
      if (++length > maxChars) return start;
    }
  }
  return inQuotes ? start : null;
}

function mapCsvError(err: unknown, file: string | undefined, recordLine: number): Error {
  const lastEndLine = recordLine - 1;
  if (err instanceof SourceFileError) return err;
  if (err instanceof CsvError || (err as { code?: string })?.code?.startsWith?.('CSV_')) {
    const e = err as CsvError & { lines?: number };
    switch (e.code) {
      case 'CSV_QUOTE_NOT_CLOSED': {
        const line = lastEndLine + 1;
        return new SourceFileError(
          'UNCLOSED_QUOTE',
          `Unclosed quote starting at line ${line} of ${displayName(file)} — check that every opening quote has a closing one.`,
          { file, line },
        );
      }
      case 'CSV_MAX_RECORD_SIZE':
        return new SourceFileError(
          'RECORD_TOO_LARGE',
          `The record starting at line ${lastEndLine + 1} of ${displayName(file)} is too large to be a real row — usually an opening quote that is never closed. Check the quotes around that line.`,
          { file, line: lastEndLine + 1 },
        );
      case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      case 'CSV_INVALID_CLOSING_QUOTE':
        return new SourceFileError(
          'MALFORMED_QUOTE',
          `Line ${e.lines ?? lastEndLine + 1} of ${displayName(file)} has text right after a closing quote. Quote the whole value, and double any quote inside it ("").`,
          { file, line: e.lines ?? lastEndLine + 1 },
        );
      default:
        return new SourceFileError('MALFORMED_CSV', `${displayName(file)} could not be read as CSV near line ${e.lines ?? lastEndLine + 1}: ${e.message}`, {
          file,
          line: e.lines ?? lastEndLine + 1,
        });
    }
  }
  return err instanceof Error ? err : new Error(String(err));
}
