/**
 * Age-based clean-up of the `processed/` and `failed/` folders the agent fills under each watched
 * folder (Settings: keepFolderFilesDays). Runs with history retention, at start and daily.
 *
 * It removes only regular files directly inside `<watched>/processed` and `<watched>/failed` of the
 * folder sources the store knows, and only when those are real folders: a symlink (the folder
 * itself or an entry in it) is never followed nor removed, nothing is recursed into, and nothing in
 * the watched folder itself is touched. Files the agent may still read (held values not sent yet,
 * a file waiting to be tried again) stay whatever their age, and so does the `<name>.errors.csv`
 * beside a file that stays. A file that cannot be removed is logged and skipped.
 */
import type { BigIntStats } from 'node:fs';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { OUTCOME_DIRS } from './filters';

/** What the clean-up asks the store (SourcesRepo). */
export interface FolderCleanupStore {
  list(): { id: string; kind: string; config: Record<string, unknown> }[];
  pathsStillNeeded(): string[];
  recordedAt(sourceId: string, path: string): string | null;
  hasRunInProgress(sourceId: string): boolean;
  noteRemoved(sourceId: string, path: string, at: string): void;
}

export interface FolderCleanupOptions {
  sources: FolderCleanupStore;
  /** null keeps every file (nothing on disk is even looked at). */
  keepDays: number | null;
  now: Date;
  logger?: Logger;
  /** Stops before the next removal when it returns true (engine shutting down). */
  cancelled?: () => boolean;
}

export interface FolderCleanupResult {
  removed: number;
  /** Files old enough that could not be removed (each logged). */
  failed: number;
}

/**
 * What dispose.ts writes beside a file: `<name>.errors.csv`, or, when that name was taken,
 * `<name>.errors.<stamp>.csv` / `<name>.errors.<stamp>-<n>.csv`.
 */
const COMPANION = /^(.+)\.errors(?:\.\d{8}T\d{6}Z(?:-\d+)?)?\.csv$/;

interface Entry {
  name: string;
  path: string;
  mtimeMs: number;
  dev: bigint;
  ino: bigint;
}

/**
 * Paths compared for "still needed" are folded (case, Unicode form): on a case-insensitive disk
 * two spellings are one file, and on any other the fold can only keep a file more, never less.
 */
const neededKey = (p: string) => resolve(p).normalize('NFC').toLowerCase();

const errCode = (err: unknown) => (err as NodeJS.ErrnoException | null)?.code ?? (err instanceof Error ? err.message : String(err));

