/**
 * Sources as the UI and CLI manage them: add a watched folder or a database, test it, look at
 * its first rows, pause, resume and remove it. A database password goes to the secret store
 * under `source:<id>`; the saved config keeps only `passwordRef`, which is how the sync engine
 * finds it again. Every change is announced through `onChanged` so watchers can be re-armed.
 */
import { constants as fsConstants, existsSync } from 'node:fs';
import { access, lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import type { DatabaseChanges, FolderChanges, SourceFile, SourceSettings, UpdateSourceParams, UpdateSourceResult } from '../../../shared/contract/sources';
import type { SourceInfo } from '../../../shared/dto';
import { JobConfig } from '../../../shared/jobs';
import type { CellValue, SourceRow } from '../../../shared/domain';
import { uniqueId } from '../connections/ids';
import type { SecretStore } from '../secrets';
import type { JobRecord, MappingRecord, SourceRecord, Store } from '../store';
import { systemClock, type Clock } from '../store/clock';
import { DatabaseSourceError, SourceFileError } from './errors';
import { createDatabaseSource, DatabaseKind, type DatabaseSource } from './database';
import { isIgnoredDir, makeFileFilter } from './folder/filters';
import { sampleFile, openReader, type OpenReaderOptions, type TabularReader } from './readers';
import { normaliseEncodingName } from './readers/encoding';
import {
  changedKeys,
  columnNotes,
  databaseInputWith,
  databaseSettingsOf,
  folderConfigWith,
  folderMoveNote,
  folderSettingsOf,
  otherKindRefusal,
  readsOtherRows,
  rereadNotes,
} from './update';

export type SourceServiceErrorCode = 'not_found' | 'conflict' | 'in_use' | 'invalid' | 'source' | 'secrets';

/** A source operation refused with a reason a person can act on. */
export class SourceServiceError extends Error {
  override readonly name = 'SourceServiceError';
  constructor(
    readonly code: SourceServiceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const DEFAULT_INCLUDE = ['*.csv', '*.tsv', '*.txt', '*.xlsx', '*.json', '*.ndjson'];

export interface NewFolderSource {
  name: string;
  path: string;
  recursive?: boolean;
  include?: string[];
  exclude?: string[];
  stableMs?: number;
  usePolling?: boolean;
  pollIntervalMs?: number;
  /** What happens to a file after its run (the job runner reads it from the source). */
  afterRun?: AfterRun;
  encoding?: string;
  delimiter?: string;
  headerRow?: number;
  sheet?: string | number;
  pointer?: string;
}

export interface NewDatabaseSource {
  name: string;
  kind: DatabaseKind;
  file?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  /** Goes to the secret store, never into the saved config. */
  password?: string;
  schema?: string;
  table?: string;
  query?: string;
  watermarkColumn?: string;
  /** Re-read look-back below the saved watermark: seconds (dates, date-times) and ids (numbers). */
  watermarkLookbackSeconds?: number;
  watermarkLookbackIds?: number;
  /** PostgreSQL and MySQL: seconds a read waits for another session's lock (unset: the default, 60). */
  lockTimeoutSeconds?: number;
  ssl?: 'disable' | 'require' | 'no-verify';
}

export interface SampleInfo {
  format: 'csv' | 'xlsx' | 'json' | 'ndjson' | 'database';
  encoding: string | null;
  delimiter: string | null;
  headerRow: number | null;
  /** Rows the header spans from headerRow, when two (a group row over its sub-labels). */
  headerRows?: number;
  headers: string[];
  warnings: string[];
  sheet: string | null;
  sheets: string[] | null;
}

export interface SourceSample {
  /** Absolute path of the sampled file; null for a database. */
  file: string | null;
  info: SampleInfo;
  rows: SourceRow[];
  truncated: boolean;
}

export interface SourceServiceDeps {
  store: Store;
  /** The secret store, or a throw that says why there is none. */
  secrets: () => SecretStore;
  clock?: Clock;
  logger?: Logger;
  onChanged?: (info: SourceInfo) => void;
  /** Whether a run of the job is under way (the running agent's queue); none in a one-off CLI. */
  isRunning?: (jobId: string) => boolean;
}

const READER_KEYS = ['encoding', 'delimiter', 'headerRow', 'sheet', 'pointer', 'skipHiddenRows'] as const;
const DB_KEYS = ['kind', 'file', 'host', 'port', 'database', 'user', 'schema', 'table', 'query', 'watermarkColumn', 'watermarkLookbackSeconds', 'watermarkLookbackIds', 'lockTimeoutSeconds', 'ssl'] as const;

export const passwordAccount = (sourceId: string): string => `source:${sourceId}`;

/** What `update` saves, with what it did to the keychain (undone if the save fails). */
interface SourceChange {
  config: Record<string, unknown>;
  readsOtherRows: boolean;
  notes: string[];
  /** For the log: what happened to the kept password. */
  password: 'kept' | 'replaced' | 'removed';
  undoSecret: () => Promise<void>;
  afterSave: () => Promise<void>;
  /** The database answered with the new settings (connected, read a row) just now. */
  tested?: boolean;
}

export class SourceService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly logger?: Logger;

  constructor(private readonly deps: SourceServiceDeps) {
    this.store = deps.store;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger;
  }

  list(): SourceInfo[] {
    return this.store.sources.list().map((s) => this.info(s));
  }

  get(idOrName: string): SourceRecord {
    const s = this.store.sources.get(idOrName);
    if (!s) {
      const names = this.store.sources.list().map((x) => `"${x.name}"`);
      throw new SourceServiceError(
        'not_found',
        `There is no source called "${idOrName}".${names.length ? ` Known sources: ${names.join(', ')}.` : ' No sources have been added yet.'}`,
      );
    }
    return s;
  }

  info(s: SourceRecord): SourceInfo {
    const jobs = this.store.jobs.list().filter((j) => j.sourceId === s.id);
    // The newest watermark any job of this database source has saved (a cursor advances only
    // after the run's rows are recorded, so this is what has been read for certain).
    const watermark = jobs.map((j) => j.cursor).find((c): c is string => c !== null) ?? null;
    const c = s.config;
    return {
      id: s.id,
      name: s.name,
      kind: s.kind,
      location: String(c.path ?? c.location ?? ''),
      paused: s.paused,
      sandbox: s.sandbox,
      status: s.status,
      statusMessage: s.statusMessage,
      createdAt: s.createdAt,
      lastFile: this.store.sources.lastFile(s.id),
      lastWatermark: s.kind === 'database' ? watermark : null,
      filesWaiting: this.store.sources.pendingFiles(s.id),
      // A file deleted while no agent watched is not waiting any more (a watching agent forgets it at once).
      waiting: s.kind === 'folder' ? this.store.sources.waitingFiles(s.id).filter((w) => existsSync(w.path)) : [],
      filesSeen: s.kind === 'folder' ? this.store.sources.fileCount(s.id) : 0,
      // Counted when the source is tested, previewed or read by a run — never here: the list is polled.
      rowCount: s.kind === 'database' && typeof c.rowCount === 'number' ? c.rowCount : null,
      rowCountAt: s.kind === 'database' && typeof c.rowCountAt === 'string' ? c.rowCountAt : null,
      folder:
        s.kind === 'folder'
          ? {
              recursive: c.recursive === true,
              include: patternsOf(s),
              exclude: asStrings(c.exclude),
              stableMs: typeof c.stableMs === 'number' ? c.stableMs : 2000,
              usePolling: c.usePolling === true,
              pollIntervalMs: typeof c.pollIntervalMs === 'number' ? c.pollIntervalMs : 5000,
              afterRun: afterRunOf(s),
            }
          : null,
      database:
        s.kind === 'database'
          ? {
              kind: DatabaseKind.safeParse(c.kind).success ? (c.kind as DatabaseKind) : 'sqlite',
              table: typeof c.table === 'string' ? (typeof c.schema === 'string' ? `${c.schema}.${c.table}` : c.table) : null,
              query: typeof c.query === 'string',
              watermarkColumn: typeof c.watermarkColumn === 'string' ? c.watermarkColumn : null,
              passwordInKeychain: typeof c.passwordRef === 'string',
            }
          : null,
      usedByJobs: jobs.map((j) => j.name),
      scheduledBy: jobs.filter((j) => !j.paused && JobConfig.safeParse(j.config).data?.schedule).map((j) => j.name),
    };
  }

  /** The files a folder source has seen, newest first, with the run that took each. */
  files(idOrName: string, limit: number): { files: SourceFile[]; total: number } {
    const s = this.get(idOrName);
    if (s.kind !== 'folder') throw new SourceServiceError('invalid', `"${s.name}" is a database source; it has rows, not files.`);
    return {
      // Named as the folder sees it: a file in a sub-folder (or moved to processed/) by its path inside.
      files: this.store.sources.files(s.id, limit).map((f) => ({ ...f, name: insideFolder(String(s.config.path ?? ''), f.path) })),
      total: this.store.sources.fileCount(s.id),
    };
  }

  /** Whether a folder can be added as it is typed: exists, is a folder, and this user can read it. */
  async checkFolder(raw: string): Promise<{ ok: boolean; path: string; message: string }> {
    const input = raw.trim();
    if (!isAbsolute(input)) {
      return { ok: false, path: input, message: `"${input}" is not an absolute path. Give the full path, e.g. /data/exports or C:\\Exports.` };
    }
    const path = resolve(input);
    try {
      await assertReadableDir(path);
    } catch (err) {
      return { ok: false, path, message: (err as Error).message };
    }
    return { ok: true, path, message: `The folder ${path} exists and is readable.` };
  }

  /**
   * Connects with the given settings and reads the first rows, saving nothing: the "Test"
   * button of the add-database form. A failure is an answer ({ ok: false }), not an error.
   */
  async testDatabase(input: Omit<NewDatabaseSource, 'name'>, limit: number): Promise<{ ok: boolean; message: string; columns: string[]; rows: Record<string, CellValue>[] }> {
    let config: Record<string, unknown>;
    try {
      config = await this.databaseConfig(input);
    } catch (err) {
      return { ok: false, message: (err as Error).message, columns: [], rows: [] };
    }
    let db: DatabaseSource;
    try {
      db = this.openDatabase(config, input.password);
    } catch (err) {
      return { ok: false, message: (err as Error).message, columns: [], rows: [] };
    }
    try {
      const test = await db.test();
      if (!test.ok) return { ok: false, message: test.message, columns: [], rows: [] };
      const preview = await db.preview(limit);
      const n = preview.rows.length;
      return {
        ok: true,
        message: `${test.message} Read ${n === 0 ? 'no rows' : n === 1 ? 'the first row' : `the first ${n} rows`} of ${String(config.location)}.`,
        columns: preview.columns,
        rows: preview.rows.map((r) => r.cells),
      };
    } catch (err) {
      return { ok: false, message: toServiceError(err, 'The database answered, but the rows could not be read').message, columns: [], rows: [] };
    } finally {
      await db.close().catch(() => undefined);
    }
  }

  async addFolder(input: NewFolderSource): Promise<SourceInfo> {
    const name = this.freeName(input.name);
    const path = await this.checkedFolderPath(input.path);
    if (input.encoding) checkEncoding(input.encoding);
    const config: Record<string, unknown> = {
      path,
      recursive: input.recursive ?? false,
      include: input.include ?? DEFAULT_INCLUDE,
      exclude: input.exclude ?? [],
      stableMs: input.stableMs ?? 2000,
      usePolling: input.usePolling ?? false,
      pollIntervalMs: input.pollIntervalMs ?? 5000,
      afterRun: input.afterRun ?? 'move',
    };
    for (const k of ['encoding', 'delimiter', 'headerRow', 'sheet', 'pointer'] as const) if (input[k] !== undefined) config[k] = input[k];
    const record = this.insert(name, 'folder', config);
    this.logger?.info({ source: record.id, path }, 'folder source added');
    return this.changed(record.id);
  }

  /** Tests the connection first and saves nothing when it fails. */
  async addDatabase(input: NewDatabaseSource): Promise<SourceInfo> {
    const name = this.freeName(input.name);
    const config = await this.databaseConfig(input);
    // Where the password cannot be kept, say so before anyone waits for a connection test.
    const secrets = input.password ? this.secretStore() : null;
    const db = this.openDatabase(config, input.password);
    try {
      const test = await db.test();
      if (!test.ok) throw new SourceServiceError('source', `The database source was not saved: ${test.message}`);
      // A table/query that does not exist fails here, not on the first scheduled run.
      await db.preview(1);
      // The new source shows its size at once; a count that fails does not stop the add.
      const rowCount = await db.count().catch(() => null);
      if (rowCount !== null) Object.assign(config, { rowCount, rowCountAt: this.clock.now().toISOString() });
    } catch (err) {
      throw toServiceError(err, 'The database source was not saved');
    } finally {
      await db.close().catch(() => undefined);
    }
    const id = this.newId(name);
    if (secrets && input.password) {
      try {
        await secrets.set(passwordAccount(id), input.password);
      } catch (err) {
        throw new SourceServiceError('secrets', `The database works, but its password could not be kept in ${secrets.describe(passwordAccount(id))}: ${(err as Error).message}`);
      }
      config.passwordRef = passwordAccount(id);
    }
    let record: SourceRecord;
    try {
      record = this.insert(name, 'database', config, id, 'idle');
    } catch (err) {
      // No source, no password: an entry nobody refers to must not stay in the keychain.
      if (config.passwordRef) await secrets?.delete(passwordAccount(id)).catch(() => undefined);
      throw err;
    }
    this.logger?.info({ source: record.id, kind: input.kind }, 'database source added');
    return this.changed(record.id);
  }

  /** The settings the edit form (and `source show`) starts from; never a password, only whether one is kept. */
  settings(idOrName: string): SourceSettings {
    const s = this.get(idOrName);
    return s.kind === 'folder'
      ? { kind: 'folder', sourceId: s.id, name: s.name, folder: folderSettingsOf(s.config, patternsOf(s)) }
      : { kind: 'database', sourceId: s.id, name: s.name, database: databaseSettingsOf(s.config) };
  }

  /**
   * Changes a source in place: jobs, mappings, files and the ledger keep pointing at its id. A
   * field left out stays, null clears it. A database source is tested with the new settings
   * (and the new password, if one is given) before anything is saved; the keychain is written
   * only after that test passes, then the config. When what is read changes, the watermarks of
   * the jobs that read the source are cleared. The notes say what the change means for them.
   */
  async update(params: UpdateSourceParams): Promise<UpdateSourceResult> {
    const s = this.get(params.sourceId);
    const refusal = otherKindRefusal(s, params);
    if (refusal) throw new SourceServiceError('invalid', refusal);
    const name = params.name === undefined ? s.name : this.freeName(params.name, s.id);
    const jobs = this.store.jobs.list().filter((j) => j.sourceId === s.id);
    const change =
      s.kind === 'folder' ? await this.folderChange(s, params.folder ?? {}, jobs) : await this.databaseChange(s, params.database ?? {}, jobs);
    const cleared = change.readsOtherRows ? jobs.filter((j) => j.type === 'ingest' && j.cursor !== null) : [];
    try {
      this.store.transaction(() => {
        this.store.sources.update(s.id, name, change.config);
        // The new settings were just tested: an error a run recorded with the old ones is over.
        if (s.kind === 'database' && s.status === 'error' && change.tested) this.store.sources.setStatus(s.id, 'idle', null);
        for (const j of cleared) this.store.jobs.setCursor(j.id, null);
        // Rows of what it read before hold nothing back now (also for a source without a watermark).
        if (change.readsOtherRows) for (const j of jobs) this.store.heldBack.clear(j.id);
      });
    } catch (err) {
      await change.undoSecret();
      throw err;
    }
    await change.afterSave();
    const notes = [
      ...(change.password === 'replaced' ? ['The new password worked and now replaces the one kept in the OS keychain.'] : []),
      ...(change.password === 'removed' ? ['The saved password was removed from the OS keychain; the database is now reached without one.'] : []),
      ...change.notes,
      ...(change.readsOtherRows ? rereadNotes(jobs.filter((j) => j.type === 'ingest'), cleared) : []),
    ];
    this.logger?.info(
      { source: s.id, changed: changedKeys(params), password: change.password, watermarksCleared: cleared.map((j) => j.id) },
      'source changed',
    );
    return { source: this.changed(s.id), notes };
  }

  /** A folder source's new config: a new path must be an absolute, readable folder, as when added. */
  private async folderChange(s: SourceRecord, changes: FolderChanges, jobs: JobRecord[]): Promise<SourceChange> {
    let path: string | undefined;
    const notes: string[] = [];
    if (changes.encoding) checkEncoding(changes.encoding);
    if (changes.path !== undefined) {
      path = await this.checkedFolderPath(changes.path);
      const old = String(s.config.path);
      if (path !== old) {
        this.refuseWhileRunning(s, jobs, 'the folder');
        notes.push(folderMoveNote(s, old, path, jobs));
      }
    }
    return { config: folderConfigWith(s.config, changes, path), readsOtherRows: false, notes, password: 'kept', undoSecret: async () => undefined, afterSave: async () => undefined };
  }

  /**
   * A database source's new config, tested as addDatabase tests a new one (connect, the first
   * row, the count) with the new password or the kept one; the keychain is changed only after
   * the test passed, and put back by `undoSecret` if the config cannot be saved.
   */
  private async databaseChange(s: SourceRecord, changes: DatabaseChanges, jobs: JobRecord[]): Promise<SourceChange> {
    const before = s.config;
    const unchanged: SourceChange = { config: before, readsOtherRows: false, notes: [], password: 'kept', undoSecret: async () => undefined, afterSave: async () => undefined };
    if (Object.keys(changes).length === 0) return unchanged;
    if (changes.password === '') throw new SourceServiceError('invalid', `The new password of "${s.name}" is empty. Give the password, or remove the kept one (null, or --no-password).`);
    let input;
    try {
      input = databaseInputWith(before, changes);
    } catch (err) {
      throw new SourceServiceError('invalid', (err as Error).message);
    }
    const config = await this.databaseConfig(input);
    const readsOther = readsOtherRows(before, config);
    if (readsOther) this.refuseWhileRunning(s, jobs, 'what the source reads');
    const oldRef = typeof before.passwordRef === 'string' ? before.passwordRef : null;
    // Where the password cannot be kept (or read), say so before anyone waits for a connection test.
    const secrets = changes.password !== undefined || oldRef ? this.secretStore() : null;
    const password = changes.password === undefined ? (oldRef ? await this.keptPassword(s, oldRef) : undefined) : (changes.password ?? undefined);
    const db = this.openDatabase(config, password);
    let columns: string[];
    try {
      const test = await db.test();
      if (!test.ok) throw new SourceServiceError('source', `The database source was not changed: ${test.message}`);
      columns = (await db.preview(1)).columns;
      const rowCount = await db.count().catch(() => null);
      if (rowCount !== null) Object.assign(config, { rowCount, rowCountAt: this.clock.now().toISOString() });
      else if (!readsOther && typeof before.rowCount === 'number') Object.assign(config, { rowCount: before.rowCount, rowCountAt: before.rowCountAt });
    } catch (err) {
      throw toServiceError(err, 'The database source was not changed');
    } finally {
      await db.close().catch(() => undefined);
    }

    const account = passwordAccount(s.id);
    const change: SourceChange = { ...unchanged, config, readsOtherRows: readsOther, notes: columnNotes(this.mappingsOf(s, jobs), columns), tested: true };
    if (changes.password === undefined) {
      if (oldRef) config.passwordRef = oldRef;
      return change;
    }
    // The test passed: now the keychain, then (by the caller) the config.
    const previous = oldRef ? await secrets!.get(oldRef).catch(() => null) : null;
    const restore = async () => {
      if (previous !== null && oldRef) await secrets!.set(oldRef, previous).catch(() => undefined);
      else if (changes.password !== null) await secrets!.delete(account).catch(() => undefined);
    };
    if (changes.password === null) {
      if (oldRef) {
        try {
          await secrets!.delete(oldRef);
        } catch (err) {
          throw new SourceServiceError('secrets', `The source "${s.name}" was not changed: its password could not be removed from ${secrets!.describe(oldRef)} (${(err as Error).message}).`);
        }
      }
      return { ...change, password: oldRef ? 'removed' : 'kept', undoSecret: restore };
    }
    try {
      await secrets!.set(account, changes.password);
    } catch (err) {
      throw new SourceServiceError('secrets', `The database answers with the new settings, but the new password could not be kept in ${secrets!.describe(account)}: ${(err as Error).message}. The source was not changed.`);
    }
    config.passwordRef = account;
    return {
      ...change,
      password: 'replaced',
      undoSecret: restore,
      // A password kept under an older account name is not needed any more.
      afterSave: async () => {
        if (oldRef && oldRef !== account) await secrets!.delete(oldRef).catch(() => undefined);
      },
    };
  }

  /** The mappings made for this source, and those its jobs use. */
  private mappingsOf(s: SourceRecord, jobs: JobRecord[]): MappingRecord[] {
    const used = new Set(jobs.map((j) => j.mappingId));
    return this.store.mappings.list().filter((m) => m.sourceId === s.id || used.has(m.id));
  }

  /** A run reading the source while it changes would finish against the old settings (its watermark, its folder). */
  private refuseWhileRunning(s: SourceRecord, jobs: JobRecord[], what: string): void {
    const running = jobs.filter((j) => this.deps.isRunning?.(j.id));
    if (running.length) {
      throw new SourceServiceError(
        'in_use',
        `A run of ${running.map((j) => `"${j.name}"`).join(', ')} is reading "${s.name}" now, so ${what} cannot change under it. Try again once the run has finished.`,
      );
    }
  }

  private async checkedFolderPath(raw: string): Promise<string> {
    if (!isAbsolute(raw)) {
      throw new SourceServiceError('invalid', `The folder path "${raw}" is not absolute. Give the full path, e.g. /data/exports or C:\\Exports.`);
    }
    const path = resolve(raw);
    await assertReadableDir(path);
    return path;
  }

  async test(idOrName: string): Promise<{ ok: boolean; message: string }> {
    const s = this.get(idOrName);
    if (s.kind === 'folder') {
      const path = String(s.config.path);
      try {
        await assertReadableDir(path);
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
      const files = await this.matchingFiles(s);
      return { ok: true, message: `The folder ${path} is readable; ${files.length} file${files.length === 1 ? '' : 's'} match${files.length === 1 ? 'es' : ''} its patterns.` };
    }
    let db: DatabaseSource;
    try {
      db = await this.databaseOf(s);
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
    try {
      const r = await db.test();
      if (r.ok) await this.recordRowCount(s, db);
      // It answers now: the error a run recorded is over (the next run may say otherwise).
      if (r.ok && s.status === 'error') {
        this.store.sources.setStatus(s.id, 'idle', null);
        this.changed(s.id);
      }
      return { ok: r.ok, message: r.message };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    } finally {
      await db.close().catch(() => undefined);
    }
  }

  /** The first rows: a database's, or the newest matching file's in a folder. */
  async preview(idOrName: string, limit: number): Promise<{ columns: string[]; rows: Record<string, CellValue>[]; file: string | null }> {
    const sample = await this.sample(idOrName, { limit });
    return { columns: sample.info.headers, rows: sample.rows.map((r) => r.cells), file: sample.file };
  }

  /** What the mapping wizard starts from: headers, detected settings and the first rows. */
  async sample(idOrName: string, opts: { file?: string; limit: number }): Promise<SourceSample> {
    const s = this.get(idOrName);
    if (s.kind === 'database') {
      if (opts.file) throw new SourceServiceError('invalid', `"${s.name}" is a database source; it has no files to choose from.`);
      const db = await this.databaseOf(s);
      try {
        const p = await db.preview(Math.min(opts.limit, 1000));
        await this.recordRowCount(s, db);
        return {
          file: null,
          info: { format: 'database', encoding: null, delimiter: null, headerRow: null, headers: p.columns, warnings: [], sheet: null, sheets: null },
          rows: p.rows.map((r, i) => ({ line: r.line ?? i + 1, cells: r.cells })),
          truncated: p.rows.length >= opts.limit,
        };
      } catch (err) {
        throw toServiceError(err, `Could not read "${s.name}"`);
      } finally {
        await db.close().catch(() => undefined);
      }
    }
    const file = await this.fileOf(s, opts.file);
    try {
      const r = await sampleFile(file, opts.limit, readerOptions(s));
      return {
        file,
        info: {
          format: r.info.format,
          encoding: r.info.encoding ?? null,
          delimiter: r.info.delimiter ?? null,
          headerRow: r.info.headerRow,
          ...(r.info.headerRows ? { headerRows: r.info.headerRows } : {}),
          headers: r.info.headers,
          warnings: r.info.warnings,
          sheet: r.info.sheet ?? null,
          sheets: r.info.sheets ?? null,
        },
        rows: r.rows,
        truncated: r.truncated,
      };
    } catch (err) {
      throw toServiceError(err, `Could not read ${file}`);
    }
  }

  /**
   * Every row of the source for a preview run: the chosen (or newest) file, or the database
   * table from the start. The caller stops early by breaking out of the loop, then closes.
   */
  async open(idOrName: string, file?: string): Promise<{ headers: string[]; file: string | null; rows: AsyncIterable<SourceRow>; close(): Promise<void> }> {
    const s = this.get(idOrName);
    if (s.kind === 'database') {
      if (file) throw new SourceServiceError('invalid', `"${s.name}" is a database source; it has no files to choose from.`);
      const db = await this.databaseOf(s);
      try {
        const headers = (await db.preview(1)).columns;
        return { headers, file: null, rows: db.read({ afterWatermark: null }), close: () => db.close() };
      } catch (err) {
        await db.close().catch(() => undefined);
        throw toServiceError(err, `Could not read "${s.name}"`);
      }
    }
    const path = await this.fileOf(s, file);
    let reader: TabularReader;
    try {
      reader = await openReader(path, readerOptions(s));
    } catch (err) {
      throw toServiceError(err, `Could not read ${path}`);
    }
    return { headers: reader.info.headers, file: path, rows: reader.rows(), close: () => reader.close() };
  }

  /** Counts a database source's rows now ("Count rows" on the Sources page, `source count`). */
  async countRows(idOrName: string): Promise<SourceInfo> {
    const s = this.get(idOrName);
    if (s.kind !== 'database') throw new SourceServiceError('invalid', `"${s.name}" is a folder source; only a database source has rows to count.`);
    const db = await this.databaseOf(s);
    try {
      this.store.sources.setRowCount(s.id, await db.count(), this.clock.now().toISOString());
      // It answered: an error a run recorded is over, as after a passing Test.
      if (s.status === 'error') this.store.sources.setStatus(s.id, 'idle', null);
    } catch (err) {
      const failure = toServiceError(err, `Could not count the rows of "${s.name}"`);
      // The database itself refused or is gone: the source says so until it is read again.
      if (err instanceof DatabaseSourceError) {
        this.store.sources.setStatus(s.id, 'error', err.message);
        this.changed(s.id);
      }
      throw failure;
    } finally {
      await db.close().catch(() => undefined);
    }
    return this.changed(s.id);
  }

  pause(idOrName: string): SourceInfo {
    const s = this.get(idOrName);
    this.store.sources.setPaused(s.id, true);
    return this.changed(s.id);
  }

  resume(idOrName: string): SourceInfo {
    const s = this.get(idOrName);
    this.store.sources.setPaused(s.id, false);
    return this.changed(s.id);
  }

  /** Refuses while a job reads the source; deletes its keychain password with it. */
  async remove(idOrName: string): Promise<{ removed: string; secretRemoved: boolean; warning: string | null }> {
    const s = this.get(idOrName);
    const jobs = this.store.jobs.list().filter((j) => j.sourceId === s.id);
    if (jobs.length) {
      throw new SourceServiceError(
        'in_use',
        `The source "${s.name}" is used by ${jobs.length === 1 ? 'the job' : 'the jobs'} ${jobs.map((j) => `"${j.name}"`).join(', ')}. Remove or change ${jobs.length === 1 ? 'that job' : 'those jobs'} first.`,
      );
    }
    const last = this.info(s);
    let secretRemoved = false;
    let warning: string | null = null;
    if (typeof s.config.passwordRef === 'string') {
      try {
        secretRemoved = await this.secretStore().delete(s.config.passwordRef);
      } catch (err) {
        warning = `The source was removed, but its password could not be deleted from the keychain (${(err as Error).message}). Delete the entry "${s.config.passwordRef}" by hand.`;
      }
    }
    this.store.sources.remove(s.id);
    this.logger?.info({ source: s.id, secretRemoved }, 'source removed');
    this.deps.onChanged?.({ ...last, status: 'removed', statusMessage: 'The source was removed.' });
    return { removed: s.name, secretRemoved, warning };
  }

  /**
   * A file of a folder source: the given one (absolute, or relative to the folder) when it
   * resolves inside the folder without a symlink, else the newest file the patterns match.
   */
  async fileOf(s: SourceRecord, file?: string): Promise<string> {
    const root = String(s.config.path);
    let rootReal: string;
    try {
      rootReal = await realpath(root);
    } catch {
      throw new SourceServiceError('source', `The folder ${root} of source "${s.name}" is not reachable. Check that the drive or share is connected.`);
    }
    if (file === undefined || file === '') {
      const files = await this.matchingFiles(s);
      const newest = files.sort((a, b) => b.mtimeMs - a.mtimeMs || a.path.localeCompare(b.path))[0];
      if (!newest) {
        throw new SourceServiceError(
          'source',
          `The folder ${root} has no file matching ${patternsOf(s).join(', ')}. Drop a sample file there, or choose one.`,
        );
      }
      return newest.path;
    }
    const candidate = isAbsolute(file) ? resolve(file) : resolve(root, file);
    if (!isInside(resolve(root), candidate) && !isInside(rootReal, candidate)) {
      throw new SourceServiceError('invalid', `The file "${file}" is outside the folder ${root} of source "${s.name}". Choose a file inside that folder.`);
    }
    let info;
    try {
      info = await lstat(candidate);
    } catch {
      throw new SourceServiceError('not_found', `There is no file "${file}" in the folder ${root}.`);
    }
    if (info.isSymbolicLink()) throw new SourceServiceError('invalid', `"${file}" is a symbolic link; sources never follow links. Copy the file into ${root} instead.`);
    if (!info.isFile()) throw new SourceServiceError('invalid', `"${file}" is not a file.`);
    // A linked directory on the way could still lead out of the folder.
    const real = await realpath(candidate);
    if (!isInside(rootReal, real)) {
      throw new SourceServiceError('invalid', `The file "${file}" leads outside the folder ${root} through a symbolic link; sources never follow links out of their folder.`);
    }
    return real;
  }

  /** The files the watcher would take, without following links; bounded to the folder tree. */
  async matchingFiles(s: SourceRecord): Promise<Array<{ path: string; mtimeMs: number }>> {
    const root = String(s.config.path);
    const accept = makeFileFilter({ include: patternsOf(s), exclude: asStrings(s.config.exclude) });
    const recursive = s.config.recursive === true;
    const out: Array<{ path: string; mtimeMs: number }> = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const relPath = rel ? `${rel}/${e.name}` : e.name;
        if (e.isSymbolicLink()) continue;
        if (e.isDirectory()) {
          if (recursive && !isIgnoredDir(relPath)) await walk(join(dir, e.name), relPath);
          continue;
        }
        if (!e.isFile() || !accept(relPath)) continue;
        try {
          out.push({ path: join(dir, e.name), mtimeMs: (await stat(join(dir, e.name))).mtimeMs });
        } catch {
          // Moved away between listing and stat: not a candidate any more.
        }
      }
    };
    await walk(root, '');
    return out;
  }

  // ------------------------------------------------------------------ internals

  /** The saved config of a database source (never its password), with its SQLite file checked. */
  private async databaseConfig(input: Omit<NewDatabaseSource, 'name'>): Promise<Record<string, unknown>> {
    const config: Record<string, unknown> = {};
    for (const k of DB_KEYS) if (input[k] !== undefined && input[k] !== '') config[k] = input[k];
    if (input.kind === 'sqlite' && typeof config.file === 'string') {
      if (!isAbsolute(config.file)) throw new SourceServiceError('invalid', `The SQLite file path "${config.file}" is not absolute. Give the full path to the database file.`);
      // better-sqlite3 would create a missing file: a typo must not become an empty database.
      try {
        if (!(await stat(config.file)).isFile()) throw new SourceServiceError('invalid', `"${config.file}" is not a file. Give the path of the SQLite database file.`);
      } catch (err) {
        if (err instanceof SourceServiceError) throw err;
        throw new SourceServiceError('invalid', `There is no SQLite database file at "${config.file}". Check the path.`);
      }
    }
    config.location = describeDatabase(config);
    return config;
  }

  /**
   * Keeps the row count of a source that has just answered (test, preview). Best effort: a
   * count that fails (say a slow view) must not turn a working test or preview into an error.
   */
  private async recordRowCount(s: SourceRecord, db: DatabaseSource): Promise<void> {
    try {
      this.store.sources.setRowCount(s.id, await db.count(), this.clock.now().toISOString());
      this.deps.onChanged?.(this.info(this.get(s.id)));
    } catch (err) {
      this.logger?.warn({ source: s.id, err: (err as Error).message }, 'database source rows could not be counted');
    }
  }

  private async databaseOf(s: SourceRecord): Promise<DatabaseSource> {
    const password = typeof s.config.passwordRef === 'string' ? await this.keptPassword(s, s.config.passwordRef) : undefined;
    return this.openDatabase(s.config, password);
  }

  private async keptPassword(s: SourceRecord, account: string): Promise<string> {
    const secrets = this.secretStore();
    const value = await secrets.get(account);
    if (value === null) {
      throw new SourceServiceError(
        'secrets',
        `The password of source "${s.name}" was not found in ${secrets.describe(account)}. Give it again: Edit on the Sources page, or \`esg-sync source edit "${s.name}" --password-stdin\`.`,
      );
    }
    return value;
  }

  private openDatabase(config: Record<string, unknown>, password: string | undefined): DatabaseSource {
    try {
      return createDatabaseSource({ ...config, ...(password ? { password } : {}) });
    } catch (err) {
      throw toServiceError(err, 'The database settings are not usable');
    }
  }

  /** A name no other source has (`self`: the source being renamed may keep its own). */
  private freeName(raw: string, self?: string): string {
    const name = raw.trim();
    if (!name) throw new SourceServiceError('invalid', 'The source needs a name.');
    const clash = this.store.sources.get(name);
    if (clash && clash.id !== self) {
      // Commands take a name or an id: a name that is another source's id would make them ambiguous.
      if (clash.name === name) throw new SourceServiceError('conflict', `A source called "${name}" already exists. Choose another name.`);
      throw new SourceServiceError('conflict', `"${name}" is the id of the source "${clash.name}", so commands could not tell the two apart. Choose another name.`);
    }
    return name;
  }

  private newId(name: string): string {
    return uniqueId(name, (id) => this.store.sources.get(id) !== null);
  }

  private insert(name: string, kind: 'folder' | 'database', config: Record<string, unknown>, id = this.newId(name), status = 'idle'): SourceRecord {
    const record: SourceRecord = {
      id,
      name,
      kind,
      config,
      paused: false,
      sandbox: false,
      status,
      statusMessage: null,
      createdAt: this.clock.now().toISOString(),
    };
    this.store.sources.insert(record);
    return record;
  }

  private changed(id: string): SourceInfo {
    const info = this.info(this.get(id));
    this.deps.onChanged?.(info);
    return info;
  }

  private secretStore(): SecretStore {
    try {
      return this.deps.secrets();
    } catch (err) {
      throw new SourceServiceError('secrets', err instanceof Error ? err.message : String(err));
    }
  }
}

export function readerOptions(s: SourceRecord): OpenReaderOptions {
  const pick: Record<string, unknown> = {};
  for (const k of READER_KEYS) if (s.config[k] !== undefined) pick[k] = s.config[k];
  return pick as OpenReaderOptions;
}

/** A folder source's include patterns, or the default ones. */
export function patternsOf(s: SourceRecord): string[] {
  const p = asStrings(s.config.include);
  return p.length ? p : DEFAULT_INCLUDE;
}

export type AfterRun = 'move' | 'leave' | 'delete';

/** A folder's after-run disposition; sources saved before it existed keep the old default. */
export function afterRunOf(s: SourceRecord): AfterRun {
  const v = s.config.afterRun;
  return v === 'leave' || v === 'delete' ? v : 'move';
}

function asStrings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
}

/** A source's encoding is checked when it is set, not when its first file fails on it. */
function checkEncoding(encoding: string): void {
  try {
    normaliseEncodingName(encoding);
  } catch {
    throw new SourceServiceError('invalid', `The encoding "${encoding}" is not known. Use one of UTF-8, UTF-16LE, UTF-16BE, Windows-1252 or ISO-8859-1, or leave it out to have it detected.`);
  }
}

/** The folder exists, is a folder, and this user may list it; else a sentence saying which and what to do. */
export async function assertReadableDir(path: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new SourceServiceError('invalid', `The folder ${path} does not exist. Check the path, or connect the drive or share it is on.`);
  }
  if (!info.isDirectory()) throw new SourceServiceError('invalid', `${path} is a file, not a folder. Give the folder the files are saved in.`);
  try {
    await access(path, fsConstants.R_OK | fsConstants.X_OK);
  } catch {
    throw new SourceServiceError('invalid', `The folder ${path} cannot be read by this user. Give the agent's user read access to it.`);
  }
}

function describeDatabase(c: Record<string, unknown>): string {
  const what = c.table ? `table ${String(c.schema ? `${String(c.schema)}.` : '')}${String(c.table)}` : 'query';
  if (c.kind === 'sqlite') return `sqlite:${String(c.file)} (${what})`;
  const user = c.user ? `${String(c.user)}@` : '';
  const port = c.port ? `:${String(c.port)}` : '';
  return `${String(c.kind)}://${user}${String(c.host ?? 'localhost')}${port}/${String(c.database)} (${what})`;
}

function toServiceError(err: unknown, prefix: string): SourceServiceError {
  if (err instanceof SourceServiceError) return err;
  if (err instanceof DatabaseSourceError) return new SourceServiceError(err.code === 'CONFIG_INVALID' || err.code === 'QUERY_NOT_READ_ONLY' || err.code === 'IDENTIFIER_INVALID' ? 'invalid' : 'source', `${prefix}: ${err.message}`);
  if (err instanceof SourceFileError) return new SourceServiceError('source', err.message);
  return new SourceServiceError('source', `${prefix}: ${err instanceof Error ? err.message : String(err)}`);
}

function insideFolder(folder: string, path: string): string {
  const rel = folder ? relative(folder, path) : '';
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : basename(path);
}
