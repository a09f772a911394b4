/** Errors of the export path; `code` is stable for the UI and history, `message` is for people. */
export type ExportErrorCode =
  | 'invalid_file_pattern'
  | 'unsafe_destination'
  | 'invalid_identifier'
  | 'missing_key'
  | 'destination_failed'
  | 'export_failed'
  | 'export_cancelled';

export class ExportError extends Error {
  constructor(
    readonly code: ExportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExportError';
  }
}
