/**
 * The one contract between the engine and every UI (Electron renderer, browser, CLI via the
 * control server). Each method has a zod schema for its params and its result; each event a
 * schema for its payload. Both bridges are driven by this table, so adding a method here and
 * implementing it in main/engine/api.ts is all it takes to reach it from every UI.
 */
import { z } from 'zod';
import { PlatformKind, RunStatus, RunTrigger } from './domain';

const Id = z.string().min(1).max(200);
const IsoTime = z.string();

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
  usedByJobs: z.array(z.string()),
});
export type ConnectionInfo = z.infer<typeof ConnectionInfo>;

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
  lastRun: z.object({ id: z.number().int(), status: RunStatus, finishedAt: z.string().nullable() }).nullable(),
  nextRunAt: z.string().nullable(),
});
export type JobInfo = z.infer<typeof JobInfo>;

export const RunSummary = z.object({
  id: z.number().int(),
  jobId: z.string().nullable(),
  jobName: z.string(),
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
  bytes: z.number().int(),
  requests: z.number().int(),
  retries: z.number().int(),
  serviceAccount: z.string().nullable(),
  file: z.string().nullable(),
  watermarkFrom: z.string().nullable(),
  watermarkTo: z.string().nullable(),
  error: z.string().nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunEvent = z.object({ at: IsoTime, level: z.enum(['info', 'warn', 'error']), message: z.string() });
export type RunEvent = z.infer<typeof RunEvent>;

export const RowErrorDto = z.object({
  line: z.number().int().nullable(),
  column: z.string().nullable(),
  value: z.string().nullable(),
  reason: z.string(),
});

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
  notifyOnFailure: z.boolean(),
  startAtLogin: z.boolean().nullable(),
  autoUpdate: z.boolean(),
  catchUp: z.enum(['run-once', 'skip']),
});
export type Settings = z.infer<typeof Settings>;

export const defaultSettings: Settings = {
  retentionDays: 365,
  retentionRuns: 100_000,
  notifyOnFailure: true,
  startAtLogin: null,
  autoUpdate: false,
  catchUp: 'run-once',
};

// ---------------------------------------------------------------- methods

const none = z.object({}).strict();

export const methods = {
  'engine.status': { params: none, result: EngineStatus },
  'engine.pause': {
    params: z.object({ minutes: z.number().int().min(1).max(60 * 24 * 30).nullable() }).strict(),
    result: EngineStatus,
  },
  'engine.resume': { params: none, result: EngineStatus },

  'settings.get': { params: none, result: Settings },
  'settings.update': { params: Settings.partial().strict(), result: Settings },

  'connections.list': { params: none, result: z.array(ConnectionInfo) },
  'sources.list': { params: none, result: z.array(SourceInfo) },
  'mappings.list': { params: none, result: z.array(MappingInfo) },
  'jobs.list': { params: none, result: z.array(JobInfo) },

  'history.list': { params: HistoryFilter.strict(), result: z.array(RunSummary) },
  'history.get': {
    params: z.object({ runId: z.number().int().positive() }).strict(),
    result: z.object({ run: RunSummary, events: z.array(RunEvent), errorCount: z.number().int() }),
  },
  'history.errors': {
    params: z
      .object({
        runId: z.number().int().positive(),
        afterId: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    result: z.array(RowErrorDto.extend({ id: z.number().int() })),
  },
  'history.activity': {
    params: z.object({ days: z.number().int().min(1).max(365).default(30) }).strict(),
    result: z.array(ActivityDay),
  },
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Params<M extends MethodName> = z.input<Methods[M]['params']>;
export type ParsedParams<M extends MethodName> = z.output<Methods[M]['params']>;
export type Result<M extends MethodName> = z.output<Methods[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

// ---------------------------------------------------------------- events

export const RunProgress = z.object({
  runId: z.number().int(),
  jobId: z.string().nullable(),
  read: z.number().int(),
  sent: z.number().int(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  bytes: z.number().int(),
  totalBytes: z.number().int().nullable(),
  rowsPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
});

export const events = {
  'run.started': RunSummary,
  'run.progress': RunProgress,
  'run.finished': RunSummary,
  'source.changed': SourceInfo,
  'connection.status': z.object({ connectionId: z.string(), ok: z.boolean(), message: z.string().nullable() }),
  'engine.changed': EngineStatus,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
