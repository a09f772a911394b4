/**
 * Adapter for the generic KEY ESG-style platform (docs/esg-api.openapi.yaml): service-account
 * whoami, metric library, entities, batched submissions with idempotency keys, and the two
 * cursor-paged exports. Transport (retries, backoff, token refresh) is the shared HttpClient's job.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Entity, ItemResult, Metric, PlatformRecord, ServiceAccountInfo, SubmissionOp } from '../../../../shared/domain';
import { badResponse } from '../errors';
import { ClientCredentialsTokenManager, HttpClient, type ClientAuthMethod, type HttpOptions } from '../http';
import type { AdapterContext, ConnectionConfig, ExportColumnType, ExportItem, ExportQuery, PlatformAdapter } from '../types';
import {
  BatchResponseSchema,
  EntitySchema,
  MetricSchema,
  PortfolioMetricSchema,
  ServiceAccountSchema,
  SubmissionSchema,
  checkBatchResponse,
  checkSubmission,
  checkedBy,
  checkedPageOf,
  pageOf,
} from './schemas';

interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

const SubmissionPageSchema = checkedPageOf(SubmissionSchema, checkSubmission);
const PortfolioMetricPageSchema = pageOf(PortfolioMetricSchema);
const CheckedBatchResponseSchema = checkedBy(BatchResponseSchema, checkBatchResponse);

export const MAX_BATCH_OPS = 1000;
/** The largest `limit` the contract allows on a paged listing or export. */
export const MAX_PAGE_LIMIT = 1000;

/** Every operation this adapter calls; a test holds it against the OpenAPI file. */
export const ESG_API_OPERATIONS = {
  token: { method: 'POST', path: '/oauth/token' },
  whoami: { method: 'GET', path: '/v1/service-account' },
  metrics: { method: 'GET', path: '/v1/metrics' },
  entities: { method: 'GET', path: '/v1/entities' },
  batch: { method: 'POST', path: '/v1/submissions:batch' },
  submissions: { method: 'GET', path: '/v1/submissions' },
  portfolioMetrics: { method: 'GET', path: '/v1/portfolio-metrics' },
} as const;

export const ESG_API_DATASETS = [
  { id: 'submissions', label: 'Raw submissions' },
  { id: 'portfolio-metrics', label: 'Portfolio metrics (aggregated per entity, metric and period)' },
] as const;

export interface EsgApiAdapterOptions {
  /** How the client authenticates at the token endpoint (the contract accepts both; default basic). */
  clientAuth?: ClientAuthMethod;
  /**
   * Page size for listings and exports (1–1000). Default 500 for listings; exports default to the
   * contract's maximum (1000), since every page costs a round trip and the platform's per-request work.
   */
  pageSize?: number;
  /** Transport overrides (timeouts, retry counts); tests shorten them. */
  http?: Partial<Omit<HttpOptions, 'baseUrl' | 'tokenProvider'>>;
  logger?: Logger;
}

export class EsgApiAdapterError extends Error {
  constructor(
    readonly code: 'batch_too_large' | 'unknown_dataset' | 'invalid_param',
    message: string,
  ) {
    super(message);
    this.name = 'EsgApiAdapterError';
  }
}

export interface EsgApiAdapter extends PlatformAdapter {
  readonly kind: 'esg-api';
  ingestRecords(ops: SubmissionOp[], idempotencyKey: string, ctx?: AdapterContext): Promise<ItemResult[]>;
  exportColumns(query: ExportQuery): string[] | null;
  exportColumnTypes(query: ExportQuery): Readonly<Record<string, ExportColumnType>> | null;
  /** Token requests made so far (for run history and tests). */
  tokenRequests(): number;
  /** Releases pooled connections. */
  close(): Promise<void>;
}

