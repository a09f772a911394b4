/** Data shapes the contract's methods and events carry (shared/api.ts assembles the contract). */
import { z } from 'zod';
import { PlatformKind, RunStatus, RunTrigger } from './domain';

export const Id = z.string().min(1).max(200);
export const IsoTime = z.string();

// ---------------------------------------------------------------- DTOs

export const SecretStoreStatus = z.object({
  available: z.boolean(),
  kind: z.enum(['keychain', 'environment', 'none']),
  message: z.string().nullable(),
});

export const EngineStatus = z.object({
  version: z.string(),
  dataDir: z.string(),
  logDir: z.string(),
  startedAt: IsoTime,
  mode: z.enum(['desktop', 'headless']),
  pausedUntil: z.string().nullable(), // 'forever' or an ISO time
  counts: z.object({
    connections: z.number().int(),
    sources: z.number().int(),
    mappings: z.number().int(),
    jobs: z.number().int(),
    runningRuns: z.number().int(),
    runsLast24h: z.number().int(),
    failedLast24h: z.number().int(),
    attentionLast24h: z.number().int(),
  }),
  secretStore: SecretStoreStatus,
});
export type EngineStatus = z.infer<typeof EngineStatus>;

export const ConnectionInfo = z.object({
  id: Id,
  name: z.string(),
  kind: PlatformKind,
  baseUrl: z.string(),
  authUrl: z.string().nullable(),
  clientId: z.string(),
  scopes: z.array(z.string()),
  sandbox: z.boolean(),
  createdAt: IsoTime,
  lastUsedAt: z.string().nullable(),
  lastTestAt: z.string().nullable(),
  lastTestOk: z.boolean().nullable(),
  lastTestMessage: z.string().nullable(),
  /** Altruistiq: the e-mail of the user uploads are attributed to; null for other platforms. */
  userEmail: z.string().nullable().optional(),
  usedByJobs: z.array(z.string()),
});
export type ConnectionInfo = z.infer<typeof ConnectionInfo>;

/** How a folder source is watched, and what happens to a file after its run. */
export const FolderWatch = z.object({
  recursive: z.boolean(),
  include: z.array(z.string()),
  exclude: z.array(z.string()),
  stableMs: z.number().int(),
  usePolling: z.boolean(),
  pollIntervalMs: z.number().int(),
  afterRun: z.enum(['move', 'leave', 'delete']),
});

export const SourceInfo = z.object({
  id: Id,
  name: z.string(),
  kind: z.enum(['folder', 'database']),
  location: z.string(),
  paused: z.boolean(),
  sandbox: z.boolean(),
  status: z.string(),
  statusMessage: z.string().nullable(),
  createdAt: IsoTime,
  lastFile: z.string().nullable(),
  lastWatermark: z.string().nullable(),
  filesWaiting: z.number().int(),
  /** The newest waiting files (up to 5), with the run that left each where it is: what a person must decide on. */
  waiting: z.array(z.object({ path: z.string(), runId: z.number().int().nullable(), runStatus: z.string().nullable(), runError: z.string().nullable() })).optional(),
  /** Files recorded for a folder source (processed, failed, duplicate or waiting). */
  filesSeen: z.number().int().optional(),
  /** Rows in a database source when last counted (test, preview, run or "Count rows"); null if never. */
  rowCount: z.number().int().nullable().optional(),
  rowCountAt: IsoTime.nullable().optional(),
  /** How a folder is watched; null for a database. */
  folder: FolderWatch.nullable().optional(),
  /** What a database source reads; null for a folder. Never a password. */
  database: z
    .object({
      kind: z.enum(['sqlite', 'postgres', 'mysql']),
      table: z.string().nullable(),
      query: z.boolean(),
      watermarkColumn: z.string().nullable(),
      passwordInKeychain: z.boolean(),
    })
    .nullable()
    .optional(),
  /** Names of the jobs that read this source (a source in use cannot be removed). */
  usedByJobs: z.array(z.string()).optional(),
  /** Of those, the jobs that read it on a schedule (not paused): a database is read only by them, or by Run now. */
  scheduledBy: z.array(z.string()).optional(),
});
export type SourceInfo = z.infer<typeof SourceInfo>;

