import { lstat, open, readdir, realpath } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { ReadyFile } from './watcher';
import { isIgnoredDir, makeFileFilter } from './filters';
import { sha256File } from './hash';

export interface ScanOptions {
  path: string;
  recursive?: boolean;
  include?: string[];
  exclude?: string[];
  /** A file whose mtime is newer than this is still being written and is left for later. */
  stableMs?: number;
  now?: () => number;
  /** The hash of content already seen at this path, size and mtime (not read again), or null. */
  knownHash?: (file: { path: string; size: number; mtimeMs: number }) => string | null;
  /** Told of each matching file left for later because it is still being written. */
  onStillWriting?: (relPath: string) => void;
}

/**
 * One pass over a watched folder for the files it holds right now that are fully written
 * (unchanged for `stableMs`, openable), with the same filters, symlink and outcome-folder
 * rules as the watcher. Used by "Run now", which must take what is waiting without
 * waiting for a file event. A missing folder yields nothing; the watcher reports it.
 */
export async function scanReadyFiles(opts: ScanOptions): Promise<ReadyFile[]> {
  const root = resolve(opts.path);
  const rootReal = await realpath(root).catch(() => null);
  if (!rootReal) return [];
  const accept = makeFileFilter({ include: opts.include, exclude: opts.exclude });
  const stableMs = opts.stableMs ?? 2000;
  const now = opts.now ?? Date.now;
  const found: ReadyFile[] = [];

  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const abs = join(dir, e.name);
      const rel = relative(root, abs).split(sep).join('/');
      if (e.isDirectory()) {
        if (opts.recursive && !isIgnoredDir(rel)) await walk(abs);
        continue;
      }
      if (!e.isFile() || !accept(rel)) continue; // symlinks and special files are never followed
      const s = await lstat(abs).catch(() => null);
      if (!s?.isFile()) continue;
      if (now() - s.mtimeMs < stableMs) {
        opts.onStillWriting?.(rel);
        continue;
      }
      const real = await realpath(abs).catch(() => null);
      if (!real || !real.startsWith(rootReal + sep)) continue;
      const known = opts.knownHash?.({ path: abs, size: s.size, mtimeMs: s.mtimeMs }) ?? null;
      if (known) {
        found.push({ path: abs, relPath: rel, size: s.size, mtimeMs: s.mtimeMs, sha256: known });
        continue;
      }
      try {
        const fh = await open(abs, 'r');
        await fh.close();
      } catch {
        opts.onStillWriting?.(rel);
        continue; // still locked by its writer
      }
      const sha256 = await sha256File(abs).catch(() => null);
      const after = await lstat(abs).catch(() => null);
      if (!sha256 || !after || after.size !== s.size || after.mtimeMs !== s.mtimeMs) continue; // changed while hashing
      found.push({ path: abs, relPath: rel, size: s.size, mtimeMs: s.mtimeMs, sha256 });
    }
  };
  await walk(root);
  return found.sort((a, b) => a.mtimeMs - b.mtimeMs || a.relPath.localeCompare(b.relPath));
}
