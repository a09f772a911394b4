import { z } from 'zod';
import { Entity, Metric, PlatformRecord, RowError } from '../domain';
import { Id, MappingInfo, RunSummary } from '../dto';
import { DateFormatSchema, MappingProfileSchema, ReadOptions, type MappingProfileInput } from '../mapping/profile';
import { SourceSample } from './sources';

/**
 * The mapping wizard's methods: the platform's library, suggestions from a sample, a preview
 * through the real pipeline, and saving, reading and removing versioned profiles. A profile
 * comes in as unknown JSON and is checked by parseProfile, so its problems are listed one by one.
 */

const DateDetection = z.object({
  format: DateFormatSchema.nullable(),
  candidates: z.array(DateFormatSchema),
  ambiguous: z.boolean(),
  samples: z.number().int(),
});

const LocaleGuess = z.object({
  locale: z.object({
    decimal: z.enum(['.', ',']),
    thousands: z.enum([',', '.', ' ', "'", '', 'auto']),
    parenthesesNegative: z.boolean(),
  }),
  parsed: z.number(),
  ambiguous: z.boolean(),
});

export const HeaderPeriod = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), start: z.string(), end: z.string(), granularity: z.enum(['day', 'month', 'quarter', 'year']) }),
  z.object({ kind: z.literal('month'), month: z.number().int() }),
]);

export const ColumnProfile = z.object({
  column: z.string(),
  inferredType: z.enum(['number', 'date', 'text', 'boolean', 'empty']),
  rows: z.number().int(),
  nonEmpty: z.number().int(),
  nullShare: z.number(),
  distinctCount: z.number().int(),
  distinctCapped: z.boolean(),
  distinctValues: z.array(z.string()),
  sampleValues: z.array(z.string()),
  min: z.union([z.number(), z.string()]).nullable(),
  max: z.union([z.number(), z.string()]).nullable(),
  integerShare: z.number().nullable(),
  negativeShare: z.number().nullable(),
  dateFormat: DateDetection.nullable(),
  numberLocale: LocaleGuess.nullable(),
  unit: z.object({ unit: z.string(), source: z.enum(['header', 'values']) }).nullable(),
  unitValueShare: z.number(),
  headerPeriod: HeaderPeriod.nullable(),
});
export type ColumnProfile = z.infer<typeof ColumnProfile>;

export const ColumnRole = z.enum(['value', 'metric', 'entity', 'period', 'period-start', 'period-end', 'year', 'month', 'unit', 'comment', 'evidence', 'ignore']);

const MetricCandidate = z.object({ metricId: z.string(), confidence: z.number(), reason: z.string() });
const EntityMatch = z.object({ local: z.string(), entityId: z.string().nullable(), confidence: z.number(), reason: z.string() });
const MetricMatch = z.object({ local: z.string(), metricId: z.string().nullable(), confidence: z.number(), reason: z.string() });

export const MappingSuggestion = z.object({
  shape: z.enum(['long', 'wide']),
  wideKind: z.enum(['per-metric', 'per-period']).nullable(),
  columns: z.array(
    z.object({
      column: z.string(),
      role: ColumnRole,
      metricId: z.string().optional(),
      confidence: z.number(),
      reason: z.string(),
      alternatives: z.array(MetricCandidate),
      period: HeaderPeriod.optional(),
      unit: z.string().optional(),
    }),
  ),
  entityValueMap: z.array(EntityMatch),
  metricValueMap: z.array(MetricMatch),
  warnings: z.array(z.string()),
});
export type MappingSuggestion = z.infer<typeof MappingSuggestion>;

/** A pre-filled profile for the wizard; parts the suggestions could not decide are left out. */
const DraftProfile = z
  .looseObject({ schemaVersion: z.literal(1), name: z.string(), sourceId: z.string(), connectionId: z.string(), read: ReadOptions.optional() })
  // The rest is checked by parseProfile when the wizard previews or saves it.
  .transform((d) => d as unknown as MappingProfileInput);

export const PreviewResult = z.object({
  /** The file the preview read; null for a database source. */
  file: z.string().nullable(),
  payload: z.array(z.object({ line: z.number().int(), column: z.string(), naturalKey: z.string(), hash: z.string(), record: PlatformRecord })),
  rejected: z.array(RowError),
  held: z.array(z.object({ kind: z.enum(['entity', 'metric']), column: z.string(), value: z.string(), firstLine: z.number().int(), rows: z.number().int() })),
  summary: z.object({
    rowsIn: z.number().int(),
    recordsOut: z.number().int(),
    rejected: z.number().int(),
    rejectedRows: z.number().int(),
    skippedRows: z.number().int(),
    blankValues: z.number().int(),
    heldRows: z.number().int(),
    addedUp: z.object({ rows: z.number().int(), values: z.number().int() }),
    metricsTouched: z.array(z.string()),
    periodRange: z.object({ start: z.string(), end: z.string() }).nullable(),
    payloadTruncated: z.boolean(),
    errorsTruncated: z.boolean(),
  }),
  /** Sentences about the preview as a whole (the likely cause of many rejections and its fix). */
  notes: z.array(z.string()),
});
export type PreviewResult = z.infer<typeof PreviewResult>;

