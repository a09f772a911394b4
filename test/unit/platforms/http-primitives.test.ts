import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  backoffDelay,
  retryDelay,
  parseRetryAfter,
  parseLinkHeader,
  findLink,
  fromNetworkError,
  fromHttpResponse,
  readErrorBody,
  redactedPath,
} from '../../../main/engine/platforms/http';

const opts = { baseDelayMs: 100, maxDelayMs: 5000, maxRetryAfterMs: 60_000 };

describe('backoff', () => {
  it('grows exponentially up to the cap with full jitter', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, { ...opts, random: () => 1 }))).toEqual([100, 200, 400, 800, 1600, 3200, 5000]);
    expect(backoffDelay(4, { ...opts, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { ...opts, random: () => 0.5 })).toBe(200);
  });
  it('always stays within [0, min(cap, base·2^(n-1))]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, r) => {
        const d = backoffDelay(n, { ...opts, random: () => r });
        return d >= 0 && d <= Math.min(5000, 100 * 2 ** (n - 1));
      }),
    );
  });
  it('prefers Retry-After, clamped', () => {
    expect(retryDelay(1, 3000, { ...opts, random: () => 1 })).toBe(3000);
    expect(retryDelay(1, 10 ** 9, { ...opts, random: () => 1 })).toBe(60_000);
    expect(retryDelay(2, null, { ...opts, random: () => 1 })).toBe(200);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-06-01T12:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter(['5', '9'], now)).toBe(5000);
  });
  it('reads HTTP dates, past dates mean now', () => {
    expect(parseRetryAfter('Sat, 01 Jun 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 01 Jun 2024 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores garbage', () => {
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('-3', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});

describe('Link header', () => {
  it('parses several links with quoted and multi-valued rel', () => {
    const links = parseLinkHeader('<https://a.example/fp?offset=10&limit=5>; rel="next", <https://a.example/fp?offset=0>; rel="first prev"; title="a, b"');
    expect(links).toHaveLength(2);
    expect(links[0]).toEqual({ url: 'https://a.example/fp?offset=10&limit=5', rels: ['next'], params: { rel: 'next' } });
    expect(links[1]!.rels).toEqual(['first', 'prev']);
    expect(links[1]!.params.title).toBe('a, b');
  });
  it('handles commas inside the URL and unquoted rel', () => {
    expect(findLink('<https://x/p?ids=1,2,3&token=a%2Cb>;rel=next', 'next')).toBe('https://x/p?ids=1,2,3&token=a%2Cb');
  });
  it('is case-insensitive on rel and keeps the URL verbatim', () => {
    expect(findLink('<HTTPS://X/Foo?A=B>; REL="Next"', 'next', 'https://x/')).toBe('HTTPS://X/Foo?A=B');
  });
  it('resolves a relative target against the request URL', () => {
    expect(findLink('</2/footprints?page=2>; rel="next"', 'next', 'https://h.example/2/footprints?limit=3')).toBe('https://h.example/2/footprints?page=2');
  });
  it('returns null without a next link or for garbage', () => {
    expect(findLink('<https://x/a>; rel="prev"', 'next')).toBeNull();
    expect(findLink(null, 'next')).toBeNull();
    expect(parseLinkHeader('garbage, more garbage')).toEqual([]);
  });
});

describe('error mapping', () => {
  const req = { method: 'GET', url: 'https://api.example.com/v1/x' };
  const net = (code: string) => fromNetworkError(Object.assign(new Error('e'), { code }), req);
  it('maps Node and undici network codes', () => {
    expect(net('ENOTFOUND')).toMatchObject({ code: 'dns', retryable: false });
    expect(net('ENOTFOUND').message).toContain('api.example.com');
    expect(net('EAI_AGAIN')).toMatchObject({ code: 'dns', retryable: true });
    expect(net('CERT_HAS_EXPIRED')).toMatchObject({ code: 'tls', retryable: false });
    expect(net('DEPTH_ZERO_SELF_SIGNED_CERT').code).toBe('tls');
    expect(net('ERR_TLS_CERT_ALTNAME_INVALID').code).toBe('tls');
    expect(net('ECONNREFUSED')).toMatchObject({ code: 'connect', retryable: true });
    expect(net('ECONNRESET')).toMatchObject({ code: 'connect', retryable: true });
    expect(net('UND_ERR_SOCKET').code).toBe('connect');
    expect(net('UND_ERR_CONNECT_TIMEOUT')).toMatchObject({ code: 'timeout', retryable: true });
    expect(net('UND_ERR_HEADERS_TIMEOUT').code).toBe('timeout');
    expect(net('UND_ERR_ABORTED')).toMatchObject({ code: 'aborted', retryable: false });
  });
  it('finds codes in cause chains (fetch) and AggregateError', () => {
    const wrapped = new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) });
    expect(fromNetworkError(wrapped, req).code).toBe('dns');
    const agg = new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })]);
    expect(fromNetworkError(agg, req).code).toBe('connect');
  });
  it('maps statuses and bodies', () => {
    const http = (status: number, body = '', extra: Record<string, unknown> = {}) =>
      fromHttpResponse({ status, method: 'POST', url: 'https://p/x', body, contentType: 'application/json', ...extra });
    expect(http(400, '{"error":"invalid_client"}')).toMatchObject({ code: 'invalid_client', oauthError: 'invalid_client' });
    expect(http(401, '{}', { tokenEndpoint: true }).code).toBe('invalid_client');
    expect(http(401).code).toBe('unauthorized');
    expect(http(403).code).toBe('forbidden_scope');
    expect(http(404).code).toBe('not_found');
    expect(http(429, '', { retryAfter: '3' })).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 3000 });
    expect(http(408)).toMatchObject({ code: 'timeout', retryable: true });
    expect(http(500)).toMatchObject({ code: 'server', retryable: true });
    expect(http(501)).toMatchObject({ code: 'server', retryable: false });
    expect(http(422).code).toBe('bad_request');
    expect(http(400).retryable).toBe(false);
  });
  it('reads RFC 9457 problem+json and PACT error bodies', () => {
    const p = readErrorBody('{"type":"https://e/x","title":"Invalid batch","status":422,"detail":"item 3: unknown metric","errors":[1]}', 'application/problem+json');
    expect(p.problem?.title).toBe('Invalid batch');
    expect(p.problem?.errors).toEqual([1]);
    expect(p.text).toBe('Invalid batch: item 3: unknown metric');
    expect(readErrorBody('{"code":"AccessDenied","message":"Access denied"}', 'application/json').text).toBe('Access denied');
    expect(readErrorBody('<html>proxy</html>', 'text/html').text).toBeNull();
  });
  it('redacts secret query values', () => {
    expect(redactedPath(new URL('https://h/p?client_secret=x&limit=5'))).toBe('/p?client_secret=REDACTED&limit=5');
  });
});
