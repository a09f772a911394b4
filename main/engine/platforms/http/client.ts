/**
 * The one HTTP client every adapter uses (DESIGN.md "Platforms"): undici with keep-alive and
 * timeouts, retries with exponential backoff + full jitter on network errors, 408, 429 and 5xx,
 * Retry-After honoured (clamped), one token refresh + retry after a 401, and one log entry per
 * attempt for run history. Bodies and header values are never logged.
 */
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { RequestLogEntry } from '../types';
import { PlatformError, badResponse, fromHttpResponse, fromNetworkError, findErrorCode } from '../errors';
import { abortableSleep, retryDelay } from './backoff';

/** Supplies bearer tokens; implemented by ClientCredentialsTokenManager. */
export interface TokenProvider {
  getToken(signal?: AbortSignal): Promise<string>;
  /** Drops `token` if it is still the cached one (a 401 proved it dead). */
  invalidate(token?: string): void;
}

export interface HttpOptions {
  /** Base for `path` requests; `url` requests ignore it. */
  baseUrl: string;
  /** Attempts per request including the first (default 5). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  connectTimeoutMs: number;
  /** Time allowed until response headers arrive. */
  headersTimeoutMs: number;
  /** Idle time allowed between body chunks. */
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
  userAgent: string;
  idempotencyHeader: string;
  /** Error bodies are read up to this many bytes (enough for problem+json, bounded for HTML pages). */
  maxErrorBodyBytes: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
  /** Share one pool between clients (e.g. adapter + token manager) or inject for tests. */
  dispatcher?: Dispatcher;
  tokenProvider?: TokenProvider;
  onRequest?: (entry: RequestLogEntry) => void;
  logger?: Logger;
}

export const defaultHttpOptions: Omit<HttpOptions, 'baseUrl'> = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 60_000,
  bodyTimeoutMs: 120_000,
  keepAliveTimeoutMs: 30_000,
  userAgent: 'esg-sync-agent/0.1',
  idempotencyHeader: 'Idempotency-Key',
  maxErrorBodyBytes: 64 * 1024,
  sleep: abortableSleep,
  random: Math.random,
  now: () => Date.now(),
};

export type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean>;
export type Expect = 'json' | 'text' | 'stream' | 'none';
/** A body that can be produced again for a retry (e.g. a file range re-opened). */
export type BodyFactory = () => Readable | AsyncIterable<Uint8Array>;

export interface RequestOptions<S extends z.ZodType = z.ZodType> {
  method: string;
  /** Absolute URL (followed exactly, e.g. PACT `next` links, presigned upload URLs). */
  url?: string;
  /** Path relative to baseUrl. */
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, QueryValue>;
  json?: unknown;
  form?: Record<string, string | undefined>;
  body?: string | Uint8Array | BodyFactory;
  idempotencyKey?: string;
  /** Send the bearer token (default: true when a token provider is configured). */
  auth?: boolean;
  signal?: AbortSignal;
  expect?: Expect;
  /** Validates a JSON response; a mismatch is a `bad_response` error. */
  schema?: S;
  /**
   * true (default): retry what is safe. 'always': the caller vouches the request is safe to repeat
   * (token requests, presigned part PUTs). false: never retry.
   */
  retry?: boolean | 'always';
  /** Overrides for this request only. */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  maxAttempts?: number;
  /** Marks token-endpoint calls so a 401 there reads as invalid_client, not an expired token. */
  tokenEndpoint?: boolean;
  /** How run history labels the request; token-endpoint calls are 'token' anyway (discovery sets it). */
  logKind?: RequestLogEntry['kind'];
  onRequest?: (entry: RequestLogEntry) => void;
  /** Attempts made at this request by earlier calls (see AdapterContext.attemptOffset). */
  attemptOffset?: number;
}

export interface HttpResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The final URL requested (after base resolution; query included). */
  url: string;
  data: T;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);
// Values of these query parameters never reach logs or history (e-mail: personal data, no use there).
const SECRET_QUERY_KEY = /(token|secret|password|passwd|signature|sig|credential|key|auth|code|session|email)/i;

