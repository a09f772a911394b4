/**
 * A PACT Data Exchange v2 host for tests that run whole jobs: the same protocol as the stand-in in
 * test/integration/platforms/pact.test.ts (spec tokenUrl with Basic client auth, ListFootprints
 * with opaque Link-header paging, GetFootprint), with footprints the test changes between runs and
 * one fault: a page that answers 400 (not retried), to make a run fail after it has read some.
 */
import { readFileSync } from 'node:fs';
import { loadSpec } from './openapi-check';
import { referencePath } from './reference';
import { sendJson, startServer, type TestServer } from './test-server';

const REF = referencePath('pact-v2');
const spec = loadSpec(`${REF}/openapi.yaml`);
export const pactExample = JSON.parse(readFileSync(`${REF}/examples/list-footprints-response.json`, 'utf8')).data[0] as Record<string, unknown>;
export const pactTokenUrl = (spec.raw.components as { securitySchemes: { BearerAuth: { flows: { clientCredentials: { tokenUrl: string } } } } }).securitySchemes.BearerAuth.flows.clientCredentials.tokenUrl;
export const PACT_CLIENT = { clientId: 'pact-client', clientSecret: 'pact-secret' };

/** A valid footprint numbered `i` (its id ends in i), created on 2024-01-0i unless `extra` says otherwise. */
export function pactFootprint(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...structuredClone(pactExample),
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    productNameCompany: `Product ${i}`,
    created: `2024-01-0${Math.min(9, Math.max(1, i))}T00:00:00Z`,
    ...extra,
  };
}

export interface PactStandIn extends TestServer {
  /** What ListFootprints lists, in order; change it freely between runs. */
  footprints: unknown[];
  /** Footprints per page, whatever `limit` the client asks (hosts may send fewer). */
  pageSize: number;
  /** The page starting at this offset answers 400 BadRequest (null: none does). */
  failAtOffset: number | null;
}

export async function startPactStandIn(footprints: unknown[] = []): Promise<PactStandIn> {
  const standIn = { footprints, pageSize: 1000, failAtOffset: null } as unknown as PactStandIn;
  let tokens = 0;
  const server = await startServer((req, res) => {
    const base = `http://${req.headers.host}`;
    if (req.path === '/.well-known/openid-configuration') return sendJson(res, 404, { code: 'NotFound', message: 'no discovery' });
    if (req.path === pactTokenUrl) {
      const expected = `Basic ${Buffer.from(`${PACT_CLIENT.clientId}:${PACT_CLIENT.clientSecret}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return sendJson(res, 401, { error: 'invalid_client' });
      return sendJson(res, 200, { access_token: `pt-${++tokens}`, token_type: 'bearer' });
    }
    if (!(req.headers.authorization ?? '').startsWith('Bearer pt-')) return sendJson(res, 403, { code: 'AccessDenied', message: 'Access Denied' });
    if (req.path === '/2/footprints') {
      const limit = Math.min(Number(req.query.get('limit') ?? 1000), standIn.pageSize);
      const offset = req.query.has('page-token') ? Number(Buffer.from(req.query.get('page-token')!, 'base64url').toString()) : 0;
      if (standIn.failAtOffset !== null && offset >= standIn.failAtOffset) return sendJson(res, 400, { code: 'BadRequest', message: 'Bad Request' });
      const headers: Record<string, string> = {};
      if (offset + limit < standIn.footprints.length) {
        const token = Buffer.from(String(offset + limit)).toString('base64url');
        headers.link = `<${base}/2/footprints?limit=${limit}&page-token=${token}>; rel="next"`;
      }
      return sendJson(res, 200, { data: standIn.footprints.slice(offset, offset + limit) }, headers);
    }
    const one = /^\/2\/footprints\/([^/]+)$/.exec(req.path);
    if (one) {
      const f = standIn.footprints.find((x) => (x as { id?: string }).id === one[1]);
      return f ? sendJson(res, 200, { data: f }) : sendJson(res, 404, { code: 'NotFound', message: 'The specified footprint does not exist' });
    }
    sendJson(res, 404, { code: 'NotFound', message: 'no route' });
  });
  return Object.assign(standIn, { url: server.url, requests: server.requests, close: server.close });
}
