/**
 * The one interface every platform adapter implements, by capability (DESIGN.md "Platforms").
 * Record platforms (esg-api) implement ingestRecords; file/dataset platforms (altruistiq)
 * implement uploadFile. Export is a paged async iterable so memory stays flat.
 */
import type { Entity, ItemResult, Metric, PlatformKind, ServiceAccountInfo, SubmissionOp } from '../../../shared/domain';

/** Everything an adapter needs to reach the platform; the secret comes from the keychain. */
export interface ConnectionConfig {
  id: string;
  kind: PlatformKind;
  baseUrl: string;
  /** Token endpoint when it is not derived from baseUrl (altruistiq, pact). */
  authUrl: string | null;
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

/** One request as run history records it: never a body, never a header value. */
export interface RequestLogEntry {
  method: string;
  /** Host (and port) the request went to: API, auth and storage hosts can differ. */
  host: string;
  /** Path with secret-looking query values redacted; token requests carry the path only. */
  path: string;
  /** HTTP status, or null when no answer arrived (then `error` says why: timeout, reset, ...). */
  status: number | null;
  /** When the attempt started (epoch ms, the client's clock). */
  startedAt: number;
  durationMs: number;
  /** 1 for the first attempt, 2+ for retries of the same request. */
  attempt: number;
  error: string | null;
  /** 'token' for the OAuth token endpoint (and OpenID discovery); 'api' for everything else. */
  kind: 'api' | 'token';
}

export interface AdapterContext {
  signal?: AbortSignal;
  /** Called for every HTTP attempt (including retries) so the run can count them. */
  onRequest?: (entry: RequestLogEntry) => void;
  /**
   * Attempts already made at this same request in earlier calls (an outbox batch sent again
   * after the HTTP client gave up): history numbers this call's attempts on from there, so the
   * resend counts as the retry it is.
   */
  attemptOffset?: number;
}

export interface ExportQuery {
  dataset: string; // e.g. 'submissions', 'portfolio-metrics', 'footprints', 'corporate-footprint'
  updatedSince: string | null;
  params?: Record<string, string>;
  /**
   * Also return rows deleted on the platform since `updatedSince` (as ExportItems with `deletedAt`),
   * where the platform keeps them. An incremental export writes them; a full one only moves its
   * cursor past them.
   */
  includeDeleted?: boolean;
}

/** One exported row, flat or nested; the export writer flattens it. `cursor` advances the job's watermark. */
export interface ExportItem {
  row: Record<string, unknown>;
  updatedAt: string | null;
  /** Set when the row was deleted on the platform (a tombstone): when it was. Absent or null for a live row. */
  deletedAt?: string | null;
}

export interface UploadResult {
  datasetId: string;
  parts: number;
  bytes: number;
}

export interface PlatformAdapter {
  readonly kind: PlatformKind;
  whoami(ctx?: AdapterContext): Promise<ServiceAccountInfo>;
  listMetrics(ctx?: AdapterContext): Promise<Metric[]>;
  listEntities(ctx?: AdapterContext): Promise<Entity[]>;
  /** ≤ 1000 ops per call; idempotencyKey makes a resend of the same batch safe. */
  ingestRecords?(ops: SubmissionOp[], idempotencyKey: string, ctx?: AdapterContext): Promise<ItemResult[]>;
  uploadFile?(
    target: { datasourceId: string; fileName: string; contentType: string },
    file: { path: string; size: number },
    ctx?: AdapterContext,
  ): Promise<UploadResult>;
  exportDatasets(): { id: string; label: string }[];
  exportStream(query: ExportQuery, ctx?: AdapterContext): AsyncIterable<ExportItem>;
  /**
   * The flat fields every row of the dataset has, in order, when the platform's contract fixes
   * them (null when it does not): a CSV or XLSX file then has this header in every run, whatever
   * rows the run brings.
   */
  exportColumns?(query: ExportQuery): string[] | null;
  /**
   * The type of the flat fields whose type the platform's contract fixes (null or a missing field:
   * not fixed, e.g. a value that may be a number, text or true/false). A table the export creates
   * gets a column of this type (see writers/sql-types.ts); a file is unaffected.
   */
  exportColumnTypes?(query: ExportQuery): Readonly<Record<string, ExportColumnType>> | null;
}

/** What a flat export field holds: `date` is a calendar day (YYYY-MM-DD), `timestamp` an ISO 8601 instant. */
export type ExportColumnType = 'text' | 'integer' | 'number' | 'boolean' | 'date' | 'timestamp';
