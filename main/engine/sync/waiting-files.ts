import { scanReadyFiles, type ReadyFile } from '../sources/folder';
import type { SourceRecord, Store } from '../store';

/**
 * The fully written files waiting in a folder source right now, as "Run now" takes them: files
 * processed, failed or recorded as duplicates before are left alone, and a second copy of the
 * same content found in the same pass is recorded as a duplicate of the first. Used by the
 * running agent's service and by a CLI `run` without an agent, so both take the same files.
 */
export async function takeWaitingFiles(
  store: Store,
  source: SourceRecord,
  opts: {
    now: () => string;
    /** Content already queued or running in this process: skipped (the caller records duplicates). */
    inFlight?: (file: ReadyFile) => 'skip' | 'duplicate' | null;
    onScanError?: (err: unknown) => void;
    /** Filled with the names of matching files not taken because they are still being written. */
    stillWriting?: string[];
    /** Leave files whose last run stopped for a person's decision (a schedule takes them only once decided). */
    skipAwaitingDecision?: boolean;
  },
): Promise<ReadyFile[]> {
  const c = source.config;
  let files: ReadyFile[] = [];
  try {
    files = await scanReadyFiles({
      path: String(c.path),
      recursive: Boolean(c.recursive),
      include: Array.isArray(c.include) ? (c.include as string[]) : undefined,
      exclude: Array.isArray(c.exclude) ? (c.exclude as string[]) : undefined,
      stableMs: typeof c.stableMs === 'number' ? c.stableMs : undefined,
      // Files kept in the folder after their run are not hashed again on every Run now.
      knownHash: (f) => store.sources.knownHash(source.id, f.path, f.size, f.mtimeMs),
      onStillWriting: (rel) => opts.stillWriting?.push(rel),
    });
  } catch (err) {
    opts.onScanError?.(err);
  }
  const taken: ReadyFile[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const flying = opts.inFlight?.(file) ?? null;
    if (flying === 'skip') continue;
    const duplicate = flying === 'duplicate' || seen.has(file.sha256);
    if (!duplicate) {
      const known = store.sources.fileByHash(source.id, file.sha256);
      // Processed, failed or a duplicate before: that file (or a copy seen before) is not taken
      // again. Content dropped anew under another name is, when its run failed, or when it is not
      // what the source synced last (a correction withdrawn): the ledger then sends what differs.
      if (known && known.status !== 'pending') {
        const anew =
          known.path !== file.path &&
          !store.sources.sightedAt(source.id, file.path, file.sha256) &&
          (known.status === 'failed' || (known.status === 'processed' && store.sources.latestProcessed(source.id) !== file.sha256));
        if (!anew) {
          // A copy of the latest synced content, seen here for the first time: recorded as the
          // duplicate it is, so it is not taken later once other content was synced after it.
          if (known.path !== file.path && !store.sources.sightedAt(source.id, file.path, file.sha256)) {
            store.sources.recordFile(source.id, { path: file.path, sha256: file.sha256, size: file.size, mtimeMs: file.mtimeMs, seenAt: opts.now(), status: 'duplicate' });
          }
          continue;
        }
      }
      if (opts.skipAwaitingDecision && known?.runId != null && store.runs.get(known.runId)?.status === 'needs_attention') continue;
    }
    store.sources.recordFile(source.id, { path: file.path, sha256: file.sha256, size: file.size, mtimeMs: file.mtimeMs, seenAt: opts.now(), status: duplicate ? 'duplicate' : 'pending' });
    if (duplicate) continue;
    seen.add(file.sha256);
    taken.push(file);
  }
  return taken;
}
