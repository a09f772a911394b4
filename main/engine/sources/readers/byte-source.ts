import { open, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { SourceFileError, displayName } from '../errors';
import { PinnedFile } from './pinned-file';

/**
 * A file or a one-shot stream, read twice: once a head sample for sniffing, then whole.
 * For a stream the sampled chunks are kept and replayed, so only the sample is held.
 */
export interface ByteSource {
  name?: string;
  /** Up to `bytes` from the start, and whether that is the whole input. */
  head(bytes: number): Promise<{ bytes: Uint8Array; complete: boolean }>;
  /** The full content from the first byte. */
  all(): AsyncIterable<Uint8Array>;
  /** Cancels an unfinished stream input. */
  close(): Promise<void>;
  /** Bytes handed out by all() so far: how far a reader has got through a file. */
  bytesRead(): number;
}

/** A path (opened for each read), a taken file's open descriptor, or a one-shot stream. */
export type ByteInput = string | PinnedFile | AsyncIterable<Uint8Array | string>;

/** The file name of a path or taken file; undefined for a stream. */
export function inputPath(input: ByteInput): string | undefined {
  return typeof input === 'string' ? input : input instanceof PinnedFile ? input.path : undefined;
}

export async function openByteSource(input: ByteInput, name?: string): Promise<ByteSource> {
  if (typeof input === 'string' || input instanceof PinnedFile) return fileSource(input);
  return streamSource(input, name);
}

async function fileSource(input: string | PinnedFile): Promise<ByteSource> {
  const pinned = input instanceof PinnedFile ? input : null;
  const path = pinned ? pinned.path : (input as string);
  if (!pinned) {
    try {
      const s = await stat(path);
      if (s.isDirectory()) throw new SourceFileError('FILE_UNREADABLE', `${displayName(path)} is a folder, not a file.`, { file: path });
    } catch (err) {
      throw toFsError(err, path);
    }
  }
  let read = 0;
  return {
    name: path,
    async head(bytes) {
      let fh;
      try {
        fh = pinned ? pinned.handle : await open(path, 'r');
        const buf = Buffer.alloc(bytes);
        let filled = 0;
        while (filled < bytes) {
          const { bytesRead } = await fh.read(buf, filled, bytes - filled, filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        const size = (await fh.stat()).size;
        return { bytes: buf.subarray(0, filled), complete: filled >= size };
      } catch (err) {
        throw toFsError(err, path);
      } finally {
        if (!pinned) await fh?.close();
      }
    },
    bytesRead: () => read,
    async *all() {
      read = 0;
      const stream = pinned ? pinned.stream() : createReadStream(path, { highWaterMark: 64 * 1024 });
      try {
        for await (const chunk of stream) {
          read += (chunk as Buffer).byteLength;
          yield chunk as Buffer;
        }
      } catch (err) {
        throw toFsError(err, path);
      } finally {
        stream.destroy();
      }
    },
    async close() {},
  };
}

function streamSource(input: AsyncIterable<Uint8Array | string>, name?: string): ByteSource {
  const it = input[Symbol.asyncIterator]();
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let ended = false;
  let consumed = false;
  let read = 0;
  const pull = async (): Promise<boolean> => {
    const r = await it.next();
    if (r.done) {
      ended = true;
      return false;
    }
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : r.value;
    kept.push(chunk);
    keptBytes += chunk.byteLength;
    return true;
  };
  return {
    name,
    async head(bytes) {
      if (consumed) throw new SourceFileError('STREAM_ALREADY_CONSUMED', 'This input stream was already read once; open the source again.');
      while (keptBytes < bytes && !ended) await pull();
      const all = Buffer.concat(kept);
      return { bytes: all.subarray(0, bytes), complete: ended && all.byteLength <= bytes };
    },
    async *all() {
      if (consumed) throw new SourceFileError('STREAM_ALREADY_CONSUMED', 'This input stream was already read once; open the source again.');
      consumed = true;
      while (kept.length) {
        const chunk = kept.shift()!;
        read += chunk.byteLength;
        yield chunk;
      }
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        const chunk = typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : r.value;
        read += chunk.byteLength;
        yield chunk;
      }
    },
    bytesRead: () => read,
    async close() {
      await it.return?.();
    },
  };
}

export function toFsError(err: unknown, path: string): Error {
  if (err instanceof SourceFileError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new SourceFileError('FILE_NOT_FOUND', `${displayName(path)} was not found. It may have been moved or deleted; check the path.`, { file: path });
  if (code === 'EACCES' || code === 'EPERM')
    return new SourceFileError('FILE_UNREADABLE', `${displayName(path)} cannot be read: permission denied. Give the agent's user read access to it.`, { file: path });
  if (code === 'EBUSY')
    return new SourceFileError('FILE_UNREADABLE', `${displayName(path)} is locked by another program. Close it (for example in Excel) and try again.`, { file: path });
  return new SourceFileError('FILE_UNREADABLE', `${displayName(path)} could not be read (${code ?? (err as Error)?.message ?? 'unknown error'}).`, { file: path });
}