export function createEsgApiAdapter(config: ConnectionConfig, opts: EsgApiAdapterOptions = {}): EsgApiAdapter {
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  const clampPage = (n: number) => Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.floor(n)));
  const pageSize = clampPage(opts.pageSize ?? 500);
  const exportPageSize = clampPage(opts.pageSize ?? MAX_PAGE_LIMIT);
  const http = new HttpClient({ ...opts.http, baseUrl, logger: opts.logger });
  const tokens = new ClientCredentialsTokenManager({
    http,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    tokenUrl: config.authUrl ?? `${baseUrl}${ESG_API_OPERATIONS.token.path}`,
    clientAuth: opts.clientAuth ?? 'basic',
    scope: config.scopes.length > 0 ? config.scopes : undefined,
    logger: opts.logger,
  });
  http.setTokenProvider(tokens);

  const get = async <S extends z.ZodType>(path: string, schema: S, query: Record<string, string | number | undefined>, ctx?: AdapterContext) => {
    const res = await http.request<z.infer<S>>({ method: 'GET', path, query, schema, signal: ctx?.signal, onRequest: ctx?.onRequest });
    return res.data;
  };

  /**
   * Follows next_cursor until the last page; a cursor that repeats would loop forever, so it is an
   * error. The next page is requested while the caller works through the current one (one page
   * ahead, never more), so a long export is not idle for a round trip per page.
   */
  async function* pages<T>(path: string, schema: z.ZodType<Page<T>>, query: Record<string, string | number | undefined>, ctx?: AdapterContext) {
    const fetchPage = (cursor: string | undefined) => {
      const p = get(path, schema, { ...query, limit: query.limit ?? pageSize, cursor }, ctx);
      p.catch(() => undefined); // awaited below; a caller that stops early leaves it unobserved
      return p;
    };
    const seen = new Set<string>();
    let next = fetchPage(undefined);
    for (;;) {
      const page = await next;
      const cursor = page.next_cursor;
      if (cursor !== null) {
        if (seen.has(cursor)) {
          yield page.data;
          throw badResponse({ method: 'GET', url: `${baseUrl}${path}` }, 'the platform returned the same next_cursor twice');
        }
        seen.add(cursor);
        next = fetchPage(cursor);
        // The HTTP client writes a request on a reused keep-alive connection only from a later
        // event-loop turn (setImmediate). A consumer that takes the page without waiting on I/O
        // would hold the loop until the page is done, so the "prefetch" would go out only then;
        // two turns here (the second one lands after the client's) put it on the wire first.
        await nextTurn();
        await nextTurn();
      }
      yield page.data;
      if (cursor === null) return;
    }
  }

  const collect = async <T extends z.ZodType>(path: string, item: T, ctx?: AdapterContext): Promise<z.infer<T>[]> => {
    const all: z.infer<T>[] = [];
    for await (const p of pages(path, pageOf(item), {}, ctx)) all.push(...p);
    return all;
  };

  return {
    kind: 'esg-api',

    async whoami(ctx) {
      const a = await get(ESG_API_OPERATIONS.whoami.path, ServiceAccountSchema, {}, ctx);
      const info: ServiceAccountInfo = {
        clientId: a.client_id,
        name: a.name,
        organisation: a.organisation,
        scopes: a.scopes,
        lastUsedAt: a.last_used_at,
      };
      return info;
    },

    async listMetrics(ctx) {
      const rows = await collect(ESG_API_OPERATIONS.metrics.path, MetricSchema, ctx);
      return rows.map(
        (m): Metric => ({
          id: m.id,
          code: m.code,
          name: m.name,
          unit: m.unit,
          category: m.category,
          valueType: m.value_type,
          custom: m.custom,
          writable: m.api_writable,
        }),
      );
    },

    async listEntities(ctx) {
      const rows = await collect(ESG_API_OPERATIONS.entities.path, EntitySchema, ctx);
      return rows.map((e): Entity => ({ id: e.id, name: e.name, externalRef: e.external_ref, type: e.type }));
    },

    async ingestRecords(ops, idempotencyKey, ctx) {
      if (ops.length > MAX_BATCH_OPS) {
        throw new EsgApiAdapterError('batch_too_large', `A batch for the ESG platform holds at most ${MAX_BATCH_OPS} submissions; got ${ops.length}. Split it before sending.`);
      }
      if (ops.length === 0) return [];
      if (idempotencyKey.trim() === '' || idempotencyKey.length > 255) {
        throw new EsgApiAdapterError('invalid_param', 'An idempotency key of 1–255 characters is required for every batch.');
      }
      const items = buildBatchItems(ops);
      const path = ESG_API_OPERATIONS.batch.path;
      const res = await http.request<z.infer<typeof BatchResponseSchema>>({
        method: 'POST',
        path,
        json: { items },
        idempotencyKey,
        schema: CheckedBatchResponseSchema,
        signal: ctx?.signal,
        onRequest: ctx?.onRequest,
        attemptOffset: ctx?.attemptOffset,
      });
      const results = res.data.results;
      if (results.length !== ops.length) {
        throw badResponse({ method: 'POST', url: `${baseUrl}${path}`, status: res.status }, `sent ${ops.length} items but got ${results.length} results`);
      }
      return ops.map((op, i): ItemResult => {
        const r = results[i]!;
        if (r.index !== i || (r.ref !== null && r.ref !== op.key)) {
          throw badResponse({ method: 'POST', url: `${baseUrl}${path}`, status: res.status }, `result ${i} does not belong to item ${i} (key ${op.key})`);
        }
        return { key: op.key, status: r.status, remoteId: r.id, reason: r.reason, ...(op.op === 'update' && r.status === 'rejected' && recordGone(r.reason) ? { gone: true } : {}) };
      });
    },

    exportDatasets() {
      return ESG_API_DATASETS.map((d) => ({ ...d }));
    },

    exportStream(query: ExportQuery, ctx?: AdapterContext): AsyncIterable<ExportItem> {
      return exportRows(query, ctx);
    },

    exportColumns(query: ExportQuery): string[] | null {
      const known = ESG_API_DATASETS.find((d) => d.id === query.dataset);
      return known ? [...EXPORT_COLUMNS[known.id]] : null;
    },

    exportColumnTypes(query: ExportQuery): Readonly<Record<string, ExportColumnType>> | null {
      const known = ESG_API_DATASETS.find((d) => d.id === query.dataset);
      return known ? EXPORT_COLUMN_TYPES[known.id] : null;
    },

    tokenRequests: () => tokens.tokenRequestCount,

    close: () => http.close(),
  };

  async function* exportRows(query: ExportQuery, ctx?: AdapterContext): AsyncGenerator<ExportItem> {
    const params = query.params ?? {};
    const common: Record<string, string | number | undefined> = {
      updated_since: query.updatedSince ?? undefined,
      limit: params.limit !== undefined ? pageLimit(params.limit) : exportPageSize,
    };
    if (query.dataset === 'submissions') {
      // The platform keeps deleted submissions (deleted_at set) and returns them on request: an
      // incremental export writes them so the destination can apply them, a full one skips them.
      if (params.include_deleted !== undefined) common.include_deleted = boolParam('include_deleted', params.include_deleted);
      else if (query.includeDeleted === true) common.include_deleted = 'true';
      // Each row is a fresh object of the page check's making, so it is handed on without a copy.
      for await (const page of pages(ESG_API_OPERATIONS.submissions.path, SubmissionPageSchema, common, ctx)) {
        for (const s of page) yield { row: s, updatedAt: s.updated_at, deletedAt: s.deleted_at };
      }
      return;
    }
    if (query.dataset === 'portfolio-metrics') {
      if (params.granularity !== undefined) {
        if (!['year', 'quarter', 'month'].includes(params.granularity)) {
          throw new EsgApiAdapterError('invalid_param', `granularity must be year, quarter or month, not "${params.granularity}".`);
        }
        common.granularity = params.granularity;
      }
      for await (const page of pages(ESG_API_OPERATIONS.portfolioMetrics.path, PortfolioMetricPageSchema, common, ctx)) {
        for (const p of page) {
          const row = portfolioRow(p);
          yield { row, updatedAt: p.updated_at, deletedAt: row.deleted_at };
        }
      }
      return;
    }
    throw new EsgApiAdapterError(
      'unknown_dataset',
      `The ESG platform has no export dataset "${query.dataset}". Choose one of: ${ESG_API_DATASETS.map((d) => d.id).join(', ')}.`,
    );
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The fields of each dataset's rows, in order: what the adapter yields for every row (absent
 * optional fields as null), so a file's header is the same in every run.
 */
