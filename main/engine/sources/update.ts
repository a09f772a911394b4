/**
 * Changing a source in place (`sources.update`, `esg-sync source edit`): what the changes make of
 * its saved settings, whether they change what is read, and the notes that tell a person what the
 * change means for the jobs and mappings that use the source. SourceService.update runs the
 * checks, the connection test and the keychain around these; nothing here touches the store.
 */
import type { z } from 'zod';
import { TestDatabaseParams, type DatabaseChanges, type DatabaseSettings, type FolderChanges, type FolderSettings, type UpdateSourceParams } from '../../../shared/contract/sources';
import { JobConfig } from '../../../shared/jobs';
import { detectDrift, parseProfile } from '../../../shared/mapping';
import type { JobRecord, MappingRecord, SourceRecord } from '../store';
import { DatabaseKind } from './database';

/**
 * Database settings that decide which rows are read; the others only decide how to connect. The
 * re-read look-back is not one: it only re-reads rows before the watermark, which the ledger finds
 * unchanged, so changing it keeps the jobs' watermarks. Nor is the lock wait: it only decides how
 * long a read waits for another session's lock.
 */
const READ_KEYS = ['file', 'database', 'schema', 'table', 'query', 'watermarkColumn'] as const;
/** Database settings kept in the saved config (the kind cannot change; the password never is one). */
const DB_FIELDS = ['file', 'host', 'port', 'database', 'user', 'schema', 'table', 'query', 'watermarkColumn', 'watermarkLookbackSeconds', 'watermarkLookbackIds', 'lockTimeoutSeconds', 'ssl'] as const;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);
const quoted = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');
const columnList = (names: readonly string[]) => names.map((n) => `'${n}'`).join(', ');

export function folderSettingsOf(c: Record<string, unknown>, include: string[]): FolderSettings {
  const sheet = c.sheet;
  return {
    path: String(c.path ?? ''),
    recursive: c.recursive === true,
    include,
    exclude: Array.isArray(c.exclude) ? c.exclude.filter((x): x is string => typeof x === 'string') : [],
    stableMs: int(c.stableMs) ?? 2000,
    usePolling: c.usePolling === true,
    pollIntervalMs: int(c.pollIntervalMs) ?? 5000,
    afterRun: c.afterRun === 'leave' || c.afterRun === 'delete' ? c.afterRun : 'move',
    encoding: str(c.encoding),
    delimiter: str(c.delimiter),
    headerRow: int(c.headerRow),
    sheet: typeof sheet === 'string' || int(sheet) !== null ? (sheet as string | number) : null,
    pointer: str(c.pointer),
  };
}

export function databaseSettingsOf(c: Record<string, unknown>): DatabaseSettings {
  const ssl = c.ssl === 'disable' || c.ssl === 'require' || c.ssl === 'no-verify' ? c.ssl : null;
  return {
    kind: DatabaseKind.safeParse(c.kind).success ? (c.kind as DatabaseKind) : 'sqlite',
    file: str(c.file),
    host: str(c.host),
    port: int(c.port),
    database: str(c.database),
    user: str(c.user),
    schema: str(c.schema),
    table: str(c.table),
    query: str(c.query),
    watermarkColumn: str(c.watermarkColumn),
    ssl,
    passwordInKeychain: typeof c.passwordRef === 'string',
    // Only when set, so "not set" (no look-back) stays distinguishable from a chosen value.
    ...(int(c.watermarkLookbackSeconds) !== null ? { watermarkLookbackSeconds: int(c.watermarkLookbackSeconds)! } : {}),
    ...(int(c.watermarkLookbackIds) !== null ? { watermarkLookbackIds: int(c.watermarkLookbackIds)! } : {}),
    // Only when set: left out, a read waits the default DEFAULT_LOCK_TIMEOUT_SECONDS.
    ...(int(c.lockTimeoutSeconds) !== null ? { lockTimeoutSeconds: int(c.lockTimeoutSeconds)! } : {}),
  };
}

/** Why the changes cannot apply to this kind of source (folder keys on a database, or the reverse), or null. */
export function otherKindRefusal(s: SourceRecord, p: UpdateSourceParams): string | null {
  const other = s.kind === 'folder' ? p.database : p.folder;
  const keys = other ? Object.keys(other) : [];
  if (!keys.length) return null;
  const what = s.kind === 'folder' ? 'database' : 'folder';
  return `"${s.name}" is a ${s.kind} source, so ${what} settings (${keys.join(', ')}) do not apply to it. Change its ${s.kind} settings instead, or add a ${what} source.`;
}

/**
 * The folder's saved config with the changes applied: a value replaces, null removes (a read
 * option back to detection), a key left out stays. `path` is the checked, resolved path.
 */
export function folderConfigWith(config: Record<string, unknown>, changes: FolderChanges, path: string | undefined): Record<string, unknown> {
  const next: Record<string, unknown> = { ...config };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) continue;
    if (v === null) delete next[k];
    else next[k] = v;
  }
  if (path !== undefined) next.path = path;
  return next;
}

/** A database source's settings as the add form gives them, without the password. */
export type DatabaseInput = Omit<z.output<typeof TestDatabaseParams>, 'limit' | 'password'>;

/**
 * The saved database settings with the changes merged on (the password is not among them),
 * checked by the rules the add form's settings are checked by: a table or a query, not both,
 * and a file (SQLite) or a database name. Throws the same sentence the add form shows.
 */