export async function cleanUpFolderFiles(o: FolderCleanupOptions): Promise<FolderCleanupResult> {
  const result: FolderCleanupResult = { removed: 0, failed: 0 };
  if (o.keepDays === null) return result;
  const cancelled = o.cancelled ?? (() => false);
  const cutoffMs = o.now.getTime() - o.keepDays * 86_400_000;

  // One folder may back several sources; it is cleaned once, with what each of them recorded.
  const folders = new Map<string, { id: string; root: string }[]>();
  for (const s of o.sources.list()) {
    const root = typeof s.config.path === 'string' ? s.config.path : '';
    if (s.kind !== 'folder' || !isAbsolute(root)) continue;
    const key = resolve(root);
    folders.set(key, [...(folders.get(key) ?? []), { id: s.id, root }]);
  }
  if (!folders.size) return result;
  // Read before anything is removed: if the store cannot say which files are still needed, nothing goes.
  const needed = new Set(o.sources.pathsStillNeeded().map(neededKey));

  const perFolder: { folder: string; removed: number }[] = [];
  for (const [folder, sources] of folders) {
    if (cancelled()) break;
    let removed = 0;
    for (const sub of OUTCOME_DIRS) {
      const r = await cleanDir(join(folder, sub), sub, sources);
      removed += r.removed;
      result.failed += r.failed;
    }
    result.removed += removed;
    if (removed) perFolder.push({ folder, removed });
  }
  if (result.removed) {
    const days = `${o.keepDays} day${o.keepDays === 1 ? '' : 's'}`;
    o.logger?.info(
      { folderCleanup: { keepDays: o.keepDays, removed: result.removed, failed: result.failed, folders: perFolder } },
      `folder clean-up removed ${result.removed} file${result.removed === 1 ? '' : 's'} older than ${days} from processed/ and failed/ of ${perFolder.map((f) => f.folder).join(', ')} (Settings: keep files in processed/ and failed/ for ${days})`,
    );
  }
  return result;

  async function cleanDir(dir: string, sub: string, sources: { id: string; root: string }[]): Promise<FolderCleanupResult> {
    const r: FolderCleanupResult = { removed: 0, failed: 0 };
    let dirStat: BigIntStats;
    try {
      dirStat = await lstat(dir, { bigint: true });
    } catch (err) {
      if (errCode(err) !== 'ENOENT' && errCode(err) !== 'ENOTDIR') {
        o.logger?.warn({ dir, err: errCode(err) }, `${dir} could not be read (${errCode(err)}), so its old files were not removed; they are tried again at the next daily clean-up`);
      }
      return r;
    }
    // As dispose.ts refuses to move files into it: a symlink named processed/ leads out of the watched folder.
    if (dirStat.isSymbolicLink() || !dirStat.isDirectory()) {
      o.logger?.warn({ dir }, `${dir} is ${dirStat.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}, so nothing in it was removed. Replace it with a plain folder named "${sub}".`);
      return r;
    }

    const entries = new Map<string, Entry>();
    try {
      for (const d of await readdir(dir, { withFileTypes: true })) {
        // The agent never takes a dot file, so one here is not its own (a file manager's or sync tool's state).
        if (!d.isFile() || d.name.startsWith('.')) continue;
        const path = join(dir, d.name);
        const st = await lstat(path, { bigint: true }).catch(() => null);
        if (!st?.isFile()) continue;
        entries.set(d.name, { name: d.name, path, mtimeMs: Number(st.mtimeMs), dev: st.dev, ino: st.ino });
      }
    } catch (err) {
      o.logger?.warn({ dir, err: errCode(err) }, `${dir} could not be listed (${errCode(err)}), so its old files were not removed; they are tried again at the next daily clean-up`);
      return r;
    }
    // A run moves its file in here before it records where the file went and what it held, so a file
    // listed while a run is in progress may look old (its mtime is the export's) and unclaimed. With
    // no run in progress once listed, every file a run moved in is recorded. Tried at the next pass.
    if (sources.some((s) => o.sources.hasRunInProgress(s.id))) {
      o.logger?.debug({ dir }, `old files in ${dir} were not removed because a run of this folder is in progress; they are at the next daily clean-up`);
      return r;
    }

    const parentOf = (name: string) => {
      const m = COMPANION.exec(name);
      return m && entries.has(m[1]!) ? m[1]! : null;
    };
    const companions = new Map<string, Entry[]>();
    for (const e of entries.values()) {
      const p = parentOf(e.name);
      if (p) companions.set(p, [...(companions.get(p) ?? []), e]);
    }
    /** The newest sign of this file, its errors.csv included. */
    const newestOnDisk = (e: Entry): number => Math.max(e.mtimeMs, ...(companions.get(e.name) ?? []).map(newestOnDisk));
    // A move into processed/ keeps the file's mtime (link/rename, or a copy that keeps times), which is
    // often the export's, months before the agent took it. So a file's age counts from the newest of
    // its mtime, its errors.csv (written when it was moved) and when the store last recorded it at
    // this path (the move, or a read again for held values). Setting the mtime on the move instead
    // would lose the export's time, miss files moved before this clean-up existed, and make a re-read
    // soon after look like a file still being written (readers/csv.ts).
    const expired = (e: Entry): boolean => {
      if (newestOnDisk(e) >= cutoffMs) return false;
      for (const s of sources) {
        const at = Date.parse(o.sources.recordedAt(s.id, join(s.root, sub, e.name)) ?? '');
        if (at >= cutoffMs) return false;
      }
      return true;
    };
    const decided = new Map<string, boolean>();
    const doomed = (name: string): boolean => {
      const known = decided.get(name);
      if (known !== undefined) return known;
      const parent = parentOf(name);
      const e = entries.get(name)!;
      // An errors.csv goes with its file, never before it.
      const verdict = parent !== null ? doomed(parent) : !needed.has(neededKey(e.path)) && expired(e);
      decided.set(name, verdict);
      return verdict;
    };

    // The file is gone either way; a store that cannot say so only leaves its run pages less exact.
    const noteRemoved = (name: string) => {
      try {
        for (const s of sources) o.sources.noteRemoved(s.id, join(s.root, sub, name), o.now.toISOString());
      } catch (err) {
        o.logger?.warn({ err: errCode(err), file: join(dir, name) }, 'could not record that the folder clean-up removed a file');
      }
    };
    const gone = new Set<string>();
    // Shorter names first: a file before its errors.csv, which waits for the file to really be gone.
    for (const name of [...entries.keys()].filter(doomed).sort((a, b) => a.length - b.length || a.localeCompare(b))) {
      if (cancelled()) break;
      const parent = parentOf(name);
      if (parent !== null && !gone.has(parent)) continue;
      const e = entries.get(name)!;
      try {
        // Checked again just before the removal: the folder must still be the one listed, and the name
        // still the file that was judged (not a symlink or another file put there since).
        const nowDir = await lstat(dir, { bigint: true });
        if (nowDir.isSymbolicLink() || nowDir.dev !== dirStat.dev || nowDir.ino !== dirStat.ino) {
          o.logger?.warn({ dir }, `${dir} was replaced while its old files were being removed, so the clean-up stopped there. Make sure it is a plain folder named "${sub}"; the rest is removed at the next daily clean-up.`);
          break;
        }
        const nowFile = await lstat(e.path, { bigint: true });
        if (!nowFile.isFile() || nowFile.dev !== e.dev || nowFile.ino !== e.ino) continue;
        await unlink(e.path);
        gone.add(name);
        r.removed++;
        if (parent === null) noteRemoved(e.name);
      } catch (err) {
        if (errCode(err) === 'ENOENT') {
          gone.add(name); // removed meanwhile (a person, or another clean-up): what it judged is gone all the same
          continue;
        }
        r.failed++;
        o.logger?.warn(
          { path: e.path, err: errCode(err) },
          `could not remove the old file ${e.path} (${errCode(err)}); it is tried again at the next daily clean-up. If this repeats, close any program that has it open, or give the agent's user the right to delete files in ${dir}.`,
        );
      }
    }
    return r;
  }
}
