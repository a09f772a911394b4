import { z } from 'zod';
import { CellValue } from '../domain';
import { FolderWatch, Id, SourceInfo } from '../dto';

/**
 * Watched folders and database sources: add, change, test, look at the first rows, pause, resume
 * and remove. A database password goes IN through `sources.addDatabase` and never comes out.
 */

const Name = z.string().trim().min(1, 'The source needs a name.').max(100);
const Pattern = z.string().trim().min(1).max(200);

export const AddFolderParams = z
  .object({
    name: Name,
    path: z.string().min(1, 'Give the folder path.').max(4000),
    recursive: z.boolean().default(false),
    include: z.array(Pattern).max(50).default(['*.csv', '*.tsv', '*.txt', '*.xlsx', '*.json', '*.ndjson']),
    exclude: z.array(Pattern).max(50).default([]),
    stableMs: z.number().int().min(100, 'The waiting time before a file counts as fully written is at least 100 ms.').max(600_000, 'The waiting time before a file counts as fully written is at most 600,000 ms (10 minutes).').default(2000),
    usePolling: z.boolean().default(false),
    pollIntervalMs: z.number().int().min(250, 'The polling interval is at least 250 ms.').max(3_600_000, 'The polling interval is at most 3,600,000 ms (an hour).').default(5000),
    /** What happens to a file after its run: moved to processed/ or failed/, left, or deleted after success. */
    afterRun: z.enum(['move', 'leave', 'delete']).default('move'),
    encoding: z.string().min(1).max(50).optional(),
    delimiter: z.string().min(1).max(5).optional(),
    headerRow: z.number().int().min(1, 'The header row is counted from 1 (the first line).').max(10_000, 'The header row is at most line 10,000.').optional(),
    sheet: z.union([z.string().min(1).max(200), z.number().int().min(0)]).optional(),
    pointer: z.string().max(1000).optional(),
  })
  .strict();

/**
 * Re-read look-back of an incremental database source (main/engine/sources/database/lookback.ts):
 * each run reads from the saved watermark minus the look-back, so a row that committed after the
 * last run with an older watermark value (a long transaction's `now()`, an id handed out before a
 * later one committed) is still read; rows read again are found unchanged and not sent twice. The
 * saved watermark stays the newest value read. Unset or 0: off. The UI and CLI propose
 * RECOMMENDED_LOOKBACK_SECONDS for a new source with a watermark column.
 */
export const RECOMMENDED_LOOKBACK_SECONDS = 300;
export const MAX_LOOKBACK_SECONDS = 2_592_000; // 30 days
export const MAX_LOOKBACK_IDS = 1_000_000_000;
const LookbackSeconds = z
  .number()
  .int('The re-read look-back is a whole number of seconds.')
  .min(0, 'The re-read look-back is 0 (off) or more seconds.')
  .max(MAX_LOOKBACK_SECONDS, 'The re-read look-back is at most 2,592,000 seconds (30 days).');
const LookbackIds = z
  .number()
  .int('The re-read look-back for a numeric watermark is a whole number.')
  .min(0, 'The re-read look-back for a numeric watermark is 0 (off) or more.')
  .max(MAX_LOOKBACK_IDS, 'The re-read look-back for a numeric watermark is at most 1,000,000,000.');

/**
 * Lock wait of a PostgreSQL or MySQL/MariaDB source (main/engine/sources/database/types.ts): how
 * long a read waits for a lock another session holds on what it reads (a nightly batch load, an
 * ALTER TABLE) before the run fails with LOCK_TIMEOUT and says so. Unset: DEFAULT_LOCK_TIMEOUT_SECONDS.
 * SQLite sources do not take it.
 */
export const DEFAULT_LOCK_TIMEOUT_SECONDS = 60;
export const MAX_LOCK_TIMEOUT_SECONDS = 86_400; // a day
const LockTimeoutSeconds = z
  .number()
  .int('The lock wait is a whole number of seconds.')
  .min(1, 'The lock wait is at least 1 second.')
  .max(MAX_LOCK_TIMEOUT_SECONDS, 'The lock wait is at most 86,400 seconds (a day).');

