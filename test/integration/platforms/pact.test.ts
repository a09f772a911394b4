import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createPactAdapter, validateFootprint, type InvalidFootprint, type PactAdapter } from '../../../main/engine/platforms/pact';
import type { ConnectionConfig, ExportItem } from '../../../main/engine/platforms/types';
import { PlatformError } from '../../../main/engine/platforms/errors';
import { recordingSleep, sendJson, startServer, type TestServer } from '../../unit/platforms/helpers/test-server';
import { checkRequest, loadSpec } from '../../unit/platforms/helpers/openapi-check';
import { referencePath } from '../../unit/platforms/helpers/reference';

const REF = referencePath('pact-v2');
const spec = loadSpec(`${REF}/openapi.yaml`);
const example = JSON.parse(readFileSync(`${REF}/examples/list-footprints-response.json`, 'utf8')).data[0] as Record<string, unknown>;
const accessDenied = JSON.parse(readFileSync(`${REF}/examples/error-response-access-denied.json`, 'utf8'));
const tokenUrl = (spec.raw.components as { securitySchemes: { BearerAuth: { flows: { clientCredentials: { tokenUrl: string } } } } }).securitySchemes.BearerAuth.flows.clientCredentials.tokenUrl;

function footprint(i: number, extra: Record<string, unknown> = {}) {
  return {
    ...structuredClone(example),
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    productNameCompany: `Product ${i}`,
    created: `2024-01-0${Math.min(9, i)}T00:00:00Z`,
    ...extra,
  };
}

interface State {
  footprints: unknown[];
  discovery: boolean;
  tokenCalls: number;
  expireFirstToken: boolean;
  nextLinkStyle: 'absolute' | 'relative';
}

let server: TestServer;
let state: State;
const adapters: PactAdapter[] = [];

beforeAll(async () => {
  server = await startServer((req, res) => {
    const base = `http://${req.headers.host}`;
    if (req.path === '/.well-known/openid-configuration') {
      if (!state.discovery) return sendJson(res, 404, { code: 'NotFound', message: 'no discovery' });
      return sendJson(res, 200, { issuer: base, token_endpoint: `${base}/oidc/token`, jwks_uri: `${base}/jwks` });
    }
    if (req.path === tokenUrl || req.path === '/oidc/token') {
      const expected = `Basic ${Buffer.from('pact-client:pact-secret').toString('base64')}`;
      if (req.headers.authorization !== expected) return sendJson(res, 401, { error: 'invalid_client' });
      state.tokenCalls++;
      return sendJson(res, 200, { access_token: `pt-${state.tokenCalls}`, token_type: 'bearer' });
    }
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer pt-')) return sendJson(res, 403, accessDenied);
    if (state.expireFirstToken && auth === 'Bearer pt-1') return sendJson(res, 401, { code: 'TokenExpired', message: 'Token expired' });
    if (req.path === '/2/footprints') {
      const limit = Number(req.query.get('limit') ?? 1000);
      // Opaque paging token in the link: the client must not rebuild URLs itself.
      const offset = req.query.has('page-token') ? Number(Buffer.from(req.query.get('page-token')!, 'base64url').toString()) : 0;
      const page = state.footprints.slice(offset, offset + limit);
      const headers: Record<string, string> = {};
      if (offset + limit < state.footprints.length) {
        const token = Buffer.from(String(offset + limit)).toString('base64url');
        const target = `/2/footprints?limit=${limit}&page-token=${token}`;
        headers.link = `<${state.nextLinkStyle === 'absolute' ? base + target : target}>; rel="next", <${base}/2/footprints?limit=${limit}>; rel="first"`;
      }
      return sendJson(res, 200, { data: page }, headers);
    }
    const one = /^\/2\/footprints\/([^/]+)$/.exec(req.path);
    if (one) {
      const f = state.footprints.find((x) => (x as { id?: string }).id === one[1]);
      return f ? sendJson(res, 200, { data: f }) : sendJson(res, 404, { code: 'NotFound', message: 'The specified footprint does not exist' });
    }
    sendJson(res, 404, { code: 'NotFound', message: 'no route' });
  });
});
afterAll(() => server.close());
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
});

function make(opts: Parameters<typeof createPactAdapter>[1] = {}, overrides: Partial<ConnectionConfig> = {}) {
  server.requests.length = 0;
  const config: ConnectionConfig = { id: 'p1', kind: 'pact', baseUrl: server.url, authUrl: null, clientId: 'pact-client', clientSecret: 'pact-secret', scopes: [], ...overrides };
  const a = createPactAdapter(config, { http: { sleep: recordingSleep().sleep }, ...opts });
  adapters.push(a);
  return a;
}

