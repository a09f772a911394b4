import type { Db } from './database';

export interface SourceRecord {
  id: string;
  name: string;
  kind: 'folder' | 'database';
  /** Kind-specific settings (folder path and globs, or database location); never a password. */
  config: Record<string, unknown>;
  paused: boolean;
  sandbox: boolean;
  status: string;
  statusMessage: string | null;
  createdAt: string;
}

interface Row {
  id: string;
  name: string;
  kind: 'folder' | 'database';
  config: string;
  paused: number;
  sandbox: number;
  status: string;
  status_message: string | null;
  created_at: string;
}

const fromRow = (r: Row): SourceRecord => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  config: JSON.parse(r.config) as Record<string, unknown>,
  paused: r.paused === 1,
  sandbox: r.sandbox === 1,
  status: r.status,
  statusMessage: r.status_message,
  createdAt: r.created_at,
});

export type FileStatus = 'pending' | 'processed' | 'failed' | 'duplicate';

export interface SourceFileRecord {
  /** Unique across contents and duplicate sightings. */
  key: string;
  path: string;
  sha256: string;
  size: number;
  seenAt: string;
  status: FileStatus;
  runId: number | null;
  /** For a duplicate: where the same content was first seen. */
  duplicateOf: string | null;
  /** The outcome of the run that took it (for a duplicate: the original's run). */
  runStatus: string | null;
  runRejected: number | null;
  runHeld: number | null;
  runSent: number | null;
}

export class SourcesRepo {
  constructor(private readonly db: Db) {}

  list(): SourceRecord[] {
    return (this.db.prepare('SELECT * FROM sources ORDER BY name').all() as Row[]).map(fromRow);
  }