export function databaseInputWith(config: Record<string, unknown>, changes: DatabaseChanges): DatabaseInput {
  const merged: Record<string, unknown> = { kind: databaseSettingsOf(config).kind };
  for (const k of DB_FIELDS) {
    const change = changes[k];
    const value = change === undefined ? config[k] : change;
    if (value !== null && value !== undefined && value !== '') merged[k] = value;
  }
  const checked = TestDatabaseParams.safeParse({ ...merged, limit: 1 });
  if (!checked.success) throw new Error([...new Set(checked.error.issues.map((i) => i.message))].join(' '));
  const { limit: _limit, password: _password, ...input } = checked.data;
  return input;
}

/** Whether the source now reads other rows (another file, database, table, query or watermark column). */
export function readsOtherRows(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  return READ_KEYS.some((k) => (before[k] ?? null) !== (after[k] ?? null));
}

/** The database setting names a change names, for the log (never a value: one could be a password). */
export function changedKeys(p: UpdateSourceParams): string[] {
  return [...(p.name !== undefined ? ['name'] : []), ...Object.keys(p.folder ?? {}), ...Object.keys(p.database ?? {})];
}

/**
 * What a changed read means for the jobs of the source: their watermarks were cleared, so the next
 * run reads every row again, and the ledger (natural key + content hash per mapping) recognises
 * the rows already sent; a mirror job deletes what the source no longer returns.
 */
export function rereadNotes(jobs: readonly JobRecord[], watermarksCleared: readonly JobRecord[]): string[] {
  const notes: string[] = [];
  if (watermarksCleared.length) {
    const names = watermarksCleared.map((j) => j.name);
    notes.push(
      `The watermark of ${names.length === 1 ? 'the job' : 'the jobs'} ${quoted(names)} was cleared: the next run reads every row of the source again. Rows already sent are recognised by the ledger and not sent twice; values that differ are sent as updates.`,
    );
  }
  for (const j of jobs) {
    const ingest = JobConfig.safeParse(j.config).data?.ingest;
    if (!ingest?.mirror) continue;
    notes.push(
      `The job "${j.name}" mirrors this source: at its next run, values it sent before that the source no longer returns are deleted on the platform (a run that would delete more than ${Math.round(ingest.maxDeleteShare * 100)}% of them stops and asks first).`,
    );
  }
  return notes;
}

/**
 * One note per mapping of the source whose saved columns the database no longer matches. A run
 * stops as "needs attention" on such a change (ingest compares the header with the mapping), so
 * the note says so; nothing is refused here.
 */
export function columnNotes(mappings: readonly MappingRecord[], columns: readonly string[]): string[] {
  const notes: string[] = [];
  for (const m of mappings) {
    let profile;
    try {
      profile = parseProfile(m.profile);
    } catch {
      continue; // a profile that does not parse says so itself when its job runs
    }
    const drift = detectDrift(profile, columns);
    // The columns the mapping reads that are gone or renamed (compared as ingest compares them).
    const gone = drift.affectsMapping;
    const renamedUsed = drift.renamed.filter((r) => gone.includes(r.from));
    if (gone.length) {
      const hint = renamedUsed.length ? ` (perhaps renamed: ${renamedUsed.map((r) => `'${r.from}' → '${r.to}'`).join(', ')})` : '';
      notes.push(
        `The mapping "${m.name}" reads ${gone.length === 1 ? 'the column' : 'the columns'} ${columnList(gone)} that the database no longer returns${hint}. Runs with this mapping stop as "needs attention" until the mapping is updated or the source returns ${gone.length === 1 ? 'that column' : 'those columns'} again.`,
      );
    } else if (drift.missing.length || drift.renamed.length || drift.added.length) {
      const parts = [
        ...(drift.missing.length ? [`without ${columnList(drift.missing)}`] : []),
        ...(drift.renamed.length ? [`with ${drift.renamed.map((r) => `'${r.from}' renamed to '${r.to}'`).join(', ')}`] : []),
        ...(drift.added.length ? [`with ${columnList(drift.added)} added`] : []),
      ];
      notes.push(
        `The database now returns other columns than the mapping "${m.name}" was saved with (${parts.join('; ')}). Runs with this mapping stop as "needs attention" until the mapping is reviewed and saved again.`,
      );
    }
  }
  return notes;
}

/**
 * What happens to the files already in a folder source's new folder. The watcher takes files
 * present when it starts (chokidar without ignoreInitial, then a listing), and "Run now" takes
 * every fully written file not processed before; both recognise content this source has already
 * taken by its SHA-256 and do not sync it again.
 */
export function folderMoveNote(s: SourceRecord, oldPath: string, newPath: string, jobs: readonly JobRecord[]): string {
  const ingest = jobs.filter((j) => j.type === 'ingest');
  const watched = !s.paused && ingest.some((j) => !j.paused && JobConfig.safeParse(j.config).data?.onFileArrival === true);
  const when = watched
    ? 'as soon as the agent watches the new folder'
    : ingest.length
      ? `at the next "Run now" of ${ingest.length === 1 ? 'the job' : 'the jobs'} ${quoted(ingest.map((j) => j.name))}`
      : 'once a job takes files from this source';
  return `Files already in ${newPath} that match the source's patterns are taken as new files ${when}; a file with the same content as one this source has already taken is recorded as a duplicate and not synced again. Files in ${oldPath} are no longer picked up.`;
}
