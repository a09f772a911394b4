import { copyFile, link, lstat, mkdir, unlink, writeFile, constants } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { RowError } from '../../../../shared/domain';
import { neutraliseCell } from '../../csv-safety';

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

/**
 * Moves without ever replacing: link() fails if the target exists, so the check and the move
 * are one step. Falls back to an exclusive copy where hard links are not possible (other
 * volume, some network shares).
 */
async function moveExclusive(src: string, dest: string): Promise<void> {
  try {
    await link(src, dest);
    await unlink(src);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw err;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
  }
  await copyFile(src, dest, constants.COPYFILE_EXCL);
  await unlink(src);
}

async function uniqueTarget(dir: string, name: string, attempt: (dest: string) => Promise<void>): Promise<string> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  const candidates = [name, `${stem}.${stamp()}${ext}`];
  for (let i = 2; i < 1000; i++) candidates.push(`${stem}.${stamp()}-${i}${ext}`);
  for (const c of candidates) {
    const dest = join(dir, c);
    try {
      await attempt(dest);
      return dest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`No free name for ${name} in ${dir}`);
}

export function errorsCsvText(errors: RowError[]): string {
  return stringify(
    errors.map((e) => [e.line ?? '', neutraliseCell(e.column ?? ''), neutraliseCell(e.value ?? ''), neutraliseCell(e.reason)]),
    { header: true, columns: ['line', 'column', 'value', 'reason'], bom: true },
  );
}

/**
 * After a run: move the file into `processed/` or `failed/` under the watched folder (or
 * leave / delete it), never overwriting. A failed file gets `<name>.errors.csv` beside it.
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
    finalPath = await uniqueTarget(dir, basename(path), (dest) => moveExclusive(path, dest));
  }
  let errorsCsv: string | null = null;
  if (outcome === 'failed' && finalPath) {
    const text = errorsCsvText(errors);
    errorsCsv = await uniqueTarget(dirname(finalPath), `${basename(finalPath)}.errors.csv`, (dest) => writeFile(dest, text, { flag: 'wx' }));
  }
  return { path: finalPath, errorsCsv };
}

