/**
 * Altruistiq Datasource/Export API adapter, per reference/altruistiq/openapi.yml.
 *
 * Altruistiq is a file platform: data goes in as datasets uploaded to a datasource (multipart:
 * start → parts → complete) and comes out as export files (create → poll → download), so this
 * adapter implements uploadFile, not ingestRecords.
 */
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Entity, Metric, ServiceAccountInfo } from '../../../../shared/domain';
import type { AdapterContext, ConnectionConfig, ExportItem, ExportQuery, PlatformAdapter, UploadResult } from '../types';
import { HttpClient, type HttpOptions, type RequestOptions } from '../http/client';
import { ClientCredentialsTokenManager } from '../http/token-manager';
import { PlatformError, badResponse } from '../errors';
import {
  CompleteUploadResponse,
  CreateExportResponse,
  ExportStatusResponse,
  FacilitiesResponse,
  OrganizationResponse,
  ProductsResponse,
  StartUploadResponse,
  UploadPartResponse,
  paths,
  type Facility,
  type PartRef,
} from './schemas';
import { clampPartSize, partBody, planParts } from './parts';
import { parseExportFile, type ExportCompression } from './export-file';

export interface AltruistiqAdapterOptions {
  http?: Partial<HttpOptions>;
  logger?: Logger;
  /**
   * Required by the spec's "start multipart upload" (`userEmail` query parameter): the
   * Altruistiq user the upload is attributed to and who gets notifications.
   */
  userEmail?: string;
  /** Part size in bytes, clamped to the spec's limits (5 MiB … 95 MiB). */
  partSizeBytes?: number;
  /** Export status polling (the spec's sample polls every 5 s). */
  exportPollIntervalMs?: number;
  exportTimeoutMs?: number;
  /** Compression requested for JSON export files. */
  exportCompression?: ExportCompression;
  facilitiesPageSize?: number;
  productsPageSize?: number;
}

/** A multipart upload in progress: what a caller records to resume it after a restart. */
export interface AltruistiqUploadSession {
  datasourceId: string;
  fileName: string;
  uploadId: string;
  /** Becomes the dataset id once the upload is completed. */
  fileId: string;
  /** The part size the parts below were cut with; a different size re-sends every part. */
  partSize: number;
  parts: PartRef[];
}

export const ALTRUISTIQ_DATASETS = [
  { id: 'corporate-emissions', label: 'Corporate emissions (export files)' },
  { id: 'facilities', label: 'Facilities' },
  { id: 'products', label: 'Products' },
] as const;

const MAX_PAGES = 100_000;

export class AltruistiqAdapter implements PlatformAdapter {
  readonly kind = 'altruistiq' as const;
  readonly http: HttpClient;
  readonly tokens: ClientCredentialsTokenManager;
  private readonly config: ConnectionConfig;
  private readonly opts: AltruistiqAdapterOptions;
  private readonly origin: string;

