import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultSpecError, parseFaultSpec, runSandboxCommand, startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { call, eventually, submission, token } from './helpers';

describe('parseFaultSpec', () => {
  it('reads the CLI form, fractions and percentages', () => {
    const spec = parseFaultSpec('latency=50,error500=0.2,rate429=5%,retryAfter=1,reset=0.05,stall=0.02,stallMs=30000,tokenExpiry=30');
    expect(spec).toMatchObject({ latency: 50, error500: 0.2, rate429: 0.05, retryAfter: 1, reset: 0.05, stall: 0.02, stallMs: 30000, tokenExpiry: 30, afterCommit: 0.5 });
    expect(parseFaultSpec('')).toMatchObject({ error500: 0, latency: 0 });
    expect(parseFaultSpec('afterCommit=1, faultTokenEndpoint=false')).toMatchObject({ afterCommit: 1, faultTokenEndpoint: false });
  });

  it('explains what is wrong with a bad spec', () => {
    expect(() => parseFaultSpec('error=0.2')).toThrow(/Unknown fault "error".*error500/);
    expect(() => parseFaultSpec('error500=lots')).toThrow(FaultSpecError);
    expect(() => parseFaultSpec('error500=1.5')).toThrow(/out of range/);
    expect(() => parseFaultSpec('latency')).toThrow(/name=value/);
  });
});

