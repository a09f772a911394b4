import { z } from 'zod';
import { ErrorGroups, ErrorKindId } from '../mapping/error-groups';
import {
  ActivityDay,
  ConnectionInfo,
  EngineStatus,
  HistoryFilter,
  JobInfo,
  MappingInfo,
  RowErrorDto,
  RunEvent,
  RunRequestDto,
  RunSummary,
  Settings,
} from '../dto';

export const none = z.object({}).strict();

export const RetentionResultDto = z.object({
  runs: z.number().int(),
  rowErrors: z.number().int(),
  requests: z.number().int(),
  events: z.number().int(),
  /** Pages handed back to the file system by incremental vacuum. */
  freedPages: z.number().int(),
  /** False on a database that could not yet be switched to incremental vacuum (it retries at start). */
  vacuumEnabled: z.boolean(),
  durationMs: z.number().int(),
  /** Old files removed from the folder sources' processed/ and failed/ (Settings: keepFolderFilesDays). */
  folderFiles: z.number().int(),
});

/** Engine state, settings, listings and history: the methods every page starts from. */
export const coreMethods = {
  'engine.status': { params: none, result: EngineStatus },
  'engine.pause': {
    params: z.object({ minutes: z.number().int().min(1).max(60 * 24 * 30).nullable() }).strict(),
    result: EngineStatus,
  },
  'engine.resume': { params: none, result: EngineStatus },

  'settings.get': { params: none, result: Settings },
  'settings.update': { params: Settings.partial().strict(), result: Settings },

  'connections.list': { params: none, result: z.array(ConnectionInfo) },
  'mappings.list': { params: none, result: z.array(MappingInfo) },
  'jobs.list': { params: none, result: z.array(JobInfo) },

  'history.list': { params: HistoryFilter.strict(), result: z.array(RunSummary) },
  'history.get': {
    params: z.object({ runId: z.number().int().positive() }).strict(),
    result: z.object({
      run: RunSummary,
      events: z.array(RunEvent),
      errorCount: z.number().int(),
      /** Requests itemised in history; fewer than run.requests when a huge run hit the cap. */
      requestCount: z.number().int(),
      /** For a run that held values: the later run of the same file that left none held, if any. */
      heldSentBy: z.number().int().nullable().default(null),
      /** Why its values are held: rows with codes not mapped yet, rows whose period is not over (the last ending on lastEnd). */
      heldWhy: z.object({ codes: z.number().int(), periods: z.number().int(), lastEnd: z.string().nullable() }).nullable().default(null),
      /** Where its file is now, when that is not where it was read (moved to processed/ or failed/). */
      fileNow: z.string().nullable().default(null),
      /** When the folder clean-up (Settings) removed the file from there, if it did. */
      fileRemovedAt: z.string().nullable().default(null),
    }),
  },
  'history.errors': {
    params: z
      .object({
        runId: z.number().int().positive(),
        afterId: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
        /** Only errors of this kind (an ErrorGroup's kind). */
        kind: ErrorKindId.optional(),
      })
      .strict(),
    result: z.array(RowErrorDto.extend({ id: z.number().int() })),
  },
  /** The run's row errors grouped by kind, largest first: what went wrong, in a few lines. */
  'history.errorGroups': {
    params: z.object({ runId: z.number().int().positive(), limit: z.number().int().min(1).max(100).default(10) }).strict(),
    result: ErrorGroups,
  },
  /** The run's platform requests, oldest first, keyset-paged by id. */
  'history.requests': {
    params: z
      .object({
        runId: z.number().int().positive(),
        afterId: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    result: z.array(RunRequestDto),
  },
  /**
   * Writes every row error of the run as CSV (the same bytes as GET /api/runs/:id/errors.csv) to
   * an absolute .csv path in an existing folder. The desktop app uses it after its save dialog,
   * because a page loaded from file:// cannot download from the agent's HTTP route.
   */
  'history.saveErrorsCsv': {
    params: z.object({ runId: z.number().int().positive(), path: z.string().min(1).max(4096), kind: ErrorKindId.optional() }).strict(),
    result: z.object({ path: z.string(), rows: z.number().int() }),
  },
  /** Applies the retention setting now (it also runs at start and daily); says what it removed. */
  'history.prune': { params: none, result: RetentionResultDto },
  'history.activity': {
    params: z.object({ days: z.number().int().min(1).max(365).default(30) }).strict(),
    result: z.array(ActivityDay),
  },
} as const;