function reset(partial: Partial<State> = {}) {
  state = { footprints: [1, 2, 3, 4, 5].map((i) => footprint(i)), discovery: false, tokenCalls: 0, expireFirstToken: false, nextLinkStyle: 'absolute', ...partial };
}

async function collect(it: AsyncIterable<ExportItem>) {
  const out: ExportItem[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function expectConformance() {
  for (const r of server.requests) {
    if (r.path === '/.well-known/openid-configuration' || r.path === '/oidc/token') continue;
    if (r.path === tokenUrl) {
      // The token endpoint lives in securitySchemes, not paths: RFC 6749 §4.4 shape with Basic client auth.
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(new URLSearchParams(r.body.toString()).get('grant_type')).toBe('client_credentials');
      expect(r.headers.authorization).toMatch(/^Basic /);
      continue;
    }
    // Pages after the first carry the host's own paging parameters from the Link header.
    expect(checkRequest(spec, r, undefined, { allowUnknownQuery: r.query.has('page-token') }), `${r.method} ${r.url}`).toEqual([]);
  }
}

describe('PACT footprint schema', () => {
  it('accepts the published examples', () => {
    for (const f of ['list-footprints-response.json', 'get-footprint-response.json']) {
      const d = JSON.parse(readFileSync(`${REF}/examples/${f}`, 'utf8')).data;
      for (const fp of Array.isArray(d) ? d : [d]) expect(validateFootprint(fp)).toMatchObject({ ok: true });
    }
  });
  it('names each broken required field', () => {
    const bad = footprint(1, { id: 'not-a-uuid', companyIds: [], pcf: { ...(example.pcf as object), declaredUnit: 'bucket', pCfExcludingBiogenic: '-1' } });
    delete (bad as Record<string, unknown>).productNameCompany;
    const r = validateFootprint(bad);
    expect(r.ok).toBe(false);
    const errs = (r as { errors: string[] }).errors.join('\n');
    for (const field of ['id', 'companyIds', 'productNameCompany', 'pcf.declaredUnit', 'pcf.pCfExcludingBiogenic']) expect(errs).toContain(`${field}:`);
  });
  it('rejects two geographies at once', () => {
    const r = validateFootprint(footprint(1, { pcf: { ...(example.pcf as object), geographyCountry: 'DE' } }));
    expect(r.ok).toBe(false);
  });
});

describe('PACT adapter against a protocol-speaking server', () => {
  it('lists all footprints following rel="next" links exactly, with Basic token auth', async () => {
    reset();
    const a = make({ pageSize: 2 });
    const items = await collect(a.exportStream({ dataset: 'footprints', updatedSince: null }));
    expect(items.map((i) => (i.row as { productNameCompany: string }).productNameCompany)).toEqual(['Product 1', 'Product 2', 'Product 3', 'Product 4', 'Product 5']);
    expect(items.every((i) => i.row._validationErrors === null)).toBe(true);
    expect(items[0]!.updatedAt).toBe('2024-01-01T00:00:00Z');
    const lists = server.requests.filter((r) => r.path === '/2/footprints');
    expect(lists.map((r) => r.url)).toEqual([
      '/2/footprints?limit=2',
      `/2/footprints?limit=2&page-token=${Buffer.from('2').toString('base64url')}`,
      `/2/footprints?limit=2&page-token=${Buffer.from('4').toString('base64url')}`,
    ]);
    expect(state.tokenCalls).toBe(1);
    expectConformance();
  });

  it('follows relative next links too', async () => {
    reset({ nextLinkStyle: 'relative' });
    const a = make({ pageSize: 4 });
    expect(await collect(a.exportStream({ dataset: 'footprints', updatedSince: null }))).toHaveLength(5);
  });

  it('uses the OpenID discovery token endpoint when the host offers one', async () => {
    reset({ discovery: true });
    const a = make();
    await a.whoami();
    expect(server.requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration', '/oidc/token', '/2/footprints']);
    expectConformance();
  });

  it('falls back to the spec tokenUrl without discovery; whoami reports the client', async () => {
    reset();
    const a = make({}, { scopes: ['footprint:list', 'footprint:read'] });
    const me = await a.whoami();
    expect(me).toEqual({ clientId: 'pact-client', name: 'PACT client pact-client', organisation: null, scopes: ['footprint:list', 'footprint:read'], lastUsedAt: null });
    expect(server.requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration', tokenUrl, '/2/footprints']);
    expect(new URLSearchParams(server.requests[1]!.body.toString()).get('scope')).toBe('footprint:list footprint:read');
    expectConformance();
  });

  it('reports invalid footprints instead of dropping them', async () => {
    const broken = footprint(3, { specVersion: 'two', pcf: { ...(example.pcf as object), exemptedEmissionsPercent: 150 } });
    reset({ footprints: [footprint(1), footprint(2), broken, 'garbage'] });
    const invalid: InvalidFootprint[] = [];
    const a = make({ onInvalid: (i) => invalid.push(i), pageSize: 3 });
    const items = await collect(a.exportStream({ dataset: 'footprints', updatedSince: null }));
    expect(items).toHaveLength(4);
    expect(items[2]!.row._validationErrors).toEqual(expect.arrayContaining([expect.stringMatching(/^specVersion:/), expect.stringMatching(/^pcf\.exemptedEmissionsPercent:/)]));
    expect(items[3]!.row).toMatchObject({ value: 'garbage' });
    expect(invalid.map((i) => i.id)).toEqual([broken.id, null]);

    invalid.length = 0;
    const skipping = make({ onInvalid: (i) => invalid.push(i), invalidFootprints: 'skip' });
    expect(await collect(skipping.exportStream({ dataset: 'footprints', updatedSince: null }))).toHaveLength(2);
    expect(invalid).toHaveLength(2);
  });

  it('exports only footprints changed after updatedSince', async () => {
    reset({ footprints: [footprint(1), footprint(2, { updated: '2024-06-01T00:00:00Z' }), footprint(3)] });
    const a = make();
    const items = await collect(a.exportStream({ dataset: 'footprints', updatedSince: '2024-01-02T00:00:00Z' }));
    expect(items.map((i) => i.updatedAt)).toEqual(['2024-06-01T00:00:00Z', '2024-01-03T00:00:00Z']);
  });

  it('GetFootprint returns one footprint and 404 is not_found', async () => {
    reset();
    const a = make();
    const got = await a.getFootprint(footprint(2).id);
    expect(got.errors).toBeNull();
    expect(got.footprint.productNameCompany).toBe('Product 2');
    await expect(a.getFootprint(randomUUID())).rejects.toMatchObject({ code: 'not_found' });
    expectConformance();
  });

  it('TokenExpired (401) → one refresh and one retry', async () => {
    reset({ expireFirstToken: true });
    const a = make();
    expect(await collect(a.exportStream({ dataset: 'footprints', updatedSince: null }))).toHaveLength(5);
    expect(state.tokenCalls).toBe(2);
  });

  it('wrong secret is invalid_client; AccessDenied is forbidden_scope', async () => {
    reset();
    const bad = make({}, { clientSecret: 'nope' });
    const err = (await bad.whoami().catch((e: unknown) => e)) as PlatformError;
    expect(err.code).toBe('invalid_client');
    const a = make();
    const denied = (await a.http.request({ method: 'GET', path: '/2/footprints', auth: false }).catch((e: unknown) => e)) as PlatformError;
    expect(denied.code).toBe('forbidden_scope');
    expect(denied.message).toContain('Access Denied');
  });

  it('refuses a next link to another host (the token would leak)', async () => {
    reset();
    const evil = await startServer((_r, res) => sendJson(res, 200, { data: [] }));
    const s2 = await startServer((req, res) => {
      if (req.path === tokenUrl) return sendJson(res, 200, { access_token: 'pt-1', token_type: 'Bearer' });
      if (req.path === '/.well-known/openid-configuration') return sendJson(res, 404, {});
      sendJson(res, 200, { data: [footprint(1)] }, { link: `<${evil.url}/2/footprints?x=1>; rel="next"` });
    });
    try {
      const a = make({}, { baseUrl: s2.url });
      await expect(collect(a.exportStream({ dataset: 'footprints', updatedSince: null }))).rejects.toThrow(/another host/);
      expect(evil.requests).toHaveLength(0);
    } finally {
      await evil.close();
      await s2.close();
    }
  });

  it('the spec checker itself catches a non-conforming request', () => {
    const fake = { method: 'GET', url: '/2/footprint', path: '/2/footprint', query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) };
    expect(checkRequest(spec, fake)).toEqual(['GET /2/footprint: no such path/method in the spec']);
    const wrongQuery = { ...fake, path: '/2/footprints', query: new URLSearchParams('pageSize=3') };
    expect(checkRequest(spec, wrongQuery)).toEqual(['query parameter pageSize is not in the spec']);
    const aq = loadSpec(referencePath('altruistiq/openapi.yml'));
    const start = { ...fake, path: '/api/public/v1/datasource/1/upload', query: new URLSearchParams('fileName=a.csv') };
    expect(checkRequest(aq, start)).toEqual(['missing required query parameter userEmail']);
    const exp = { ...fake, method: 'POST', path: '/api/public/v1/export', headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') };
    expect(checkRequest(aq, exp, { contentType: 'application/json', value: { format: { type: 'gzip' }, filters: { startDate: 'x' } } })).toEqual([
      'missing required body field filters.financial_years',
      'missing required body field filters.endDate',
    ]);
  });
});
