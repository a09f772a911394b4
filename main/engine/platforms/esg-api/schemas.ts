/**
 * zod schemas for every esg-api response the adapter reads (docs/esg-api.openapi.yaml).
 * The platform is outside our trust boundary: anything that does not match is a `bad_response`.
 */
import { z } from 'zod';
import { MetricValueType } from '../../../../shared/domain';

const Nullable = <T extends z.ZodType>(t: T) => t.nullable().optional().transform((v) => v ?? null);

export const ServiceAccountSchema = z.object({
  client_id: z.string(),
  name: z.string(),
  organisation: Nullable(z.string()),
  scopes: z.array(z.string()),
  created_at: z.string().optional(),
  last_used_at: Nullable(z.string()),
});

export const MetricSchema = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  description: Nullable(z.string()),
  unit: z.string(),
  category: z.string(),
  value_type: MetricValueType,
  custom: z.boolean(),
  api_writable: z.boolean().default(true),
  aggregation: z.string().optional(),
});

export const EntitySchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  external_ref: Nullable(z.string()),
  parent_id: Nullable(z.string()),
  country: Nullable(z.string()),
});

const Value = z.union([z.number(), z.string(), z.boolean()]);

export const SubmissionSchema = z.object({
  id: z.string(),
  metric_id: z.string(),
  metric_code: z.string(),
  entity_id: z.string(),
  entity_external_ref: Nullable(z.string()),
  period_start: z.string(),
  period_end: z.string(),
  value: Value,
  unit: z.string(),
  comment: Nullable(z.string()),
  evidence: Nullable(z.string()),
  version: z.number().int(),
  created_at: z.string(),
  created_by: z.string(),
  updated_at: z.string(),
  updated_by: z.string(),
  deleted_at: Nullable(z.string()),
});

export const PortfolioMetricSchema = z.object({
  entity_id: z.string(),
  entity_name: z.string().optional(),
  metric_id: z.string(),
  metric_code: z.string(),
  period: z.string(),
  period_start: z.string(),
  period_end: z.string(),
  value: z.number().nullable(),
  unit: z.string(),
  aggregation: z.string().optional(),
  submission_count: z.number().int(),
  updated_at: z.string(),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    next_cursor: z.string().min(1).nullable(),
  });

export type Submission = z.output<typeof SubmissionSchema>;

/**
 * SubmissionSchema's result for `v`, checked by hand, or undefined when `v` is anything the
 * hand check is not sure of (zod then decides, and names the problem). Whatever it accepts, zod
 * accepts with the same output: a fresh object with the schema's fields in the schema's order,
 * absent nullable fields as null, unknown fields dropped. zod's generic walk costs several times
 * more per row, which a million-row export feels.
 */
export function checkSubmission(v: unknown): Submission | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const { id, metric_id, metric_code, entity_id, entity_external_ref, period_start, period_end, value, unit, comment, evidence, version } = o;
  const { created_at, created_by, updated_at, updated_by, deleted_at } = o;
  if (
    typeof id !== 'string' ||
    typeof metric_id !== 'string' ||
    typeof metric_code !== 'string' ||
    typeof entity_id !== 'string' ||
    !nullableText(entity_external_ref) ||
    typeof period_start !== 'string' ||
    typeof period_end !== 'string' ||
    !(typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) ||
    typeof unit !== 'string' ||
    !nullableText(comment) ||
    !nullableText(evidence) ||
    !Number.isSafeInteger(version) ||
    typeof created_at !== 'string' ||
    typeof created_by !== 'string' ||
    typeof updated_at !== 'string' ||
    typeof updated_by !== 'string' ||
    !nullableText(deleted_at)
  ) {
    return undefined;
  }
  return {
    id,
    metric_id,
    metric_code,
    entity_id,
    entity_external_ref: entity_external_ref ?? null,
    period_start,
    period_end,
    value,
    unit,
    comment: comment ?? null,
    evidence: evidence ?? null,
    version: version as number,
    created_at,
    created_by,
    updated_at,
    updated_by,
    deleted_at: deleted_at ?? null,
  };
}

function nullableText(v: unknown): v is string | null | undefined {
  return v === undefined || v === null || typeof v === 'string';
}