export const MappingInfo = z.object({
  id: Id,
  name: z.string(),
  version: z.number().int(),
  sourceId: z.string().nullable(),
  connectionId: z.string().nullable(),
  updatedAt: IsoTime,
});
export type MappingInfo = z.infer<typeof MappingInfo>;

/**
 * A database ingest job whose watermark stays at rows it holds (codes not mapped yet, periods not
 * over yet): every run reads again from there until they are sent. Noted once per run (see
 * main/engine/store/held-back-repo.ts), so the polled jobs list reads it without scanning history.
 */
export const HeldBack = z.object({
  /** Where every run reads from again; null for a source without a watermark column (it reads the whole table anyway). */
  watermark: z.string().nullable(),
  /** When the watermark stopped there: the start of the first run that left it there. */
  since: IsoTime,
  sinceRunId: z.number().int(),
  /** The latest run that held the rows: its page lists them, with their codes. */
  runId: z.number().int(),
  /** Rows waiting for a site or metric code to be mapped: a person has to map them. */
  codes: z.number().int(),
  /** Since when some rows have waited for codes, run after run; null when none do. */
  codesSince: IsoTime.nullable(),
  /** Up to 5 of those codes; `moreCodes` when there are others. */
  codeValues: z.array(z.string()),
  moreCodes: z.boolean(),
  /** The mapping wizard steps where they are mapped ('Sites & periods' for sites, 'Columns' for metrics). */
  codeSteps: z.array(z.enum(['Sites & periods', 'Columns'])),
  /** Rows waiting for their period to end: sent on their own once it has. */
  periods: z.number().int(),
  /** The last day of the latest period waited for. */
  periodsEnd: z.string().nullable(),
  /** Values the latest run rejected for other reasons than holding them. */
  rejectedOther: z.number().int(),
});
export type HeldBack = z.infer<typeof HeldBack>;

export const JobInfo = z.object({
  id: Id,
  name: z.string(),
  type: z.enum(['ingest', 'export']),
  connectionId: z.string(),
  sourceId: z.string().nullable(),
  mappingId: z.string().nullable(),
  schedule: z.string().nullable(),
  timezone: z.string(),
  scheduleText: z.string().nullable(),
  paused: z.boolean(),
  /** Its source is paused (Sources page): it reads nothing, on schedule or by hand, until the source is resumed. */
  sourcePaused: z.boolean().optional(),
  lastRun: z.object({ id: z.number().int(), status: RunStatus, finishedAt: z.string().nullable(), rejected: z.number().int().optional(), held: z.number().int().optional() }).nullable(),
  nextRunAt: z.string().nullable(),
  /** The next run is the automatic retry of a scheduled run that failed for a reason that may pass. */
  nextRunIsRetry: z.boolean().optional(),
  /** Null unless a database ingest job holds rows back (optional: shapes from before it existed). */
  heldBack: HeldBack.nullable().optional(),
  /**
   * The latest run that read or sent something: a later run that found nothing to do ("Run now"
   * with no new file) leaves what this one rejected unsettled.
   */
  lastDoneRun: z
    .object({ id: z.number().int(), status: RunStatus, finishedAt: z.string().nullable(), rejected: z.number().int(), held: z.number().int() })
    .nullable()
    .optional(),
  /** Files whose latest run held rows for site or metric codes not mapped yet (folder jobs); null when none. */
  waitingForCodes: z.object({ files: z.number().int(), rows: z.number().int(), runId: z.number().int() }).nullable().optional(),
});
export type JobInfo = z.infer<typeof JobInfo>;

