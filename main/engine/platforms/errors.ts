/**
 * One error type for everything that can go wrong talking to a platform, so the CLI (exit code 3),
 * the Connections page ("what failed, what to do") and the retry loop all read the same fields.
 *
 * Messages never contain a token, a secret, a request body or an Authorization header: they are
 * built only from the method, the URL path (query stripped), the status and the server's own
 * error text (OAuth `error_description`, problem+json `title`/`detail`), truncated.
 */

export type PlatformErrorCode =
  | 'dns'
  | 'tls'
  | 'connect'
  | 'timeout'
  | 'invalid_client'
  | 'forbidden_scope'
  | 'unauthorized'
  | 'not_found'
  | 'rate_limited'
  | 'server'
  | 'bad_request'
  | 'conflict'
  | 'bad_response'
  | 'aborted';

/** RFC 9457 problem details, as far as we read them. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  /** Extension members (e.g. per-field `errors`) kept as given. */
  [extension: string]: unknown;
}

export interface PlatformErrorInit {
  code: PlatformErrorCode;
  message: string;
  status?: number | null;
  retryable?: boolean;
  /** Delay the server asked for (Retry-After), already parsed to milliseconds. */
  retryAfterMs?: number | null;
  method?: string | null;
  path?: string | null;
  problem?: ProblemDetails | null;
  /** OAuth 2 `error` value (RFC 6749 §5.2) when the server sent one. */
  oauthError?: string | null;
  cause?: unknown;
}

export class PlatformError extends Error {
  readonly code: PlatformErrorCode;
  readonly status: number | null;
  readonly retryable: boolean;
  readonly retryAfterMs: number | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly problem: ProblemDetails | null;
  readonly oauthError: string | null;

  constructor(init: PlatformErrorInit) {
    super(init.message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = 'PlatformError';
    this.code = init.code;
    this.status = init.status ?? null;
    this.retryable = init.retryable ?? defaultRetryable(init.code, init.status ?? null);
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.method = init.method ?? null;
    this.path = init.path ?? null;
    this.problem = init.problem ?? null;
    this.oauthError = init.oauthError ?? null;
  }

  /** Safe to put in run history or JSON output: no cause chain, no bodies. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      status: this.status,
      retryable: this.retryable,
      method: this.method,
      path: this.path,
      message: this.message,
    };
  }
}

export function isPlatformError(err: unknown): err is PlatformError {
  return err instanceof PlatformError;
}

function defaultRetryable(code: PlatformErrorCode, status: number | null): boolean {
  switch (code) {
    case 'connect':
    case 'timeout':
    case 'rate_limited':
      return true;
    case 'server':
      // 501 Not Implemented and 505 will not get better by waiting.
      return status !== 501 && status !== 505;
    default:
      return false;
  }
}

// ---------------------------------------------------------------- network errors

export interface RequestDescription {
  method: string;
  /** Path plus host for messages; never contains the query string. */
  url: string;
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
  'UND_ERR_PRX_TLS',
]);

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
]);

/** Walks `cause` chains (fetch wraps, AggregateError from happy-eyeballs) for the first errno-like code. */
export function findErrorCode(err: unknown): string | null {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const cur = queue.shift();
    if (cur === null || typeof cur !== 'object' || seen.has(cur)) continue;
    seen.add(cur);
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    if ((cur as { name?: unknown }).name === 'AbortError' || (cur as { name?: unknown }).name === 'TimeoutError') {
      return (cur as { name: string }).name;
    }
    queue.push((cur as { cause?: unknown }).cause);
    const errors = (cur as { errors?: unknown }).errors;
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return null;
}

