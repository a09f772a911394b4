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
