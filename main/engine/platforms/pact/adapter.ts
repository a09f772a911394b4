/**
 * PACT Data Exchange v2 adapter (reference/pact-v2/openapi.yaml): read-only export of Product
 * Carbon Footprints.
 *
 * Auth: client credentials with HTTP Basic client authentication against `{auth host}/auth/token`
 * (the spec's securitySchemes tokenUrl), or the `token_endpoint` of the auth host's OpenID
 * discovery document when it offers one.
 *
 * Invalid footprints: every footprint is validated against the spec's ProductFootprint. One that
 * fails is NOT dropped: by default it is still exported, with `_validationErrors` listing what is
 * wrong (valid rows carry `_validationErrors: null`, so every row has the same columns), and it
 * is reported through `onInvalid` so the run history can count it. With
 * `invalidFootprints: 'skip'` it is left out of the export but still reported through `onInvalid`.
 *
 * Incremental export: a supplier may share a footprint long after it was created, so "changed
 * since the cursor" by `updated ?? created` misses it. Given a `FootprintMemory` (exportStream's
 * third argument), footprints are chosen by what this job exported before instead: every page is
 * read anyway, and each footprint is written when its id is new to the job or its content (version,
 * updated, anything) hashes differently from what was written last time, whatever its timestamps.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Entity, Metric, ServiceAccountInfo } from '../../../../shared/domain';
import type { AdapterContext, ConnectionConfig, ExportItem, ExportQuery, PlatformAdapter } from '../types';
import { HttpClient, type HttpOptions, type RequestOptions } from '../http/client';
import { ClientCredentialsTokenManager } from '../http/token-manager';
import { findLink } from '../http/link-header';
import { PlatformError, badResponse } from '../errors';
import { GetFootprintResponse, ListFootprintsResponse, splitValidationError, validateFootprint, type ProductFootprint } from './schema';

export interface InvalidFootprint {
  /** The footprint's id when it has a readable one. */
  id: string | null;
  errors: string[];
  /** The page URL it came from (query included: PACT paging tokens are not secrets). */
  source: string;
  /** Export only: whether it was still written (with `_validationErrors`) or left out ('skip'). */
  exported?: boolean;
  /** `errors` split into the failing field (null: the footprint as a whole) and what is wrong with it. */
  problems?: { field: string | null; problem: string }[];
}

/**
 * What one export job wrote before, consulted footprint by footprint (so nothing is held in
 * memory here, however long the list).
 */
export interface FootprintMemory {
  /**
   * Whether to export this footprint now: its key is new to the job, or its hash differs from the
   * one recorded when it was last exported. A footprint taken is noted by the memory, to be
   * recorded once the run has succeeded.
   */
  take(key: string, hash: string): boolean;
}

/** Per-call settings of exportStream, for the run that calls it. */
export interface PactExportOptions {
  /** Choose footprints by what the job exported before (query.updatedSince is then not used). */
  memory?: FootprintMemory | null;
  /** Called (besides the adapter's own onInvalid) for each invalid footprint this export writes or leaves out. */
  onInvalid?: (info: InvalidFootprint) => void;
}

export interface PactAdapterOptions {
  http?: Partial<HttpOptions>;
  logger?: Logger;
  /** `limit` per ListFootprints page (default 100). */
  pageSize?: number;
  /** 'include' (default): export with `_validationErrors`; 'skip': leave out. Both report via onInvalid. */
  invalidFootprints?: 'include' | 'skip';
  onInvalid?: (info: InvalidFootprint) => void;
  /** Try `{auth host}/.well-known/openid-configuration` first (default true). */
  discovery?: boolean;
}

export const PACT_DATASETS = [{ id: 'footprints', label: 'Product carbon footprints (PACT)' }] as const;

const MAX_PAGES = 1_000_000;

/**
 * PACT has no metric library; the quantities every footprint carries are fixed by the data
 * model. They are listed read-only so mappings of an export can refer to them by code.
 */