export const EXPORT_COLUMNS: Readonly<Record<(typeof ESG_API_DATASETS)[number]['id'], readonly string[]>> = {
  submissions: Object.keys(SubmissionSchema.shape),
  'portfolio-metrics': [...Object.keys(PortfolioMetricSchema.shape), 'deleted_at'],
};

/**
 * The types the contract fixes (docs/esg-api.openapi.yaml: `format: date`, `format: date-time`,
 * integers and numbers). A submission's `value` is a number, text or true/false depending on the
 * metric, so it is text; fields not listed are text too.
 */
export const EXPORT_COLUMN_TYPES: Readonly<Record<(typeof ESG_API_DATASETS)[number]['id'], Readonly<Record<string, ExportColumnType>>>> = {
  submissions: {
    period_start: 'date',
    period_end: 'date',
    version: 'integer',
    created_at: 'timestamp',
    updated_at: 'timestamp',
    deleted_at: 'timestamp',
  },
  'portfolio-metrics': {
    period_start: 'date',
    period_end: 'date',
    value: 'number',
    submission_count: 'integer',
    updated_at: 'timestamp',
    deleted_at: 'timestamp',
  },
};

/**
 * An aggregate as exported: every field present, and `deleted_at` set (to its updated_at) when all
 * its submissions were deleted — the contract returns such an aggregate with value null and
 * submission_count 0 "so incremental consumers can remove it".
 */
