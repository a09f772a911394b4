import { lstat, mkdir, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { RowError } from '../../../../shared/domain';
import { neutraliseCell } from '../../csv-safety';
import { claimFreeName, moveExclusive, splitExtension } from '../../fs-exclusive';

export type DisposeOutcome = 'processed' | 'failed';
export type DisposePolicy = 'move' | 'leave' | 'delete';

export interface DisposeResult {
  /** Where the file is now (null when deleted). */
  path: string | null;
  errorsCsv: string | null;
}

export { neutraliseCell };

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** The name itself, then `<stem>.<stamp><ext>`, then `<stem>.<stamp>-<n><ext>`. */
function* stampedNames(name: string): Generator<string> {
  const { stem, ext } = splitExtension(name);
  yield name;
  yield `${stem}.${stamp()}${ext}`;
  for (let i = 2; i < 1000; i++) yield `${stem}.${stamp()}-${i}${ext}`;
}

export function errorsCsvText(errors: RowError[]): string {
  return stringify(
    errors.map((e) => [e.line ?? '', neutraliseCell(e.column ?? ''), neutraliseCell(e.value ?? ''), neutraliseCell(e.reason)]),
    { header: true, columns: ['line', 'column', 'value', 'reason'], bom: true },
  );
}

/**
 * After a run: move the file into `processed/` or `failed/` under the watched folder (or
 * leave / delete it), never overwriting. A failed file gets `<name>.errors.csv` beside it; so
 * does a file moved to processed/ whose run rejected rows.
 * A failed file is never deleted, whatever the policy: the person needs it to fix the data.
 */
export async function disposeFileIn(
  root: string,
  path: string,
  outcome: DisposeOutcome,
  policy: DisposePolicy,
  errors: RowError[] = [],
): Promise<DisposeResult> {
  let finalPath: string | null = path;
  if (policy === 'delete' && outcome === 'processed') {
    await unlink(path);
    finalPath = null;
  } else if (policy === 'move' || policy === 'delete') {
    const dir = join(root, outcome);
    await mkdir(dir, { recursive: true });
    // processed/ and failed/ must be real folders inside the watched one: a symlink planted
    // under that name would carry every synced file out of it.
    const kind = await lstat(dir);
    if (kind.isSymbolicLink() || !kind.isDirectory()) {
      throw new Error(`${dir} is ${kind.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}, so the file was left where it is. Replace it with a plain folder named "${outcome}".`);
    }
    // A file read again from processed/ (to send its held values) stays where it is.
    if (dirname(path) !== dir) finalPath = await claimFreeName(dir, stampedNames(basename(path)), (dest) => moveExclusive(path, dest));
  }
  let errorsCsv: string | null = null;
  // A failed file gets why, wherever it is; a synced file with rejected rows gets them once it is in
  // processed/ (a colleague who dropped it finds them there, without the app).
  const movedInto = finalPath !== null && dirname(finalPath) === join(root, outcome);
  if (finalPath && (outcome === 'failed' || (errors.length > 0 && movedInto))) {
    const text = errorsCsvText(errors);
    errorsCsv = await claimFreeName(dirname(finalPath), stampedNames(`${basename(finalPath)}.errors.csv`), (dest) => writeFile(dest, text, { flag: 'wx' }));
  }
  return { path: finalPath, errorsCsv };
}

