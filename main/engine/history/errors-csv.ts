/**
 * A run's row errors as CSV, one writer for every way out of the agent: the browser download
 * (GET /api/runs/:id/errors.csv), the desktop app's "Download all as CSV" (history.saveErrorsCsv)
 * and anything else that wants the same bytes. Rows stream from SQLite, so a run with a million
 * rejected rows never sits in memory, and text cells go through neutraliseCell so a value like
 * `=HYPERLINK(...)` opens in Excel as text, not as a formula.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { ApiError } from '../../../shared/rpc';
import { neutraliseCell } from '../csv-safety';
import type { Store } from '../store';

export const ERRORS_CSV_COLUMNS = ['line', 'column', 'value', 'reason'] as const;
/**
 * A database source's rows have no line a person can find: its CSV leads with "row", the row's
 * key (`id=1042`, `where meter_id="M-7", reading_date=2026-01-31`) to look it up with SQL. "line"
 * stays, the row's position in that run's read.
 */
export const KEYED_ERRORS_CSV_COLUMNS = ['row', ...ERRORS_CSV_COLUMNS] as const;

export { errorsCsvFileName } from '../../../shared/mapping/error-groups';

/**
 * Streams every row error of the run (or of one kind, errorKind) as CSV (with a BOM, so Excel
 * reads UTF-8 site names correctly) into `dest`. Resolves with the number of error rows written.
 */
export async function pipeErrorsCsv(store: Store, runId: number, dest: Writable, kind?: string): Promise<number> {
  let rows = 0;
  const count = new Transform({
    objectMode: true,
    transform(row, _enc, done) {
      rows++;
      done(null, row);
    },
  });
  await pipeline(
    Readable.from(store.runs.iterateErrors(runId, kind)),
    count,
    stringify({ header: true, bom: true, columns: [...(store.runs.hasRowKeys(runId) ? KEYED_ERRORS_CSV_COLUMNS : ERRORS_CSV_COLUMNS)], cast: { string: neutraliseCell } }),
    dest,
  );
  return rows;
}

/**
 * Checks a path a person chose for the CSV: absolute, ending in .csv (the method writes files on
 * this computer, so it refuses to replace anything that is not plainly a CSV), in a folder that
 * exists, and not a folder or special file itself. Throws an ApiError that says what to do.
 */
export async function checkErrorsCsvTarget(path: string): Promise<void> {
  if (!isAbsolute(path)) throw new ApiError('invalid_params', `"${path}" is not a full path. Choose where to save the CSV with the save dialog, or give a path that starts at the drive or root folder.`);
  if (!/\.csv$/i.test(path)) throw new ApiError('invalid_params', `"${basename(path)}" does not end in .csv. Save the row errors under a name ending in .csv.`);
  const folder = dirname(path);
  const parent = await stat(folder).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new ApiError('not_found', `The folder ${folder} does not exist. Choose an existing folder for the CSV.`);
    throw new ApiError('invalid_params', `The folder ${folder} cannot be read (${e.code ?? e.message}). Choose another folder for the CSV.`);
  });
  if (!parent.isDirectory()) throw new ApiError('invalid_params', `${folder} is a file, not a folder. Choose a folder for the CSV.`);
  const existing = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw new ApiError('invalid_params', `${path} cannot be checked (${e.code ?? e.message}). Choose another name for the CSV.`);
  });
  if (existing?.isDirectory()) throw new ApiError('invalid_params', `${path} is a folder. Choose a file name for the CSV.`);
  if (existing && !existing.isFile()) throw new ApiError('invalid_params', `${path} is not an ordinary file, so it is not replaced. Choose another name for the CSV.`);
}

/**
 * Writes the run's row errors to `path`: to a temporary name in the same folder first and then
 * renamed, so a reader (or a spreadsheet watching the file) never sees half a CSV, and an
 * existing file is only replaced by a complete one.
 */
export async function saveErrorsCsv(store: Store, runId: number, path: string, kind?: string): Promise<{ path: string; rows: number }> {
  if (!store.runs.get(runId)) throw new ApiError('not_found', `There is no run #${runId}. It may have been removed by the history retention setting.`);
  await checkErrorsCsvTarget(path);
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const rows = await pipeErrorsCsv(store, runId, createWriteStream(temp, { flags: 'wx' }), kind);
    await rename(temp, path);
    return { path, rows };
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    if (e instanceof ApiError) throw e;
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS'
        ? 'this folder cannot be written to'
        : err.code === 'ENOSPC'
          ? 'the disk is full'
          : err.message;
    throw new ApiError('invalid_params', `Could not save the row errors of run #${runId} to ${path}: ${why}. Choose another folder, or free space and try again.`);
  }
}
