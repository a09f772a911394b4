import { extname } from 'node:path';
import type { SourceRow } from '../../../../shared/domain';
import { SourceFileError, displayName } from '../errors';
import { inputPath, openByteSource } from './byte-source';
import type { PinnedFile } from './pinned-file';
import { readCsv, type CsvReadOptions } from './csv';
import { readJson, type JsonReadOptions } from './json';
import type { ReaderFormat, ReaderInfo, TabularReader } from './types';
import { readXlsx, type XlsxReadOptions } from './xlsx';
import { startsWith } from './encoding';

export type OpenReaderOptions = CsvReadOptions & XlsxReadOptions & JsonReadOptions & { format?: ReaderFormat };

const BY_EXTENSION: Record<string, ReaderFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.tab': 'csv',
  '.txt': 'csv',
  '.xlsx': 'xlsx',
  '.xlsm': 'xlsx',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};

/**
 * Format from the content first (a ZIP is a workbook whatever its name; an OLE2 file is an
 * old .xls), then the extension, then a guess from the first character.
 */
export async function detectFormat(input: string | PinnedFile): Promise<ReaderFormat> {
  const path = inputPath(input)!;
  const src = await openByteSource(input);
  const { bytes } = await src.head(512);
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'xlsx';
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0])) {
    throw new SourceFileError('LEGACY_XLS', `${displayName(path)} is an old Excel .xls workbook, which is not supported. Open it in Excel and save it as .xlsx.`, { file: path });
  }
  const ext = extname(path).toLowerCase();
  const byExt = BY_EXTENSION[ext];
  if (byExt === 'xlsx') return 'xlsx'; // not a ZIP: readXlsx reports "not a spreadsheet"
  if (byExt) return byExt;
  const text = new TextDecoder().decode(bytes).replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('[') || text.startsWith('{')) return 'json';
  return 'csv';
}

/** A path, or a taken file already opened (then only its descriptor is read; the caller closes it). */
export async function openReader(input: string | PinnedFile, opts: OpenReaderOptions = {}): Promise<TabularReader> {
  const path = inputPath(input)!;
  const format = opts.format ?? (await detectFormat(input));
  switch (format) {
    case 'csv':
      return readCsv(input, opts);
    case 'xlsx':
      return readXlsx(input, opts);
    case 'json':
      return readJson(input, { ...opts, format: opts.format === 'json' ? 'json' : undefined });
    case 'ndjson':
      return readJson(input, { ...opts, format: 'ndjson' });
    default:
      throw new SourceFileError('UNSUPPORTED_FORMAT', `${displayName(path)} is not a CSV, Excel or JSON file.`, { file: path });
  }
}

export interface FileSample {
  info: ReaderInfo;
  rows: SourceRow[];
  /** True when the file has more rows than returned. */
  truncated: boolean;
}

/** Headers, detected settings and the first `n` rows — what the mapping wizard shows. */
export async function sampleFile(path: string, n = 50, opts: OpenReaderOptions = {}): Promise<FileSample> {
  const reader = await openReader(path, opts);
  const rows: SourceRow[] = [];
  let truncated = false;
  try {
    for await (const row of reader.rows()) {
      if (rows.length >= n) {
        truncated = true;
        break;
      }
      rows.push(row);
    }
  } finally {
    await reader.close();
  }
  return { info: reader.info, rows, truncated };
}
