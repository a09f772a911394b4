import { DEFAULT_FILE_PATTERN, expandFilePattern } from '../file-name';
import { CsvWriter, type CsvWriterOptions } from './csv';
import { JsonWriter, type JsonWriterOptions } from './json';
import { TableWriter, type TableWriterOptions } from './table';
import type { TableConnection } from './sql-drivers';
import type { ExportWriter, FileFormat } from './types';
import { XlsxWriter, type XlsxWriterOptions } from './xlsx';

export { AtomicFile } from './atomic-file';
export { CsvWriter, csvCell, type CsvWriterOptions } from './csv';
export { JsonWriter, type JsonWriterOptions } from './json';
export { XlsxWriter, XLSX_MAX_CELL, type XlsxWriterOptions } from './xlsx';
export { TableWriter, type TableWriterOptions } from './table';
export { columnKind, convert, createdType, type ColumnKind } from './sql-types';
export { ColumnNamer, DIALECTS, validateIdentifier, type Dialect, type DialectName } from './sql-dialects';
export { openDriver, type SqlDriver, type TableConnection } from './sql-drivers';
export type { ExportWriter, FileFormat, FileOutput, TableOutput, TabularOptions, WriterOutput } from './types';

export type ExportDestination =
  | { kind: 'folder'; folder: string; format: FileFormat; fileNamePattern?: string; utc?: boolean; timeZone?: string }
  | { kind: 'table'; connection: TableConnection; table: string; keyColumns: string[] };

export type WriterOptions = CsvWriterOptions & XlsxWriterOptions & JsonWriterOptions & { batchSize?: number } & Pick<TableWriterOptions, 'full' | 'columnTypes'>;

export async function createWriter(
  destination: ExportDestination,
  ctx: { dataset: string; job?: string | null; now?: Date },
  opts: WriterOptions = {},
): Promise<ExportWriter> {
  if (destination.kind === 'table') {
    return TableWriter.create(destination.connection, { ...opts, table: destination.table, keyColumns: destination.keyColumns });
  }
  const name = expandFilePattern(destination.fileNamePattern ?? DEFAULT_FILE_PATTERN, {
    dataset: ctx.dataset,
    job: ctx.job,
    ext: destination.format,
    now: ctx.now ?? new Date(),
    utc: destination.utc,
    timeZone: destination.timeZone,
  });
  switch (destination.format) {
    case 'csv':
      return CsvWriter.create(destination.folder, name, opts);
    case 'xlsx':
      return XlsxWriter.create(destination.folder, name, { sheetName: ctx.dataset, ...opts });
    case 'json':
    case 'ndjson':
      return JsonWriter.create(destination.folder, name, destination.format, opts);
  }
}
