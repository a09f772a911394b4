/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk untyped JSON responses and the parsed OpenAPI document */
/**
 * Holds the esg-api adapter to docs/esg-api.openapi.yaml: every operation it calls exists with that
 * method, and the batch items it builds carry exactly the fields the contract defines.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ESG_API_OPERATIONS, MAX_PAGE_LIMIT, buildBatchItems } from '../../../main/engine/platforms/esg-api';
import type { SubmissionOp } from '../../../shared/domain';

const specPath = fileURLToPath(new URL('../../../docs/esg-api.openapi.yaml', import.meta.url));
const spec = parse(readFileSync(specPath, 'utf8')) as any;

function resolve(node: any): any {
  if (node && typeof node === 'object' && typeof node.$ref === 'string') {
    const parts = (node.$ref as string).replace(/^#\//, '').split('/');
    return resolve(parts.reduce((acc: any, p) => acc?.[p], spec));
  }
  return node;
}

describe('docs/esg-api.openapi.yaml', () => {
  it('is OpenAPI 3.1 with the operations, scopes and problem+json errors the product relies on', () => {
    expect(spec.openapi).toMatch(/^3\.1\./);
    const scopes = Object.keys(spec.components.securitySchemes.bearer.flows.clientCredentials.scopes);
    expect(scopes.sort()).toEqual(['entities:read', 'metrics:read', 'portfolio:read', 'submissions:read', 'submissions:write']);
    const batch = spec.paths['/v1/submissions:batch'].post;
    const key = batch.parameters.find((p: any) => p.in === 'header' && p.name === 'Idempotency-Key');
    expect(key.required).toBe(true);
    expect(resolve(batch.requestBody.content['application/json'].schema).properties.items.maxItems).toBe(1000);
    expect(Object.keys(batch.responses['422'].content)).toEqual(['application/problem+json']);
    for (const path of ['/v1/submissions', '/v1/portfolio-metrics']) {
      const names = spec.paths[path].get.parameters.map((p: any) => resolve(p).name);
      expect(names).toEqual(expect.arrayContaining(['updated_since', 'limit', 'cursor']));
      const limit = spec.paths[path].get.parameters.map(resolve).find((p: any) => p.name === 'limit');
      // Exports ask for pages of this size by default; the platform rejects anything larger.
      expect(limit.schema.maximum).toBe(MAX_PAGE_LIMIT);
    }
    const token = spec.paths['/oauth/token'].post;
    expect(Object.keys(token.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
    expect(resolve(spec.components.schemas.ItemResult).properties.status.enum).toEqual(['created', 'updated', 'deleted', 'unchanged', 'rejected']);
  });

  it('defines every path and method the adapter calls', () => {
    for (const [name, op] of Object.entries(ESG_API_OPERATIONS)) {
      const item = spec.paths[op.path];
      expect(item, `${name}: ${op.path} missing from the contract`).toBeDefined();
      expect(item[op.method.toLowerCase()], `${name}: ${op.method} ${op.path} missing`).toBeDefined();
    }
  });

  it('builds batch items with the required fields and no field the contract does not define', () => {
    const record = {
      metricId: 'met_elec_cons',
      entityId: 'ent_lon01',
      periodStart: '2024-01-01',
      periodEnd: '2024-01-31',
      value: 12,
      unit: 'kWh',
      comment: null,
      evidence: 'bill.pdf',
    };
    const ops: SubmissionOp[] = [
      { op: 'create', key: 'k1', record },
      { op: 'update', key: 'k2', remoteId: 'sub_1', record },
      { op: 'delete', key: 'k3', remoteId: 'sub_2' },
    ];
    const variants = resolve(spec.components.schemas.BatchItem).oneOf.map(resolve);
    const input = resolve(spec.components.schemas.SubmissionInput);
    for (const item of buildBatchItems(ops) as any[]) {
      const variant = variants.find((v: any) => v.properties.op.const === item.op);
      expect(variant, item.op).toBeDefined();
      for (const req of variant.required) expect(item, `${item.op} lacks ${req}`).toHaveProperty(req);
      for (const k of Object.keys(item)) expect(Object.keys(variant.properties), `${item.op}.${k}`).toContain(k);
      if (item.data) {
        for (const req of input.required) expect(item.data).toHaveProperty(req);
        for (const k of Object.keys(item.data)) expect(Object.keys(input.properties)).toContain(k);
      }
    }
  });
});
