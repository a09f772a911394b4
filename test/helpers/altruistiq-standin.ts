/**
 * A local stand-in for Altruistiq's datasource upload API (plus the token, organisation and
 * facilities calls an ingest run makes first). Every request is checked against the published
 * OpenAPI file (reference/altruistiq/openapi.yml) with the same checker the adapter tests use; a
 * request that does not conform is answered 400 and listed in `violations`, so a test fails.
 *
 * Uploads behave like the object store behind the API: parts are kept per upload id, re-sending
 * a part number replaces it, all parts but the last must be over 5 MB and every part under
 * 100 MB, and "complete" (with every part's ETag, in order) turns the upload into a dataset whose
 * id is the fileId handed out at start. A completed or unknown upload answers 404.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { checkRequest, loadSpec, parseMultipart } from '../unit/platforms/helpers/openapi-check';
import { referencePath } from '../unit/platforms/helpers/reference';
import { sendJson, startServer, type RecordedRequest, type TestServer } from '../unit/platforms/helpers/test-server';

const API = '/api/public/v1';
const MB = 1_000_000;

export interface StandinDataset {
  datasourceId: string;
  fileId: string;
  uploadId: string;
  fileName: string;
  userEmail: string;
  content: Buffer;
}

export interface StandinUpload {
  datasourceId: string;
  fileId: string;
  fileName: string;
  userEmail: string;
  parts: Map<number, { data: Buffer; etag: string }>;
  completed: boolean;
}

export interface AltruistiqStandin {
  url: string;
  requests: RecordedRequest[];
  /** Requests that did not conform to the published spec (expected to stay empty). */
  violations: string[];
  uploads: Map<string, StandinUpload>;
  datasets: StandinDataset[];
  /** Called after a part is stored and before it is answered; a test may abort a run here. */
  onPart: ((uploadId: string, partNo: number) => void) | null;
  /** Datasources that exist; any other id answers 404. */
  datasources: Set<string>;
  partPosts(): RecordedRequest[];
  close(): Promise<void>;
}

export interface StandinOptions {
  clientId?: string;
  clientSecret?: string;
  datasources?: string[];
  facilities?: { facilityId: string; facilityName: string; internalId: string }[];
}

const spec = loadSpec(referencePath('altruistiq/openapi.yml'));

function bodyValue(r: RecordedRequest): unknown {
  const type = (r.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (type === 'application/json') return JSON.parse(r.body.toString('utf8')) as unknown;
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(r.body.toString('utf8')));
  if (type === 'multipart/form-data') return Object.fromEntries([...parseMultipart(r).entries()].map(([k, v]) => [k, v.data]));
  return undefined;
}

function facilityRecord(f: { facilityId: string; facilityName: string; internalId: string }) {
  return {
    areas: [],
    facilityId: f.facilityId,
    internalId: f.internalId,
    facilityType: { id: 'cff8f526-4c6a-4ea5-b740-4762aac04698', name: 'Office' },
    organization: { id: 'dff8f526-4c6a-4ea5-b740-4762aac04699', name: 'Acme' },
    country: { alpha_2: 'GB', name: 'United Kingdom' },
    region: null,
    countrySub: null,
    tags: [],
    facilityName: f.facilityName,
    addressLine1: '1 Road',
    addressLine2: '',
    city: 'Leeds',
    ownershipType: 'standalone',
    capacityUnit: 'm2',
    capacity: 100,
    employeeCount: 10,
    isOpen: true,
    effectiveDate: '2020-01-01',
    endDate: null,
    parentId: null,
    versionId: `v-${f.facilityId}`,
  };
}