  constructor(config: ConnectionConfig, opts: AltruistiqAdapterOptions = {}) {
    this.config = config;
    this.opts = opts;
    this.http = new HttpClient({ ...opts.http, baseUrl: config.baseUrl, logger: opts.http?.logger ?? opts.logger });
    this.origin = new URL(config.baseUrl).origin;
    this.tokens = new ClientCredentialsTokenManager({
      http: this.http,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      tokenUrl: config.authUrl ?? this.http.resolveUrl({ path: paths.token }).toString(),
      // The spec's OauthToken schema: client_id, client_secret, grant_type in a form body.
      clientAuth: 'body',
      scope: config.scopes.length > 0 ? config.scopes : undefined,
      logger: opts.logger,
    });
    this.http.setTokenProvider(this.tokens);
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /**
   * The spec has no "who am I" endpoint. A fresh token proves the credentials, and the cheapest
   * authorised call, GET /organization/, proves the token is accepted and names the organisation.
   * Altruistiq does not report scopes or last use, so scopes are what the token response
   * granted (if it said) or else what the connection was configured with.
   */
  async whoami(ctx: AdapterContext = {}): Promise<ServiceAccountInfo> {
    this.tokens.invalidate();
    await this.tokens.refresh(ctx.signal);
    const res = await this.req({ method: 'GET', path: paths.organization, schema: OrganizationResponse }, ctx);
    const orgs = OrganizationResponse.parse(res.data).organizations;
    return {
      clientId: this.config.clientId,
      name: `Altruistiq API client ${this.config.clientId}`,
      organisation: orgs[0]?.name ?? null,
      scopes: this.tokens.info()?.scopes ?? this.config.scopes,
      lastUsedAt: null,
    };
  }

  /**
   * Altruistiq has no metric library: a datasource's columns are its own file format, and the
   * spec offers no endpoint to list datasources or their fields. Mapping for this platform
   * targets the datasource file layout instead, so the catalogue is empty. (The spec's activity
   * names, such as ElectricityPurchased, classify a whole datasource, not a row, so they are not a
   * metric library either.) The mapping service sees an upload platform with no metrics and lets
   * the wizard take metric names as typed (takesFreeMetrics in main/engine/mapping/service.ts).
   */
  async listMetrics(_ctx?: AdapterContext): Promise<Metric[]> {
    return [];
  }

  async listEntities(ctx: AdapterContext = {}): Promise<Entity[]> {
    const out: Entity[] = [];
    for await (const f of this.facilities(ctx)) out.push(facilityToEntity(f));
    return out;
  }

  async *facilities(ctx: AdapterContext = {}): AsyncGenerator<Facility> {
    const pageSize = Math.min(1000, Math.max(1, this.opts.facilitiesPageSize ?? 1000));
    for (let pageNo = 1; pageNo <= MAX_PAGES; pageNo++) {
      const res = await this.req(
        {
          method: 'GET',
          path: paths.facilities,
          // Closed sites still have history that files refer to, so they stay mappable.
          query: { pageSize, pageNo, showClosed: true, sortBy: 'internalId', sortOrder: 'ASC' },
          schema: FacilitiesResponse,
        },
        ctx,
      );
      const page = FacilitiesResponse.parse(res.data).facilities;
      yield* page;
      if (page.length < pageSize) return;
    }
  }

  async *products(ctx: AdapterContext = {}) {
    const perPage = Math.min(500, Math.max(1, this.opts.productsPageSize ?? 500));
    for (let pageNo = 1; pageNo <= MAX_PAGES; pageNo++) {
      const res = await this.req(
        {
          method: 'GET',
          path: paths.products,
          query: { perPage, pageNo, sortField: 'updated_at', sortOrder: 'ASC' },
          schema: ProductsResponse,
        },
        ctx,
      );
      const page = ProductsResponse.parse(res.data);
      yield* page;
      if (page.length < perPage) return;
    }
  }

  async uploadFile(
    target: { datasourceId: string; fileName: string; contentType: string },
    file: { path: string; size: number },
    ctx: AdapterContext = {},
  ): Promise<UploadResult> {
    const started = await this.startUpload({ datasourceId: target.datasourceId, fileName: target.fileName }, ctx);
    const session: AltruistiqUploadSession = { ...started, datasourceId: target.datasourceId, fileName: target.fileName, partSize: this.partSize, parts: [] };
    const parts = await this.uploadParts(session, file, ctx);
    await this.completeUpload(session, parts, ctx);
    // The file id is what identifies the uploaded dataset on the platform.
    return { datasetId: session.fileId, parts: parts.length, bytes: file.size };
  }

  /** Part size this adapter splits files into (the spec's limits applied). */
  get partSize(): number {
    return clampPartSize(this.opts.partSizeBytes);
  }

  /**
   * Step 1 of 3 ("Start A Multipart Upload"). Nothing is visible on the platform until the
   * upload is completed, so starting one that is never completed creates no dataset.
   */
  async startUpload(target: { datasourceId: string; fileName: string }, ctx: AdapterContext = {}): Promise<{ uploadId: string; fileId: string }> {
    const userEmail = this.opts.userEmail;
    if (!userEmail) {
      throw new PlatformError({
        code: 'bad_request',
        retryable: false,
        message:
          'Uploading to Altruistiq needs the email of the Altruistiq user the upload is made for (the API requires it). Set the upload user email on this connection.',
      });
    }
    const start = await this.req(
      { method: 'GET', path: paths.upload(target.datasourceId), query: { fileName: target.fileName, userEmail }, schema: StartUploadResponse },
      ctx,
    );
    const { uploadId, fileId } = StartUploadResponse.parse(start.data);
    return { uploadId, fileId };
  }

  /**
   * Step 2 of 3: every part of the file not already in `session.parts` (parts a killed run
   * uploaded are not sent again when the part size is unchanged). `onPart` hears each part as
   * soon as the platform acknowledged it, so the caller can record it before the next one.
   * Returns every part, in order, for completion.
   */
  async uploadParts(
    session: AltruistiqUploadSession,
    file: { path: string; size: number },
    ctx: AdapterContext = {},
    onPart?: (part: PartRef) => void,
  ): Promise<PartRef[]> {
    const size = (await stat(file.path)).size;
    if (size !== file.size) {
      throw new PlatformError({
        code: 'bad_request',
        retryable: false,
        message: `The file ${file.path} changed size while being prepared (${file.size} → ${size} bytes). Nothing was uploaded; the run will pick it up again once the file is stable.`,
      });
    }
    const dataSourceId = session.datasourceId;
    const known = new Map(session.partSize === this.partSize ? session.parts.map((p) => [p.PartNumber, p] as const) : []);
    const collected: PartRef[] = [];
    for (const range of planParts(size, this.partSize)) {
      const done = known.get(range.partNo);
      if (done) {
        collected.push(done);
        continue;
      }
      const body = partBody({ filePath: file.path, fileName: session.fileName, range, uploadId: session.uploadId });
      const res = await this.req(
        {
          method: 'POST',
          path: paths.upload(dataSourceId),
          headers: {
            'content-type': body.contentType,
            'content-length': String(body.contentLength),
            'content-range': `bytes ${range.start}-${Math.max(range.start, range.end - 1)}/${size}`,
          },
          body: body.open,
          // Re-sending a part number replaces that part, so a retry cannot duplicate data.
          retry: 'always',
          schema: UploadPartResponse,
        },
        ctx,
      );
      const parsed = UploadPartResponse.parse(res.data);
      const list = Array.isArray(parsed.parts) ? parsed.parts : [parsed.parts];
      const mine = list.find((p) => p.PartNumber === range.partNo) ?? (list.length === 1 ? list[0] : undefined);
      const etag = mine?.ETag ?? headerString(res.headers.etag);
      if (!etag) {
        throw badResponse(
          { method: 'POST', url: `${this.origin}${paths.upload(dataSourceId)}`, status: res.status },
          `no ETag was returned for part ${range.partNo}`,
        );
      }
      const part = { PartNumber: range.partNo, ETag: etag };
      collected.push(part);
      onPart?.(part);
    }
    return collected;
  }

  /** Step 3 of 3: the upload becomes dataset `session.fileId` on the datasource. */
  async completeUpload(session: Pick<AltruistiqUploadSession, 'datasourceId' | 'uploadId' | 'fileId' | 'fileName'>, parts: PartRef[], ctx: AdapterContext = {}): Promise<void> {
    await this.req(
      {
        method: 'POST',
        path: paths.complete(session.datasourceId, session.uploadId, session.fileId),
        json: { fileName: session.fileName, parts },
        expect: 'json',
        schema: CompleteUploadResponse,
        // Completing twice is not defined by the spec, so it is never repeated blindly.
        retry: false,
      },
      ctx,
    );
  }

  exportDatasets(): { id: string; label: string }[] {
    return ALTRUISTIQ_DATASETS.map((d) => ({ ...d }));
  }

  async *exportStream(query: ExportQuery, ctx: AdapterContext = {}): AsyncGenerator<ExportItem> {
    switch (query.dataset) {
      case 'corporate-emissions':
        yield* this.exportCorporate(query, ctx);
        return;
      case 'facilities':
        // The facility list carries no modification time, so it is always exported whole.
        for await (const f of this.facilities(ctx)) yield { row: f, updatedAt: null };
        return;
      case 'products':
        for await (const p of this.products(ctx)) {
          const updatedAt = p.updatedAt ?? null;
          if (query.updatedSince && updatedAt && updatedAt <= query.updatedSince) continue;
          yield { row: p, updatedAt };
        }
        return;
      default:
        throw new PlatformError({
          code: 'bad_request',
          retryable: false,
          message: `Altruistiq has no export dataset "${query.dataset}". Choose one of: ${ALTRUISTIQ_DATASETS.map((d) => d.id).join(', ')}.`,
        });
    }
  }

  /**
   * Export API: create → poll → download. Its filters are date ranges and financial years, with
   * no "changed since", so each run exports the requested range in full (rows carry `fact_uuid`
   * for upserts) and items have no updatedAt.
   */
  private async *exportCorporate(query: ExportQuery, ctx: AdapterContext): AsyncGenerator<ExportItem> {
    const p = query.params ?? {};
    const today = new Date(this.http.options.now()).toISOString().slice(0, 10);
    const endDate = p.endDate ?? today;
    const startDate = p.startDate ?? `${Number(endDate.slice(0, 4)) - 1}-01-01`;
    const financialYears = p.financialYears
      ? p.financialYears.split(',').map((y) => Number(y.trim())).filter((y) => Number.isInteger(y))
      : yearsBetween(startDate, endDate);
    const compression = this.opts.exportCompression ?? 'gzip';
    const body = {
      format: {
        type: compression,
        ...(p.partitionedBy ? { partitionedBy: p.partitionedBy.split(',').map((s) => s.trim()) } : {}),
      },
      filters: {
        // The spec lists `financial_years` as required but defines the property as
        // `financialYears` (which its sample sends); both are sent so either reading is met.
        financialYears,
        financial_years: financialYears,
        startDate,
        endDate,
      },
    };
    const created = await this.req({ method: 'POST', path: paths.exports, json: body, schema: CreateExportResponse }, ctx);
    const { exportId } = CreateExportResponse.parse(created.data);

    const urls = await this.waitForExport(exportId, ctx);
    for (const [i, url] of urls.entries()) {
      const sameOrigin = safeOrigin(url) === this.origin;
      const res = await this.req<AsyncIterable<Uint8Array>>(
        // Only our own API host gets the bearer token; presigned storage URLs must not see it.
        { method: 'GET', url, expect: 'stream', auth: sameOrigin },
        ctx,
      );
      const label = `Altruistiq export ${exportId} file ${i + 1} of ${urls.length}`;
      for await (const row of parseExportFile(res.data, compression, label)) yield { row, updatedAt: null };
    }
  }

  private async waitForExport(exportId: string, ctx: AdapterContext): Promise<string[]> {
    const interval = this.opts.exportPollIntervalMs ?? 5000;
    const timeout = this.opts.exportTimeoutMs ?? 30 * 60_000;
    const o = this.http.options;
    const started = o.now();
    for (;;) {
      const res = await this.req({ method: 'GET', path: paths.exportStatus(exportId), schema: ExportStatusResponse }, ctx);
      const st = ExportStatusResponse.parse(res.data);
      if (st.status === 'SUCCEEDED') return st.urls ?? [];
      if (st.status === 'FAILED' || st.status === 'CANCELLED') {
        throw new PlatformError({
          code: 'server',
          retryable: false,
          message: `Altruistiq reported export ${exportId} as ${st.status}. Check the export in the Altruistiq app and run the job again.`,
        });
      }
      if (o.now() - started > timeout) {
        throw new PlatformError({
          code: 'timeout',
          retryable: true,
          message: `Altruistiq export ${exportId} was still ${st.status} after ${Math.round(timeout / 60_000)} minutes. The run stops here; the next run starts a new export.`,
        });
      }
      await o.sleep(interval, ctx.signal);
    }
  }

  private req<T = unknown>(opts: RequestOptions, ctx: AdapterContext) {
    return this.http.request<T>({ ...opts, signal: ctx.signal, onRequest: ctx.onRequest });
  }
}

export function facilityToEntity(f: Facility): Entity {
  return {
    id: f.facilityId,
    name: f.facilityName,
    externalRef: f.internalId ?? null,
    type: 'facility',
  };
}

function yearsBetween(start: string, end: string): number[] {
  const a = Number(start.slice(0, 4));
  const b = Number(end.slice(0, 4));
  if (!Number.isInteger(a) || !Number.isInteger(b) || b < a) return [];
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

function safeOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function headerString(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}