export class HttpClient {
  readonly options: HttpOptions;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(options: Partial<HttpOptions> = {}) {
    this.options = { ...defaultHttpOptions, baseUrl: '', ...stripUndefined(options) };
    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
      this.ownsDispatcher = false;
    } else {
      this.dispatcher = new Agent({
        keepAliveTimeout: this.options.keepAliveTimeoutMs,
        connect: { timeout: this.options.connectTimeoutMs },
        headersTimeout: this.options.headersTimeoutMs,
        bodyTimeout: this.options.bodyTimeoutMs,
      });
      this.ownsDispatcher = true;
    }
  }

  /** A client that shares this one's connection pool but differs in some options. */
  derive(overrides: Partial<HttpOptions>): HttpClient {
    return new HttpClient({ ...this.options, ...stripUndefined(overrides), dispatcher: this.dispatcher });
  }

  setTokenProvider(provider: TokenProvider | undefined): void {
    this.options.tokenProvider = provider;
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** Resolves the request URL; exposed so adapters can build absolute URLs the same way. */
  resolveUrl(opts: Pick<RequestOptions, 'url' | 'path' | 'query'>): URL {
    let url: URL;
    if (opts.url) {
      url = new URL(opts.url);
    } else if (opts.path !== undefined) {
      if (!this.options.baseUrl) throw new Error('HttpClient: a relative path needs baseUrl');
      const base = this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`;
      url = new URL(opts.path.replace(/^\//, ''), base);
    } else {
      throw new Error('HttpClient: request needs url or path');
    }
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
      else url.searchParams.append(k, String(v));
    }
    return url;
  }

  async request<T = unknown>(opts: RequestOptions): Promise<HttpResponse<T>> {
    const o = this.options;
    const method = opts.method.toUpperCase();
    const url = this.resolveUrl(opts);
    // Token calls are logged by path alone: their answers are credentials, so nothing else is kept.
    const logPath = opts.tokenEndpoint || opts.logKind === 'token' ? url.pathname : redactedPath(url);
    const logKind: RequestLogEntry['kind'] = opts.tokenEndpoint || opts.logKind === 'token' ? 'token' : 'api';
    const describe = { method, url: `${url.origin}${url.pathname}` };
    const useAuth = opts.auth ?? o.tokenProvider !== undefined;
    if (useAuth && !o.tokenProvider) throw new Error('HttpClient: auth requested but no token provider configured');
    const maxAttempts = Math.max(1, opts.maxAttempts ?? o.maxAttempts);
    const expect: Expect = opts.expect ?? 'json';

    let attempt = 0;
    let failures = 0;
    let refreshedAfter401 = false;

    for (;;) {
      attempt++;
      let started = o.now();
      let token: string | undefined;
      const log = (status: number | null, error: string | null) => {
        const entry: RequestLogEntry = { method, host: url.host, path: logPath, status, startedAt: started, durationMs: Math.max(0, o.now() - started), attempt: attempt + (opts.attemptOffset ?? 0), error, kind: logKind };
        // An observer is bookkeeping: its failure (e.g. a full disk under run history) must not
        // turn a request the platform answered into a failed one.
        for (const observe of [o.onRequest, opts.onRequest]) {
          try {
            observe?.(entry);
          } catch (e) {
            o.logger?.warn({ err: e instanceof Error ? e.message : String(e) }, 'request observer failed');
          }
        }
        o.logger?.debug({ http: entry }, 'platform request');
      };

      if (opts.signal?.aborted) throw fromNetworkError(abortErr(), describe);
      // Token failures carry their own retries and classification (invalid_client...), so they
      // propagate as they are instead of multiplying retries here.
      if (useAuth) token = await o.tokenProvider!.getToken(opts.signal);
      // The token call has its own log entry; this one times the exchange with the platform only.
      started = o.now();
      let res: Dispatcher.ResponseData;
      try {
        res = await undiciRequest(url, {
          dispatcher: this.dispatcher,
          method: method as Dispatcher.HttpMethod,
          headers: this.buildHeaders(opts, expect, token),
          body: makeBody(opts),
          signal: opts.signal,
          headersTimeout: opts.headersTimeoutMs ?? o.headersTimeoutMs,
          bodyTimeout: opts.bodyTimeoutMs ?? o.bodyTimeoutMs,
        });
      } catch (e) {
        const err = fromNetworkError(e, describe);
        log(err.status, errorLabel(err, e));
        failures++;
        if (this.shouldRetry(err, e, method, opts, failures, maxAttempts)) {
          await this.wait(failures, err.retryAfterMs, opts.signal, describe);
          continue;
        }
        throw err;
      }

      const status = res.statusCode;
      if (status >= 200 && status < 300) {
        try {
          const data = await this.readSuccess<T>(res, expect, opts, { ...describe, status });
          log(status, null);
          return { status, headers: res.headers, url: url.toString(), data };
        } catch (e) {
          const err = e instanceof PlatformError ? e : fromNetworkError(e, describe);
          log(status, errorLabel(err, e));
          if (err.code === 'bad_response') throw err;
          failures++;
          if (this.shouldRetry(err, e, method, opts, failures, maxAttempts)) {
            await this.wait(failures, null, opts.signal, describe);
            continue;
          }
          throw err;
        }
      }

      let bodyText = '';
      try {
        bodyText = await readLimited(res.body, o.maxErrorBodyBytes);
      } catch {
        // The status alone is enough to classify; a broken error body must not hide it.
      }
      if (status === 401 && useAuth && !refreshedAfter401 && !opts.tokenEndpoint) {
        // Token expired or revoked early: drop it and try exactly once more with a fresh one.
        log(status, 'unauthorized (token refreshed, retrying once)');
        refreshedAfter401 = true;
        o.tokenProvider!.invalidate(token);
        continue;
      }
      const err = fromHttpResponse({
        status,
        method,
        url: describe.url,
        body: bodyText,
        contentType: headerValue(res.headers, 'content-type'),
        retryAfter: res.headers['retry-after'] ?? null,
        tokenEndpoint: opts.tokenEndpoint,
        now: o.now(),
      });
      log(status, err.code);
      failures++;
      if (this.shouldRetry(err, null, method, opts, failures, maxAttempts)) {
        await this.wait(failures, err.retryAfterMs, opts.signal, describe);
        continue;
      }
      throw err;
    }
  }

  private buildHeaders(opts: RequestOptions, expect: Expect, token: string | undefined): Record<string, string> {
    const h: Record<string, string> = { 'user-agent': this.options.userAgent };
    if (expect === 'json') h.accept = 'application/json, application/problem+json;q=0.9';
    if (opts.json !== undefined) h['content-type'] = 'application/json';
    else if (opts.form !== undefined) h['content-type'] = 'application/x-www-form-urlencoded';
    if (opts.idempotencyKey) h[this.options.idempotencyHeader.toLowerCase()] = opts.idempotencyKey;
    for (const [k, v] of Object.entries(opts.headers ?? {})) h[k.toLowerCase()] = v;
    if (token !== undefined) h.authorization = `Bearer ${token}`;
    return h;
  }

  private shouldRetry(
    err: PlatformError,
    raw: unknown,
    method: string,
    opts: RequestOptions,
    failures: number,
    maxAttempts: number,
  ): boolean {
    if (opts.retry === false || failures >= maxAttempts || !err.retryable || opts.signal?.aborted) return false;
    if (opts.retry === 'always' || IDEMPOTENT_METHODS.has(method) || opts.idempotencyKey) return true;
    // A non-idempotent write without a key may only be repeated when it provably never ran:
    // the server said "too many requests", or no connection was ever made.
    if (err.code === 'rate_limited') return true;
    const code = raw ? findErrorCode(raw) : null;
    return code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'EAI_AGAIN';
  }

  private async wait(failures: number, retryAfterMs: number | null, signal: AbortSignal | undefined, describe: { method: string; url: string }) {
    const ms = retryDelay(failures, retryAfterMs, this.options);
    try {
      await this.options.sleep(ms, signal);
    } catch (e) {
      throw fromNetworkError(e, describe);
    }
  }

  private async readSuccess<T>(
    res: Dispatcher.ResponseData,
    expect: Expect,
    opts: RequestOptions,
    describe: { method: string; url: string; status: number },
  ): Promise<T> {
    switch (expect) {
      case 'none':
        await res.body.dump({ limit: 1024 * 1024 });
        return undefined as T;
      case 'stream':
        return res.body as unknown as T;
      case 'text':
        return (await res.body.text()) as T;
      case 'json': {
        const text = await res.body.text();
        if (text.trim() === '') {
          if (res.statusCode === 204 || !opts.schema) return null as T;
          throw badResponse(describe, 'the body was empty where JSON was expected');
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (e) {
          throw badResponse(describe, 'the body is not valid JSON', e);
        }
        if (!opts.schema) return parsed as T;
        const result = opts.schema.safeParse(parsed);
        if (!result.success) throw badResponse(describe, summariseIssues(result.error.issues));
        return result.data as T;
      }
    }
  }
}

/** Short, body-free summary of zod issues ("items.3.id: expected string"). */
export function summariseIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  const shown = issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  const more = issues.length > 5 ? ` (+${issues.length - 5} more)` : '';
  return shown.join('; ') + more;
}

/** Path + query with values of secret-looking parameters replaced, for logs and history. */
export function redactedPath(url: URL): string {
  if (!url.search) return url.pathname;
  const parts: string[] = [];
  for (const [k, v] of url.searchParams) {
    parts.push(`${encodeURIComponent(k)}=${SECRET_QUERY_KEY.test(k) ? 'REDACTED' : encodeURIComponent(v)}`);
  }
  return `${url.pathname}?${parts.join('&')}`;
}

export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}

function makeBody(opts: RequestOptions): string | Uint8Array | Readable | undefined {
  if (opts.json !== undefined) return JSON.stringify(opts.json);
  if (opts.form !== undefined) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.form)) if (v !== undefined) p.append(k, v);
    return p.toString();
  }
  if (typeof opts.body === 'function') {
    const b = opts.body();
    return b instanceof Readable ? b : Readable.from(b);
  }
  return opts.body;
}

async function readLimited(body: AsyncIterable<Uint8Array> & { destroy?: () => void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.from(chunk);
    chunks.push(buf);
    size += buf.length;
    if (size >= limit) break; // leaving the loop destroys the stream; the rest is not needed
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function errorLabel(err: PlatformError, raw: unknown): string {
  const code = raw ? findErrorCode(raw) : null;
  return code && code !== err.code ? `${err.code} (${code})` : err.code;
}

function abortErr(): Error {
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
