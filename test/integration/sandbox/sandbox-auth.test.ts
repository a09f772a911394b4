import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { call, eventually, token } from './helpers';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('sandbox: tokens, whoami and scopes', () => {
  let s: RunningSandbox;
  beforeAll(async () => {
    s = await startSandbox({
      accounts: [
        { clientId: 'sandbox-client', clientSecret: 'sandbox-secret', name: 'Full', scopes: ['metrics:read', 'entities:read', 'submissions:write', 'submissions:read', 'portfolio:read'] },
        { clientId: 'reader', clientSecret: 'reader-secret', name: 'Metrics reader', scopes: ['metrics:read'], organisation: 'Acme' },
      ],
    });
  });
  afterAll(() => s.close());

  const postToken = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

  it('binds to loopback on an ephemeral port', () => {
    expect(s.host).toBe('127.0.0.1');
    expect(s.port).toBeGreaterThan(0);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
  });

  it('issues a token with HTTP Basic client authentication', async () => {
    const res = await postToken(form({ grant_type: 'client_credentials' }), { authorization: basic('sandbox-client', 'sandbox-secret') });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(String(body.scope).split(' ')).toContain('submissions:write');
  });

  it('issues a token with client credentials in the form body', async () => {
    const res = await postToken(form({ grant_type: 'client_credentials', client_id: 'reader', client_secret: 'reader-secret' }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { scope: string }).scope).toBe('metrics:read');
  });

  it('rejects a wrong secret, an unknown client, both auth methods at once, other grants and ungranted scopes', async () => {
    const wrong = await postToken(form({ grant_type: 'client_credentials' }), { authorization: basic('sandbox-client', 'nope') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });

    const unknown = await postToken(form({ grant_type: 'client_credentials', client_id: 'ghost', client_secret: 'x' }));
    expect(unknown.status).toBe(401);

    const both = await postToken(form({ grant_type: 'client_credentials', client_secret: 'sandbox-secret' }), { authorization: basic('sandbox-client', 'sandbox-secret') });
    expect(both.status).toBe(400);
    expect(await both.json()).toMatchObject({ error: 'invalid_request' });

    const grant = await postToken(form({ grant_type: 'password', client_id: 'reader', client_secret: 'reader-secret' }));
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });

    const scope = await postToken(form({ grant_type: 'client_credentials', scope: 'metrics:read submissions:write', client_id: 'reader', client_secret: 'reader-secret' }));
    expect(scope.status).toBe(400);
    expect(await scope.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('requires a bearer token and says how to get one (problem+json)', async () => {
    const res = await call(s.url, 'GET', '/v1/metrics');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    const bogus = await call(s.url, 'GET', '/v1/metrics', { token: 'not-a-token' });
    expect(bogus.status).toBe(401);
    expect(bogus.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('answers whoami with the account, its scopes and the previous use', async () => {
    const t = await token(s.url, 'reader', 'reader-secret');
    const first = await call(s.url, 'GET', '/v1/service-account', { token: t });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ client_id: 'reader', name: 'Metrics reader', organisation: 'Acme', scopes: ['metrics:read'] });
    const second = await call(s.url, 'GET', '/v1/service-account', { token: t });
    expect(typeof second.body.last_used_at).toBe('string');
    expect(Date.parse(second.body.last_used_at)).toBeGreaterThanOrEqual(Date.parse(second.body.created_at));
  });

  it('enforces scopes with 403 problem+json naming the missing scope', async () => {
    const t = await token(s.url, 'reader', 'reader-secret');
    expect((await call(s.url, 'GET', '/v1/metrics', { token: t })).status).toBe(200);
    for (const [method, path, scope] of [
      ['GET', '/v1/entities', 'entities:read'],
      ['GET', '/v1/submissions', 'submissions:read'],
      ['GET', '/v1/portfolio-metrics', 'portfolio:read'],
      ['POST', '/v1/submissions:batch', 'submissions:write'],
    ] as const) {
      const res = await call(s.url, method, path, { token: t, json: method === 'POST' ? { items: [] } : undefined, headers: { 'idempotency-key': 'k' } });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.body.required_scope).toBe(scope);
      expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    }
    expect(s.countSubmissions()).toBe(0);
  });

  it('narrows a token to the requested scopes', async () => {
    const t = await token(s.url, 'sandbox-client', 'sandbox-secret', 'metrics:read');
    expect((await call(s.url, 'GET', '/v1/metrics', { token: t })).status).toBe(200);
    expect((await call(s.url, 'GET', '/v1/entities', { token: t })).status).toBe(403);
  });

  it('answers unknown paths with 404 and wrong methods with 405 (problem+json)', async () => {
    const t = await token(s.url);
    const nf = await call(s.url, 'GET', '/v1/nothing', { token: t });
    expect(nf.status).toBe(404);
    expect(nf.headers.get('content-type')).toBe('application/problem+json');
    const na = await call(s.url, 'DELETE', '/v1/metrics', { token: t });
    expect(na.status).toBe(405);
    expect(na.headers.get('allow')).toBe('GET');
  });
});

describe('sandbox: token expiry', () => {
  it('stops accepting a token after its expires_in', async () => {
    const s = await startSandbox({ tokenTtlSeconds: 1 });
    try {
      const res = await fetch(`${s.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({ grant_type: 'client_credentials', client_id: 'sandbox-client', client_secret: 'sandbox-secret' }),
      });
      const body = (await res.json()) as { access_token: string; expires_in: number };
      expect(body.expires_in).toBe(1);
      expect((await call(s.url, 'GET', '/v1/metrics', { token: body.access_token })).status).toBe(200);
      await eventually(async () => (await call(s.url, 'GET', '/v1/metrics', { token: body.access_token })).status === 401, 5000);
      expect(s.stats().tokensRejected.expired).toBeGreaterThan(0);
      // A fresh token works again.
      expect((await call(s.url, 'GET', '/v1/metrics', { token: await token(s.url) })).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
