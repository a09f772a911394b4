import type { Logger } from 'pino';
import type { SourceRow } from '../../../../shared/domain';

export type ReaderFormat = 'csv' | 'xlsx' | 'json' | 'ndjson';

/** What a reader decided about a file, shown to the user so they can override it. */
export interface ReaderInfo {
  format: ReaderFormat;
  /** Text encoding used to decode the file (CSV/JSON). */
  encoding?: string;
  /** Whether `encoding` came from detection (true) or an explicit override (false). */
  encodingDetected?: boolean;
  delimiter?: string;
  /** 1-based row (record for CSV, sheet row for XLSX) holding the header; null for JSON. */
  headerRow: number | null;
  /** Rows the header spans from `headerRow`, when more than one (a group row over its sub-labels). */
  headerRows?: number;
  /** 1-based physical line where the header starts (CSV). */
  headerLine?: number;
  headers: string[];
  /** Things the reader fixed or ignored, phrased for a person. Grows while rows are read. */
  warnings: string[];
  sheet?: string;
  sheets?: string[];
  pointer?: string;
}

/** A file opened for reading: info is known up front; rows stream with bounded memory. */
export interface TabularReader extends AsyncIterable<SourceRow> {
  readonly info: ReaderInfo;
  rows(): AsyncGenerator<SourceRow, void, undefined>;
  /** Releases the file if iteration is abandoned early. Safe to call more than once. */
  close(): Promise<void>;
  /** Bytes of the input read so far, where the format reads it front to back (CSV, JSON). */
  bytesRead?(): number;
}

export interface BaseReadOptions {
  logger?: Logger;
}

/** Cap on warnings kept in `info.warnings`, so a ragged 10 M-row file does not grow memory. */
export const MAX_WARNINGS = 50;

export function pushWarning(info: ReaderInfo, counter: { suppressed: number }, message: string): void {
  if (info.warnings.length < MAX_WARNINGS - 1) {
    info.warnings.push(message);
  } else {
    counter.suppressed += 1;
    const summary = `…and ${counter.suppressed} more warning(s) of this kind.`;
    if (info.warnings.length === MAX_WARNINGS) info.warnings[MAX_WARNINGS - 1] = summary;
    else info.warnings.push(summary);
  }
}
