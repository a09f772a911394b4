/**
 * A file that appears under its final name only when complete: bytes go to `.<name>.partial` in
 * the same folder, are flushed to disk, and then the temp file is hard-linked to the final name
 * (same file system, so it appears whole at once). A reader polling the folder sees either nothing
 * or the whole file. An existing file is never replaced: when the name is taken (an earlier export
 * of the same day, a file someone put there), the file gets the first free name next to it,
 * `<stem> (2).<ext>`, `(3)` … — link() refuses an existing name, so the check and the move are one
 * step and two exports racing for one name both keep their file. A symlink or folder at the name
 * is refused, when the file is created and again at commit; link() never follows one either.
 * An export that holds everything each time ("replace": the same name is always the current
 * data) renames over the file instead: a reader sees the old file or the new one, never a mix.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { claimFreeName, moveExclusive, numberedNames } from '../../../fs-exclusive';
import { ExportError } from '../errors';

/**
 * Bytes a file writer buffers before it asks its producer to wait: fewer, larger writes than the
 * 16 KB stream default (one system call per 16 KB of a large export), memory still bounded.
 */
export const FILE_BUFFER_BYTES = 256 * 1024;

/**
 * A temp file untouched this long was left by a crashed run: a live export writes to it with
 * every page or two, and a platform that has not answered for an hour has failed the run's
 * retries long before.
 */
export const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Creates this export's temp file: `.<name>.partial`, or `.<name>.2.partial` … while another
 * export of the same name is writing (two jobs, one folder, the same second). Never takes over a
 * temp file in use — its writer would publish the other's bytes — but clears one a crashed run
 * left, and anything that is not a plain file (a planted symlink is removed, never followed).
 */
async function openTemp(dir: string, name: string): Promise<{ tempPath: string; stream: WriteStream }> {
  for (let i = 1; i <= 100; i++) {
    const tempPath = join(dir, i === 1 ? `.${name}.partial` : `.${name}.${i}.partial`);
    await clearLeftover(tempPath);
    // 'wx' = O_CREAT|O_EXCL: fails rather than follow a symlink planted at the temp name.
    const stream = createWriteStream(tempPath, { flags: 'wx', mode: 0o644, flush: true, highWaterMark: FILE_BUFFER_BYTES });
    const opened = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      stream.once('open', () => resolve(null));
      stream.once('error', (e) => resolve(e as NodeJS.ErrnoException));
    });
    if (!opened) return { tempPath, stream };
    if (opened.code === 'EEXIST') continue;
    throw new ExportError('destination_failed', `${cannotWriteIn(dir, opened)} Nothing was written; the next run tries again.`, { cause: opened });
  }
  throw new ExportError('destination_failed', `100 exports named "${name}" seem to be writing into "${dir}" at once; remove the .${name}.*.partial files there if no export is running.`);
}