/**
 * pageOf(item) with a hand check per item (see checkSubmission) in front: a page the hand check
 * takes whole skips zod; any other page goes through pageOf(item) unchanged, so a bad page fails
 * with zod's own issues.
 */
export function checkedPageOf<T extends z.ZodType>(item: T, check: (v: unknown) => z.output<T> | undefined) {
  return checkedBy(pageOf(item), (input) => checkPage(input, check));
}

/**
 * `schema` with a hand check in front: what the check returns is taken as it is (the check must
 * only return what `schema` would, for the same input); anything else goes through `schema`
 * unchanged, so a bad input fails with zod's own issues.
 */
export function checkedBy<S extends z.ZodType>(schema: S, check: (v: unknown) => z.output<S> | undefined) {
  return z.unknown().transform((input, ctx): z.output<S> => {
    const fast = check(input);
    if (fast !== undefined) return fast;
    const result = schema.safeParse(input);
    if (result.success) return result.data as z.output<S>;
    for (const issue of result.error.issues) ctx.addIssue({ ...issue });
    return z.NEVER;
  });
}

function checkPage<O>(input: unknown, check: (v: unknown) => O | undefined): { data: O[]; next_cursor: string | null } | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const { data, next_cursor } = input as Record<string, unknown>;
  if (!Array.isArray(data)) return undefined;
  if (next_cursor !== null && (typeof next_cursor !== 'string' || next_cursor.length < 1)) return undefined;
  const out = new Array<O>(data.length);
  for (let i = 0; i < data.length; i++) {
    const item = check(data[i]);
    if (item === undefined) return undefined;
    out[i] = item;
  }
  return { data: out, next_cursor };
}

export const BatchResultSchema = z.object({
  index: z.number().int().nonnegative(),
  ref: Nullable(z.string()),
  status: z.enum(['created', 'updated', 'deleted', 'unchanged', 'rejected']),
  id: Nullable(z.string()),
  version: Nullable(z.number().int()),
  reason: Nullable(z.string()),
});

export const BatchResponseSchema = z.object({
  results: z.array(BatchResultSchema),
  summary: z
    .object({
      created: z.number().int(),
      updated: z.number().int(),
      deleted: z.number().int(),
      unchanged: z.number().int(),
      rejected: z.number().int(),
    })
    .optional(),
});

export type BatchResponse = z.output<typeof BatchResponseSchema>;
type BatchResult = BatchResponse['results'][number];
const BATCH_STATUSES = new Set<unknown>(BatchResultSchema.shape.status.options);

/**
 * BatchResponseSchema's result for `v`, checked by hand, or undefined when the hand check is not
 * sure (zod then decides, and names the problem). Like checkSubmission: the same output zod gives
 * (fresh objects, fields in the schema's order, absent nullable fields as null, unknown fields
 * dropped, `summary` only when the answer has one), for a fraction of zod's cost per result.
 */
export function checkBatchResponse(v: unknown): BatchResponse | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const { results, summary } = v as Record<string, unknown>;
  if (!Array.isArray(results)) return undefined;
  const out = new Array<BatchResult>(results.length);
  for (let i = 0; i < results.length; i++) {
    const r = checkBatchResult(results[i]);
    if (r === undefined) return undefined;
    out[i] = r;
  }
  if (summary === undefined) return { results: out };
  if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) return undefined;
  const { created, updated, deleted, unchanged, rejected } = summary as Record<string, unknown>;
  if (!isInt(created) || !isInt(updated) || !isInt(deleted) || !isInt(unchanged) || !isInt(rejected)) return undefined;
  return { results: out, summary: { created, updated, deleted, unchanged, rejected } };
}

function checkBatchResult(v: unknown): BatchResult | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const { index, ref, status, id, version, reason } = v as Record<string, unknown>;
  if (
    !isInt(index) ||
    index < 0 ||
    !nullableText(ref) ||
    !BATCH_STATUSES.has(status) ||
    !nullableText(id) ||
    !(version === undefined || version === null || isInt(version)) ||
    !nullableText(reason)
  ) {
    return undefined;
  }
  return { index, ref: ref ?? null, status: status as BatchResult['status'], id: id ?? null, version: version ?? null, reason: reason ?? null };
}

/** Safe integers only: zod's int() takes no more, and a larger one is left to zod to judge. */
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