export async function startAltruistiqStandin(opts: StandinOptions = {}): Promise<AltruistiqStandin> {
  const clientId = opts.clientId ?? 'aq-client';
  const clientSecret = opts.clientSecret ?? 'aq-secret';
  const facilities = (opts.facilities ?? []).map(facilityRecord);
  const tokens = new Set<string>();
  let seq = 0;
  const state = {
    violations: [] as string[],
    uploads: new Map<string, StandinUpload>(),
    datasets: [] as StandinDataset[],
    onPart: null as AltruistiqStandin['onPart'],
    datasources: new Set(opts.datasources ?? ['ds-1']),
  };

  const handle = (req: RecordedRequest, res: http.ServerResponse) => {
    const problems = checkRequest(spec, req, (() => {
      const value = bodyValue(req);
      return value === undefined ? undefined : { contentType: String(req.headers['content-type']), value };
    })());
    if (problems.length) {
      state.violations.push(`${req.method} ${req.path}: ${problems.join('; ')}`);
      return sendJson(res, 400, { status: 'Bad Request', message: problems.join('; ') });
    }
    const p = req.path;
    if (p === `${API}/oauth2/token`) {
      const form = new URLSearchParams(req.body.toString());
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) return sendJson(res, 401, { status: 'Unauthorized' });
      const token = `aq-token-${++seq}`;
      tokens.add(token);
      return sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
    }
    const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    if (!auth || !tokens.has(auth[1]!)) return sendJson(res, 401, { status: 'Unauthorized' });
    if (p === `${API}/organization/`) return sendJson(res, 200, { organizations: [{ id: 'org-1', name: 'Acme Corporation' }] });
    if (p === `${API}/facilities/`) {
      const size = Number(req.query.get('pageSize') ?? 1000);
      const page = Number(req.query.get('pageNo') ?? 1);
      return sendJson(res, 200, { facilities: facilities.slice((page - 1) * size, page * size) });
    }
    const upload = new RegExp(`^${API}/datasource/([^/]+)/upload$`).exec(p);
    if (upload) {
      const datasourceId = decodeURIComponent(upload[1]!);
      if (!state.datasources.has(datasourceId)) return sendJson(res, 404, { status: 'Not Found', message: `datasource ${datasourceId} not found` });
      if (req.method === 'GET') {
        const n = ++seq;
        const uploadId = `upload-${n}`;
        const fileId = `file-${n}`;
        state.uploads.set(uploadId, { datasourceId, fileId, fileName: req.query.get('fileName')!, userEmail: req.query.get('userEmail')!, parts: new Map(), completed: false });
        return sendJson(res, 201, { status: 'Multipart Upload started', uploadId, fileId });
      }
      const form = parseMultipart(req);
      const uploadId = form.get('uploadId')!.data.toString('utf8');
      const partNo = Number(form.get('partNo')!.data.toString('utf8'));
      const u = state.uploads.get(uploadId);
      if (!u || u.completed || u.datasourceId !== datasourceId) return sendJson(res, 404, { status: 'Not Found', message: `upload ${uploadId} not found` });
      const data = form.get('file')!.data;
      if (!Number.isInteger(partNo) || partNo < 1) return sendJson(res, 400, { status: 'Bad Request', message: 'partNo must be a positive integer' });
      if (data.length >= 100 * MB) return sendJson(res, 400, { status: 'Bad Request', message: 'parts must be under 100 MB' });
      const etag = `"${createHash('md5').update(data).digest('hex')}"`;
      u.parts.set(partNo, { data, etag });
      state.onPart?.(uploadId, partNo);
      return sendJson(res, 201, { dataSourceId: datasourceId, parts: [{ PartNumber: partNo, ETag: etag }], status: 'Upload Complete' });
    }
    const complete = new RegExp(`^${API}/datasource/([^/]+)/upload/([^/]+)/file/([^/]+)/complete$`).exec(p);
    if (complete) {
      const [, datasourceId, uploadId, fileId] = complete.map((s) => decodeURIComponent(s)) as [string, string, string, string];
      const u = state.uploads.get(uploadId);
      if (!u || u.completed || u.datasourceId !== datasourceId || u.fileId !== fileId) return sendJson(res, 404, { status: 'Not Found', message: `upload ${uploadId} not found` });
      const body = JSON.parse(req.body.toString('utf8')) as { fileName?: string; parts?: { PartNumber: number; ETag: string }[] };
      const parts = body.parts ?? [];
      const numbers = parts.map((x) => x.PartNumber);
      if (!parts.length || numbers.some((n, i) => n !== i + 1) || numbers.length !== u.parts.size) {
        return sendJson(res, 400, { status: 'Bad Request', message: `parts must list 1..${u.parts.size} in order, got ${numbers.join(',')}` });
      }
      for (const x of parts) {
        if (u.parts.get(x.PartNumber)?.etag !== x.ETag) return sendJson(res, 400, { status: 'Bad Request', message: `ETag of part ${x.PartNumber} does not match` });
      }
      for (const n of numbers.slice(0, -1)) {
        if (u.parts.get(n)!.data.length <= 5 * MB) return sendJson(res, 400, { status: 'Bad Request', message: `part ${n} is 5 MB or smaller but is not the last part` });
      }
      u.completed = true;
      state.datasets.push({ datasourceId, fileId, uploadId, fileName: body.fileName ?? u.fileName, userEmail: u.userEmail, content: Buffer.concat(numbers.map((n) => u.parts.get(n)!.data)) });
      return sendJson(res, 200, { status: 'Multipart Upload Complete' });
    }
    return sendJson(res, 404, { status: 'Not Found' });
  };

  const server: TestServer = await startServer(handle);
  return {
    url: server.url,
    requests: server.requests,
    get violations() {
      return state.violations;
    },
    uploads: state.uploads,
    datasets: state.datasets,
    get onPart() {
      return state.onPart;
    },
    set onPart(fn) {
      state.onPart = fn;
    },
    datasources: state.datasources,
    partPosts: () => server.requests.filter((r) => r.method === 'POST' && /\/upload$/.test(r.path)),
    close: () => server.close(),
  };
}