/** Maps a thrown network-level error (no HTTP response) to a PlatformError. */
export function fromNetworkError(err: unknown, req: RequestDescription): PlatformError {
  if (err instanceof PlatformError) return err;
  const code = findErrorCode(err) ?? 'UNKNOWN';
  const where = `${req.method} ${req.url}`;
  const base = { method: req.method, path: req.url, cause: err };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NODATA' || code === 'EAI_NONAME') {
    const host = safeHost(req.url);
    return new PlatformError({
      ...base,
      code: 'dns',
      // EAI_AGAIN is a resolver hiccup; ENOTFOUND means the name does not exist.
      retryable: code === 'EAI_AGAIN',
      message: `Could not resolve the host name ${host} (${code}) for ${where}. Check the base URL for typos and that this computer can reach the internet or the company network (proxy, VPN).`,
    });
  }
  if (TLS_CODES.has(code) || code.startsWith('CERT_') || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')) {
    return new PlatformError({
      ...base,
      code: 'tls',
      retryable: false,
      message: `The secure connection to ${safeHost(req.url)} failed (${code}) for ${where}. The server's certificate is not trusted or not valid for this host; check the URL, the system clock, and any TLS-inspecting proxy (its CA must be trusted via NODE_EXTRA_CA_CERTS).`,
    });
  }
  if (code === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') {
    return new PlatformError({ ...base, code: 'aborted', retryable: false, message: `${where} was cancelled.` });
  }
  if (TIMEOUT_CODES.has(code) || code === 'TimeoutError') {
    const phase =
      code === 'UND_ERR_CONNECT_TIMEOUT'
        ? 'connecting'
        : code === 'UND_ERR_HEADERS_TIMEOUT'
          ? 'waiting for the response'
          : code === 'UND_ERR_BODY_TIMEOUT'
            ? 'reading the response body'
            : 'waiting';
    return new PlatformError({
      ...base,
      code: 'timeout',
      message: `${where} timed out while ${phase} (${code}). The platform may be slow or unreachable; it will be retried, and if it persists check the network or the platform's status page.`,
    });
  }
  if (CONNECT_CODES.has(code)) {
    const reason =
      code === 'ECONNREFUSED'
        ? 'the server refused the connection'
        : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'
          ? 'the connection was reset or closed by the other side'
          : 'the network connection failed';
    return new PlatformError({
      ...base,
      code: 'connect',
      message: `${where} failed: ${reason} (${code}). Check that the base URL and port are right and the platform is up; transient failures are retried.`,
    });
  }
  const text = err instanceof Error ? err.message : String(err);
  return new PlatformError({
    ...base,
    code: 'connect',
    retryable: false,
    message: `${where} failed before a response arrived (${code}): ${truncate(text, 200)}.`,
  });
}

// ---------------------------------------------------------------- HTTP error responses

/** Parses a `Retry-After` value (delta-seconds or HTTP-date, RFC 9110 §10.2.3) to milliseconds. */
export function parseRetryAfter(value: string | string[] | null | undefined, now: number = Date.now()): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw === null) return null;
  const s = raw.trim();
  if (s === '') return null;
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  // Only accept things that look like dates; Date.parse is lenient enough to read "1" as a year.
  if (!/[a-z]/i.test(s)) return null;
  const at = Date.parse(s);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** Pulls the bits of an error body worth showing a person. Never throws. */
export function readErrorBody(body: string, contentType: string | null): { problem: ProblemDetails | null; oauthError: string | null; text: string | null } {
  const trimmed = body.trim();
  if (trimmed === '') return { problem: null, oauthError: null, text: null };
  let parsed: unknown = undefined;
  if ((contentType ?? '').includes('json') || trimmed.startsWith('{')) {
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      parsed = undefined;
    }
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const o = parsed as Record<string, unknown>;
    const oauthError = typeof o.error === 'string' ? o.error : null;
    const isProblem =
      (contentType ?? '').includes('problem+json') || typeof o.title === 'string' || typeof o.detail === 'string' || typeof o.type === 'string';
    const parts: string[] = [];
    if (oauthError) parts.push(oauthError);
    if (typeof o.error_description === 'string') parts.push(o.error_description);
    if (typeof o.title === 'string') parts.push(o.title);
    if (typeof o.detail === 'string' && o.detail !== o.title) parts.push(o.detail);
    if (typeof o.message === 'string') parts.push(o.message);
    // PACT's error shape: { code, message }
    if (parts.length === 0 && typeof o.code === 'string') parts.push(o.code);
    return {
      problem: isProblem ? (o as ProblemDetails) : null,
      oauthError,
      text: parts.length > 0 ? truncate(parts.join(': '), 300) : null,
    };
  }
  // Plain text or HTML (from a proxy): only short plain text is worth showing.
  if ((contentType ?? '').includes('html') || trimmed.startsWith('<')) return { problem: null, oauthError: null, text: null };
  return { problem: null, oauthError: null, text: truncate(trimmed.replace(/\s+/g, ' '), 200) };
}