/** Where a database source reads from: shared by "Test" (nothing saved) and "Add". */
const DatabaseFields = z
  .object({
    kind: z.enum(['sqlite', 'postgres', 'mysql']),
    file: z.string().min(1).max(4000).optional(),
    host: z.string().min(1).max(500).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    database: z.string().min(1).max(500).optional(),
    user: z.string().max(500).optional(),
    password: z.string().max(8192).optional(),
    schema: z.string().min(1).max(200).optional(),
    table: z.string().min(1).max(200).optional(),
    query: z.string().min(1).max(100_000).optional(),
    watermarkColumn: z.string().min(1).max(200).optional(),
    /** Seconds below the saved watermark each run starts at (date and date-time watermarks; dates in whole days). */
    watermarkLookbackSeconds: LookbackSeconds.optional(),
    /** The same for a numeric watermark (ids), in the column's own unit. */
    watermarkLookbackIds: LookbackIds.optional(),
    /** PostgreSQL and MySQL: seconds a read waits for a lock held by another session (default 60). */
    lockTimeoutSeconds: LockTimeoutSeconds.optional(),
    ssl: z.enum(['disable', 'require', 'no-verify']).optional(),
  })
  .strict();

type DatabaseFields = z.infer<typeof DatabaseFields>;
const oneOfTableOrQuery = (p: DatabaseFields) => Boolean(p.table) !== Boolean(p.query);
const hasLocation = (p: DatabaseFields) => (p.kind === 'sqlite' ? Boolean(p.file) : Boolean(p.database));
const TABLE_OR_QUERY = { message: 'Give a table or a query: exactly one of the two.', path: ['table'] };
const LOCATION = { message: 'SQLite needs a file; PostgreSQL and MySQL need a database name.', path: ['kind'] };
const lockWaitApplies = (p: DatabaseFields) => p.kind !== 'sqlite' || p.lockTimeoutSeconds === undefined;
const LOCK_WAIT = { message: 'The lock wait applies to PostgreSQL and MySQL sources only; a SQLite source does not take one.', path: ['lockTimeoutSeconds'] };

export const AddDatabaseParams = DatabaseFields.extend({ name: Name }).strict().refine(oneOfTableOrQuery, TABLE_OR_QUERY).refine(hasLocation, LOCATION).refine(lockWaitApplies, LOCK_WAIT);

/** Test a database source before it is saved: connect, then read the first rows. */
export const TestDatabaseParams = DatabaseFields.extend({ limit: z.number().int().min(1).max(100).default(20) })
  .strict()
  .refine(oneOfTableOrQuery, TABLE_OR_QUERY)
  .refine(hasLocation, LOCATION)
  .refine(lockWaitApplies, LOCK_WAIT);

/**
 * A source's settings as the edit form shows them (never a password: only whether one is kept).
 * Read options left to detection are null.
 */
export const FolderSettings = FolderWatch.extend({
  path: z.string(),
  encoding: z.string().nullable(),
  delimiter: z.string().nullable(),
  headerRow: z.number().int().nullable(),
  sheet: z.union([z.string(), z.number().int()]).nullable(),
  pointer: z.string().nullable(),
});
export type FolderSettings = z.infer<typeof FolderSettings>;

export const DatabaseSettings = z.object({
  kind: z.enum(['sqlite', 'postgres', 'mysql']),
  file: z.string().nullable(),
  host: z.string().nullable(),
  port: z.number().int().nullable(),
  database: z.string().nullable(),
  user: z.string().nullable(),
  schema: z.string().nullable(),
  table: z.string().nullable(),
  query: z.string().nullable(),
  watermarkColumn: z.string().nullable(),
  ssl: z.enum(['disable', 'require', 'no-verify']).nullable(),
  passwordInKeychain: z.boolean(),
  /** The re-read look-back in seconds, when the source sets one (left out: not set, no look-back). */
  watermarkLookbackSeconds: z.number().int().optional(),
  /** The re-read look-back for a numeric watermark, when the source sets one (left out: none). */
  watermarkLookbackIds: z.number().int().optional(),
  /** The lock wait in seconds, when the source sets one (left out: DEFAULT_LOCK_TIMEOUT_SECONDS). */
  lockTimeoutSeconds: z.number().int().optional(),
});
export type DatabaseSettings = z.infer<typeof DatabaseSettings>;

