/**
 * The pieces behind PACT incremental export: the adapter choosing footprints through a memory
 * instead of their dates, the footprint hash, and the store's per-job memory at 100,000 footprints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPactAdapter, footprintHash, type InvalidFootprint, type PactAdapter } from '../../../main/engine/platforms/pact';
import type { ExportItem } from '../../../main/engine/platforms/types';
import { Store } from '../../../main/engine/store';
import { PACT_CLIENT, pactFootprint as footprint, startPactStandIn, type PactStandIn } from './helpers/pact-standin';
import { recordingSleep } from './helpers/test-server';

let host: PactStandIn;
const adapters: PactAdapter[] = [];
beforeAll(async () => {
  host = await startPactStandIn();
});
afterAll(() => host.close());
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
});

function make(opts: Parameters<typeof createPactAdapter>[1] = {}) {
  const a = createPactAdapter({ id: 'p', kind: 'pact', baseUrl: host.url, authUrl: null, scopes: [], ...PACT_CLIENT }, { http: { sleep: recordingSleep().sleep }, ...opts });
  adapters.push(a);
  return a;
}

async function collect(it: AsyncIterable<ExportItem>) {
  const out: ExportItem[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('PACT exportStream with a memory', () => {
  it('asks the memory about every footprint, whatever its dates, and writes those it takes', async () => {
    host.footprints = [footprint(1), footprint(2, { created: '2019-01-01T00:00:00Z' }), footprint(3, { updated: '2030-01-01T00:00:00Z' })];
    const asked: [string, string][] = [];
    const known = new Map([[footprint(3).id as string, 'old hash']]);
    const memory = { take: (id: string, hash: string) => (asked.push([id, hash]), known.get(id) !== hash && id !== footprint(1).id) };
    const items = await collect(make().exportStream({ dataset: 'footprints', updatedSince: '2024-06-01T00:00:00Z' }, {}, { memory }));
    expect(asked.map(([id]) => id)).toEqual([1, 2, 3].map((i) => footprint(i).id));
    expect(asked[0]![1]).toBe(footprintHash(footprint(1)));
    // The 2019 footprint is before updatedSince, yet new to the memory: written.
    expect(items.map((i) => i.row.id)).toEqual([footprint(2).id, footprint(3).id]);
  });

  it('keys a footprint without a readable id by its hash, and reports invalid ones with their fate', async () => {
    const broken = footprint(2, { version: -1 });
    host.footprints = [footprint(1), broken, 'garbage'];
    const asked: string[] = [];
    const invalid: InvalidFootprint[] = [];
    const items = await collect(make().exportStream({ dataset: 'footprints', updatedSince: null }, {}, { memory: { take: (id) => (asked.push(id), true) }, onInvalid: (i) => invalid.push(i) }));
    expect(items).toHaveLength(3);
    expect(asked[2]).toBe(`sha256:${footprintHash('garbage')}`);
    expect(invalid.map((i) => [i.id, i.exported, i.problems])).toEqual([
      [broken.id, true, [{ field: 'version', problem: 'Too small: expected number to be >=0' }]],
      [null, true, [{ field: null, problem: 'Invalid input: expected object, received string' }]],
    ]);

    // Skipped ones are reported as left out, and never put in the memory (they were not written).
    asked.length = 0;
    invalid.length = 0;
    const skipping = make({ invalidFootprints: 'skip' });
    expect(await collect(skipping.exportStream({ dataset: 'footprints', updatedSince: null }, {}, { memory: { take: (id) => (asked.push(id), true) }, onInvalid: (i) => invalid.push(i) }))).toHaveLength(1);
    expect(asked).toEqual([footprint(1).id]);
    expect(invalid.map((i) => i.exported)).toEqual([false, false]);
  });

  it('hashes content, not the order of its fields', () => {
    const f = footprint(1);
    expect(footprintHash(Object.fromEntries(Object.entries(f).reverse()))).toBe(footprintHash(f));
    expect(footprintHash({ ...f, version: 2 })).not.toBe(footprintHash(f));
    expect(footprintHash({ ...f, updated: '2024-02-01T00:00:00Z' })).not.toBe(footprintHash(f));
  });
});

describe('the store remembers per job what it exported', () => {
  let dir: string;
  let store: Store;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'esg-export-memory-'));
    store = Store.open(dir);
    const at = new Date().toISOString();
    store.connections.insert({ id: 'c', name: 'PACT', kind: 'pact', baseUrl: 'http://127.0.0.1:9', authUrl: null, clientId: 'x', scopes: [], sandbox: false, createdAt: at, lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
    store.jobs.insert({ id: 'j', name: 'J', type: 'export', connectionId: 'c', sourceId: null, mappingId: null, config: {}, paused: false, cursor: null, createdAt: at });
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('compares 100,000 footprints as they stream, and keeps only what a successful run wrote', () => {
    const N = 100_000;
    const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const t0 = Date.now();
    const first = store.exportMemory.session({ jobId: 'j', dataset: 'footprints', runId: 1, refill: true });
    let taken = 0;
    for (let i = 0; i < N; i++) if (first.take(id(i), `h${i}`)) taken++;
    expect(taken).toBe(N);
    // A failed run: nothing is remembered.
    first.discard();
    expect(store.exportMemory.count('j')).toBe(0);
    expect(store.exportMemory.filled('j', 'footprints')).toBe(false);

    const second = store.exportMemory.session({ jobId: 'j', dataset: 'footprints', runId: 2, refill: true });
    for (let i = 0; i < N; i++) second.take(id(i), `h${i}`);
    second.commit(new Date().toISOString());
    expect(store.exportMemory.count('j')).toBe(N);
    expect(store.exportMemory.filled('j', 'footprints')).toBe(true);
    expect(store.exportMemory.filled('j', 'other-dataset')).toBe(false);

    // Incremental: one changed, one new, the rest unchanged.
    const third = store.exportMemory.session({ jobId: 'j', dataset: 'footprints', runId: 3, refill: false });
    const written: string[] = [];
    for (let i = 0; i <= N; i++) if (third.take(id(i), i === 7 ? 'changed' : `h${i}`)) written.push(id(i));
    expect(written).toEqual([id(7), id(N)]);
    expect(third.counts).toEqual({ added: 1, changed: 1, unchanged: N - 1 });
    third.commit(new Date().toISOString());
    expect(store.exportMemory.hashOf('j', id(7))).toBe('changed');
    expect(store.exportMemory.count('j')).toBe(N + 1);
    expect(Date.now() - t0).toBeLessThan(20_000);

    store.jobs.remove('j');
    expect(store.exportMemory.count('j')).toBe(0);
  });
});
