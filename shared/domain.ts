/**
 * Domain types shared by every layer. Pure TypeScript + zod: no node:*, no DOM, no electron.
 * These are the shapes that cross module boundaries (reader → mapping → sync → platform),
 * so every helper module agrees on them.
 */
import { z } from 'zod';

// ---------------------------------------------------------------- source rows

/** A cell as a reader hands it on. Dates from spreadsheets arrive as ISO 8601 strings. */
export const CellValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type CellValue = z.infer<typeof CellValue>;

/** One data row from any reader. `line` is the 1-based line (CSV) or row (XLSX) in the source. */
export interface SourceRow {
  line: number;
  cells: Record<string, CellValue>;
}

/** A problem with one row, cell or whole file, phrased for a person. */
export const RowError = z.object({
  line: z.number().int().nullable(),
  column: z.string().nullable(),
  value: z.string().nullable(),
  reason: z.string(),
  /**
   * A database row's key, as its errors name it after "Row" (`id=1042`, `where site="A", period=2026-01`,
   * see shared/mapping/row-key.ts); absent for a file, whose rows are named by `line`. `line` then
   * stays the row's position in the read, which held rows, line marks and paging use.
   */
  row: z.string().optional(),
  /** Held for a site or metric code not mapped yet (sent later, once mapped), not rejected. */
  held: z.boolean().optional(),
});
export type RowError = z.infer<typeof RowError>;

// ---------------------------------------------------------------- platform catalogue

export const PlatformKind = z.enum(['esg-api', 'altruistiq', 'pact']);
export type PlatformKind = z.infer<typeof PlatformKind>;

export const MetricValueType = z.enum(['number', 'integer', 'percentage', 'text', 'boolean']);
export type MetricValueType = z.infer<typeof MetricValueType>;

export const Metric = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  unit: z.string(),
  category: z.string(),
  valueType: MetricValueType,
  custom: z.boolean(),
  /** Whether this service account may submit values for it. */
  writable: z.boolean().default(true),
});
export type Metric = z.infer<typeof Metric>;

export const Entity = z.object({
  id: z.string(),
  name: z.string(),
  /** The company's own code for the site/company, as used in source files. */
  externalRef: z.string().nullable(),
  type: z.string(),
});
export type Entity = z.infer<typeof Entity>;

export const ServiceAccountInfo = z.object({
  clientId: z.string(),
  name: z.string(),
  organisation: z.string().nullable(),
  scopes: z.array(z.string()),
  lastUsedAt: z.string().nullable(),
});
export type ServiceAccountInfo = z.infer<typeof ServiceAccountInfo>;

// ---------------------------------------------------------------- submissions

/** A mapped, validated value ready for the ledger and the platform. */
export const PlatformRecord = z.object({
  metricId: z.string(),
  entityId: z.string(),
  periodStart: z.string(), // YYYY-MM-DD
  periodEnd: z.string(), // YYYY-MM-DD, inclusive
  value: z.union([z.number(), z.string(), z.boolean()]),
  unit: z.string(),
  comment: z.string().nullable().default(null),
  evidence: z.string().nullable().default(null),
});
export type PlatformRecord = z.infer<typeof PlatformRecord>;

export const SubmissionOp = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), key: z.string(), record: PlatformRecord }),
  z.object({ op: z.literal('update'), key: z.string(), remoteId: z.string(), record: PlatformRecord }),
  z.object({ op: z.literal('delete'), key: z.string(), remoteId: z.string() }),
]);
export type SubmissionOp = z.infer<typeof SubmissionOp>;

export const ItemStatus = z.enum(['created', 'updated', 'deleted', 'unchanged', 'rejected']);
export type ItemStatus = z.infer<typeof ItemStatus>;

export const ItemResult = z.object({
  key: z.string(),
  status: ItemStatus,
  remoteId: z.string().nullable(),
  reason: z.string().nullable(),
  /**
   * A rejected update whose record is no longer on the platform (deleted there, or unknown): the
   * value is to be created again, not reported as rejected.
   */
  gone: z.boolean().optional(),
});
export type ItemResult = z.infer<typeof ItemResult>;

// ---------------------------------------------------------------- runs

/** 'resume': at start, finishing what a stopped agent left unanswered (not a missed schedule). */
/** `held`: the agent sending, on its own, rows an earlier run held until their period was over. */
export const RunTrigger = z.enum(['schedule', 'file', 'manual', 'catch-up', 'resume', 'held']);
export type RunTrigger = z.infer<typeof RunTrigger>;

export const RunStatus = z.enum([
  'queued',
  'running',
  'succeeded',
  'succeeded_with_rejections',
  'failed',
  'interrupted',
  'needs_attention',
]);
export type RunStatus = z.infer<typeof RunStatus>;

export const RunCounts = z.object({
  read: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  deleted: z.number().int(),
  unchanged: z.number().int(),
  /** Values rejected, including those held. */
  rejected: z.number().int(),
  /** Of those, values held because their site or metric code is not mapped yet: sent once mapped and read again. */
  held: z.number().int(),
});
export type RunCounts = z.infer<typeof RunCounts>;

export const emptyCounts = (): RunCounts => ({
  read: 0,
  created: 0,
  updated: 0,
  deleted: 0,
  unchanged: 0,
  rejected: 0,
  held: 0,
});