export const SourceSettings = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('folder'), sourceId: Id, name: z.string(), folder: FolderSettings }),
  z.object({ kind: z.literal('database'), sourceId: Id, name: z.string(), database: DatabaseSettings }),
]);
export type SourceSettings = z.infer<typeof SourceSettings>;

/**
 * Changes to a source: a field left out stays as it is; null clears an optional one (a read
 * option back to detection, the table when a query replaces it, the kept password).
 */
export const FolderChanges = z
  .object({
    path: z.string().min(1, 'Give the folder path.').max(4000),
    recursive: z.boolean(),
    include: z.array(Pattern).max(50),
    exclude: z.array(Pattern).max(50),
    stableMs: z.number().int().min(100, 'The waiting time before a file counts as fully written is at least 100 ms.').max(600_000, 'The waiting time before a file counts as fully written is at most 600,000 ms (10 minutes).'),
    usePolling: z.boolean(),
    pollIntervalMs: z.number().int().min(250, 'The polling interval is at least 250 ms.').max(3_600_000, 'The polling interval is at most 3,600,000 ms (an hour).'),
    afterRun: z.enum(['move', 'leave', 'delete']),
    encoding: z.string().min(1).max(50).nullable(),
    delimiter: z.string().min(1).max(5).nullable(),
    headerRow: z.number().int().min(1, 'The header row is counted from 1 (the first line).').max(10_000, 'The header row is at most line 10,000.').nullable(),
    sheet: z.union([z.string().min(1).max(200), z.number().int().min(0)]).nullable(),
    pointer: z.string().max(1000).nullable(),
  })
  .partial()
  .strict();
export type FolderChanges = z.infer<typeof FolderChanges>;

/** The database kind cannot change: a source of another kind is another source. */
export const DatabaseChanges = z
  .object({
    file: z.string().min(1).max(4000),
    host: z.string().min(1).max(500).nullable(),
    port: z.number().int().min(1).max(65535).nullable(),
    database: z.string().min(1).max(500),
    user: z.string().max(500).nullable(),
    /** A new password replaces the kept one (after the connection test passes); null removes it. */
    password: z.string().max(8192).nullable(),
    schema: z.string().min(1).max(200).nullable(),
    table: z.string().min(1).max(200).nullable(),
    query: z.string().min(1).max(100_000).nullable(),
    watermarkColumn: z.string().min(1).max(200).nullable(),
    /** null: not set (no look-back). Changing it does not clear the jobs' watermarks. */
    watermarkLookbackSeconds: LookbackSeconds.nullable(),
    watermarkLookbackIds: LookbackIds.nullable(),
    /** null: back to the default (DEFAULT_LOCK_TIMEOUT_SECONDS). Changing it keeps the jobs' watermarks. */
    lockTimeoutSeconds: LockTimeoutSeconds.nullable(),
    ssl: z.enum(['disable', 'require', 'no-verify']).nullable(),
  })
  .partial()
  .strict();
export type DatabaseChanges = z.infer<typeof DatabaseChanges>;

export const UpdateSourceParams = z
  .object({ sourceId: Id, name: Name.optional(), folder: FolderChanges.optional(), database: DatabaseChanges.optional() })
  .strict();
export type UpdateSourceParams = z.infer<typeof UpdateSourceParams>;

export const UpdateSourceResult = z.object({
  source: SourceInfo,
  /** What the change means for the jobs that read the source, one sentence each (may be empty). */
  notes: z.array(z.string()),
});
export type UpdateSourceResult = z.infer<typeof UpdateSourceResult>;

export const SourceRowDto = z.object({ line: z.number().int(), cells: z.record(z.string(), CellValue) });

export const SampleInfo = z.object({
  format: z.enum(['csv', 'xlsx', 'json', 'ndjson', 'database']),
  encoding: z.string().nullable(),
  delimiter: z.string().nullable(),
  headerRow: z.number().int().nullable(),
  /** Rows the header spans from headerRow, when two (a group row over its sub-labels). */
  headerRows: z.number().int().optional(),
  headers: z.array(z.string()),
  warnings: z.array(z.string()),
  sheet: z.string().nullable(),
  sheets: z.array(z.string()).nullable(),
});
export type SampleInfo = z.infer<typeof SampleInfo>;

