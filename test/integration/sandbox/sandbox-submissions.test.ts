/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk untyped JSON responses and the parsed OpenAPI document */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, SEED_ENTITIES, SEED_METRICS, startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { call, submission, token } from './helpers';

describe('sandbox: library', () => {
  let s: RunningSandbox;
  let t: string;
  beforeAll(async () => {
    s = await startSandbox();
    t = await token(s.url);
  });
  afterAll(() => s.close());

  it('pages the metric library by cursor and covers the ESG categories with units', async () => {
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call(s.url, 'GET', `/v1/metrics?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: t });
      expect(res.status).toBe(200);
      seen.push(...res.body.data);
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(SEED_METRICS.length / 7));
    expect(new Set(seen.map((m) => m.id)).size).toBe(SEED_METRICS.length);
    const byCode = new Map(seen.map((m) => [m.code, m]));
    expect(byCode.get('ELEC_CONS')).toMatchObject({ unit: 'kWh', category: 'energy', value_type: 'number', custom: false });
    expect(byCode.get('FUEL_DIESEL')).toMatchObject({ unit: 'L', category: 'fuel' });
    expect(byCode.get('WATER_WITHDRAWAL')).toMatchObject({ unit: 'm3', category: 'water' });
    expect(byCode.get('WASTE_HAZ')).toMatchObject({ unit: 't', category: 'waste' });
    for (const c of ['GHG_S1', 'GHG_S2_LB', 'GHG_S2_MB', 'GHG_S3']) expect(byCode.get(c)).toMatchObject({ unit: 'tCO2e', category: 'emissions' });
    expect(byCode.get('HEADCOUNT')).toMatchObject({ value_type: 'integer' });
    expect(byCode.get('SAFETY_INCIDENTS')).toMatchObject({ category: 'safety' });
    expect(byCode.get('CUST_COMPANY_CARS')?.custom).toBe(true);
    expect(byCode.get('CSRD_E1_6_GROSS_S1')?.api_writable).toBe(false);
  });

  it('lists entities with external refs', async () => {
    const res = await call(s.url, 'GET', '/v1/entities?limit=1000', { token: t });
    expect(res.body.data).toHaveLength(SEED_ENTITIES.length);
    expect(res.body.next_cursor).toBeNull();
    expect(res.body.data.map((e: any) => e.external_ref)).toEqual(expect.arrayContaining(['LON-01', 'MAN-02', 'BER-01']));
  });

  it('rejects a cursor from another endpoint and an out-of-range limit with 400', async () => {
    const first = await call(s.url, 'GET', '/v1/metrics?limit=2', { token: t });
    const res = await call(s.url, 'GET', `/v1/entities?cursor=${first.body.next_cursor}`, { token: t });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await call(s.url, 'GET', '/v1/metrics?limit=0', { token: t })).status).toBe(400);
    expect((await call(s.url, 'GET', '/v1/metrics?limit=1001', { token: t })).status).toBe(400);
  });
});

describe('sandbox: submissions batch', () => {
  let s: RunningSandbox;
  let t: string;
  let k = 0;
  const batch = (items: unknown[], key = `key-${++k}`, tok = t) =>
    call(s.url, 'POST', '/v1/submissions:batch', { token: tok, json: { items }, headers: { 'idempotency-key': key } });

  beforeAll(async () => {
    s = await startSandbox({
      accounts: [
        { clientId: 'sandbox-client', clientSecret: 'sandbox-secret', name: 'Agent A', scopes: [...ALL_SCOPES] },
        { clientId: 'agent-b', clientSecret: 'b-secret', name: 'Agent B', scopes: [...ALL_SCOPES] },
      ],
    });
    t = await token(s.url);
  });
  afterAll(() => s.close());

  it('creates, updates, deletes and reports unchanged and rejected items with reasons', async () => {
    const created = await batch([
      { op: 'create', ref: 'r1', data: submission() },
      { op: 'create', ref: 'r2', data: submission({ entity_id: 'ent_man02', value: 50 }) },
    ]);
    expect(created.status).toBe(200);
    expect(created.body.summary).toEqual({ created: 2, updated: 0, deleted: 0, unchanged: 0, rejected: 0 });
    const [a, b] = created.body.results;
    expect(a).toMatchObject({ index: 0, ref: 'r1', status: 'created', version: 1, reason: null });
    expect(a.id).toMatch(/^sub_/);

    const res = await batch([
      { op: 'create', ref: 'same', data: submission() },
      { op: 'create', ref: 'clash', data: submission({ value: 999 }) },
      { op: 'update', ref: 'upd', id: b.id, data: submission({ entity_id: 'ent_man02', value: 51 }) },
      { op: 'update', ref: 'noop', id: a.id, data: submission() },
      { op: 'delete', ref: 'del', id: a.id },
      { op: 'delete', ref: 'again', id: a.id },
      { op: 'delete', ref: 'ghost', id: 'sub_nope' },
      { op: 'create', ref: 'metric', data: submission({ metric_id: 'met_unknown' }) },
      { op: 'create', ref: 'entity', data: submission({ entity_id: 'ent_unknown' }) },
      { op: 'create', ref: 'nan', data: submission({ value: 'twelve' }) },
      { op: 'create', ref: 'period', data: submission({ period_start: '2024-02-30' }) },
      { op: 'create', ref: 'order', data: submission({ period_start: '2024-03-01', period_end: '2024-02-01' }) },
      { op: 'create', ref: 'unit', data: submission({ unit: 'MWh' }) },
      { op: 'create', ref: 'csrd', data: submission({ metric_id: 'met_csrd_e1_6_gross_s1', unit: 'tCO2e' }) },
      { op: 'create', ref: 'int', data: submission({ metric_id: 'met_headcount', unit: 'employees', value: 10.5 }) },
      { op: 'explode', ref: 'op' },
    ]);
    expect(res.status).toBe(200);
    const byRef = Object.fromEntries(res.body.results.map((r: any) => [r.ref, r]));
    expect(byRef.same).toMatchObject({ status: 'unchanged', id: a.id });
    expect(byRef.clash.status).toBe('rejected');
    expect(byRef.clash.reason).toBe(`already exists (id ${a.id}); send an update to change it`);
    expect(byRef.upd).toMatchObject({ status: 'updated', id: b.id, version: 2 });
    expect(byRef.noop).toMatchObject({ status: 'unchanged', id: a.id });
    expect(byRef.del).toMatchObject({ status: 'deleted', id: a.id });
    expect(byRef.again).toMatchObject({ status: 'unchanged', reason: 'already deleted' });
    expect(byRef.ghost.status).toBe('rejected');
    expect(byRef.ghost.reason).toContain('not found');
    expect(byRef.metric.reason).toContain('unknown metric');
    expect(byRef.entity.reason).toContain('unknown entity');
    expect(byRef.nan.reason).toContain('not a number');
    expect(byRef.period.reason).toContain('not a valid date');
    expect(byRef.order.reason).toContain('before period_start');
    expect(byRef.unit.reason).toContain('does not match');
    expect(byRef.csrd.reason).toContain('cannot be submitted through the API');
    expect(byRef.int.reason).toContain('whole number');
    expect(byRef.op.reason).toContain('invalid item');
    expect(res.body.summary).toEqual({ created: 0, updated: 1, deleted: 1, unchanged: 3, rejected: 11 });
    expect(res.body.results.map((r: any) => r.index)).toEqual([...Array(16).keys()]);

    expect(s.countSubmissions()).toBe(1);
    // Re-creating a deleted key makes a new submission.
    const again = await batch([{ op: 'create', ref: 'new', data: submission() }]);
    expect(again.body.results[0].status).toBe('created');
    expect(again.body.results[0].id).not.toBe(a.id);
    expect(s.countSubmissions()).toBe(2);
    expect(s.countSubmissions({ includeDeleted: true })).toBe(3);
  });

  it('checks calendar dates exactly (leap years)', async () => {
    const res = await batch([
      { op: 'create', ref: 'leap', data: submission({ entity_id: 'ent_acme', period_start: '2024-02-29', period_end: '2024-02-29' }) },
      { op: 'create', ref: 'not-leap', data: submission({ entity_id: 'ent_acme', period_start: '2023-02-29', period_end: '2023-02-28' }) },
      { op: 'create', ref: 'century', data: submission({ entity_id: 'ent_acme', period_start: '1900-02-29', period_end: '1900-03-01' }) },
      { op: 'create', ref: 'month13', data: submission({ entity_id: 'ent_acme', period_start: '2024-13-01', period_end: '2024-13-31' }) },
    ]);
    expect(res.body.results.map((r: any) => r.status)).toEqual(['created', 'rejected', 'rejected', 'rejected']);
  });

  it('attributes every write to the service account that made it', async () => {
    const tb = await token(s.url, 'agent-b', 'b-secret');
    const c = await batch([{ op: 'create', ref: 'x', data: submission({ entity_id: 'ent_ber01' }) }]);
    const id = c.body.results[0].id;
    await batch([{ op: 'update', ref: 'x', id, data: submission({ entity_id: 'ent_ber01', value: 2 }) }], 'by-b', tb);
    const row = s.listSubmissions().find((r) => r.id === id)!;
    expect(row).toMatchObject({ createdBy: 'sandbox-client', updatedBy: 'agent-b', version: 2, value: 2 });
  });

  it('replays the stored answer for a repeated Idempotency-Key and body, without writing again', async () => {
    const items = [
      { op: 'create', ref: 'i1', data: submission({ entity_id: 'ent_lyo01', value: 1 }) },
      { op: 'create', ref: 'i2', data: submission({ entity_id: 'ent_mad03', value: 2 }) },
    ];
    const before = s.countSubmissions();
    const first = await batch(items, 'idem-1');
    expect(first.body.summary.created).toBe(2);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const second = await batch(items, 'idem-1');
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    // The fingerprint is the exact bytes: the same batch re-serialised differently is another body.
    const reordered = items.map((i) => ({ data: i.data, ref: i.ref, op: i.op }));
    expect((await batch(reordered, 'idem-1')).status).toBe(422);
    expect(s.countSubmissions()).toBe(before + 2);
    expect(s.stats().batches.replayed).toBe(1);
  });

  it('refuses the same Idempotency-Key with a different body (422) and scopes keys per account', async () => {
    await batch([{ op: 'create', ref: 'a', data: submission({ entity_id: 'ent_acme', value: 1 }) }], 'idem-2');
    const other = await batch([{ op: 'create', ref: 'a', data: submission({ entity_id: 'ent_acme', value: 2 }) }], 'idem-2');
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toBe('application/problem+json');
    expect(other.body.detail).toContain('idem-2');
    const tb = await token(s.url, 'agent-b', 'b-secret');
    const b = await batch([{ op: 'create', ref: 'a', data: submission({ entity_id: 'ent_nwl', value: 2 }) }], 'idem-2', tb);
    expect(b.status).toBe(200);
    expect(b.body.results[0].status).toBe('created');
  });

  it('validates the envelope: Idempotency-Key required, JSON, 1–1000 items', async () => {
    const noKey = await call(s.url, 'POST', '/v1/submissions:batch', { token: t, json: { items: [{ op: 'delete', id: 'x' }] } });
    expect(noKey.status).toBe(400);
    expect(noKey.body.detail).toContain('Idempotency-Key');
    const tooMany = await batch(Array.from({ length: 1001 }, () => ({ op: 'delete', id: 'x' })));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.detail).toContain('at most 1000');
    expect((await batch([])).status).toBe(400);
    const bad = await fetch(`${s.url}/v1/submissions:batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json', 'idempotency-key': 'bad-json' },
      body: '{"items": [',
    });
    expect(bad.status).toBe(400);
    const text = await fetch(`${s.url}/v1/submissions:batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'text/plain', 'idempotency-key': 'text' },
      body: '{}',
    });
    expect(text.status).toBe(415);
    const max = await batch(Array.from({ length: 1000 }, (_, i) => ({ op: 'delete', ref: String(i), id: `sub_missing_${i}` })));
    expect(max.status).toBe(200);
    expect(max.body.summary.rejected).toBe(1000);
  });
});

describe('sandbox: file database', () => {
  it('keeps submissions across restarts in a SQLite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esg-sandbox-'));
    try {
      const dbPath = join(dir, 'sandbox.db');
      const a = await startSandbox({ dbPath });
      const t = await token(a.url);
      const r = await call(a.url, 'POST', '/v1/submissions:batch', { token: t, json: { items: [{ op: 'create', data: submission() }] }, headers: { 'idempotency-key': 'persist' } });
      expect(r.body.summary.created).toBe(1);
      await a.close();
      const b = await startSandbox({ dbPath });
      try {
        expect(b.countSubmissions()).toBe(1);
        const t2 = await token(b.url);
        const replay = await call(b.url, 'POST', '/v1/submissions:batch', { token: t2, json: { items: [{ op: 'create', data: submission() }] }, headers: { 'idempotency-key': 'persist' } });
        expect(replay.headers.get('idempotent-replayed')).toBe('true');
        expect(b.countSubmissions()).toBe(1);
      } finally {
        await b.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
