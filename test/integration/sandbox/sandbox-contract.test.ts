/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk untyped JSON responses and the parsed OpenAPI document */
/**
 * The sandbox against docs/esg-api.openapi.yaml: every documented operation is served, and the
 * responses carry every member the contract marks required, with the documented content types.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { call, submission, token } from './helpers';

const spec = parse(readFileSync(fileURLToPath(new URL('../../../docs/esg-api.openapi.yaml', import.meta.url)), 'utf8')) as any;

function resolve(node: any): any {
  if (node && typeof node === 'object' && typeof node.$ref === 'string') {
    return resolve((node.$ref as string).replace(/^#\//, '').split('/').reduce((acc: any, p) => acc?.[p], spec));
  }
  return node;
}

/** Checks required members recursively (objects and arrays), enough to catch a renamed or missing field. */
function checkRequired(schema: any, value: any, where: string): string[] {
  const s = resolve(schema);
  if (!s || value === null || value === undefined) return [];
  const problems: string[] = [];
  if (s.type === 'array' && Array.isArray(value)) {
    value.forEach((v, i) => problems.push(...checkRequired(s.items, v, `${where}[${i}]`)));
  } else if (s.type === 'object' && typeof value === 'object') {
    for (const r of s.required ?? []) if (!(r in value)) problems.push(`${where}.${r} missing`);
    for (const [k, sub] of Object.entries(s.properties ?? {})) if (k in value) problems.push(...checkRequired(sub, value[k], `${where}.${k}`));
  }
  return problems;
}

describe('sandbox serves the OpenAPI contract', () => {
  let s: RunningSandbox;
  let t: string;
  beforeAll(async () => {
    s = await startSandbox();
    t = await token(s.url);
  });
  afterAll(() => s.close());

  it('serves every documented path and method (no 404/405)', async () => {
    const ops = Object.entries(spec.paths).flatMap(([path, item]: [string, any]) => Object.keys(item).map((m) => [m.toUpperCase(), path] as const));
    expect(ops.length).toBe(7);
    for (const [method, path] of ops) {
      const res = await call(s.url, method, path, { token: t, json: method === 'POST' && path !== '/oauth/token' ? { items: [] } : undefined });
      expect([404, 405], `${method} ${path} -> ${res.status}`).not.toContain(res.status);
    }
  });

  it('answers with every required member and the documented content type', async () => {
    const tokenRes = await fetch(`${s.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret',
    });
    const tokenBody = await tokenRes.json();
    const tokenSchema = spec.paths['/oauth/token'].post.responses['200'].content['application/json'].schema;
    expect(checkRequired(tokenSchema, tokenBody, 'token')).toEqual([]);

    const created = await call(s.url, 'POST', '/v1/submissions:batch', {
      token: t,
      json: { items: [{ op: 'create', ref: 'a', data: submission() }, { op: 'delete', id: 'nope' }] },
      headers: { 'idempotency-key': 'contract' },
    });
    expect(created.headers.get('content-type')).toBe('application/json');
    const batchSchema = spec.paths['/v1/submissions:batch'].post.responses['200'].content['application/json'].schema;
    expect(checkRequired(batchSchema, created.body, 'batch')).toEqual([]);

    for (const path of ['/v1/service-account', '/v1/metrics', '/v1/entities', '/v1/submissions', '/v1/portfolio-metrics']) {
      const res = await call(s.url, 'GET', path, { token: t });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const schema = spec.paths[path].get.responses['200'].content['application/json'].schema;
      expect(checkRequired(schema, res.body, path)).toEqual([]);
      if (Array.isArray(res.body.data)) expect(res.body.data.length, path).toBeGreaterThan(0);
    }
  });

  it('sends problem+json with the RFC 9457 members for documented errors', async () => {
    const problem = resolve(spec.components.schemas.Problem);
    for (const [method, path, opts] of [
      ['GET', '/v1/metrics', {}],
      ['GET', '/v1/metrics?limit=abc', { token: t }],
      ['POST', '/v1/submissions:batch', { token: t, json: { items: [] } }],
    ] as const) {
      const res = await call(s.url, method, path, opts);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      for (const k of ['type', 'title', 'status', 'detail']) expect(Object.keys(problem.properties)).toContain(k);
      expect(res.body).toMatchObject({ status: res.status, title: expect.any(String), detail: expect.any(String), type: expect.stringContaining('problems/') });
    }
  });
});
