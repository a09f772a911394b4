/**
 * The esg-api adapter end to end against the real sandbox platform over loopback HTTP,
 * including under injected faults, where idempotency keys must prevent every duplicate.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createEsgApiAdapter, EsgApiAdapterError, MAX_PAGE_LIMIT, type EsgApiAdapter, type EsgApiAdapterOptions } from '../../../main/engine/platforms/esg-api';
import { PlatformError } from '../../../main/engine/platforms/errors';
import type { ConnectionConfig, RequestLogEntry } from '../../../main/engine/platforms/types';
import { ALL_SCOPES, SEED_ENTITIES, SEED_METRICS, startSandbox, type RunningSandbox } from '../../../main/sandbox';
import type { PlatformRecord, SubmissionOp } from '../../../shared/domain';
import { monthPeriod } from '../sandbox/helpers';

const spec = parse(readFileSync(fileURLToPath(new URL('../../../docs/esg-api.openapi.yaml', import.meta.url)), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};

const FAST: EsgApiAdapterOptions['http'] = { baseDelayMs: 2, maxDelayMs: 20, maxRetryAfterMs: 50 };

const conn = (s: RunningSandbox, over: Partial<ConnectionConfig> = {}): ConnectionConfig => ({
  id: 'c1',
  kind: 'esg-api',
  baseUrl: s.url,
  authUrl: null,
  clientId: 'sandbox-client',
  clientSecret: 'sandbox-secret',
  scopes: [],
  ...over,
});

const record = (n: number, over: Partial<PlatformRecord> = {}): PlatformRecord => ({
  metricId: 'met_elec_cons',
  entityId: SEED_ENTITIES[1 + (n % 5)]!.id,
  periodStart: monthPeriod(Math.floor(n / 5)).period_start,
  periodEnd: monthPeriod(Math.floor(n / 5)).period_end,
  value: 1000 + n,
  unit: 'kWh',
  comment: null,
  evidence: null,
  ...over,
});

const creates = (from: number, count: number): SubmissionOp[] =>
  Array.from({ length: count }, (_, i) => ({ op: 'create', key: `row-${from + i}`, record: record(from + i) }));

/** Seeded PRNG so a fault run is reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const requestLog: RequestLogEntry[] = [];
const adapters: EsgApiAdapter[] = [];
function adapterFor(s: RunningSandbox, over: Partial<ConnectionConfig> = {}, opts: EsgApiAdapterOptions = {}): EsgApiAdapter {
  const a = createEsgApiAdapter(conn(s, over), { ...opts, http: { ...FAST, ...opts.http, onRequest: (e) => requestLog.push(e) } });
  adapters.push(a);
  return a;
}
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
});

describe('esg-api adapter against the sandbox', () => {
  let s: RunningSandbox;
  beforeAll(async () => {
    s = await startSandbox({
      accounts: [
        { clientId: 'sandbox-client', clientSecret: 'sandbox-secret', name: 'Sync agent', scopes: [...ALL_SCOPES], organisation: 'Acme' },
        { clientId: 'narrow', clientSecret: 'narrow-secret', name: 'Metrics only', scopes: ['metrics:read'] },
      ],
    });
  });
  afterAll(() => s.close());

  it('reads whoami, the whole metric library and the entities (paging through small pages)', async () => {
    const a = adapterFor(s, {}, { pageSize: 4, clientAuth: 'body' });
    expect(await a.whoami()).toEqual({ clientId: 'sandbox-client', name: 'Sync agent', organisation: 'Acme', scopes: [...ALL_SCOPES], lastUsedAt: null });
    const metrics = await a.listMetrics();
    expect(metrics).toHaveLength(SEED_METRICS.length);
    expect(metrics.find((m) => m.code === 'ELEC_CONS')).toEqual({
      id: 'met_elec_cons',
      code: 'ELEC_CONS',
      name: 'Electricity consumption',
      unit: 'kWh',
      category: 'energy',
      valueType: 'number',
      custom: false,
      writable: true,
    });
    expect(metrics.find((m) => m.code === 'CSRD_E1_6_GROSS_S1')?.writable).toBe(false);
    const entities = await a.listEntities();
    expect(entities).toHaveLength(SEED_ENTITIES.length);
    expect(entities.find((e) => e.externalRef === 'MAN-02')).toEqual({ id: 'ent_man02', name: 'Manchester Plant', externalRef: 'MAN-02', type: 'facility' });
    // Small pages really were used.
    expect(requestLog.filter((r) => r.path.startsWith('/v1/metrics')).length).toBeGreaterThanOrEqual(Math.ceil(SEED_METRICS.length / 4));
  });

  it('fetches one token for 50 concurrent requests', async () => {
    const a = adapterFor(s);
    await Promise.all(Array.from({ length: 50 }, () => a.listEntities()));
    expect(a.tokenRequests()).toBe(1);
  });

  it('reports bad credentials and missing scopes as PlatformErrors that say what to do', async () => {
    const wrong = adapterFor(s, { clientSecret: 'wrong' });
    const e1 = await wrong.whoami().catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(PlatformError);
    expect((e1 as PlatformError).code).toBe('invalid_client');
    const narrow = adapterFor(s, { clientId: 'narrow', clientSecret: 'narrow-secret' });
    expect(await narrow.listMetrics()).toHaveLength(SEED_METRICS.length);
    const e2 = await narrow.listEntities().catch((e: unknown) => e);
    expect((e2 as PlatformError).code).toBe('forbidden_scope');
    expect((e2 as PlatformError).message).toContain('entities:read');
  });

  it('creates, updates, deletes and maps per-item results back to the ops keys', async () => {
    const a = adapterFor(s);
    const created = await a.ingestRecords(creates(0, 3), 'crud-1');
    expect(created.map((r) => [r.key, r.status])).toEqual([
      ['row-0', 'created'],
      ['row-1', 'created'],
      ['row-2', 'created'],
    ]);
    const [c0, c1, c2] = created;
    const results = await a.ingestRecords(
      [
        { op: 'update', key: 'row-0', remoteId: c0!.remoteId!, record: record(0, { value: 1 }) },
        { op: 'update', key: 'row-1', remoteId: c1!.remoteId!, record: record(1) },
        { op: 'delete', key: 'row-2', remoteId: c2!.remoteId! },
        { op: 'create', key: 'row-x', record: record(0, { value: 'lots' }) },
      ],
      'crud-2',
    );
    expect(results.map((r) => r.status)).toEqual(['updated', 'unchanged', 'deleted', 'rejected']);
    expect(results[0]!.remoteId).toBe(c0!.remoteId);
    expect(results[3]).toMatchObject({ key: 'row-x' });
    expect(results[3]!.reason).toContain('not a number');
    const stored = s.listSubmissions().find((x) => x.id === c0!.remoteId)!;
    expect(stored).toMatchObject({ value: 1, createdBy: 'sandbox-client', updatedBy: 'sandbox-client' });
  });

  it('refuses more than 1000 ops before sending anything', async () => {
    const a = adapterFor(s);
    const before = s.stats().requests;
    const err = await a.ingestRecords(creates(10_000, 1001), 'too-big').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EsgApiAdapterError);
    expect((err as EsgApiAdapterError).code).toBe('batch_too_large');
    expect(s.stats().requests).toBe(before);
    expect(await a.ingestRecords([], 'empty')).toEqual([]);
  });

  it('streams both export datasets page by page, incrementally by updated_since', async () => {
    const a = adapterFor(s, {}, { pageSize: 7 });
    expect(a.exportDatasets().map((d) => d.id)).toEqual(['submissions', 'portfolio-metrics']);
    await a.ingestRecords(creates(100, 30), 'export-seed');
    const rows: Record<string, unknown>[] = [];
    let last: string | null = null;
    for await (const item of a.exportStream({ dataset: 'submissions', updatedSince: null })) {
      rows.push(item.row);
      expect(item.updatedAt).toBe(item.row.updated_at);
      if (last !== null) expect(item.updatedAt! >= last).toBe(true);
      last = item.updatedAt;
    }
    expect(rows).toHaveLength(s.countSubmissions());
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);

    const target = rows.find((r) => r.value === 1100)!;
    await a.ingestRecords([{ op: 'update', key: 'row-100', remoteId: String(target.id), record: record(100, { value: 7 }) }], 'export-upd');
    const changed: Record<string, unknown>[] = [];
    for await (const item of a.exportStream({ dataset: 'submissions', updatedSince: last })) changed.push(item.row);
    expect(changed.map((r) => [r.id, r.value])).toEqual([[target.id, 7]]);

    const aggregates: Record<string, unknown>[] = [];
    for await (const item of a.exportStream({ dataset: 'portfolio-metrics', updatedSince: null, params: { granularity: 'month' } })) aggregates.push(item.row);
    const liveByGroup = new Set(s.listSubmissions().map((x) => `${x.entityId}|${x.metricId}|${x.periodStart.slice(0, 7)}`));
    expect(aggregates.filter((r) => r.submission_count !== 0)).toHaveLength(liveByGroup.size);

    await expect(async () => {
      for await (const _ of a.exportStream({ dataset: 'footprints', updatedSince: null })) void _;
    }).rejects.toThrow(/no export dataset "footprints"/);
  });

  it('asks for the next export page while the current one is being written, one page ahead at most', async () => {
    const a = adapterFor(s, {}, { pageSize: 5 });
    await a.ingestRecords(creates(300, 20), 'prefetch-seed');
    const pageRequests = () => requestLog.filter((e) => e.method === 'GET' && e.path.startsWith('/v1/submissions')).length;
    const before = pageRequests();
    const seenAt: number[] = [];
    let n = 0;
    for await (const _ of a.exportStream({ dataset: 'submissions', updatedSince: null })) {
      void _;
      if (n++ % 5 !== 0) continue;
      // First row of a page: the following page is already on its way, and no further one.
      const deadline = Date.now() + 2000;
      while (pageRequests() - before < seenAt.length + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      seenAt.push(pageRequests() - before);
    }
    const pages = Math.ceil(s.countSubmissions() / 5);
    expect(seenAt.slice(0, -1)).toEqual(Array.from({ length: pages - 1 }, (_, i) => i + 2));
    expect(pageRequests() - before).toBe(pages);
  });

  it('exports in pages of the contract maximum by default, listings in pages of 500', async () => {
    const a = adapterFor(s);
    const from = requestLog.length;
    for await (const _ of a.exportStream({ dataset: 'submissions', updatedSince: null })) void _;
    for await (const _ of a.exportStream({ dataset: 'portfolio-metrics', updatedSince: null, params: { limit: '3' } })) void _;
    await a.listMetrics();
    const limits = requestLog.slice(from).map((e) => `${e.path.split('?')[0]} ${new URLSearchParams(e.path.split('?')[1]).get('limit')}`);
    expect(limits).toContain(`/v1/submissions ${MAX_PAGE_LIMIT}`);
    expect(limits).toContain('/v1/portfolio-metrics 3');
    expect(limits).toContain('/v1/metrics 500');
  });

  it('uses only operations the OpenAPI contract defines', () => {
    expect(requestLog.length).toBeGreaterThan(0);
    const used = new Set(requestLog.map((r) => `${r.method} ${r.path.split('?')[0]}`));
    for (const op of used) {
      const [method, path] = op.split(' ') as [string, string];
      expect(spec.paths[path]?.[method.toLowerCase()], `${op} is not in docs/esg-api.openapi.yaml`).toBeDefined();
    }
    expect(used).toContain('POST /v1/submissions:batch');
    expect(used).toContain('GET /v1/portfolio-metrics');
  });
});

describe('esg-api adapter under platform faults', () => {
  /** What the sync engine's outbox does: resend the same batch with the same key until it gets an answer. */
  async function sendUntilAnswered(a: EsgApiAdapter, ops: SubmissionOp[], key: string) {
    let lastError: unknown;
    for (let attempt = 0; attempt < 25; attempt++) {
      try {
        return await a.ingestRecords(ops, key);
      } catch (e) {
        if (!(e instanceof PlatformError) || !e.retryable) throw e;
        lastError = e;
      }
    }
    throw lastError;
  }

  it('ends with exactly the submissions sent — none lost, none doubled — through 500s, 429s, resets, stalls and early token expiry', async () => {
    const s = await startSandbox({
      random: mulberry32(20240601),
      faults: { error500: 0.2, rate429: 0.05, retryAfter: 0, reset: 0.05, stall: 0.02, stallMs: 3000, afterCommit: 0.5, tokenExpiry: 1 },
    });
    try {
      // 30% of requests fail here, far worse than any real platform: allow more attempts per request than the default 5.
      const a = adapterFor(s, {}, { pageSize: 50, http: { headersTimeoutMs: 1000, maxAttempts: 12 } });
      const batch = creates(0, 500);
      const results = await sendUntilAnswered(a, batch, 'fault-batch-1');
      expect(results).toHaveLength(500);
      expect(results.every((r) => r.status === 'created')).toBe(true);
      expect(s.countSubmissions()).toBe(500);

      // More batches of 50, two in flight at a time, until every fault kind has had its turn
      // (bounded, so a broken fault injector fails the test instead of looping).
      const seenAll = () => {
        const st = s.stats();
        return (
          st.faults.error500 > 0 &&
          st.faults.rate429 > 0 &&
          st.faults.reset > 0 &&
          st.faults.stall > 0 &&
          st.faults.afterCommit > 0 &&
          st.batches.replayed > 0 &&
          st.tokensRejected.forced > 0
        );
      };
      let next = 500;
      const lane = async () => {
        while (!seenAll() && next < 500 + 100 * 50) {
          const from = next;
          next += 50;
          await sendUntilAnswered(a, creates(from, 50), `fault-batch-${from}`);
        }
      };
      await Promise.all([lane(), lane()]);
      expect(seenAll()).toBe(true);
      const total = next;

      const rows = s.listSubmissions();
      expect(rows).toHaveLength(total);
      const keys = new Set(rows.map((r) => `${r.entityId}|${r.metricId}|${r.periodStart}|${r.periodEnd}`));
      expect(keys.size).toBe(total);
      const values = new Set(rows.map((r) => r.value));
      for (let n = 0; n < total; n++) expect(values.has(1000 + n), `row ${n}`).toBe(true);
      expect(rows.every((r) => r.version === 1 && r.createdBy === 'sandbox-client')).toBe(true);
      expect(s.stats().batches.applied).toBe(1 + (total - 500) / 50);

      // The export reads everything back, paging through the same faults.
      let exported = 0;
      for await (const _ of a.exportStream({ dataset: 'submissions', updatedSince: null })) exported++;
      expect(exported).toBe(total);
      // Retries were visible to run history through onRequest.
      expect(requestLog.some((r) => r.attempt > 1)).toBe(true);
    } finally {
      await s.close();
    }
  }, 120_000);

  it('refreshes a token the platform expired early and retries once', async () => {
    const s = await startSandbox({ faults: { tokenExpiry: 1 } });
    try {
      const a = adapterFor(s);
      await a.whoami();
      const forcedBefore = s.stats().tokensRejected.forced;
      // Wait (relative to the sandbox's own view) until the first token is dead.
      await new Promise((r) => setTimeout(r, 1100));
      await a.whoami();
      expect(s.stats().tokensRejected.forced).toBe(forcedBefore + 1);
      expect(a.tokenRequests()).toBe(2);
    } finally {
      await s.close();
    }
  });
});
