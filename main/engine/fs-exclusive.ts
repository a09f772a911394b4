/**
 * Putting a file under a name without ever replacing what is already there. The check and the
 * move are one system call (link() and O_EXCL fail with EEXIST on an existing name, and neither
 * follows a symlink planted at it), so two writers racing for one name cannot both win and
 * nothing that appeared between a check and a rename can be overwritten.
 */
import { constants, copyFile, link, unlink } from 'node:fs/promises';
import { extname, join } from 'node:path';

/**
 * Moves `src` to `dest`, failing with EEXIST if `dest` exists. Falls back to an exclusive copy
 * where hard links are not possible (other volume, FAT, some network shares); there a reader
 * may see the copy while it is being made.
 */
export async function moveExclusive(src: string, dest: string): Promise<void> {
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

/**
 * Calls `attempt` with `dir/<name>` for each candidate name in turn until one does not fail with
 * EEXIST, and returns that path. `attempt` must itself refuse an existing name (moveExclusive,
 * writeFile with flag 'wx'), which is what makes the choice atomic. Any other error stops.
 */
export async function claimFreeName(dir: string, names: Iterable<string>, attempt: (dest: string) => Promise<void>): Promise<string> {
  let first: string | undefined;
  for (const name of names) {
    first ??= name;
    const dest = join(dir, name);
    try {
      await attempt(dest);
      return dest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`No free name for ${first ?? 'the file'} in ${dir}.`);
}

/** Splits `report.final.csv` into `report.final` and `.csv`; a name without extension has ''. */
export function splitExtension(name: string): { stem: string; ext: string } {
  const ext = extname(name);
  return { stem: name.slice(0, name.length - ext.length), ext };
}

/** `name`, then `stem (2).ext`, `stem (3).ext` … up to `stem (<limit>).ext` — the names people know from their file manager. */
export function* numberedNames(name: string, limit = 1000): Generator<string> {
  yield name;
  const { stem, ext } = splitExtension(name);
  for (let i = 2; i <= limit; i++) yield `${stem} (${i})${ext}`;
}
