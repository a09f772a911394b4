import { constants, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { SourceFileError, displayName } from '../errors';
import { toFsError } from './byte-source';

/**
 * A taken file, opened once: readers read this descriptor, never the path again, so a link or
 * another file renamed over the path after it was checked cannot be read in its place.
 */
export class PinnedFile {
  private closed = false;
  constructor(
    readonly path: string,
    readonly handle: FileHandle,
    readonly size: number,
  ) {}

  /**
   * A stream over bytes [start, end] (inclusive) read at their positions through the handle, so
   * several can be open at once and none closes the descriptor: fs.createReadStream({ fd })
   * closes it on destroy() whatever autoClose says, and the number could then name another file.
   */
  stream(opts: { start?: number; end?: number; highWaterMark?: number } = {}): Readable {
    const handle = this.handle;
    const chunk = opts.highWaterMark ?? 64 * 1024;
    const last = opts.end ?? Infinity;
    let pos = opts.start ?? 0;
    return new Readable({
      highWaterMark: chunk,
      read() {
        const want = Math.min(chunk, last - pos + 1);
        if (want <= 0) {
          this.push(null);
          return;
        }
        const buf = Buffer.allocUnsafe(want);
        handle.read(buf, 0, want, pos).then(
          ({ bytesRead }) => {
            if (bytesRead === 0) return void this.push(null);
            pos += bytesRead;
            this.push(buf.subarray(0, bytesRead));
          },
          (err: unknown) => this.destroy(err as Error),
        );
      },
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}

export function replacedError(path: string, why: string): SourceFileError {
  return new SourceFileError(
    'FILE_REPLACED',
    `${displayName(path)} was replaced while it was being taken (${why}), so nothing was read from it. It is left where it is and will be looked at again.`,
    { file: path },
  );
}

/** Linux and macOS refuse a symlink at open(); elsewhere the path is compared before and after. */
const NOFOLLOW = constants.O_NOFOLLOW as number | undefined;

/**
 * Opens `path` without following a link (watched folders never do) and proves it is the
 * content that was checked when the file was taken: a regular file of the same size whose
 * SHA-256, read from this descriptor, is the one the run was given. Re-hashing costs one more
 * pass over the file, but it is the only check that also holds for a file swapped during the
 * take's own hash, and for a file read again later (held rows) under its recorded hash.
 */
export async function openTakenFile(path: string, expected: { sha256: string; size: number }): Promise<PinnedFile> {
  let before: Stats | null = null;
  let handle: FileHandle;
  try {
    if (NOFOLLOW === undefined) {
      before = await lstat(path);
      if (!before.isFile()) throw replacedError(path, 'it is no longer a regular file');
    }
    handle = await open(path, constants.O_RDONLY | (NOFOLLOW ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    // O_NOFOLLOW on a symlink: ELOOP on Linux and macOS, EMLINK on FreeBSD.
    if (code === 'ELOOP' || code === 'EMLINK') throw replacedError(path, 'it is now a link');
    throw toFsError(err, path);
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw replacedError(path, 'it is no longer a regular file');
    if (before && (before.dev !== s.dev || before.ino !== s.ino)) throw replacedError(path, 'another file took its place');
    if (s.size !== expected.size) throw replacedError(path, `its size changed from ${expected.size} to ${s.size} bytes`);
    const pinned = new PinnedFile(path, handle, s.size);
    const hash = createHash('sha256');
    for await (const chunk of pinned.stream({ highWaterMark: 256 * 1024 })) hash.update(chunk);
    if (hash.digest('hex') !== expected.sha256) throw replacedError(path, 'its content is not what was checked');
    return pinned;
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err instanceof SourceFileError ? err : toFsError(err, path);
  }
}
