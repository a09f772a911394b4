/**
 * One export run: platform adapter (paged async iterable) → writer. Incremental by the job's
 * updated-since cursor: the run receives the saved cursor and returns the newest updatedAt it saw;
 * the caller saves that only after success, so a failed run is simply repeated. A file export with
 * no rows (typically an incremental run with nothing new) writes no file: an empty one would only
 * add a headerless file to the folder, or — under a fixed name — stand in for an earlier export.
 *
 * Deletions: a run also asks for the rows deleted on the platform since the cursor (tombstones,
 * ExportItem.deletedAt). An incremental run writes them: a file holds them as rows with
 * `deleted_at` filled, a table deletes them by key. A full run (no cursor: the first export, or
 * "everything") writes the current data only; it reads the tombstones just to move its cursor past
 * them, so the next incremental run carries only deletions made after this run read the dataset.
 * A full run into a table also removes, once it has succeeded, the table's rows it did not write
 * (deleted on the platform at some earlier time), so the table holds exactly the current rows.
 *
 * A table that is not there at the start of an incremental run (dropped, or never created) gets
 * every row, as in a full run: rows changed since the cursor alone would leave it incomplete for good.
 */
import type { Logger } from 'pino';
import type { ExportQuery, PlatformAdapter, RequestLogEntry } from '../../platforms/types';
import { ExportError, sentence } from './errors';
import { createWriter, TableWriter, type ExportDestination, type WriterOptions } from './writers';
import type { ExportWriter, FileOutput, WriterOutput } from './writers/types';

export interface ExportProgress {
  rows: number;
  bytes: number;
}

export interface RunExportOptions {
  adapter: Pick<PlatformAdapter, 'exportStream'> & Partial<Pick<PlatformAdapter, 'exportColumns' | 'exportColumnTypes'>>;
  dataset: string;
  /** Adapter-specific query parameters (e.g. granularity). */
  params?: Record<string, string>;
  /** The cursor saved by the previous successful run, or null for a full export. */
  updatedSince: string | null;
  destination: ExportDestination;
  writerOptions?: WriterOptions;
  /** Job name for the `{job}` file name token. */
  job?: string | null;
  now?: Date;
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
  /** Rows between progress events (default 500); one more is always sent at the end. */
  progressEvery?: number;
  onRequest?: (entry: RequestLogEntry) => void;
  logger?: Logger;
}

export interface ExportResult {
  /** Rows written, deletions included. */
  rows: number;
  /** Of those, rows deleted on the platform since the cursor (in a file with deleted_at; deleted from a table). */
  deleted: number;
  /** Rows a full export removed from a table because they are no longer on the platform (not counted in rows). */
  removed: number;
  /** The table was not there at the start of an incremental run, so every row was exported. */
  refilled: boolean;
  bytes: number;
  /** Newest updatedAt seen, or the incoming cursor when no row carried a newer one. */
  newCursor: string | null;
  output: WriterOutput;
  /** One sentence for the run's timeline: what was written where, or why no file was written. */
  summary: string;
}

export async function runExport(o: RunExportOptions): Promise<ExportResult> {
  // A dataset whose columns the platform fixes has the same file header in every run.
  const columnsQuery: ExportQuery = { dataset: o.dataset, updatedSince: o.updatedSince, params: o.params, includeDeleted: true };
  const columns = o.writerOptions?.columns ?? o.adapter.exportColumns?.(columnsQuery) ?? null;
  // `full` and the column types (of a table it creates) reach the table writer only; a file writer ignores them.
  const columnTypes = o.writerOptions?.columnTypes ?? o.adapter.exportColumnTypes?.(columnsQuery) ?? null;
  const writerOptions: WriterOptions = { ...o.writerOptions, columns, columnTypes, full: o.updatedSince === null };
  const writer = await createWriter(o.destination, { dataset: o.dataset, job: o.job, now: o.now }, writerOptions);
  const refilled = o.updatedSince !== null && writer instanceof TableWriter && !writer.existed;
  if (refilled) writer.exportEverything();
  const updatedSince = refilled ? null : o.updatedSince;
  const incremental = updatedSince !== null;
  const query: ExportQuery = { dataset: o.dataset, updatedSince, params: o.params, includeDeleted: true };
  let cursor = updatedSince;
  let cursorInstant = cursor === null ? NaN : Date.parse(cursor);
  const every = Math.max(1, o.progressEvery ?? 500);
  let rows = 0;
  let deleted = 0;
  try {
    o.signal?.throwIfAborted();
    const stream = o.adapter.exportStream(query, { signal: o.signal, onRequest: o.onRequest });
    for await (const item of stream) {
      o.signal?.throwIfAborted();
      const tombstone = item.deletedAt !== undefined && item.deletedAt !== null;
      if (!tombstone || incremental) {
        const pending = tombstone ? writer.remove(item.row) : writer.write(item.row);
        if (pending) await pending;
        rows++;
        if (tombstone) deleted++;
        if (rows % every === 0) o.onProgress?.(writer.progress());
      }
      // Runs of rows share one updatedAt; an equal text is never later, so it needs no parsing.
      const at = item.updatedAt;
      if (at !== null && at !== cursor) {
        const instant = Date.parse(at);
        if (laterParsed(at, instant, cursor, cursorInstant)) {
          cursor = at;
          cursorInstant = instant;
        }
      }
    }
    o.signal?.throwIfAborted();
    // "Everything, every run" keeps its file the current data: a dataset that is empty now gives an
    // empty file (its header), never last run's rows left in place. Otherwise no rows, no file.
    const output = rows === 0 && o.destination.kind === 'folder' && !o.writerOptions?.replaceExisting ? await noFile(writer, o.destination.folder) : await writer.finish();
    o.onProgress?.({ rows: output.rows, bytes: output.bytes });
    const removed = writer instanceof TableWriter ? writer.removedRows : 0;
    const summary = summarise(o, output, deleted, removed, refilled);
    o.logger?.info({ dataset: o.dataset, rows: output.rows, deleted, removed, refilled, bytes: output.bytes, cursor, written: output.kind === 'table' || output.written }, 'export finished');
    return { rows: output.rows, deleted, removed, refilled, bytes: output.bytes, newCursor: cursor, output, summary };
  } catch (err) {
    throw await failed(o, writer, rows, err, incremental, refilled);
  }
}