describe('sandbox: fault injection', () => {
  let s: RunningSandbox;
  let t: string;
  let k = 0;
  const batch = (items: unknown[], key = `f-${++k}`) =>
    call(s.url, 'POST', '/v1/submissions:batch', { token: t, json: { items }, headers: { 'idempotency-key': key } });

  beforeAll(async () => {
    s = await startSandbox();
    t = await token(s.url);
  });
  beforeEach(() => {
    s.setFaults({});
    s.resetStats();
  });
  afterAll(() => s.close());

  it('adds latency to every response', async () => {
    s.setFaults({ latency: 150 });
    const started = performance.now();
    expect((await call(s.url, 'GET', '/v1/metrics', { token: t })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(s.stats().faults.latency).toBe(1);
  });

  it('answers a share of requests with 500 problem+json', async () => {
    s.setFaults({ error500: 1 });
    const res = await call(s.url, 'GET', '/v1/metrics', { token: t });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(s.stats().faults.error500).toBe(1);
  });

  it('answers 429 with Retry-After', async () => {
    s.setFaults({ rate429: 1, retryAfter: 7 });
    const res = await call(s.url, 'GET', '/v1/entities', { token: t });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(s.stats().faults.rate429).toBe(1);
  });

  it('resets connections', async () => {
    s.setFaults({ reset: 1 });
    await expect(call(s.url, 'GET', '/v1/metrics', { token: t })).rejects.toThrow();
    expect(s.stats().faults.reset).toBe(1);
  });

  it('stalls responses until the client gives up', async () => {
    s.setFaults({ stall: 1, stallMs: 60_000 });
    await expect(call(s.url, 'GET', '/v1/metrics', { token: t, signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(s.stats().faults.stall).toBe(1);
    // A stalled request that is abandoned never runs.
    s.setFaults({ stall: 1, stallMs: 60_000, afterCommit: 0 });
    const abandoned = call(s.url, 'POST', '/v1/submissions:batch', {
      token: t,
      json: { items: [{ op: 'create', data: submission({ entity_id: 'ent_lyo01' }) }] },
      headers: { 'idempotency-key': 'stall-before' },
      signal: AbortSignal.timeout(200),
    });
    await expect(abandoned).rejects.toThrow();
    expect(s.stats().faults.stall).toBe(2);
    s.setFaults({});
    // Had the abandoned batch run, its key would now replay; instead it is applied fresh.
    const fresh = await batch([{ op: 'create', data: submission({ entity_id: 'ent_lyo01' }) }], 'stall-before');
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
    expect(s.listSubmissions().filter((x) => x.entityId === 'ent_lyo01')).toHaveLength(1);
  });

  it('expires tokens early with tokenExpiry while expires_in still promises an hour', async () => {
    s.setFaults({ tokenExpiry: 1 });
    const fresh = await token(s.url);
    expect((await call(s.url, 'GET', '/v1/metrics', { token: fresh })).status).toBe(200);
    await eventually(async () => (await call(s.url, 'GET', '/v1/metrics', { token: fresh })).status === 401, 5000);
    expect(s.stats().tokensRejected.forced).toBeGreaterThan(0);
    s.setFaults({});
    expect((await call(s.url, 'GET', '/v1/metrics', { token: fresh })).status).toBe(200);
  });

  it('fails writes before the commit: nothing is written', async () => {
    s.setFaults({ error500: 1, afterCommit: 0 });
    const res = await batch([{ op: 'create', data: submission({ entity_id: 'ent_ber01' }) }], 'before-1');
    expect(res.status).toBe(500);
    expect(s.listSubmissions().filter((x) => x.entityId === 'ent_ber01')).toHaveLength(0);
  });

  it('fails writes after the commit: the data is in, and a resend with the same key replays instead of writing twice', async () => {
    s.setFaults({ error500: 1, afterCommit: 1 });
    const items = [{ op: 'create', ref: 'x', data: submission({ entity_id: 'ent_mad03' }) }];
    const res = await batch(items, 'after-1');
    expect(res.status).toBe(500);
    expect(s.stats().faults.afterCommit).toBe(1);
    expect(s.listSubmissions().filter((x) => x.entityId === 'ent_mad03')).toHaveLength(1);

    s.setFaults({ reset: 1, afterCommit: 1 });
    await expect(batch(items, 'after-1')).rejects.toThrow();

    s.setFaults({});
    const again = await batch(items, 'after-1');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.results[0].status).toBe('created');
    expect(s.listSubmissions().filter((x) => x.entityId === 'ent_mad03')).toHaveLength(1);
  });

  it('answers a refused write as it is: no fault "after the commit" when nothing was committed', async () => {
    s.resetStats();
    s.setFaults({ error500: 1, afterCommit: 1 });
    const items = [{ op: 'create', data: submission({ entity_id: 'ent_lyo01' }) }];
    const res = await call(s.url, 'POST', '/v1/submissions:batch', { token: 'not-a-token', json: { items }, headers: { 'idempotency-key': 'dead-token-1' } });
    expect(res.status).toBe(401);
    const stats = s.stats();
    expect(stats.faults).toMatchObject({ error500: 0, afterCommit: 0 });
    expect(stats.faultedByRoute).toEqual({});
    expect(stats.tokensRejected.unknown).toBe(1);
    s.setFaults({});
  });

  it('stalls after the commit and still answers when the client waits', async () => {
    s.setFaults({ stall: 1, stallMs: 100, afterCommit: 1 });
    const res = await batch([{ op: 'create', data: submission({ entity_id: 'ent_nwl' }) }], 'stall-after');
    expect(res.status).toBe(200);
    expect(res.body.results[0].status).toBe('created');
    expect(s.stats().faults).toMatchObject({ stall: 1, afterCommit: 1 });
  });

  it('can spare the token endpoint', async () => {
    s.setFaults({ error500: 1, faultTokenEndpoint: false });
    expect(await token(s.url)).toMatch(/\S{20,}/);
    s.setFaults({ error500: 1 });
    await expect(token(s.url)).rejects.toThrow(/500/);
  });

  it('closes promptly even with a stalled request open', async () => {
    const other = await startSandbox({ faults: { stall: 1, stallMs: 600_000 } });
    const pending = call(other.url, 'GET', '/v1/metrics').catch((e: unknown) => e);
    await eventually(async () => other.stats().faults.stall === 1, 5000, 10);
    await other.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('runSandboxCommand', () => {
  it('starts the sandbox with faults from the CLI string and prints how to connect', async () => {
    const lines: string[] = [];
    const s = await runSandboxCommand({ faults: 'rate429=1,retryAfter=3', print: (l) => lines.push(l) });
    try {
      expect(lines.join('\n')).toContain(s.url);
      expect(lines.join('\n')).toContain('sandbox-client');
      expect(lines.join('\n')).toContain('sandbox-secret');
      const res = await call(s.url, 'GET', '/v1/metrics');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
    } finally {
      await s.close();
    }
  });

  it('prints JSON when asked and refuses a bad fault spec before starting', async () => {
    const lines: string[] = [];
    const s = await runSandboxCommand({ json: true, print: (l) => lines.push(l) });
    try {
      expect(JSON.parse(lines[0]!)).toMatchObject({ url: s.url, clientId: 'sandbox-client', tokenUrl: `${s.url}/oauth/token` });
    } finally {
      await s.close();
    }
    await expect(runSandboxCommand({ faults: 'nonsense=1', print: () => {} })).rejects.toThrow(FaultSpecError);
  });
});