export const SourceSample = z.object({
  /** Absolute path of the sampled file; null for a database. */
  file: z.string().nullable(),
  info: SampleInfo,
  rows: z.array(SourceRowDto),
  /** True when the source has more rows than returned. */
  truncated: z.boolean(),
});
export type SourceSample = z.infer<typeof SourceSample>;

const BySource = z.object({ sourceId: Id }).strict();

export const SourceFile = z.object({
  /** Unique within the source's files. */
  key: z.string(),
  path: z.string(),
  name: z.string(),
  sha256: z.string(),
  size: z.number().int(),
  seenAt: z.string(),
  status: z.enum(['pending', 'processed', 'failed', 'duplicate']),
  /** The run that took this content (for a duplicate: the original's run). */
  runId: z.number().int().nullable(),
  /** For a duplicate: the path the same content was first seen at. */
  duplicateOf: z.string().nullable(),
  /** What the run that took it did: its status, values rejected (held included), held, sent. */
  runStatus: z.string().nullable().default(null),
  runRejected: z.number().int().nullable().default(null),
  runHeld: z.number().int().nullable().default(null),
  runSent: z.number().int().nullable().default(null),
});
export type SourceFile = z.infer<typeof SourceFile>;

export const FolderCheck = z.object({ ok: z.boolean(), path: z.string(), message: z.string() });
export type FolderCheck = z.infer<typeof FolderCheck>;

export const DatabaseTest = z.object({
  ok: z.boolean(),
  message: z.string(),
  columns: z.array(z.string()),
  rows: z.array(z.record(z.string(), CellValue)),
});
export type DatabaseTest = z.infer<typeof DatabaseTest>;

export const sourcesMethods = {
  'sources.list': { params: z.object({}).strict(), result: z.array(SourceInfo) },
  /** The files a folder source has seen, newest first, with the run that took each. */
  'sources.files': {
    params: z.object({ sourceId: Id, limit: z.number().int().min(1).max(500).default(50) }).strict(),
    result: z.object({ files: z.array(SourceFile), total: z.number().int() }),
  },
  /** Whether a folder exists and this agent can read it, before it is added (browser path field). */
  'sources.checkFolder': { params: z.object({ path: z.string().min(1).max(4000) }).strict(), result: FolderCheck },
  'sources.testDatabase': { params: TestDatabaseParams, result: DatabaseTest },
  'sources.addFolder': { params: AddFolderParams, result: SourceInfo },
  'sources.addDatabase': { params: AddDatabaseParams, result: SourceInfo },
  'sources.test': { params: BySource, result: z.object({ ok: z.boolean(), message: z.string() }) },
  'sources.preview': {
    params: z.object({ sourceId: Id, limit: z.number().int().min(1).max(100).default(100) }).strict(),
    result: z.object({ columns: z.array(z.string()), rows: z.array(z.record(z.string(), CellValue)), file: z.string().nullable() }),
  },
  'sources.sample': {
    params: z.object({ sourceId: Id, file: z.string().min(1).max(4000).optional(), limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    result: SourceSample,
  },
  /** Counts a database source's rows now (one COUNT query) and keeps the count with its time. */
  'sources.countRows': { params: BySource, result: SourceInfo },
  /** The settings the edit form starts from. */
  'sources.settings': { params: BySource, result: SourceSettings },
  /**
   * Change a source in place (jobs and mappings keep pointing at it). A database source is
   * tested with the new settings first and nothing is saved when the test fails.
   */
  'sources.update': { params: UpdateSourceParams, result: UpdateSourceResult },
  'sources.pause': { params: BySource, result: SourceInfo },
  'sources.resume': { params: BySource, result: SourceInfo },
  'sources.remove': {
    params: BySource,
    result: z.object({ removed: z.string(), secretRemoved: z.boolean(), warning: z.string().nullable() }),
  },
} as const;