/** Drops the (empty) temp file: the folder is left exactly as it was. */
async function noFile(writer: ExportWriter, folder: string): Promise<FileOutput> {
  await writer.abort();
  return { kind: 'file', path: folder, written: false, rows: 0, bytes: 0 };
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function summarise(o: RunExportOptions, output: WriterOutput, deleted: number, removed: number, refilled: boolean): string {
  const rows = `${plural(output.rows, 'row')}${deleted > 0 ? ` (${deleted} deleted on the platform)` : ''}`;
  if (output.kind === 'table') {
    const stale = removed > 0 ? `; removed ${plural(removed, 'row')} no longer on the platform` : '';
    const again = refilled ? ` Table "${output.table}" was not there, so every row was exported again.` : '';
    return `Wrote ${rows} to table "${output.table}"${stale}.${again}`;
  }
  if (output.written && output.rows === 0) return `The dataset "${o.dataset}" has no rows now: wrote ${output.path} without rows, in place of the earlier file.`;
  if (output.written) return `Wrote ${rows} to ${output.path}.`;
  return o.updatedSince === null
    ? `The dataset "${o.dataset}" has no rows to export; no file was written.`
    : 'No new or changed rows since the last export; no file was written.';
}

/**
 * The run's failure in words a person can act on: what stopped it, what is left in the destination
 * and what the next run does. The cursor is not saved, so an incremental run's next run exports the
 * same rows again; a full run simply runs again.
 */
async function failed(o: RunExportOptions, writer: ExportWriter, rows: number, err: unknown, incremental: boolean, refilled: boolean): Promise<ExportError> {
  let cleanup = '';
  try {
    await writer.abort();
  } catch (e) {
    cleanup = ` Cleaning up also failed: ${sentence(e instanceof Error ? e.message : String(e))}`;
  }
  const next = incremental ? ' The next run exports the same rows again.' : '';
  let left: string;
  if (o.destination.kind === 'folder') left = `No file was left behind.${next}`;
  else {
    const table = `table "${o.destination.table}"`;
    const committed = writer instanceof TableWriter ? writer.committedRows : 0;
    if (refilled) {
      left = writer instanceof TableWriter && writer.droppedOnAbort
        ? `The incomplete ${table} this run created was removed again, so the next run exports every row.`
        : committed === 0
          ? `Nothing was written to ${table}; the next run exports every row.`
          : `The ${plural(committed, 'row')} already written to ${table} stay.`;
    } else if (committed === 0) left = `Nothing was written to ${table}.${next}`;
    else if (incremental) left = `The ${plural(committed, 'row')} already written to ${table} stay; the next run exports the same rows again and updates them by key, without duplicates.`;
    else left = `The ${plural(committed, 'row')} already written to ${table} stay; the next run writes every row again by key, without duplicates.`;
  }
  const cancelled = o.signal?.aborted === true;
  const cause = cancelled ? 'it was cancelled' : err instanceof Error ? err.message : String(err);
  // Rows read from the platform, not written: what was written is said after the cause.
  const msg = `Export of dataset "${o.dataset}" stopped after reading ${plural(rows, 'row')} from the platform: ${sentence(cause)} ${left}${cleanup}`;
  o.logger?.warn({ dataset: o.dataset, rows, code: cancelled ? 'export_cancelled' : 'export_failed' }, 'export failed');
  return new ExportError(cancelled ? 'export_cancelled' : 'export_failed', msg, { cause: err });
}

/** updatedAt values are ISO timestamps; compare as instants, falling back to text for anything else. */
export function isLater(candidate: string, current: string | null): boolean {
  return laterParsed(candidate, Date.parse(candidate), current, current === null ? NaN : Date.parse(current));
}

/** isLater with both values already parsed by Date.parse (the run parses its cursor once, not per row). */
function laterParsed(candidate: string, a: number, current: string | null, b: number): boolean {
  if (current === null) return true;
  if (Number.isNaN(a) || Number.isNaN(b) || a === b) return candidate > current;
  return a > b;
}
