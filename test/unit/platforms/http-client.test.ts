import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpClient, ClientCredentialsTokenManager, PlatformError, type RequestLogEntry } from '../../../main/engine/platforms/http';
import type { RequestLogEntry as LogEntry } from '../../../main/engine/platforms/types';
import { recordingSleep, sendJson, startServer, type TestServer } from './helpers/test-server';

const servers: TestServer[] = [];
const clients: HttpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Parameters<typeof startServer>[0]) {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}
function client(opts: ConstructorParameters<typeof HttpClient>[0]) {
  const c = new HttpClient({ random: () => 1, ...opts });
  clients.push(c);
  return c;
}

describe('HttpClient retries', () => {
  it('retries 5xx with exponential backoff and reports every attempt', async () => {
    let n = 0;
    const s = await serve((_req, res) => {
      n++;
      if (n < 3) sendJson(res, 503, { title: 'busy' }, { 'content-type': 'application/problem+json' });
      else sendJson(res, 200, { ok: true });
    });
    const { sleep, delays } = recordingSleep();
    const log: LogEntry[] = [];
    const c = client({ baseUrl: s.url, sleep, onRequest: (e) => log.push(e), baseDelayMs: 100 });
    const res = await c.request<{ ok: boolean }>({ method: 'GET', path: '/things', query: { a: 1 } });
    expect(res.data.ok).toBe(true);
    expect(s.requests).toHaveLength(3);
    expect(delays).toEqual([100, 200]); // random() = 1 → the full exponential ceiling
    expect(log.map((e) => [e.attempt, e.status, e.error])).toEqual([
      [1, 503, 'server'],
      [2, 503, 'server'],
      [3, 200, null],
    ]);
    expect(log[0]!.path).toBe('/things?a=1');
  });

  it('gives up after maxAttempts and throws a classified error', async () => {
    const s = await serve((_req, res) => sendJson(res, 500, { title: 'boom', detail: 'db down' }));
    const { sleep } = recordingSleep();
    const c = client({ baseUrl: s.url, sleep, maxAttempts: 3 });
    const err = await c.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).code).toBe('server');
    expect((err as PlatformError).status).toBe(500);
    expect((err as PlatformError).message).toContain('db down');
    expect(s.requests).toHaveLength(3);
  });

  it('honours Retry-After seconds on 429, capped by maxRetryAfterMs', async () => {
    let n = 0;
    const s = await serve((_req, res) => {
      n++;
      if (n === 1) sendJson(res, 429, {}, { 'retry-after': '7' });
      else if (n === 2) sendJson(res, 429, {}, { 'retry-after': '999' });
      else sendJson(res, 200, {});
    });
    const { sleep, delays } = recordingSleep();
    const c = client({ baseUrl: s.url, sleep, maxRetryAfterMs: 30_000 });
    await c.request({ method: 'GET', path: '/' });
    expect(delays).toEqual([7000, 30_000]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    let n = 0;
    const s = await serve((_req, res) => {
      n++;
      if (n === 1) sendJson(res, 503, {}, { 'retry-after': new Date(now + 4000).toUTCString() });
      else sendJson(res, 200, {});
    });
    const { sleep, delays } = recordingSleep();
    const c = client({ baseUrl: s.url, sleep, now: () => now });
    await c.request({ method: 'GET', path: '/' });
    expect(delays).toEqual([4000]);
  });

  it('does not retry a POST without idempotency key on 500, but does with one', async () => {
    const s = await serve((_req, res) => sendJson(res, 500, {}));
    const { sleep } = recordingSleep();
    const c = client({ baseUrl: s.url, sleep, maxAttempts: 4 });
    await expect(c.request({ method: 'POST', path: '/subs', json: { a: 1 } })).rejects.toMatchObject({ code: 'server' });
    expect(s.requests).toHaveLength(1);
    await expect(c.request({ method: 'POST', path: '/subs', json: { a: 1 }, idempotencyKey: 'k-1' })).rejects.toMatchObject({ code: 'server' });
    expect(s.requests).toHaveLength(5);
    expect(s.requests.slice(1).every((r) => r.headers['idempotency-key'] === 'k-1')).toBe(true);
    expect(s.requests[1]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(s.requests[1]!.body.toString())).toEqual({ a: 1 });
  });

  it('retries a POST without key on 429 (the server did not process it)', async () => {
    let n = 0;
    const s = await serve((_req, res) => (++n === 1 ? sendJson(res, 429, {}, { 'retry-after': '0' }) : sendJson(res, 201, { id: 'x' })));
    const c = client({ baseUrl: s.url, sleep: recordingSleep().sleep });
    const res = await c.request<{ id: string }>({ method: 'POST', path: '/subs', json: {} });
    expect(res.status).toBe(201);
    expect(s.requests).toHaveLength(2);
  });

  it('retries after a connection reset', async () => {
    let n = 0;
    const s = await serve((_req, res, raw) => {
      n++;
      if (n === 1) raw.socket.destroy();
      else sendJson(res, 200, { ok: 1 });
    });
    const log: LogEntry[] = [];
    const c = client({ baseUrl: s.url, sleep: recordingSleep().sleep, onRequest: (e) => log.push(e) });
    const res = await c.request<{ ok: number }>({ method: 'GET', path: '/r' });
    expect(res.data.ok).toBe(1);
    expect(log[0]!.status).toBeNull();
    expect(log[0]!.error).toMatch(/^connect/);
    expect(log).toHaveLength(2);
  });

  it('maps a refused connection to a connect error with advice', async () => {
    const s = await serve((_r, res) => {
      res.end();
    });
    const url = s.url;
    await s.close();
    servers.length = 0;
    const c = client({ baseUrl: url, sleep: recordingSleep().sleep, maxAttempts: 2 });
    const err = (await c.request({ method: 'GET', path: '/' }).catch((e: unknown) => e)) as PlatformError;
    expect(err.code).toBe('connect');
    expect(err.message).toMatch(/refused/);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('times out waiting for headers and retries', async () => {
    let n = 0;
    const s = await serve((_req, res) => {
      n++;
      if (n === 1) return; // stall: never answer
      sendJson(res, 200, { ok: true });
    });
    const log: LogEntry[] = [];
    const c = client({ baseUrl: s.url, sleep: recordingSleep().sleep, headersTimeoutMs: 200, onRequest: (e) => log.push(e) });
    const res = await c.request<{ ok: boolean }>({ method: 'GET', path: '/' });
    expect(res.data.ok).toBe(true);
    expect(log[0]!.error).toMatch(/^timeout/);
  });

  it('validates JSON against a schema and reports bad_response', async () => {
    const s = await serve((_req, res) => sendJson(res, 200, { items: [{ id: 5 }] }));
    const c = client({ baseUrl: s.url });
    const schema = z.object({ items: z.array(z.object({ id: z.string() })) });
    const err = (await c.request({ method: 'GET', path: '/', schema }).catch((e: unknown) => e)) as PlatformError;
    expect(err.code).toBe('bad_response');
    expect(err.message).toContain('items.0.id');
    expect(s.requests).toHaveLength(1);
  });

  it('redacts secret query parameters in the log', async () => {
    const s = await serve((_req, res) => sendJson(res, 200, {}));
    const log: LogEntry[] = [];
    const c = client({ onRequest: (e) => log.push(e) });
    await c.request({ method: 'GET', url: `${s.url}/up?X-Amz-Signature=abc123&partNumber=2&access_token=zzz` });
    expect(log[0]!.path).toBe('/up?X-Amz-Signature=REDACTED&partNumber=2&access_token=REDACTED');
    expect(s.requests[0]!.query.get('X-Amz-Signature')).toBe('abc123');
  });

  it('re-creates a streamed body for each retry', async () => {
    let n = 0;
    const s = await serve((req, res) => (++n === 1 ? sendJson(res, 502, {}) : sendJson(res, 200, { got: req.body.toString() })));
    const c = client({ sleep: recordingSleep().sleep });
    let made = 0;
    const res = await c.request<{ got: string }>({
      method: 'PUT',
      url: `${s.url}/part`,
      body: () => {
        made++;
        return (async function* () {
          yield Buffer.from('hello ');
          yield Buffer.from('world');
        })();
      },
    });
    expect(made).toBe(2);
    expect(res.data.got).toBe('hello world');
    expect(s.requests[0]!.body.toString()).toBe('hello world');
  });
});

describe('HttpClient with the token manager', () => {
  async function oauthServer(opts: { expiresIn?: number; resource?: (auth: string | undefined, n: number) => number } = {}) {
    let tokenCalls = 0;
    let resourceCalls = 0;
    const s = await serve(async (req, res) => {
      if (req.path === '/oauth/token') {
        tokenCalls++;
        await new Promise((r) => setTimeout(r, 20)); // slow enough for callers to pile up
        sendJson(res, 200, { access_token: `tok-${tokenCalls}`, token_type: 'Bearer', expires_in: opts.expiresIn ?? 3600, scope: 'read write' });
        return;
      }
      resourceCalls++;
      const status = opts.resource ? opts.resource(req.headers.authorization, resourceCalls) : 200;
      sendJson(res, status, status === 200 ? { auth: req.headers.authorization } : { error: 'invalid_token' });
    });
    return { s, counts: () => ({ tokenCalls, resourceCalls }) };
  }

  function wire(s: TestServer, extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}, now?: () => number) {
    const http = client({ baseUrl: s.url, sleep: recordingSleep().sleep, ...extra });
    const tm = new ClientCredentialsTokenManager({
      http,
      clientId: 'svc id',
      clientSecret: 's3cr:et',
      tokenUrl: `${s.url}/oauth/token`,
      clientAuth: 'basic',
      scope: ['read', 'write'],
      now,
    });
    http.setTokenProvider(tm);
    return { http, tm };
  }

  it('50 concurrent requests make exactly one token call', async () => {
    const { s, counts } = await oauthServer();
    const { http, tm } = wire(s);
    const results = await Promise.all(Array.from({ length: 50 }, () => http.request<{ auth: string }>({ method: 'GET', path: '/data' })));
    expect(counts().tokenCalls).toBe(1);
    expect(tm.tokenRequestCount).toBe(1);
    expect(new Set(results.map((r) => r.data.auth))).toEqual(new Set(['Bearer tok-1']));
    const tokenReq = s.requests.find((r) => r.path === '/oauth/token')!;
    expect(tokenReq.method).toBe('POST');
    expect(tokenReq.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tokenReq.headers.authorization).toBe(`Basic ${Buffer.from('svc+id:s3cr%3Aet').toString('base64')}`);
    const form = new URLSearchParams(tokenReq.body.toString());
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('scope')).toBe('read write');
    expect(form.get('client_secret')).toBeNull();
    expect(tm.info()?.scopes).toEqual(['read', 'write']);
  });

  it('sends credentials in the body when clientAuth is body', async () => {
    const { s } = await oauthServer();
    const http = client({ baseUrl: s.url });
    const tm = new ClientCredentialsTokenManager({ http, clientId: 'id', clientSecret: 'sec', tokenUrl: `${s.url}/oauth/token`, clientAuth: 'body' });
    await tm.getToken();
    const req = s.requests[0]!;
    expect(req.headers.authorization).toBeUndefined();
    const form = new URLSearchParams(req.body.toString());
    expect(form.get('client_id')).toBe('id');
    expect(form.get('client_secret')).toBe('sec');
    expect(form.has('scope')).toBe(false);
  });

  it('a 401 invalidates the token and retries exactly once with a fresh one', async () => {
    const { s, counts } = await oauthServer({ resource: (auth) => (auth === 'Bearer tok-1' ? 401 : 200) });
    const log: LogEntry[] = [];
    const { http } = wire(s, { onRequest: (e) => log.push(e) });
    const res = await http.request<{ auth: string }>({ method: 'GET', path: '/data' });
    expect(res.data.auth).toBe('Bearer tok-2');
    expect(counts()).toEqual({ tokenCalls: 2, resourceCalls: 2 });
    const resourceLog = log.filter((e) => e.path === '/data');
    expect(resourceLog.map((e) => e.status)).toEqual([401, 200]);
  });

  it('a second 401 is reported as unauthorized, without a loop', async () => {
    const { s, counts } = await oauthServer({ resource: () => 401 });
    const { http } = wire(s);
    const err = (await http.request({ method: 'GET', path: '/data' }).catch((e: unknown) => e)) as PlatformError;
    expect(err.code).toBe('unauthorized');
    expect(counts()).toEqual({ tokenCalls: 2, resourceCalls: 2 });
  });

  it('many parallel 401s with the same dead token cause one refresh', async () => {
    const { s, counts } = await oauthServer({ resource: (auth) => (auth === 'Bearer tok-1' ? 401 : 200) });
    const { http } = wire(s);
    await Promise.all(Array.from({ length: 20 }, () => http.request({ method: 'GET', path: '/data' })));
    expect(counts().tokenCalls).toBe(2);
  });

  it('caches until expires_in minus skew, then refreshes', async () => {
    let t = 1_000_000;
    const { s, counts } = await oauthServer({ expiresIn: 300 });
    const { http } = wire(s, {}, () => t);
    await http.request({ method: 'GET', path: '/data' });
    t += 239_000; // 300 s - 60 s skew = 240 s
    await http.request({ method: 'GET', path: '/data' });
    expect(counts().tokenCalls).toBe(1);
    t += 2_000;
    await http.request({ method: 'GET', path: '/data' });
    expect(counts().tokenCalls).toBe(2);
  });

  it('invalid_client from the token endpoint is classified and never leaks the secret', async () => {
    const s = await serve((_req, res) => sendJson(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' }));
    const log: RequestLogEntry[] = [];
    const http = client({ baseUrl: s.url, onRequest: (e) => log.push(e), sleep: recordingSleep().sleep });
    const tm = new ClientCredentialsTokenManager({ http, clientId: 'id', clientSecret: 'TOPSECRET', tokenUrl: `${s.url}/token`, clientAuth: 'body' });
    http.setTokenProvider(tm);
    const err = (await http.request({ method: 'GET', path: '/data' }).catch((e: unknown) => e)) as PlatformError;
    expect(err.code).toBe('invalid_client');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/client ID or secret/);
    expect(JSON.stringify({ m: err.message, j: err.toJSON(), log })).not.toContain('TOPSECRET');
    expect(s.requests).toHaveLength(1); // not retried
  });

  it('invalid_scope maps to forbidden_scope, a 403 on a resource too', async () => {
    const s = await serve((req, res) => {
      if (req.path === '/token') sendJson(res, 400, { error: 'invalid_scope' });
      else sendJson(res, 403, { type: 'about:blank', title: 'Forbidden', detail: 'missing scope submissions:write' }, { 'content-type': 'application/problem+json' });
    });
    const http = client({ baseUrl: s.url });
    const tm = new ClientCredentialsTokenManager({ http, clientId: 'i', clientSecret: 's', tokenUrl: `${s.url}/token`, clientAuth: 'basic', scope: 'x' });
    await expect(tm.getToken()).rejects.toMatchObject({ code: 'forbidden_scope' });
    const err = (await http.request({ method: 'GET', path: '/r', auth: false }).catch((e: unknown) => e)) as PlatformError;
    expect(err.code).toBe('forbidden_scope');
    expect(err.problem?.detail).toBe('missing scope submissions:write');
    expect(err.message).toContain('missing scope submissions:write');
  });

  it('uses the OpenID discovery token_endpoint when offered, and falls back when not', async () => {
    const s = await serve((req, res) => {
      if (req.path === '/issuer/.well-known/openid-configuration') sendJson(res, 200, { issuer: 'x', token_endpoint: `http://${req.headers.host}/custom/token` });
      else if (req.path === '/custom/token' || req.path === '/auth/token') sendJson(res, 200, { access_token: 'a', token_type: 'bearer', expires_in: 60 });
      else sendJson(res, 404, {});
    });
    const http = client({});
    const tm = new ClientCredentialsTokenManager({ http, clientId: 'i', clientSecret: 's', discoveryUrl: `${s.url}/issuer`, tokenUrl: `${s.url}/auth/token`, clientAuth: 'basic' });
    expect(await tm.getToken()).toBe('a');
    expect(await tm.tokenEndpoint()).toBe(`${s.url}/custom/token`);
    const tm2 = new ClientCredentialsTokenManager({ http, clientId: 'i', clientSecret: 's', discoveryUrl: `${s.url}/none`, tokenUrl: `${s.url}/auth/token`, clientAuth: 'basic' });
    await tm2.getToken();
    expect(await tm2.tokenEndpoint()).toBe(`${s.url}/auth/token`);
  });

  it('rejects a token response that is not a bearer token', async () => {
    const s = await serve((_req, res) => sendJson(res, 200, { access_token: 'a', token_type: 'mac' }));
    const http = client({});
    const tm = new ClientCredentialsTokenManager({ http, clientId: 'i', clientSecret: 's', tokenUrl: `${s.url}/t`, clientAuth: 'basic' });
    await expect(tm.getToken()).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('HttpClient safety', () => {
  it('never writes the token or secret to the logger or the request log', async () => {
    const { default: pino } = await import('pino');
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (l: string) => void lines.push(l) });
    let n = 0;
    const s = await serve((req, res) => {
      if (req.path === '/token') return sendJson(res, 200, { access_token: 'TOKEN-abc-123', token_type: 'Bearer', expires_in: 3600 });
      n++;
      return n === 1 ? sendJson(res, 401, {}) : sendJson(res, 200, { ok: true });
    });
    const log: LogEntry[] = [];
    const http = client({ baseUrl: s.url, logger, onRequest: (e) => log.push(e) });
    const tm = new ClientCredentialsTokenManager({ http, clientId: 'id', clientSecret: 'SECRET-xyz', tokenUrl: `${s.url}/token`, clientAuth: 'body', logger });
    http.setTokenProvider(tm);
    await http.request({ method: 'GET', path: '/data', query: { access_token: 'TOKEN-abc-123' } });
    const all = lines.join('\n') + JSON.stringify(log);
    expect(lines.length).toBeGreaterThan(0);
    expect(all).not.toContain('TOKEN-abc-123');
    expect(all).not.toContain('SECRET-xyz');
  });

  it('an abort during backoff stops the retries', async () => {
    const ac = new AbortController();
    // Aborted once the first attempt was answered (a fixed delay raced a slow first request on a
    // loaded machine): the client is then waiting out its 60 s backoff.
    const s = await serve((_req, res) => {
      sendJson(res, 503, {});
      setTimeout(() => ac.abort(), 50);
    });
    const c = client({ baseUrl: s.url, baseDelayMs: 60_000, maxDelayMs: 60_000 });
    const p = c.request({ method: 'GET', path: '/', signal: ac.signal }).catch((e: unknown) => e);
    const err = (await p) as PlatformError;
    expect(err.code).toBe('aborted');
    expect(s.requests).toHaveLength(1);
  });
});
