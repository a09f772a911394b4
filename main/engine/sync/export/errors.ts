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

/**
 * A cause quoted inside a sentence of ours, ended with exactly one period: "x." and "x" both
 * become "x.", so a message never reads "x.." (an ellipsis, "?" or "!" is kept as it is).
 */
export function sentence(text: string): string {
  const t = text.trimEnd();
  if (t === '' || /(?:…|\.\.\.|\?|!)$/.test(t)) return t;
  return `${t.replace(/\.$/, '')}.`;
}