export const RunSummary = z.object({
  id: z.number().int(),
  jobId: z.string().nullable(),
  /** The job's name now; for a removed job, its name when it ran. */
  jobName: z.string(),
  /** The job's name when it ran, where it has been renamed since. */
  jobNameAtRun: z.string().nullable().optional(),
  /** What its job does (null once the job is removed): an export's counts are rows written, not values sent. */
  jobType: z.enum(['ingest', 'export']).nullable().optional(),
  trigger: RunTrigger,
  status: RunStatus,
  startedAt: IsoTime,
  finishedAt: z.string().nullable(),
  read: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  deleted: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
  /** Rows held (counted among the rejected): a site or metric code not mapped yet, or a period not over yet. */
  held: z.number().int(),
  bytes: z.number().int(),
  requests: z.number().int(),
  retries: z.number().int(),
  serviceAccount: z.string().nullable(),
  file: z.string().nullable(),
  watermarkFrom: z.string().nullable(),
  watermarkTo: z.string().nullable(),
  error: z.string().nullable(),
  /** The mapping and its version an ingest run mapped the rows with (null for exports and runs from before this was kept). */
  mappingId: z.string().nullable().optional(),
  mappingVersion: z.number().int().nullable().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunEvent = z.object({ at: IsoTime, level: z.enum(['info', 'warn', 'error']), message: z.string() });
export type RunEvent = z.infer<typeof RunEvent>;

export const RowErrorDto = z.object({
  line: z.number().int().nullable(),
  /** A database row's key (`id=1042`), which names it where `line` is only its position in the read; absent for a file. */
  row: z.string().optional(),
  column: z.string().nullable(),
  value: z.string().nullable(),
  reason: z.string(),
});

/** One platform HTTP attempt of a run: never a body or a header value (query secrets redacted). */
export const RunRequestDto = z.object({
  id: z.number().int(),
  startedAt: IsoTime,
  method: z.string(),
  host: z.string(),
  path: z.string(),
  /** Null when no answer arrived; `error` then says why (timeout, connection reset, ...). */
  status: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  /** 1 = first attempt, 2+ = retries of the same request. */
  attempt: z.number().int(),
  kind: z.enum(['api', 'token']),
});
export type RunRequestDto = z.infer<typeof RunRequestDto>;

export const HistoryFilter = z.object({
  jobId: Id.optional(),
  status: RunStatus.optional(),
  trigger: RunTrigger.optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  /** Keyset paging: runs with id below this one. */
  beforeId: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(1000).default(50),
});
export type HistoryFilter = z.input<typeof HistoryFilter>;

export const ActivityDay = z.object({
  day: z.string(), // YYYY-MM-DD
  rowsSynced: z.number().int(),
  runs: z.number().int(),
  failures: z.number().int(),
});

export const Settings = z.object({
  retentionDays: z.number().int().min(1).max(3650),
  retentionRuns: z.number().int().min(100).max(10_000_000),
  /**
   * Files in the folder sources' processed/ and failed/ are removed this many days after they were
   * put there; null keeps them forever (the default, so an upgrade never removes a file).
   */
  keepFolderFilesDays: z.number().int().min(1).max(3650).nullable(),
  notifyOnFailure: z.boolean(),
  startAtLogin: z.boolean().nullable(),
  autoUpdate: z.boolean(),
  catchUp: z.enum(['run-once', 'skip']),
});
export type Settings = z.infer<typeof Settings>;

export const defaultSettings: Settings = {
  retentionDays: 365,
  retentionRuns: 100_000,
  keepFolderFilesDays: null,
  notifyOnFailure: true,
  startAtLogin: null,
  autoUpdate: false,
  catchUp: 'run-once',
};

/** The change keeps files in processed/ and failed/ for less time than before (from "forever" too): they go now, not tomorrow. */
export function keepsFolderFilesLess(before: Pick<Settings, 'keepFolderFilesDays'>, after: Pick<Settings, 'keepFolderFilesDays'>): boolean {
  return after.keepFolderFilesDays !== null && (before.keepFolderFilesDays === null || after.keepFolderFilesDays < before.keepFolderFilesDays);
}

export const RunProgress = z.object({
  runId: z.number().int(),
  jobId: z.string().nullable(),
  read: z.number().int(),
  sent: z.number().int(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  bytes: z.number().int(),
  totalBytes: z.number().int().nullable(),
  /** How far the run is, 0–1 (reading, then sending), when that can be told. */
  share: z.number().min(0).max(1).nullable().optional(),
  rowsPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
});

