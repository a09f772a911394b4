/**
 * A batch the platform keeps failing after the HTTP client's own retries is resent by the outbox
 * (same idempotency key) after a pause, so a platform that is down for a minute does not fail
 * the run; attempts keep counting across those resends, and permanent errors are not repeated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SubmissionOp } from '../../shared/domain';
import { PlatformError } from '../../main/engine/platforms/errors';
import type { AdapterContext, PlatformAdapter, RequestLogEntry } from '../../main/engine/platforms/types';
import { createEsgApiAdapter } from '../../main/engine/platforms/esg-api';
import { createRequestRecorder } from '../../main/engine/platforms/http/request-log';
import { Store } from '../../main/engine/store';
import { startSandbox } from '../../main/sandbox';
import { sendOutboxBatchPatiently, type OutboxOp } from '../../main/engine/sync/outbox-sender';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esg-outbox-'));
  store = Store.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const record = { metricId: 'm', entityId: 'e', periodStart: '2024-01-01', periodEnd: '2024-01-31', value: 1, unit: 'kWh', comment: null, evidence: null };
const ops: OutboxOp[] = [{ op: { op: 'create', key: 'k1', record } as SubmissionOp, hash: 'h1', line: 2 }];

/** An adapter whose every call makes `attemptsPerCall` HTTP attempts and fails `failCalls` times. */
function flakyAdapter(failCalls: number, error: () => Error, attemptsPerCall = 5) {
  const keys: string[] = [];
  const adapter = {
    kind: 'esg-api',
    async ingestRecords(batch: SubmissionOp[], key: string, ctx?: AdapterContext) {
      keys.push(key);
      const failing = keys.length <= failCalls;
      for (let a = 1; a <= (failing ? attemptsPerCall : 1); a++) {
        // As the HTTP client does: attempts numbered on from the context's offset.
        ctx?.onRequest?.({ method: 'POST', host: 'h', path: '/v1/submissions:batch', status: failing ? 500 : 200, startedAt: 0, durationMs: 1, attempt: a + (ctx?.attemptOffset ?? 0), error: null, kind: 'api' });
      }
      if (failing) throw error();
      return batch.map((o) => ({ key: o.key, status: 'created' as const, remoteId: `r-${o.key}`, reason: null }));
    },
  } as unknown as PlatformAdapter;
  return { adapter, keys };
}

const serverError = () => new PlatformError({ code: 'server', status: 500, message: 'POST /v1/submissions:batch answered 500.' });
const scope = { mappingId: 'map', connectionId: 'conn', runId: 1, now: () => new Date().toISOString() };

describe('outbox resend rounds', () => {
  it('resends a batch with the same key after transient failures and counts every attempt', async () => {
    const batch = store.outbox.add({ jobId: 'j', runId: 1, idempotencyKey: 'j:1:1', ops, createdAt: 'now' });
    const { adapter, keys } = flakyAdapter(2, serverError);
    const seen: RequestLogEntry[] = [];
    const events: string[] = [];
    const tally = await sendOutboxBatchPatiently(store, adapter, batch, scope, { onRequest: (e) => seen.push(e) }, { delaysMs: [10, 10, 10], event: (_l, m) => events.push(m) });
    expect(tally.created).toBe(1);
    expect(keys).toEqual(['j:1:1', 'j:1:1', 'j:1:1']);
    expect(seen.map((e) => e.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatch(/batch j:1:1 .*answered 500.*again in 0 s with the same idempotency key \(1 of 3\)/);
    expect(store.outbox.pending('j')).toEqual([]);
    expect(store.ledger.count('map')).toBe(1);
  });

  it('gives up after the last round and leaves the batch pending for the next run', async () => {
    const batch = store.outbox.add({ jobId: 'j', runId: 1, idempotencyKey: 'j:1:1', ops, createdAt: 'now' });
    const { adapter, keys } = flakyAdapter(10, serverError);
    await expect(sendOutboxBatchPatiently(store, adapter, batch, scope, {}, { delaysMs: [5, 5] })).rejects.toThrow(/answered 500/);
    expect(keys).toHaveLength(3);
    expect(store.outbox.pending('j')).toHaveLength(1);
  });

  it('does not repeat a permanent error, nor wait once the run is stopped', async () => {
    const batch = store.outbox.add({ jobId: 'j', runId: 1, idempotencyKey: 'j:1:1', ops, createdAt: 'now' });
    const refused = flakyAdapter(10, () => new PlatformError({ code: 'forbidden_scope', status: 403, message: 'The service account may not write submissions.' }));
    await expect(sendOutboxBatchPatiently(store, refused.adapter, batch, scope, {}, { delaysMs: [5] })).rejects.toThrow(/may not write/);
    expect(refused.keys).toHaveLength(1);

    const stop = new AbortController();
    const slow = flakyAdapter(10, serverError);
    const sending = sendOutboxBatchPatiently(store, slow.adapter, batch, scope, { signal: stop.signal }, { delaysMs: [60_000] });
    setTimeout(() => stop.abort(new Error('The agent is stopping.')), 20);
    const started = Date.now();
    await expect(sending).rejects.toThrow(/stopping/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('numbers a resend on from the attempts before it for a recorder attached to the adapter, as a run attaches its own', async () => {
    const sandbox = await startSandbox({ port: 0 });
    const recorder = createRequestRecorder({ sink: () => undefined });
    const adapter = createEsgApiAdapter(
      { id: 'c', kind: 'esg-api', baseUrl: sandbox.url, authUrl: null, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', scopes: [] },
      { http: { onRequest: recorder.observe, maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
    );
    try {
      const real = { metricId: 'met_elec_cons', entityId: 'ent_lon01', periodStart: '2024-01-01', periodEnd: '2024-01-31', value: 5, unit: 'kWh', comment: null, evidence: null };
      const batch = store.outbox.add({ jobId: 'j', runId: 1, idempotencyKey: 'j:1:real', ops: [{ op: { op: 'create', key: 'k1', record: real }, hash: 'h1', line: 2 }], createdAt: 'now' });
      await adapter.whoami(); // token first, so the fault below strikes the batch only
      sandbox.setFaults({ error500: 1, faultTokenEndpoint: false });
      const before = recorder.retries;
      // The platform recovers while the outbox waits before its resend.
      const tally = await sendOutboxBatchPatiently(store, adapter, batch, scope, {}, { delaysMs: [10], event: () => sandbox.setFaults({}) });
      expect(tally.created).toBe(1);
      // Two failed attempts, then the resend: attempt 3, so two retries for the run.
      expect(recorder.retries - before).toBe(2);
    } finally {
      await adapter.close();
      await sandbox.close();
    }
  });
});
