import type { FlattenOptions } from '../flatten';

/** What a finished writer produced: a file in a folder or rows upserted into a table. */
export interface FileOutput {
  kind: 'file';
  /**
   * The file written — its actual name, which is numbered when the asked-for one was taken. When
   * `written` is false (a run without rows writes no file), the destination folder.
   */
  path: string;
  written: boolean;
  rows: number;
  bytes: number;
}
export interface TableOutput {
  kind: 'table';
  table: string;
  /** Rows upserted plus rows deleted by key. */
  rows: number;
  /** UTF-8 bytes of the values bound into the table. */
  bytes: number;
}
export type WriterOutput = FileOutput | TableOutput;

/**
 * Every destination implements this. write() is called once per exported row (nested as the
 * platform sent it; the writer flattens if its format needs it), finish() makes the result
 * visible, abort() leaves nothing half-written behind. write() may return nothing when the row
 * was taken without waiting (a million-row CSV export would otherwise pay a promise per row);
 * a returned promise must be awaited before the next write.
 */
export interface ExportWriter {
  write(row: Record<string, unknown>): Promise<void> | void;
  /**
   * A row deleted on the platform (a tombstone of an incremental export), called instead of
   * write(): a file writes it like any other row (its `deleted_at` says it is deleted, so a
   * downstream tool can apply it); a table deletes the row with its key.
   */
  remove(row: Record<string, unknown>): Promise<void> | void;
  finish(): Promise<WriterOutput>;
  abort(): Promise<void>;
  /** Rows accepted so far and bytes produced so far, for progress events. */
  progress(): { rows: number; bytes: number };
}

export type FileFormat = 'csv' | 'xlsx' | 'json' | 'ndjson';

/** What every file writer takes. */
export interface FileWriterOptions {
  /** A file of the same name is replaced (an export of everything, under a fixed name), not kept beside. */
  replaceExisting?: boolean;
}

export interface TabularOptions extends FlattenOptions, FileWriterOptions {
  /** Rows held back to decide a file's header (see HeaderPlanner); default 1000. */
  headerWindow?: number;
  /**
   * The dataset's columns when the platform fixes them (PlatformAdapter.exportColumns): the header
   * of every file, so it does not depend on the rows a run brings (see HeaderPlanner).
   */
  columns?: readonly string[] | null;
}
