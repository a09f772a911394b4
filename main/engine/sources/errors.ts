/**
 * Errors a person reads when a source cannot be read. `code` is stable (tests, history, UI
 * lookups); `message` says what happened, where, and what to do. Never carries a stack trace
 * into the UI: callers show `message` only.
 */
export type SourceErrorCode =
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'EMPTY_FILE'
  | 'NOT_TEXT'
  | 'ENCODING_MISMATCH'
  | 'UNKNOWN_ENCODING'
  | 'UNCLOSED_QUOTE'
  /** The last line stops short with no line end: the file is most likely still being copied. */
  | 'FILE_INCOMPLETE'
  /** The path now names a link or another file than the one checked when it was taken. */
  | 'FILE_REPLACED'
  | 'MALFORMED_QUOTE'
  | 'MALFORMED_CSV'
  | 'RECORD_TOO_LARGE'
  | 'HEADER_ROW_OUT_OF_RANGE'
  | 'NOT_A_SPREADSHEET'
  /** A workbook that would unpack to more than the agent reads (a ZIP bomb or a damaged file). */
  | 'WORKBOOK_TOO_LARGE'
  | 'LEGACY_XLS'
  | 'SHEET_NOT_FOUND'
  | 'INVALID_JSON'
  | 'NOT_AN_ARRAY'
  | 'POINTER_NOT_FOUND'
  | 'UNSUPPORTED_FORMAT'
  | 'STREAM_ALREADY_CONSUMED';

export class SourceFileError extends Error {
  override readonly name = 'SourceFileError';
  constructor(
    readonly code: SourceErrorCode,
    message: string,
    readonly details: { file?: string; line?: number; column?: string } = {},
  ) {
    super(message);
  }
}

export type DatabaseErrorCode =
  | 'CONFIG_INVALID'
  | 'QUERY_NOT_READ_ONLY'
  | 'IDENTIFIER_INVALID'
  | 'CONNECTION_FAILED'
  | 'AUTH_FAILED'
  | 'DATABASE_NOT_FOUND'
  | 'TABLE_NOT_FOUND'
  | 'COLUMN_NOT_FOUND'
  /** A read waited the source's lock limit for a lock another session holds, and gave up. */
  | 'LOCK_TIMEOUT'
  | 'QUERY_FAILED';

export class DatabaseSourceError extends Error {
  override readonly name = 'DatabaseSourceError';
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Short display name for messages: the file's base name, not the whole path. */
export function displayName(path: string | undefined): string {
  if (!path) return 'the input';
  const parts = path.split(/[\\/]/);
  return `"${parts[parts.length - 1] ?? path}"`;
}