  get(idOrName: string): SourceRecord | null {
    const row = this.db.prepare('SELECT * FROM sources WHERE id = ? OR name = ?').get(idOrName, idOrName) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  insert(s: SourceRecord): void {
    this.db
      .prepare(
        `INSERT INTO sources (id, name, kind, config, paused, sandbox, status, status_message, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.id, s.name, s.kind, JSON.stringify(s.config), s.paused ? 1 : 0, s.sandbox ? 1 : 0, s.status, s.statusMessage, s.createdAt);
  }

  setStatus(id: string, status: string, message: string | null): void {
    this.db.prepare('UPDATE sources SET status = ?, status_message = ? WHERE id = ?').run(status, message, id);
  }

  /**
   * A database source's row count and when it was counted, kept in its config so the list
   * (re-read every few seconds) never has to ask the database.
   */
  setRowCount(id: string, rowCount: number, countedAt: string): void {
    this.db
      .prepare(`UPDATE sources SET config = json_set(config, '$.rowCount', ?, '$.rowCountAt', ?) WHERE id = ?`)
      .run(rowCount, countedAt, id);
  }

  /** A source changed in place: its name and settings (jobs, mappings and files keep pointing at its id). */
  update(id: string, name: string, config: Record<string, unknown>): void {
    this.db.prepare('UPDATE sources SET name = ?, config = ? WHERE id = ?').run(name, JSON.stringify(config), id);
  }

  setPaused(id: string, paused: boolean): void {
    this.db.prepare('UPDATE sources SET paused = ? WHERE id = ?').run(paused ? 1 : 0, id);
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM sources WHERE id = ?').run(id);
  }

  // ------------------------------------------------ files seen in a folder source

  /**
   * The content hash of a file already seen at this path with this exact size and modification
   * time, or null: such a file is that content and need not be read again.
   */
  knownHash(sourceId: string, path: string, size: number, mtimeMs: number): string | null {
    const row = this.db
      .prepare(
        `SELECT sha256 FROM source_files WHERE source_id = ? AND path = ? AND size = ? AND mtime_ms = ?
         UNION ALL
         SELECT sha256 FROM source_file_duplicates WHERE source_id = ? AND path = ? AND size = ? AND mtime_ms = ?
         LIMIT 1`,
      )
      .pluck()
      .get(sourceId, path, size, mtimeMs, sourceId, path, size, mtimeMs) as string | undefined;
    return row ?? null;
  }

  /**
   * Where the file a run read is now (moved to processed/, say): found by its content, which
   * later runs of the same file share; runs recorded before contents were kept, by run.
   */
  fileOfRun(runId: number): { path: string; sha256: string } | null {
    const byContent = this.db
      .prepare(
        `SELECT f.path, f.sha256 FROM runs r JOIN jobs j ON j.id = r.job_id
           JOIN source_files f ON f.source_id = j.source_id AND f.sha256 = r.file_sha256
          WHERE r.id = ?`,
      )
      .get(runId) as { path: string; sha256: string } | undefined;
    return byContent ?? (this.db.prepare('SELECT path, sha256 FROM source_files WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(runId) as { path: string; sha256: string } | undefined) ?? null;
  }

  /** Whether this content was seen at this path as a copy of a file taken before. */
  sightedAt(sourceId: string, path: string, sha256: string): boolean {
    return this.db.prepare('SELECT 1 FROM source_file_duplicates WHERE source_id = ? AND path = ? AND sha256 = ? LIMIT 1').get(sourceId, path, sha256) !== undefined;
  }

  /** The content of the file the source synced last (what it holds now, as far as the agent knows). */
  latestProcessed(sourceId: string): string | null {
    const row = this.db
      .prepare(`SELECT sha256 FROM source_files WHERE source_id = ? AND status = 'processed' ORDER BY COALESCE(run_id, 0) DESC, seen_at DESC LIMIT 1`)
      .pluck()
      .get(sourceId) as string | undefined;
    return row ?? null;
  }

  fileByHash(sourceId: string, sha256: string): { path: string; status: FileStatus; runId: number | null } | null {
    const row = this.db
      .prepare('SELECT path, status, run_id AS runId FROM source_files WHERE source_id = ? AND sha256 = ?')
      .get(sourceId, sha256) as { path: string; status: FileStatus; runId: number | null } | undefined;
    return row ?? null;
  }

  /**
   * Records a file's state, one row per content. A duplicate of content already recorded is a
   * separate sighting: it must never replace the original's outcome, which the ledger relies on.
   */
  recordFile(sourceId: string, f: { path: string; sha256: string; size: number; seenAt: string; status: FileStatus; runId?: number | null; mtimeMs?: number | null }): void {
    if (f.status === 'duplicate' && this.fileByHash(sourceId, f.sha256)) {
      this.db
        .prepare('INSERT INTO source_file_duplicates (source_id, path, sha256, size, seen_at, mtime_ms) VALUES (?, ?, ?, ?, ?, ?)')
        .run(sourceId, f.path, f.sha256, f.size, f.seenAt, f.mtimeMs ?? null);
      return;
    }
    // The mtime belongs to the sighting that was hashed; an outcome recorded later without one
    // keeps it (a file left in place after its run still has it; a moved one keeps it too).
    this.db
      .prepare(
        `INSERT INTO source_files (source_id, path, sha256, size, seen_at, status, run_id, mtime_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (source_id, sha256) DO UPDATE SET path = excluded.path, status = excluded.status, removed_at = NULL,
           run_id = COALESCE(excluded.run_id, source_files.run_id), seen_at = excluded.seen_at,
           mtime_ms = COALESCE(excluded.mtime_ms, source_files.mtime_ms)`,
      )
      .run(sourceId, f.path, f.sha256, f.size, f.seenAt, f.status, f.runId ?? null, f.mtimeMs ?? null);
  }

  lastFile(sourceId: string): string | null {
    const row = this.db
      // By when it was seen: a content taken again (v5 = v3) keeps its first row's id.
      .prepare('SELECT path FROM source_files WHERE source_id = ? ORDER BY seen_at DESC, id DESC LIMIT 1')
      .get(sourceId) as { path: string } | undefined;
    return row?.path ?? null;
  }

  /**
   * The files a folder source has seen, newest first (the Sources page's files view): each
   * content once with its outcome, and each later copy as a duplicate of it, with its run.
   */
  files(sourceId: string, limit: number): SourceFileRecord[] {
    return this.db
      .prepare(
        `SELECT x.*, r.status AS runStatus, r.rejected AS runRejected, r.held AS runHeld, r.created + r.updated + r.deleted AS runSent FROM (
           SELECT * FROM (
             SELECT 'f' || id AS key, path, sha256, size, seen_at AS seenAt, status, run_id AS runId, NULL AS duplicateOf
               FROM source_files WHERE source_id = ?
             UNION ALL
             SELECT 'd' || d.id, d.path, d.sha256, d.size, d.seen_at, 'duplicate', f.run_id, f.path
               FROM source_file_duplicates d
               LEFT JOIN source_files f ON f.source_id = d.source_id AND f.sha256 = d.sha256
               WHERE d.source_id = ?
           ) ORDER BY seenAt DESC, key DESC LIMIT ?
         ) x LEFT JOIN runs r ON r.id = x.runId ORDER BY x.seenAt DESC, x.key DESC`,
      )
      .all(sourceId, sourceId, limit) as SourceFileRecord[];
  }

  fileCount(sourceId: string): number {
    const n = (sql: string) => (this.db.prepare(sql).get(sourceId) as { n: number }).n;
    return n('SELECT COUNT(*) AS n FROM source_files WHERE source_id = ?') + n('SELECT COUNT(*) AS n FROM source_file_duplicates WHERE source_id = ?');
  }

  /** Files left waiting in the folder, newest first, each with the run that left it there (if one did). */
  waitingFiles(sourceId: string, limit = 5): { path: string; runId: number | null; runStatus: string | null; runError: string | null }[] {
    return this.db
      .prepare(
        `SELECT f.path AS path, f.run_id AS runId, r.status AS runStatus, r.error AS runError FROM source_files f LEFT JOIN runs r ON r.id = f.run_id
         WHERE f.source_id = ? AND f.status = 'pending' ORDER BY f.seen_at DESC, f.id DESC LIMIT ?`,
      )
      .all(sourceId, limit) as { path: string; runId: number | null; runStatus: string | null; runError: string | null }[];
  }

  /** A waiting file that is no longer there (a person deleted it, or moved it away): no longer waiting. */
  forgetPending(sourceId: string, path: string): boolean {
    return this.db.prepare(`DELETE FROM source_files WHERE source_id = ? AND path = ? AND status = 'pending'`).run(sourceId, path).changes > 0;
  }

  // ------------------------------------------------ clean-up of processed/ and failed/

  /**
   * Every path the agent may still read a file from: files waiting to be taken or tried again, and
   * files whose held values are not sent yet (the held run's file by content, its copies, and the
   * path the run read). The held condition is RunsRepo.heldSentBy's: a held run counts until a
   * later run of the same job and content finished with nothing held. A run whose job was removed
   * (its job_id cleared) can no longer be sent, so it does not count.
   */
  pathsStillNeeded(): string[] {
    return this.db
      .prepare(
        `WITH held AS (
           SELECT r.file_sha256 AS sha256, r.file AS file FROM runs r
            WHERE r.held > 0 AND r.file_sha256 IS NOT NULL AND r.job_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM runs later WHERE later.job_id = r.job_id AND later.id > r.id AND later.file_sha256 = r.file_sha256
                                AND later.held = 0 AND later.status IN ('succeeded', 'succeeded_with_rejections')))
         SELECT path FROM source_files WHERE status = 'pending' OR sha256 IN (SELECT sha256 FROM held)
         UNION SELECT path FROM source_file_duplicates WHERE sha256 IN (SELECT sha256 FROM held)
         UNION SELECT file FROM held WHERE file IS NOT NULL`,
      )
      .pluck()
      .all() as string[];
  }

  /** When the agent last recorded a file at this path (moved there after its run, or a copy put there), or null. */
  /** The folder clean-up removed the file at this path (run pages and "Send the file again" then say so). */
  noteRemoved(sourceId: string, path: string, at: string): void {
    this.db.prepare('UPDATE source_files SET removed_at = ? WHERE source_id = ? AND path = ?').run(at, sourceId, path);
  }

  recordedAt(sourceId: string, path: string): string | null {
    const at = this.db
      .prepare(
        `SELECT MAX(seen_at) FROM (
           SELECT seen_at FROM source_files WHERE source_id = ? AND path = ?
           UNION ALL SELECT seen_at FROM source_file_duplicates WHERE source_id = ? AND path = ?)`,
      )
      .pluck()
      .get(sourceId, path, sourceId, path) as string | null | undefined;
    return at ?? null;
  }

  /** A run of one of this source's jobs has not finished: it may be moving a file into processed/ or failed/ right now. */
  hasRunInProgress(sourceId: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM runs r JOIN jobs j ON j.id = r.job_id WHERE j.source_id = ? AND r.finished_at IS NULL LIMIT 1')
        .get(sourceId) !== undefined
    );
  }

  pendingFiles(sourceId: string): number {
    return (
      this.db.prepare(`SELECT COUNT(*) AS n FROM source_files WHERE source_id = ? AND status = 'pending'`).get(sourceId) as {
        n: number;
      }
    ).n;
  }
}