async function clearLeftover(tempPath: string): Promise<void> {
  let st;
  try {
    st = await lstat(tempPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (st.isFile() && Date.now() - st.mtimeMs < STALE_TEMP_MS) return; // another export's, in use
  // unlink never follows a symlink.
  await unlink(tempPath).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

export class AtomicFile {
  private closed = false;

  private constructor(
    /** The name asked for; commit() may end at a numbered name next to it (see above). */
    readonly finalPath: string,
    readonly tempPath: string,
    readonly stream: WriteStream,
    private readonly replace: boolean,
  ) {}

  static async create(folder: string, name: string, opts: { replace?: boolean } = {}): Promise<AtomicFile> {
    if (name !== basename(name) || name === '.' || name === '..' || name.includes('\0')) {
      throw new ExportError('unsafe_destination', `"${name}" is not a plain file name; an export may only write inside its destination folder.`);
    }
    let dir: string;
    try {
      dir = await realpath(folder);
      if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
    } catch {
      throw new ExportError('destination_failed', `The destination folder "${folder}" does not exist or is not a folder. Create it or choose another one.`);
    }
    const finalPath = join(dir, name);
    if (dirname(finalPath) !== dir) throw new ExportError('unsafe_destination', `"${name}" would leave the destination folder "${folder}".`);
    await refuseLinkOrFolder(finalPath);
    const { tempPath, stream } = await openTemp(dir, name);
    return new AtomicFile(finalPath, tempPath, stream, opts.replace === true);
  }

  get bytes(): number {
    return this.stream.bytesWritten + this.stream.writableLength;
  }

  /** Writes respecting backpressure. */
  async write(chunk: string | Buffer): Promise<void> {
    if (!this.stream.write(chunk)) await waitDrain(this.stream);
  }

  /**
   * Ends the stream (if the caller did not), waits until the data is on disk, and moves it to the
   * asked-for name or, when that exists, the first free numbered name; returns the path it took.
   */
  async commit(): Promise<{ path: string; bytes: number }> {
    await this.close();
    await refuseLinkOrFolder(this.finalPath);
    if (this.replace) {
      // rename() replaces a link itself, never what it points to; checked just above anyway.
      try {
        await rename(this.tempPath, this.finalPath);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        // Windows refuses to replace a file another program holds open (Excel keeps its files locked).
        if (e.code === 'EPERM' || e.code === 'EBUSY' || e.code === 'EACCES') {
          throw new ExportError('destination_failed', `${basename(this.finalPath)} in ${dirname(this.finalPath)} could not be replaced (${e.code}): it is probably open in another program, such as Excel, or read-only. Close it (or make it writable) and run the export again; the file as it was is unchanged.`, { cause: e });
        }
        throw err;
      }
      return { path: this.finalPath, bytes: (await stat(this.finalPath)).size };
    }
    const path = await claimFreeName(dirname(this.finalPath), numberedNames(basename(this.finalPath)), (dest) => moveExclusive(this.tempPath, dest));
    const bytes = (await stat(path)).size;
    return { path, bytes };
  }

  /** Waits until the stream is closed (after its end() was called by us or by a library piping into it). */
  async close(): Promise<void> {
    if (this.closed) return;
    const s = this.stream;
    if (!s.closed) {
      await new Promise<void>((resolve, reject) => {
        s.once('close', () => resolve());
        s.once('error', reject);
        if (!s.writableEnded) s.end();
      });
    }
    this.closed = true;
  }

  async discard(): Promise<void> {
    this.stream.destroy();
    if (!this.stream.closed) await new Promise<void>((r) => this.stream.once('close', () => r()));
    this.closed = true;
    await unlink(this.tempPath).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
}

async function refuseLinkOrFolder(path: string): Promise<void> {
  const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (st === null) return;
  if (st.isSymbolicLink()) {
    throw new ExportError('unsafe_destination', `"${path}" is a symbolic link; the export never writes through links. Remove it or choose another file name.`);
  }
  if (!st.isFile()) throw new ExportError('unsafe_destination', `"${path}" exists and is not a regular file. Choose another file name.`);
}

function waitDrain(s: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      s.off('error', onError);
      resolve();
    };
    const onError = (e: Error) => {
      s.off('drain', onDrain);
      reject(e);
    };
    s.once('drain', onDrain);
    s.once('error', onError);
  });
}

/** Why a file cannot be created in an export folder, in words (the errno stays in brackets for the admin). */
export function cannotWriteIn(dir: string, e: NodeJS.ErrnoException): string {
  const why =
    e.code === 'EROFS'
      ? 'it is on a read-only drive or share'
      : e.code === 'EACCES' || e.code === 'EPERM'
        ? 'the agent may not write into it'
        : e.code === 'ENOSPC' || e.code === 'EDQUOT'
          ? 'its drive is full'
          : e.code === 'ENOENT'
            ? 'it does not exist (any more)'
            : (e.message ?? 'the system refused');
  return `The export folder ${dir} cannot take a new file: ${why} (${e.code ?? 'error'}). Make it writable for the agent, or choose another folder.`;
}