function portfolioRow(p: z.output<typeof PortfolioMetricSchema>) {
  return {
    entity_id: p.entity_id,
    entity_name: p.entity_name ?? null,
    metric_id: p.metric_id,
    metric_code: p.metric_code,
    period: p.period,
    period_start: p.period_start,
    period_end: p.period_end,
    value: p.value,
    unit: p.unit,
    aggregation: p.aggregation ?? null,
    submission_count: p.submission_count,
    updated_at: p.updated_at,
    deleted_at: p.submission_count === 0 ? p.updated_at : null,
  };
}

/** The request items for POST /v1/submissions:batch; the op's key travels as `ref` and comes back in its result. */
export function buildBatchItems(ops: SubmissionOp[]) {
  return ops.map((op) => {
    switch (op.op) {
      case 'create':
        return { op: 'create' as const, ref: op.key, data: toSubmissionInput(op.record) };
      case 'update':
        return { op: 'update' as const, ref: op.key, id: op.remoteId, data: toSubmissionInput(op.record) };
      case 'delete':
        return { op: 'delete' as const, ref: op.key, id: op.remoteId };
    }
  });
}

function toSubmissionInput(r: PlatformRecord) {
  return {
    metric_id: r.metricId,
    entity_id: r.entityId,
    period_start: r.periodStart,
    period_end: r.periodEnd,
    value: r.value,
    unit: r.unit,
    comment: r.comment ?? null,
    evidence: r.evidence ?? null,
  };
}

function pageLimit(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_LIMIT) throw new EsgApiAdapterError('invalid_param', `limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}, not "${raw}".`);
  return n;
}

function boolParam(name: string, raw: string): string {
  if (/^(true|1)$/i.test(raw)) return 'true';
  if (/^(false|0)$/i.test(raw)) return 'false';
  throw new EsgApiAdapterError('invalid_param', `${name} must be true or false, not "${raw}".`);
}

/**
 * An update refused because its submission is deleted or unknown (the contract's reasons
 * "submission … was deleted on …; create it again instead" and "submission … not found").
 */
export function recordGone(reason: string | null): boolean {
  return reason !== null && /^submission \S+ (was deleted\b|not found$)/.test(reason);
}
