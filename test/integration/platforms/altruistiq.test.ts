import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createAltruistiqAdapter, MIN_PART_BYTES, type AltruistiqAdapter } from '../../../main/engine/platforms/altruistiq';
import type { ConnectionConfig, RequestLogEntry } from '../../../main/engine/platforms/types';
import { PlatformError } from '../../../main/engine/platforms/errors';
import { recordingSleep, sendJson, startServer, type RecordedRequest, type TestServer } from '../../unit/platforms/helpers/test-server';
import { checkRequest, loadSpec, parseMultipart } from '../../unit/platforms/helpers/openapi-check';
import { referencePath } from '../../unit/platforms/helpers/reference';

const spec = loadSpec(referencePath('altruistiq/openapi.yml'));
const API = '/api/public/v1';

interface FakeState {
  tokenCalls: number;
  parts: Map<number, Buffer>;
  failPartOnce: Set<number>;
  completed: { fileName: string; parts: { PartNumber: number; ETag: string }[] } | null;
  exportPolls: number;
  exportBody: unknown;
  facilities: Record<string, unknown>[];
}

function facility(i: number) {
  return {
    areas: [],
    facilityId: `0000000${i}-28e4-450d-9e20-af64d9c0d813`,
    internalId: `FAC-${String(i).padStart(3, '0')}`,
    facilityType: { id: 'cff8f526-4c6a-4ea5-b740-4762aac04698', name: 'Manufacturing Plant' },
    organization: { id: 'dff8f526-4c6a-4ea5-b740-4762aac04699', name: 'Acme' },
    country: { alpha_2: 'GB', name: 'United Kingdom' },
    region: null,
    countrySub: null,
    tags: [],
    facilityName: `Site ${i}`,
    addressLine1: '1 Road',
    addressLine2: '',
    city: 'Leeds',
    ownershipType: 'standalone',
    capacityUnit: 'm2',
    capacity: 100,
    employeeCount: 10,
    isOpen: i !== 3,
    effectiveDate: '2024-01-01',
    endDate: null,
    parentId: null,
    versionId: `v${i}`,
  };
}

let storage: TestServer;
let aq: TestServer;
let state: FakeState;
let tmp: string;
const adapters: AltruistiqAdapter[] = [];

function bearerOk(req: RecordedRequest) {
  return req.headers.authorization === `Bearer aq-token-${state.tokenCalls}`;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'aq-test-'));
  // A separate origin standing in for presigned storage: must never receive our bearer token.
  storage = await startServer((req, res) => {
    if (req.headers.authorization) return sendJson(res, 400, { message: 'token leaked to storage' });
    res.writeHead(200, { 'content-type': 'text/csv' });
    res.end('fact_uuid,calendar_date,emission_quantity,emission_unit\r\nc-1,2024-02-01,3.5,kgCO2e\r\nc-2,2024-02-02,"1,000.25",kgCO2e\r\n');
  });
  aq = await startServer((req, res) => {
    const p = req.path;
    if (p === `${API}/oauth2/token` && req.method === 'POST') {
      const form = new URLSearchParams(req.body.toString());
      if (form.get('client_id') !== 'aq-client' || form.get('client_secret') !== 'aq-secret') {
        return sendJson(res, 401, { status: 'Unauthorized' });
      }
      state.tokenCalls++;
      return sendJson(res, 200, { access_token: `aq-token-${state.tokenCalls}`, token_type: 'Bearer', expires_in: 4000 });
    }
    if (!bearerOk(req)) return sendJson(res, 401, { status: 'Unauthorized' });
    if (p === `${API}/organization/`) return sendJson(res, 200, { organizations: [{ id: 'o1', name: 'Acme Corporation' }, { id: 'o2', name: 'Acme BU' }] });
    if (p === `${API}/facilities/`) {
      const size = Number(req.query.get('pageSize'));
      const page = Number(req.query.get('pageNo'));
      return sendJson(res, 200, { facilities: state.facilities.slice((page - 1) * size, page * size) });
    }
    if (p === `${API}/products`) {
      const per = Number(req.query.get('perPage'));
      const page = Number(req.query.get('pageNo'));
      const all = [1, 2, 3].map((i) => ({ id: `p${i}`, productKey: `K${i}`, name: `Prod ${i}`, description: '', category: 'Food', declaredUnit: '1 can', weightPerDeclaredUnit: 1, weightUnit: 'kg', updatedAt: `2025-0${i}-01T00:00:00.000Z`, additionalData: {} }));
      return sendJson(res, 200, all.slice((page - 1) * per, page * per));
    }
    const upload = new RegExp(`^${API}/datasource/([^/]+)/upload$`).exec(p);
    if (upload && req.method === 'GET') return sendJson(res, 201, { status: 'Multipart Upload started', uploadId: 'up-1', fileId: 'file-9' });
    if (upload && req.method === 'POST') {
      const form = parseMultipart(req);
      const partNo = Number(form.get('partNo')!.data.toString());
      if (state.failPartOnce.delete(partNo)) return sendJson(res, 500, { status: 'Server Error' });
      const data = form.get('file')!.data;
      state.parts.set(partNo, data);
      return sendJson(res, 201, { dataSourceId: upload[1], parts: [{ PartNumber: partNo, ETag: md5(data) }], status: 'Upload Complete' });
    }
    if (/\/complete$/.test(p)) {
      state.completed = JSON.parse(req.body.toString());
      return sendJson(res, 200, { status: 'Multipart Upload Complete' });
    }
    if (p === `${API}/export` && req.method === 'POST') {
      state.exportBody = JSON.parse(req.body.toString());
      return sendJson(res, 201, { status: 'QUEUED', exportId: 'exp-1' });
    }
    if (p === `${API}/export/exp-1`) {
      state.exportPolls++;
      if (state.exportPolls < 3) return sendJson(res, 200, { status: state.exportPolls === 1 ? 'QUEUED' : 'RUNNING', exportId: 'exp-1' });
      return sendJson(res, 200, { status: 'SUCCEEDED', exportId: 'exp-1', urls: [`${aq.url}${API}/export/exp-1/download`, `${storage.url}/bucket/part-1.csv?X-Amz-Signature=s`] });
    }
    if (p === `${API}/export/exp-1/download`) {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      return res.end(gzipSync(Buffer.from('{"fact_uuid":"a-1","emission_quantity":1.5}\n{"fact_uuid":"a-2","emission_quantity":"2.25"}\n')));
    }
    sendJson(res, 404, { status: 'Not found' });
  });
});

