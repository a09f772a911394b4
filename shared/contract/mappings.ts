import { z } from 'zod';
import { Entity, Metric, PlatformRecord, RowError } from '../domain';
import { Id, MappingInfo } from '../dto';
import { DateFormatSchema, MappingProfileSchema, type MappingProfileInput } from '../mapping/profile';
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
const DraftProfile = z.custom<MappingProfileInput>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'Expected a draft profile object.');

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
    metricsTouched: z.array(z.string()),
    periodRange: z.object({ start: z.string(), end: z.string() }).nullable(),
    payloadTruncated: z.boolean(),
    errorsTruncated: z.boolean(),
  }),
});
export type PreviewResult = z.infer<typeof PreviewResult>;

const ByMapping = z.object({ mappingId: Id }).strict();

export const mappingsMethods = {
  'catalogue.get': {
    params: z.object({ connectionId: Id }).strict(),
    result: z.object({ metrics: z.array(Metric), entities: z.array(Entity) }),
  },
  'mappings.suggest': {
    params: z.object({ sourceId: Id, connectionId: Id, file: z.string().min(1).max(4000).optional() }).strict(),
    result: z.object({ sample: SourceSample, profiles: z.array(ColumnProfile), suggestion: MappingSuggestion, draft: DraftProfile }),
  },
  'mappings.preview': {
    params: z
      .object({
        profile: z.unknown(),
        sourceId: Id,
        file: z.string().min(1).max(4000).optional(),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    result: PreviewResult,
  },
  'mappings.save': {
    params: z.object({ profile: z.unknown(), id: Id.optional() }).strict(),
    result: MappingInfo,
  },
  'mappings.get': {
    params: ByMapping,
    result: z.object({ info: MappingInfo, profile: MappingProfileSchema }),
  },
  'mappings.remove': {
    params: ByMapping,
    result: z.object({ removed: z.string() }),
  },
} as const;