const ByMapping = z.object({ mappingId: Id }).strict();
const ByRun = z.object({ runId: z.number().int().positive() }).strict();

/** A file of the source's folder (absolute, or relative to it); without it, the newest file. */
const SampleFile = z.string().min(1).max(4000).optional();
/** A file dropped on the wizard and kept by the engine (see mappings.uploadSample). */
const UploadId = z.string().regex(/^[A-Za-z0-9_-]{16}$/, 'Not a sample upload id.').optional();

/** One of a file's first rows as it stands, offered as the header row. */
export const TopRow = z.object({ row: z.number().int(), line: z.number().int(), cells: z.array(z.string()) });
export type TopRow = z.infer<typeof TopRow>;

export const StoredSample = z.object({ uploadId: z.string(), name: z.string(), size: z.number().int() });
export type StoredSample = z.infer<typeof StoredSample>;

/** Base64 of at most 20 MB. Over the browser's WebSocket the agent's HTTP upload route is used instead. */
const MAX_BASE64 = Math.ceil((20 * 1024 * 1024) / 3) * 4;

export const DriftReport = z.object({
  runId: z.number().int(),
  mappingId: z.string(),
  mappingName: z.string(),
  mappingVersion: z.number().int(),
  sourceId: z.string(),
  sourceKind: z.enum(['folder', 'database']).default('folder'),
  file: z.string(),
  fileAvailable: z.boolean(),
  missing: z.array(z.string()),
  added: z.array(z.string()),
  renamed: z.array(
    z.object({
      from: z.string(),
      to: z.string(),
      similarity: z.number(),
      /** The unit the new name makes the mapping read the column's values in (see renamedValueUnit). */
      unit: z.object({ from: z.string().nullable(), to: z.string() }).nullable().optional(),
    }),
  ),
  reordered: z.boolean(),
  affectsMapping: z.array(z.string()),
  hasDrift: z.boolean(),
  headers: z.array(z.string()),
});
export type DriftReport = z.infer<typeof DriftReport>;

/** A saved mapping, with what was found and saved anyway (`force`), or that it was not checked. */
export const SavedMapping = MappingInfo.extend({ warnings: z.array(z.string()).optional() });
export type SavedMapping = z.infer<typeof SavedMapping>;

export const mappingsMethods = {
  'catalogue.get': {
    params: z.object({ connectionId: Id }).strict(),
    result: z.object({ metrics: z.array(Metric), entities: z.array(Entity), freeMetrics: z.boolean().optional() }),
  },
  'mappings.suggest': {
    params: z.object({ sourceId: Id, connectionId: Id, file: SampleFile, upload: UploadId, read: ReadOptions.optional() }).strict(),
    result: z.object({ sample: SourceSample, topRows: z.array(TopRow), profiles: z.array(ColumnProfile), suggestion: MappingSuggestion, draft: DraftProfile }),
  },
  'mappings.preview': {
    params: z
      .object({
        profile: z.unknown(),
        sourceId: Id,
        file: SampleFile,
        upload: UploadId,
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    result: PreviewResult,
  },
  /**
   * Saves a profile (a new mapping, or the next version of `id`). It is checked against the
   * connection's catalogue first: metric ids, site ids and units the platform cannot take are
   * refused, each said in words; `force` saves anyway and returns them as `warnings`. When the
   * platform cannot be asked, the profile is saved with a warning saying it was not checked.
   */
  'mappings.save': {
    params: z.object({ profile: z.unknown(), id: Id.optional(), force: z.boolean().default(false) }).strict(),
    result: SavedMapping,
  },
  'mappings.get': {
    params: ByMapping,
    result: z.object({ info: MappingInfo, profile: MappingProfileSchema }),
  },
  'mappings.remove': {
    params: ByMapping,
    result: z.object({ removed: z.string() }),
  },
  /** Keeps a dropped sample file (the desktop app's path; the browser POSTs to /api/uploads/sample). */
  'mappings.uploadSample': {
    params: z.object({ name: z.string().min(1).max(300), contentBase64: z.base64().max(MAX_BASE64) }).strict(),
    result: StoredSample,
  },
  /** What changed between a "needs attention" run's file and its mapping. */
  'mappings.drift': { params: ByRun, result: DriftReport },
  /** Reads the file a run stopped on again, with the mapping as it is now. */
  'mappings.retryFile': {
    params: ByRun.extend({ wait: z.boolean().default(true) }).strict(),
    result: z.object({ queued: z.boolean(), run: RunSummary.nullable() }),
  },
} as const;