afterAll(async () => {
  await aq.close();
  await storage.close();
  await rm(tmp, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
});

function make(extra: Parameters<typeof createAltruistiqAdapter>[1] = {}, secret = 'aq-secret') {
  state = { tokenCalls: 0, parts: new Map(), failPartOnce: new Set(), completed: null, exportPolls: 0, exportBody: null, facilities: [1, 2, 3, 4, 5].map(facility) };
  aq.requests.length = 0;
  const config: ConnectionConfig = { id: 'c1', kind: 'altruistiq', baseUrl: aq.url, authUrl: null, clientId: 'aq-client', clientSecret: secret, scopes: [] };
  const a = createAltruistiqAdapter(config, { userEmail: 'ops@example.com', exportPollIntervalMs: 10, http: { sleep: recordingSleep().sleep }, ...extra });
  adapters.push(a);
  return a;
}

function md5(b: Buffer) {
  return `"${createHash('md5').update(b).digest('hex')}"`;
}

/** Every request the adapter made must exist in the published spec with its required fields. */
function expectConformance() {
  for (const r of aq.requests) {
    const type = (r.headers['content-type'] ?? '').split(';')[0];
    const value =
      type === 'application/json'
        ? JSON.parse(r.body.toString())
        : type === 'application/x-www-form-urlencoded'
          ? Object.fromEntries(new URLSearchParams(r.body.toString()))
          : type === 'multipart/form-data'
            ? Object.fromEntries([...parseMultipart(r).entries()].map(([k, v]) => [k, v.data]))
            : undefined;
    if (r.path.endsWith('/download')) continue; // URL handed out by the status response, not a spec path
    expect(checkRequest(spec, r, value === undefined ? undefined : { contentType: type!, value }), `${r.method} ${r.path}`).toEqual([]);
  }
}

describe('Altruistiq adapter against a protocol-speaking server', () => {
  it('whoami: form-body token, then the organisation', async () => {
    const a = make();
    const me = await a.whoami();
    expect(me).toEqual({ clientId: 'aq-client', name: 'Altruistiq API client aq-client', organisation: 'Acme Corporation', scopes: [], lastUsedAt: null });
    const tokenReq = aq.requests[0]!;
    expect(tokenReq.path).toBe(`${API}/oauth2/token`);
    expect(tokenReq.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(tokenReq.body.toString()))).toEqual({ grant_type: 'client_credentials', client_id: 'aq-client', client_secret: 'aq-secret' });
    expectConformance();
  });

  it('wrong secret is reported as invalid_client', async () => {
    const a = make({}, 'wrong');
    const err = (await a.whoami().catch((e: unknown) => e)) as PlatformError;
    expect(err).toBeInstanceOf(PlatformError);
    expect(err.code).toBe('invalid_client');
    expect(err.message).not.toContain('wrong');
  });

  it('lists facilities as entities across pages', async () => {
    const a = make({ facilitiesPageSize: 2 });
    const entities = await a.listEntities();
    expect(entities).toHaveLength(5);
    expect(entities[0]).toEqual({ id: '00000001-28e4-450d-9e20-af64d9c0d813', name: 'Site 1', externalRef: 'FAC-001', type: 'facility' });
    const pages = aq.requests.filter((r) => r.path === `${API}/facilities/`);
    expect(pages.map((r) => r.query.get('pageNo'))).toEqual(['1', '2', '3']);
    expect(pages.every((r) => r.query.get('showClosed') === 'true')).toBe(true);
    expect(await a.listMetrics()).toEqual([]);
    expectConformance();
  });

  it('uploads a file in parts of at least 5 MiB with ETags, retrying a failed part', async () => {
    const a = make({ partSizeBytes: 1 }); // clamped up to the spec's minimum
    const size = 2 * MIN_PART_BYTES + 12345;
    const data = randomBytes(size);
    const path = join(tmp, 'upload.csv');
    await writeFile(path, data);
    state.failPartOnce.add(2);
    const log: RequestLogEntry[] = [];
    const result = await a.uploadFile({ datasourceId: 'ds-7', fileName: 'energy 2024.csv', contentType: 'text/csv' }, { path, size }, { onRequest: (e) => log.push(e) });
    expect(result).toEqual({ datasetId: 'file-9', parts: 3, bytes: size });
    expect([...state.parts.keys()].sort()).toEqual([1, 2, 3]);
    expect(state.parts.get(1)!.length).toBe(MIN_PART_BYTES);
    expect(state.parts.get(3)!.length).toBe(12345);
    expect(Buffer.concat([1, 2, 3].map((n) => state.parts.get(n)!)).equals(data)).toBe(true);
    expect(state.completed).toEqual({ fileName: 'energy 2024.csv', parts: [1, 2, 3].map((n) => ({ PartNumber: n, ETag: md5(state.parts.get(n)!) })) });
    const start = aq.requests.find((r) => r.method === 'GET' && r.path.endsWith('/upload'))!;
    expect(start.query.get('fileName')).toBe('energy 2024.csv');
    expect(start.query.get('userEmail')).toBe('ops@example.com');
    const partReqs = aq.requests.filter((r) => r.method === 'POST' && r.path === `${API}/datasource/ds-7/upload`);
    expect(partReqs).toHaveLength(4); // part 2 twice
    expect(partReqs[0]!.headers['content-range']).toBe(`bytes 0-${MIN_PART_BYTES - 1}/${size}`);
    expect(parseMultipart(partReqs[0]!).get('uploadId')!.data.toString()).toBe('up-1');
    expect(log.filter((e) => e.status === 500)).toHaveLength(1);
    expectConformance();
  });

  it('refuses to upload without the user email the API requires', async () => {
    const a = make({ userEmail: undefined });
    const path = join(tmp, 'small.csv');
    await writeFile(path, 'a,b\n1,2\n');
    await expect(a.uploadFile({ datasourceId: 'd', fileName: 'small.csv', contentType: 'text/csv' }, { path, size: 8 })).rejects.toMatchObject({ code: 'bad_request' });
    expect(aq.requests).toHaveLength(0);
  });

  it('exports corporate emissions: create, poll, download gzip NDJSON and CSV files', async () => {
    const a = make();
    const rows = [];
    for await (const item of a.exportStream({ dataset: 'corporate-emissions', updatedSince: null, params: { startDate: '2024-01-01', endDate: '2025-06-30' } })) rows.push(item);
    expect(rows.map((r) => r.row)).toEqual([
      { fact_uuid: 'a-1', emission_quantity: 1.5 },
      { fact_uuid: 'a-2', emission_quantity: '2.25' },
      { fact_uuid: 'c-1', calendar_date: '2024-02-01', emission_quantity: '3.5', emission_unit: 'kgCO2e' },
      { fact_uuid: 'c-2', calendar_date: '2024-02-02', emission_quantity: '1,000.25', emission_unit: 'kgCO2e' },
    ]);
    expect(state.exportPolls).toBe(3);
    expect(state.exportBody).toMatchObject({ format: { type: 'gzip' }, filters: { financialYears: [2024, 2025], startDate: '2024-01-01', endDate: '2025-06-30' } });
    // The download on the API host was authorised; the storage host got no token (it would have answered 400).
    expect(aq.requests.find((r) => r.path.endsWith('/download'))!.headers.authorization).toMatch(/^Bearer /);
    expectConformance();
  });

  it('exports products incrementally by updatedAt', async () => {
    const a = make({ productsPageSize: 2 });
    const items = [];
    for await (const it of a.exportStream({ dataset: 'products', updatedSince: '2025-01-15T00:00:00.000Z' })) items.push(it);
    expect(items.map((i) => (i.row as { id: string }).id)).toEqual(['p2', 'p3']);
    expect(items[0]!.updatedAt).toBe('2025-02-01T00:00:00.000Z');
    expectConformance();
  });

  it('rejects an unknown dataset with the valid choices', async () => {
    const a = make();
    const it = a.exportStream({ dataset: 'nope', updatedSince: null })[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toThrow(/corporate-emissions, facilities, products/);
  });
});
