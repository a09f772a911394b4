/**
 * OAuth 2.0 client-credentials grant (RFC 6749 §4.4) with a cached token.
 *
 * - Cached until `expires_in` minus a skew, so a token is never sent in its last seconds.
 * - One request in flight: every caller that finds the cache empty awaits the same promise,
 *   so 50 parallel requests at start-up (or after expiry) cost one token call.
 * - `invalidate(token)` after a 401 drops the token only if it is still the cached one, so many
 *   requests failing with the same dead token cause one refresh, not one each.
 * The token and the secret are never logged or put into an error message.
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import { HttpClient } from './client';
import { PlatformError } from '../errors';

export type ClientAuthMethod = 'basic' | 'body';

export interface TokenManagerOptions {
  http: HttpClient;
  clientId: string;
  clientSecret: string;
  /** Token endpoint. Either this or `discoveryUrl` (or both: discovery wins when it answers). */
  tokenUrl?: string;
  /**
   * Issuer base URL or the full `.well-known/openid-configuration` URL. When set, its
   * `token_endpoint` is used; if discovery is not offered (404), `tokenUrl` is the fallback.
   */
  discoveryUrl?: string;
  clientAuth: ClientAuthMethod;
  scope?: string | string[];
  /** Extra form fields some platforms require (e.g. `audience`). */
  extraParams?: Record<string, string>;
  /** Renew this long before expiry (default 60 s). */
  skewMs?: number;
  /** Used when the server omits expires_in (RFC 6749 makes it RECOMMENDED, not required). */
  defaultExpiresInSec?: number;
  now?: () => number;
  logger?: Logger;
}

export const TokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', { message: 'token_type must be Bearer' }),
  expires_in: z.coerce.number().nonnegative().optional(),
  scope: z.string().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

const DiscoveryDocument = z.object({ token_endpoint: z.string().url() }).passthrough();

export interface TokenInfo {
  /** Space-separated scopes the server granted, or null when it did not say. */
  scopes: string[] | null;
  expiresAt: number;
  obtainedAt: number;
}

interface CachedToken extends TokenInfo {
  token: string;
  refreshAt: number;
}

export class ClientCredentialsTokenManager {
  private readonly o: TokenManagerOptions;
  private readonly skewMs: number;
  private readonly now: () => number;
  private cached: CachedToken | null = null;
  private inflight: Promise<CachedToken> | null = null;
  private resolvedTokenUrl: string | null = null;
  private tokenCalls = 0;

  constructor(options: TokenManagerOptions) {
    if (!options.tokenUrl && !options.discoveryUrl) throw new Error('Token manager needs tokenUrl or discoveryUrl');
    this.o = options;
    this.skewMs = Math.max(0, options.skewMs ?? 60_000);
    this.now = options.now ?? (() => Date.now());
  }

  /** Number of token requests made (for history and tests). */
  get tokenRequestCount(): number {
    return this.tokenCalls;
  }

  /** What the last token said about itself; never the token. */
  info(): TokenInfo | null {
    if (!this.cached) return null;
    const { scopes, expiresAt, obtainedAt } = this.cached;
    return { scopes, expiresAt, obtainedAt };
  }

  async getToken(signal?: AbortSignal): Promise<string> {
    const c = this.cached;
    if (c && this.now() < c.refreshAt) return c.token;
    return (await this.refresh(signal)).token;
  }

  invalidate(token?: string): void {
    if (token === undefined || this.cached?.token === token) this.cached = null;
  }

  /** Fetches a token now (joining a fetch already in flight). Used by "test connection". */
  async refresh(signal?: AbortSignal): Promise<CachedToken & TokenInfo> {
    if (!this.inflight) {
      // The shared fetch must not die because the first caller gave up, so it gets no signal.
      this.inflight = this.fetchToken().finally(() => {
        this.inflight = null;
      });
    }
    if (!signal) return this.inflight;
    return raceAbort(this.inflight, signal);
  }

  async tokenEndpoint(): Promise<string> {
    if (this.resolvedTokenUrl) return this.resolvedTokenUrl;
    if (this.o.discoveryUrl) {
      const found = await this.discover(this.o.discoveryUrl);
      if (found) {
        this.resolvedTokenUrl = found;
        return found;
      }
    }
    if (!this.o.tokenUrl) {
      throw new PlatformError({
        code: 'not_found',
        message: `The platform offers no OpenID discovery document at ${discoveryDocUrl(this.o.discoveryUrl!)} and no token URL is configured. Set the auth URL on the connection.`,
      });
    }
    this.resolvedTokenUrl = this.o.tokenUrl;
    return this.o.tokenUrl;
  }

  private async discover(base: string): Promise<string | null> {
    const url = discoveryDocUrl(base);
    try {
      const res = await this.o.http.request<z.infer<typeof DiscoveryDocument>>({
        method: 'GET',
        url,
        auth: false,
        logKind: 'token',
        schema: DiscoveryDocument,
      });
      return res.data.token_endpoint;
    } catch (e) {
      // "Not offered" is normal (PACT makes discovery optional); anything else is a real failure.
      if (e instanceof PlatformError && (e.code === 'not_found' || e.status === 405 || e.code === 'bad_response')) {
        this.o.logger?.debug({ url: new URL(url).pathname }, 'no usable OpenID discovery document; using configured token URL');
        return null;
      }
      throw e;
    }
  }

  private async fetchToken(): Promise<CachedToken> {
    const endpoint = await this.tokenEndpoint();
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    const scope = Array.isArray(this.o.scope) ? this.o.scope.join(' ') : this.o.scope;
    if (scope) form.scope = scope;
    Object.assign(form, this.o.extraParams ?? {});
    const headers: Record<string, string> = {};
    if (this.o.clientAuth === 'basic') {
      headers.authorization = `Basic ${basicCredentials(this.o.clientId, this.o.clientSecret)}`;
    } else {
      form.client_id = this.o.clientId;
      form.client_secret = this.o.clientSecret;
    }
    this.tokenCalls++;
    const requestedAt = this.now();
    const res = await this.o.http.request<TokenResponse>({
      method: 'POST',
      url: endpoint,
      headers,
      form,
      auth: false,
      // The grant has no side effects, so a lost answer can safely be asked for again.
      retry: 'always',
      tokenEndpoint: true,
      schema: TokenResponse,
      // Some servers send no-cache but not JSON accept; we always expect JSON back.
      expect: 'json',
    });
    const t = res.data;
    const lifetimeMs = (t.expires_in ?? this.o.defaultExpiresInSec ?? 3600) * 1000;
    // Clamp the skew so a short-lived token (shorter than the skew) is still used once
    // rather than refreshed in a loop; never negative.
    const skew = Math.min(this.skewMs, Math.floor(lifetimeMs / 2));
    const cached: CachedToken = {
      token: t.access_token,
      obtainedAt: requestedAt,
      expiresAt: requestedAt + lifetimeMs,
      refreshAt: requestedAt + Math.max(0, lifetimeMs - skew),
      scopes: t.scope !== undefined ? t.scope.split(/\s+/).filter(Boolean) : null,
    };
    this.cached = cached;
    this.o.logger?.debug({ expiresInSec: t.expires_in ?? null, scopes: cached.scopes }, 'obtained access token');
    return cached;
  }
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before the Basic encoding. */
export function basicCredentials(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`, 'utf8').toString('base64');
}

export function discoveryDocUrl(base: string): string {
  if (base.includes('/.well-known/')) return base;
  return `${base.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function abortedError(): PlatformError {
  return new PlatformError({ code: 'aborted', retryable: false, message: 'Fetching an access token was cancelled.' });
}
