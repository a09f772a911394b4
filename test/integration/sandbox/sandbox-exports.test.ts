/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk untyped JSON responses and the parsed OpenAPI document */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { call, monthPeriod, submission, token } from './helpers';

describe('sandbox: exports', () => {
  let s: RunningSandbox;
  let t: string;
  let k = 0;
  const batch = (items: unknown[]) => call(s.url, 'POST', '/v1/submissions:batch', { token: t, json: { items }, headers: { 'idempotency-key': `exp-${++k}` } });

  async function exportAll(path: string, query: Record<string, string>): Promise<{ rows: any[]; pages: number }> {
    const rows: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q = new URLSearchParams(query);
      if (cursor) q.set('cursor', cursor);
      const res = await call(s.url, 'GET', `${path}?${q}`, { token: t });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      rows.push(...res.body.data);
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    return { rows, pages };
  }

  beforeAll(async () => {
    s = await startSandbox();
    t = await token(s.url);
    // 25 monthly electricity values for LON-01 (2020-01 .. 2022-01) and 12 gas values for MAN-02 in 2023.
    await batch(Array.from({ length: 25 }, (_, i) => ({ op: 'create', ref: `e${i}`, data: submission({ ...monthPeriod(i), value: 100 + i }) })));
    await batch(
      Array.from({ length: 12 }, (_, i) => ({
        op: 'create',
        ref: `g${i}`,
        data: submission({ metric_id: 'met_ngas_kwh', entity_id: 'ent_man02', ...monthPeriod(36 + i), value: 10 }),
      })),
    );
  });
  afterAll(() => s.close());

  it('pages raw submissions by cursor in (updated_at, id) order with no gaps or repeats', async () => {
    const { rows, pages } = await exportAll('/v1/submissions', { limit: '10' });
    expect(pages).toBe(4);
    expect(rows).toHaveLength(37);
    expect(new Set(rows.map((r) => r.id)).size).toBe(37);
    const keys = rows.map((r) => r.updated_at);
    expect([...keys].sort()).toEqual(keys);
    expect(rows[0]).toMatchObject({ metric_code: 'ELEC_CONS', entity_external_ref: 'LON-01', created_by: 'sandbox-client', deleted_at: null });
  });

  it('exports only what changed after updated_since, deletions included on request', async () => {
    const { rows } = await exportAll('/v1/submissions', { limit: '1000' });
    const mark = rows.reduce((m, r) => (r.updated_at > m ? r.updated_at : m), '');
    const target = rows.find((r) => r.period_start === '2020-03-01' && r.metric_id === 'met_elec_cons')!;
    const gone = rows.find((r) => r.period_start === '2020-04-01' && r.metric_id === 'met_elec_cons')!;
    const res = await batch([
      { op: 'update', ref: 'u', id: target.id, data: submission({ ...monthPeriod(2), value: 5000 }) },
      { op: 'delete', ref: 'd', id: gone.id },
    ]);
    expect(res.body.summary).toMatchObject({ updated: 1, deleted: 1 });

    const changed = await exportAll('/v1/submissions', { updated_since: mark, limit: '1' });
    expect(changed.rows.map((r) => r.id)).toEqual([target.id]);
    expect(changed.rows[0]).toMatchObject({ value: 5000, version: 2 });

    const withDeleted = await exportAll('/v1/submissions', { updated_since: mark, include_deleted: 'true' });
    expect(withDeleted.rows.map((r) => r.id).sort()).toEqual([target.id, gone.id].sort());
    expect(withDeleted.rows.find((r) => r.id === gone.id).deleted_at).not.toBeNull();

    // The same instant written with a +02:00 offset selects the same rows.
    const withOffset = `${new Date(Date.parse(mark) + 2 * 3600_000).toISOString().slice(0, 23)}+02:00`;
    expect(Date.parse(withOffset)).toBe(Date.parse(mark));
    const viaOffset = await exportAll('/v1/submissions', { updated_since: withOffset });
    expect(viaOffset.rows.map((r) => r.id)).toEqual([target.id]);
    const bad = await call(s.url, 'GET', '/v1/submissions?updated_since=yesterday', { token: t });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
  });

  it('never misses a row written right after an export was read, even within the same millisecond', async () => {
    // Freeze the wall clock so the export and the following write happen in the "same" millisecond.
    const frozen = Date.now();
    const spy = vi.spyOn(Date, 'now').mockReturnValue(frozen);
    try {
      await batch([{ op: 'create', ref: 'early', data: submission({ entity_id: 'ent_ber01', ...monthPeriod(4) }) }]);
      const { rows } = await exportAll('/v1/submissions', {});
      const mark = rows.reduce((m, r) => (r.updated_at > m ? r.updated_at : m), '');
      await batch([{ op: 'create', ref: 'late', data: submission({ entity_id: 'ent_ber01', ...monthPeriod(5) }) }]);
      const next = await exportAll('/v1/submissions', { updated_since: mark });
      expect(next.rows).toHaveLength(1);
      expect(next.rows[0]).toMatchObject({ entity_id: 'ent_ber01', period_start: '2020-06-01' });
    } finally {
      spy.mockRestore();
    }
  });

  it('aggregates portfolio metrics per entity, metric and period, paged and incremental', async () => {
    const { rows, pages } = await exportAll('/v1/portfolio-metrics', { granularity: 'year', limit: '2' });
    expect(pages).toBeGreaterThan(1);
    const lon2020 = rows.find((r) => r.entity_id === 'ent_lon01' && r.metric_id === 'met_elec_cons' && r.period === '2020');
    // 2020: values 100..111, with March replaced by 5000 and April deleted earlier in this file.
    const expected2020 = Array.from({ length: 12 }, (_, i) => 100 + i).reduce((a, b) => a + b, 0) - 102 + 5000 - 103;
    expect(lon2020).toMatchObject({ value: expected2020, unit: 'kWh', submission_count: 11, period_start: '2020-01-01', period_end: '2020-12-31' });
    const gas = rows.find((r) => r.entity_id === 'ent_man02' && r.period === '2023');
    expect(gas).toMatchObject({ value: 120, submission_count: 12, metric_code: 'NGAS_KWH' });

    const quarters = await exportAll('/v1/portfolio-metrics', { granularity: 'quarter' });
    const q1 = quarters.rows.find((r) => r.entity_id === 'ent_man02' && r.period === '2023-Q1');
    expect(q1).toMatchObject({ value: 30, period_start: '2023-01-01', period_end: '2023-03-31' });

    // Deleting every submission of an aggregate reports it with value null, so consumers can drop it.
    const mark = rows.reduce((m, r) => (r.updated_at > m ? r.updated_at : m), '');
    const all = await exportAll('/v1/submissions', {});
    const gasIds = all.rows.filter((r) => r.metric_id === 'met_ngas_kwh' && r.period_start.startsWith('2023-0') && r.period_start <= '2023-03-01');
    expect(gasIds).toHaveLength(3);
    await batch(gasIds.map((r, i) => ({ op: 'delete', ref: `q${i}`, id: r.id })));
    const changedQ = await exportAll('/v1/portfolio-metrics', { granularity: 'quarter', updated_since: mark });
    expect(changedQ.rows).toHaveLength(1);
    expect(changedQ.rows[0]).toMatchObject({ period: '2023-Q1', value: null, submission_count: 0 });
    const changedY = await exportAll('/v1/portfolio-metrics', { granularity: 'year', updated_since: mark });
    expect(changedY.rows).toHaveLength(1);
    expect(changedY.rows[0]).toMatchObject({ period: '2023', value: 90, submission_count: 9 });
  });
});