export interface HttpErrorInput {
  status: number;
  method: string;
  url: string;
  body: string;
  contentType: string | null;
  retryAfter?: string | string[] | null;
  /** True for a token endpoint: 400/401 there means the client credentials, not the token. */
  tokenEndpoint?: boolean;
  now?: number;
}

/** Maps a non-2xx response to a PlatformError with a message that says what to do. */
export function fromHttpResponse(input: HttpErrorInput): PlatformError {
  const { status, method } = input;
  const where = `${method} ${input.url}`;
  const { problem, oauthError, text } = readErrorBody(input.body, input.contentType);
  const said = text ? ` The server said: "${text}".` : '';
  const retryAfterMs = parseRetryAfter(input.retryAfter ?? null, input.now);
  const base = { status, method, path: input.url, problem, oauthError, retryAfterMs };

  if (oauthError === 'invalid_client' || (input.tokenEndpoint && status === 401)) {
    return new PlatformError({
      ...base,
      code: 'invalid_client',
      message: `The platform rejected the client ID or secret (HTTP ${status}${oauthError ? ` ${oauthError}` : ''}) at ${where}.${said} Check the client ID, paste the secret again, or create a new key in the platform's service-account settings.`,
    });
  }
  if (oauthError === 'invalid_scope' || oauthError === 'unauthorized_client' || oauthError === 'insufficient_scope') {
    return new PlatformError({
      ...base,
      code: 'forbidden_scope',
      message: `The service account may not use the requested scope or grant (${oauthError}) at ${where}.${said} Grant the scopes in the platform's service-account settings, or change the scopes on this connection.`,
    });
  }
  if (status === 403) {
    return new PlatformError({
      ...base,
      code: 'forbidden_scope',
      message: `The service account is not allowed to do this (HTTP 403) at ${where}.${said} Give the service account the needed scope or role on the platform.`,
    });
  }
  if (status === 401) {
    return new PlatformError({
      ...base,
      code: 'unauthorized',
      message: `The platform did not accept the access token (HTTP 401) at ${where}, even after fetching a new one.${said} The key may have been revoked; test the connection and rotate the secret if needed.`,
    });
  }
  if (status === 404 || status === 410) {
    return new PlatformError({
      ...base,
      code: 'not_found',
      message: `Not found (HTTP ${status}) at ${where}.${said} Check the base URL and that the item still exists on the platform.`,
    });
  }
  if (status === 429) {
    return new PlatformError({
      ...base,
      code: 'rate_limited',
      message: `The platform is rate limiting this service account (HTTP 429) at ${where}.${said} Requests are retried after the delay it asks for; if this keeps happening, schedule fewer or smaller runs.`,
    });
  }
  if (status === 408 || status === 504) {
    return new PlatformError({
      ...base,
      code: 'timeout',
      message: `The request timed out on the server side (HTTP ${status}) at ${where}.${said} It is retried automatically.`,
    });
  }
  if (status >= 500) {
    return new PlatformError({
      ...base,
      code: 'server',
      message: `The platform had an internal error (HTTP ${status}) at ${where}.${said} It is retried automatically; if it persists, check the platform's status page.`,
    });
  }
  if (status === 409 || status === 412) {
    return new PlatformError({
      ...base,
      code: 'conflict',
      message: `The platform reported a conflict (HTTP ${status}) at ${where}.${said}`,
    });
  }
  if (status === 400 || status === 422) {
    return new PlatformError({
      ...base,
      code: 'bad_request',
      message: `The platform rejected the request as invalid (HTTP ${status}) at ${where}.${said} This is usually a mapping or configuration problem; check the values sent.`,
    });
  }
  return new PlatformError({
    ...base,
    code: 'bad_response',
    message: `Unexpected HTTP ${status} from ${where}.${said}`,
  });
}

/** A 2xx whose body is not what the contract promises. */
export function badResponse(req: RequestDescription & { status?: number }, what: string, cause?: unknown): PlatformError {
  return new PlatformError({
    code: 'bad_response',
    status: req.status ?? null,
    method: req.method,
    path: req.url,
    retryable: false,
    cause,
    message: `The platform's answer to ${req.method} ${req.url} was not what its API promises: ${truncate(what, 400)}. The platform may have changed its API or the base URL points at something else.`,
  });
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