const PCF_METRICS: Metric[] = [
  ['pCfExcludingBiogenic', 'PCF excluding biogenic emissions', 'kgCO2e/declared unit'],
  ['pCfIncludingBiogenic', 'PCF including biogenic emissions', 'kgCO2e/declared unit'],
  ['fossilGhgEmissions', 'Fossil GHG emissions', 'kgCO2e/declared unit'],
  ['fossilCarbonContent', 'Fossil carbon content', 'kgC/declared unit'],
  ['biogenicCarbonContent', 'Biogenic carbon content', 'kgC/declared unit'],
  ['dLucGhgEmissions', 'Direct land use change emissions', 'kgCO2e/declared unit'],
  ['landManagementGhgEmissions', 'Land management emissions', 'kgCO2e/declared unit'],
  ['otherBiogenicGhgEmissions', 'Other biogenic emissions', 'kgCO2e/declared unit'],
  ['iLucGhgEmissions', 'Indirect land use change emissions', 'kgCO2e/declared unit'],
  ['biogenicCarbonWithdrawal', 'Biogenic carbon withdrawal', 'kgCO2e/declared unit'],
  ['aircraftGhgEmissions', 'Aircraft emissions', 'kgCO2e/declared unit'],
  ['packagingGhgEmissions', 'Packaging emissions', 'kgCO2e/declared unit'],
].map(([code, name, unit]) => ({
  id: `pcf.${code!}`,
  code: code!,
  name: name!,
  unit: unit!,
  category: 'Product carbon footprint',
  valueType: 'number' as const,
  custom: false,
  writable: false,
}));

export class PactAdapter implements PlatformAdapter {
  readonly kind = 'pact' as const;
  readonly http: HttpClient;
  readonly tokens: ClientCredentialsTokenManager;
  private readonly config: ConnectionConfig;
  private readonly opts: PactAdapterOptions;
  private readonly origin: string;

