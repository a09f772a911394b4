import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { makePrivateDir, PRIVATE_FILE_MODE, restrictToOwner } from '../paths';
import { latestVersion, migrations, type Migration } from './migrations';

export type StoreErrorCode = 'corrupt' | 'locked' | 'newer-version' | 'unwritable' | 'migration-failed';

/** A store problem a person can act on; `path` is always the database file in question. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export type Db = Database.Database;

export interface OpenOptions {
  /** Milliseconds to wait on a lock held by another process before giving up. */
  busyTimeoutMs?: number;
  readonly?: boolean;
  migrations?: Migration[];
}

function sqliteCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
}

function classify(err: unknown, path: string): StoreError {
  const code = sqliteCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(
      'corrupt',
      path,
      `The agent's database at ${path} is damaged (${detail}). It has been left exactly as it is. ` +
        `Restore it from a backup, or move it aside (for example to ${path}.damaged) to start with an empty database.`,
    );
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED') {
    return new StoreError(
      'locked',
      path,
      `The agent's database at ${path} is locked by another program (${detail}). ` +
        `Close any other ESG Sync Agent using this data folder, or choose another one with --data-dir.`,
    );
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_IOERR' || code === 'SQLITE_FULL') {
    return new StoreError(
      'unwritable',
      path,
      `The agent cannot write its database at ${path} (${detail}). Check that the folder exists, is writable and the disk is not full.`,
    );
  }
  return new StoreError('migration-failed', path, `The agent's database at ${path} could not be opened: ${detail}`);
}

/**
 * Opens (creating if needed) the store: WAL, foreign keys, forward-only migrations.
 * A damaged or newer-version file is never replaced: we refuse with a StoreError that names it.
 */
export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  const list = opts.migrations ?? migrations;
  const target = list.length ? list[list.length - 1]!.version : latestVersion;
  if (path !== ':memory:') {
    try {
      makePrivateDir(dirname(path));
    } catch (err) {
      throw classify(Object.assign(new Error(String(err)), { code: 'SQLITE_CANTOPEN' }), path);
    }
    keepPrivate(path, !(opts.readonly ?? false));
  }
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (err) {
    throw classify(err, path);
  }
  try {
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    // Reading the header first distinguishes "not a database" from "locked".
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > target) {
      throw new StoreError(
        'newer-version',
        path,
        `The database at ${path} was written by a newer version of ESG Sync Agent (schema ${version}, this version knows ${target}). ` +
          `Install the newer version again, or use another data folder with --data-dir. The file has not been changed.`,
      );
    }
    if (!opts.readonly && version === 0 && !hasTables(db)) {
      // Must precede the first table, and even the switch to WAL, to take effect without a VACUUM.
      db.pragma('auto_vacuum = INCREMENTAL');
    }
    if (!opts.readonly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (path !== ':memory:' && mode !== 'wal') {
        throw new StoreError('locked', path, `Could not switch ${path} to WAL mode (got ${String(mode)}).`);
      }
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (version > 0 && path !== ':memory:') {
      // Verifies the pages of an existing file before we write to it; cheap next to a damaged history.
      const check = db.pragma('quick_check(1)', { simple: true });
      if (check !== 'ok') {
        throw Object.assign(new Error(`integrity check: ${String(check)}`), { code: 'SQLITE_CORRUPT' });
      }
    }
    if (!opts.readonly) migrate(db, list, version);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    throw classify(err, path);
  }
}

/** The files SQLite keeps beside a database in WAL mode (and the rollback journal of older versions). */
const SIDE_FILES = ['-wal', '-shm', '-journal'];

/**
 * The store holds the ledger, run history and settings: owner-only (0600). SQLite would create a
 * new file 0644 (less the umask), and gives its -wal and -shm the mode of the database file, so a
 * new file is created here first, empty and 0600, which SQLite takes as a new database. A store
 * written by an older version, or left with side files by a killed process, is tightened on open.
 * Best effort: when this cannot be done, opening goes on and SQLite reports any real problem.
 */
function keepPrivate(path: string, create: boolean): void {
  if (create) {
    try {
      closeSync(openSync(path, 'wx', PRIVATE_FILE_MODE));
    } catch {
      /* it exists, or cannot be created: SQLite says why below */
    }
  }
  for (const file of [path, ...SIDE_FILES.map((suffix) => path + suffix)]) restrictToOwner(file);
}

function migrate(db: Db, list: Migration[], from: number): void {
  for (const m of list) {
    if (m.version <= from) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  // Steps outside a transaction are re-checked at every open, so one interrupted (a kill during
  // VACUUM) or refused (disk full) is simply done at the next start.
  if (list.some((m) => m.afterCommit === 'incremental-vacuum')) ensureIncrementalVacuum(db);
}

function hasTables(db: Db): boolean {
  return (db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n > 0;
}

/** PRAGMA auto_vacuum values. */
const AUTO_VACUUM_INCREMENTAL = 2;

/**
 * Switches an existing database to incremental auto-vacuum, which needs one full VACUUM (it
 * rewrites the file, so it needs free disk space about the size of the database). When that is
 * not possible now, the database keeps working as before (freed pages are reused, the file just
 * does not shrink) and the switch is tried again at the next open. Returns whether it is in effect.
 */
export function ensureIncrementalVacuum(db: Db): boolean {
  if (db.pragma('auto_vacuum', { simple: true }) === AUTO_VACUUM_INCREMENTAL) return true;
  try {
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
  } catch (err) {
    const code = sqliteCode(err);
    // A damaged file must still stop the agent; anything else only postpones the switch.
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) throw err;
    return false;
  }
  return db.pragma('auto_vacuum', { simple: true }) === AUTO_VACUUM_INCREMENTAL;
}

/** Whether deleted history gives its space back to the file system (see ensureIncrementalVacuum). */
export function incrementalVacuumEnabled(db: Db): boolean {
  return db.pragma('auto_vacuum', { simple: true }) === AUTO_VACUUM_INCREMENTAL;
}

export function databaseExists(path: string): boolean {
  return path !== ':memory:' && existsSync(path);
}
