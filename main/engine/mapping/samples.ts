/**
 * Sample files a person dropped onto the mapping wizard. They are stored under the data folder
 * (`samples/<id>/<name>`, readable by this user only), checked to be a table the readers can
 * read, and only ever read as data: nothing here opens, runs or serves them back. Old samples
 * are pruned so the folder never grows without bound.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { SourceFileError } from '../sources/errors';
import { sampleFile } from '../sources/readers';

/** Largest sample accepted: the wizard reads a few hundred rows, a sample need not be the whole year. */
export const MAX_SAMPLE_BYTES = 20 * 1024 * 1024;
/** Samples older than this are removed on the next upload. */
export const SAMPLE_TTL_MS = 24 * 60 * 60 * 1000;
/** At most this many samples are kept; the oldest go first. */
export const MAX_SAMPLES = 20;

export const SAMPLE_EXTENSIONS = ['.csv', '.tsv', '.txt', '.xlsx', '.xlsm', '.json', '.ndjson', '.jsonl'] as const;
const ID = /^[A-Za-z0-9_-]{16}$/;

export type SampleErrorCode = 'too_large' | 'invalid' | 'not_found';

export class SampleError extends Error {
  override readonly name = 'SampleError';
  constructor(
    readonly code: SampleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface StoredSample {
  uploadId: string;
  name: string;
  size: number;
}

/** A file name safe to keep: its last path part, no control or reserved characters, a known extension. */
export function safeSampleName(raw: string): string {
  const base = basename(raw.replace(/\\/g, '/')).normalize('NFC');
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_').replace(/^\.+/, '').trim().slice(-120);
  const ext = extname(cleaned).toLowerCase();
  if (!cleaned || !(SAMPLE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new SampleError('invalid', `"${base || raw}" is not a file the wizard can read. Drop a CSV, TSV, TXT, Excel (.xlsx) or JSON file.`);
  }
  return cleaned;
}

export class SampleStore {
  readonly root: string;
  constructor(
    dataDir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.root = join(dataDir, 'samples');
  }

  /**
   * Streams `body` to disk, refusing more than `MAX_SAMPLE_BYTES`, then checks that the
   * readers can read it as a table. A refused file leaves nothing behind.
   */
  async save(rawName: string, body: AsyncIterable<Uint8Array> | Uint8Array, declaredSize?: number): Promise<StoredSample> {
    const name = safeSampleName(rawName);
    if (declaredSize !== undefined && declaredSize > MAX_SAMPLE_BYTES) throw tooLarge(name);
    await this.prune();
    const uploadId = randomBytes(12).toString('base64url');
    const dir = join(this.root, uploadId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, name);
    let size = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > MAX_SAMPLE_BYTES) done(tooLarge(name));
        else done(null, chunk);
      },
    });
    try {
      const input = body instanceof Uint8Array ? [body] : body;
      await pipeline(input, limit, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
      if (size === 0) throw new SampleError('invalid', `"${name}" is empty (0 bytes). Drop the exported file again once it has been written.`);
      try {
        await sampleFile(path, 5);
      } catch (err) {
        const why = err instanceof SourceFileError || err instanceof Error ? err.message : String(err);
        throw new SampleError('invalid', `"${name}" cannot be read as a table: ${why}`);
      }
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      if (err instanceof SampleError) throw err;
      throw new SampleError('invalid', `"${name}" could not be stored: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { uploadId, name, size };
  }

  /** The stored file of an upload id; the id is checked before it touches a path. */
  async path(uploadId: string): Promise<string> {
    if (!ID.test(uploadId)) throw new SampleError('not_found', 'That sample upload id is not valid. Drop the file again.');
    const dir = join(this.root, uploadId);
    let files: string[];
    try {
      files = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    } catch {
      throw new SampleError('not_found', 'The dropped sample is no longer kept (samples are removed after a day). Drop the file again.');
    }
    if (files.length !== 1) throw new SampleError('not_found', 'The dropped sample is incomplete. Drop the file again.');
    return join(dir, files[0]!);
  }

  /** Removes samples past their time and the oldest beyond the count limit. */
  async prune(): Promise<number> {
    let entries: { dir: string; mtimeMs: number }[];
    try {
      const names = await readdir(this.root);
      entries = (await Promise.all(names.map(async (n) => ({ dir: join(this.root, n), mtimeMs: (await stat(join(this.root, n)).catch(() => null))?.mtimeMs ?? 0 })))).sort((a, b) => b.mtimeMs - a.mtimeMs);
    } catch {
      return 0;
    }
    const cutoff = this.now() - SAMPLE_TTL_MS;
    const doomed = entries.filter((e, i) => e.mtimeMs < cutoff || i >= MAX_SAMPLES - 1);
    for (const e of doomed) await rm(e.dir, { recursive: true, force: true });
    return doomed.length;
  }
}

function tooLarge(name: string): SampleError {
  return new SampleError('too_large', `"${name}" is larger than ${MAX_SAMPLE_BYTES / 1024 / 1024} MB. A sample needs only the first rows: save a shorter extract and drop that.`);
}