  constructor(config: ConnectionConfig, opts: PactAdapterOptions = {}) {
    this.config = config;
    this.opts = opts;
    this.http = new HttpClient({ ...opts.http, baseUrl: config.baseUrl, logger: opts.http?.logger ?? opts.logger });
    this.origin = new URL(config.baseUrl).origin;
    const authBase = (config.authUrl ?? config.baseUrl).replace(/\/+$/, '');
    this.tokens = new ClientCredentialsTokenManager({
      http: this.http,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      // An authUrl that already names the endpoint is used as given.
      tokenUrl: /\/(auth\/)?token$/.test(authBase) ? authBase : `${authBase}/auth/token`,
      discoveryUrl: opts.discovery === false ? undefined : authBase.replace(/\/auth\/token$/, ''),
      clientAuth: 'basic',
      scope: config.scopes.length > 0 ? config.scopes : undefined,
      logger: opts.logger,
    });
    this.http.setTokenProvider(this.tokens);
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /**
   * PACT has no "who am I" action. A fresh token proves the credentials and a one-item
   * ListFootprints proves the token may list footprints (scope footprint:list). The host does
   * not tell who we are to it, so the organisation is unknown and scopes are those granted in
   * the token response, else those configured.
   */
  async whoami(ctx: AdapterContext = {}): Promise<ServiceAccountInfo> {
    this.tokens.invalidate();
    await this.tokens.refresh(ctx.signal);
    await this.req({ method: 'GET', path: '/2/footprints', query: { limit: 1 }, schema: ListFootprintsResponse }, ctx);
    return {
      clientId: this.config.clientId,
      name: `PACT client ${this.config.clientId}`,
      organisation: null,
      scopes: this.tokens.info()?.scopes ?? this.config.scopes,
      lastUsedAt: null,
    };
  }

  async listMetrics(_ctx?: AdapterContext): Promise<Metric[]> {
    return PCF_METRICS.map((m) => ({ ...m }));
  }

  /**
   * PACT exposes footprints, not a catalogue of companies or sites; products only appear inside
   * footprints (productIds), so there is no entity list to map against.
   */
  async listEntities(_ctx?: AdapterContext): Promise<Entity[]> {
    return [];
  }

  exportDatasets(): { id: string; label: string }[] {
    return PACT_DATASETS.map((d) => ({ ...d }));
  }

  /** GetFootprint. A footprint that fails validation is returned with its errors, not thrown away. */
  async getFootprint(id: string, ctx: AdapterContext = {}): Promise<{ footprint: Record<string, unknown>; errors: string[] | null }> {
    const res = await this.req({ method: 'GET', path: `/2/footprints/${encodeURIComponent(id)}`, schema: GetFootprintResponse }, ctx);
    const raw = GetFootprintResponse.parse(res.data).data;
    const v = validateFootprint(raw);
    if (v.ok) return { footprint: v.footprint, errors: null };
    this.opts.onInvalid?.({ id: readId(raw), errors: v.errors, source: res.url });
    return { footprint: isRecord(raw) ? raw : { value: raw }, errors: v.errors };
  }

  /** ListFootprints pages, following `Link: <…>; rel="next"` exactly as the host gives it. */
  async *footprintPages(ctx: AdapterContext = {}): AsyncGenerator<{ url: string; items: unknown[] }> {
    const limit = Math.max(1, Math.floor(this.opts.pageSize ?? 100));
    let next: string | null = this.http.resolveUrl({ path: '/2/footprints', query: { limit } }).toString();
    const seen = new Set<string>();
    for (let page = 0; next !== null && page < MAX_PAGES; page++) {
      if (seen.has(next)) {
        throw badResponse({ method: 'GET', url: new URL(next).pathname }, 'the next-page link repeats an earlier page, so paging would never end');
      }
      seen.add(next);
      const sameOrigin = new URL(next).origin === this.origin;
      if (!sameOrigin) {
        // Following it would hand our bearer token to another host; refuse instead.
        throw badResponse({ method: 'GET', url: new URL(next).pathname }, `the next-page link points to another host (${new URL(next).host})`);
      }
      const res = await this.req({ method: 'GET', url: next, schema: ListFootprintsResponse }, ctx);
      const items = ListFootprintsResponse.parse(res.data).data;
      yield { url: res.url, items };
      const link = res.headers.link;
      next = findLink(link, 'next', res.url);
    }
  }

  async *exportStream(query: ExportQuery, ctx: AdapterContext = {}, opts: PactExportOptions = {}): AsyncGenerator<ExportItem> {
    if (query.dataset !== 'footprints') {
      throw new PlatformError({
        code: 'bad_request',
        retryable: false,
        message: `PACT has no export dataset "${query.dataset}". Choose: footprints.`,
      });
    }
    const skipInvalid = this.opts.invalidFootprints === 'skip';
    const memory = opts.memory ?? null;
    // The v2 `$filter` is optional for hosts, so "changed since" is applied here: by what the job
    // exported before when it remembers that, else on `updated` (or `created` for never-updated
    // footprints).
    const since = memory === null && query.updatedSince ? Date.parse(query.updatedSince) : null;
    const invalid = (found: InvalidFootprint) => {
      const info = { ...found, problems: found.errors.map(splitValidationError) };
      this.opts.onInvalid?.(info);
      opts.onInvalid?.(info);
      this.opts.logger?.warn({ footprintId: info.id, errors: info.errors.length, exported: info.exported }, 'PACT footprint failed validation');
    };
    for await (const page of this.footprintPages(ctx)) {
      for (const raw of page.items) {
        const v = validateFootprint(raw);
        const updatedAt = v.ok ? (v.footprint.updated ?? v.footprint.created) : readUpdated(raw);
        if (!v.ok && skipInvalid) {
          // Left out, so never remembered: reported by every run for as long as it stays invalid.
          if (since !== null && updatedAt !== null && !(Date.parse(updatedAt) > since)) continue;
          invalid({ id: readId(raw), errors: v.errors, source: page.url, exported: false });
          continue;
        }
        if (memory !== null) {
          const hash = footprintHash(raw);
          if (!memory.take(readId(raw) ?? `sha256:${hash}`, hash)) continue;
        } else if (since !== null && updatedAt !== null && !(Date.parse(updatedAt) > since)) continue;
        if (v.ok) {
          yield { row: { ...(v.footprint as ProductFootprint), _validationErrors: null }, updatedAt };
          continue;
        }
        invalid({ id: readId(raw), errors: v.errors, source: page.url, exported: true });
        yield { row: { ...(isRecord(raw) ? raw : { value: raw }), _validationErrors: v.errors }, updatedAt };
      }
    }
  }

  private req<T = unknown>(opts: RequestOptions, ctx: AdapterContext) {
    return this.http.request<T>({ ...opts, signal: ctx.signal, onRequest: ctx.onRequest });
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function readId(v: unknown): string | null {
  return isRecord(v) && typeof v.id === 'string' ? v.id : null;
}

function readUpdated(v: unknown): string | null {
  if (!isRecord(v)) return null;
  const u = typeof v.updated === 'string' ? v.updated : typeof v.created === 'string' ? v.created : null;
  return u !== null && !Number.isNaN(Date.parse(u)) ? u : null;
}

/**
 * SHA-256 of a footprint's JSON with object keys in sorted order: the same content hashes the
 * same whatever order a host lists its fields in; any change (version, updated, a value) does not.
 */
export function footprintHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x === undefined ? null : x)).join(',')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
