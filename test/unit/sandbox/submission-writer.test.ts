/**
 * The sandbox's batch writer against the code it replaced (reference/submissions-before.ts, the
 * writer as it was before the hand check and positional statements): the same results per item
 * and the same stored rows, on generated sequences of creates, updates and deletes that are
 * valid, nearly valid and wrong. Plus the hand item check against zod, and the clock's cached text.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClock, openSandboxDb, type SandboxDb } from '../../../main/sandbox/db';
import { BatchItem, SubmissionWriter, checkBatchItem, isDate } from '../../../main/sandbox/submissions';
import { SubmissionWriter as BeforeWriter, isDate as isDateBefore } from './reference/submissions-before';

const METRICS = ['met_elec_cons', 'met_headcount', 'met_renew_share', 'met_env_policy', 'met_csrd_e1_6_gross_s1', 'met_nope'];
const UNITS = ['kWh', 'employees', '%', 'yes/no', 'tCO2e', 'MWh'];
const ENTITIES = ['ent_lon01', 'ent_man02', 'ent_nope', ''];
const DATES = ['2024-01-01', '2024-01-31', '2024-02-29', '2023-02-29', '2024-1-01', '', '2024-13-01'];

const anyValue = fc.oneof(
  fc.double({ min: -10, max: 200 }),
  fc.integer({ min: -5, max: 150 }),
  fc.constantFrom(0, -0, 1.5, 100, 100.5, NaN, Infinity, true, false, 'text', '', null),
  fc.constant(undefined),
  fc.constant([1]),
  fc.constant({ v: 1 }),
);
const note = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(undefined, null, 'estimated', '') },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(2000), 'x'.repeat(2001), 3, false, ['a']) },
);

const randomData = fc
  .record({
    metric_id: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...METRICS) }, { weight: 1, arbitrary: fc.constantFrom('', 7, null, undefined) }),
    entity_id: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...ENTITIES) }, { weight: 1, arbitrary: fc.constantFrom(7, null, undefined) }),
    period_start: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...DATES) }, { weight: 1, arbitrary: fc.constantFrom(20240101, null, undefined) }),
    period_end: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...DATES) }, { weight: 1, arbitrary: fc.constantFrom(20240101, null, undefined) }),
    value: anyValue,
    unit: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...UNITS) }, { weight: 1, arbitrary: fc.constantFrom(1, null, undefined) }),
    comment: note,
    evidence: note,
    extra: fc.constantFrom(undefined, undefined, 'ignored'),
  })
  .map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined)));

/** Writable metrics with their unit and a few right values: few keys, so creates collide and updates repeat. */
const WRITABLE: [string, string, unknown[]][] = [
  ['met_elec_cons', 'kWh', [1, 2.5]],
  ['met_headcount', 'employees', [1, 2]],
  ['met_renew_share', '%', [50, 100]],
  ['met_env_policy', 'yes/no', [true, false]],
];
const goodData = fc
  .record({
    metric: fc.nat({ max: WRITABLE.length - 1 }),
    pick: fc.nat({ max: 1 }),
    entity_id: fc.constantFrom('ent_lon01', 'ent_man02'),
    period_start: fc.constantFrom('2024-01-01', '2024-02-01'),
    end: fc.boolean(),
    comment: fc.constantFrom(undefined, null, 'estimated'),
    evidence: fc.constantFrom(undefined, null, 'e.pdf'),
  })
  .map(({ metric, pick, entity_id, period_start, end, comment, evidence }) => {
    const [metric_id, unit, values] = WRITABLE[metric]!;
    const d: Record<string, unknown> = { metric_id, entity_id, period_start, period_end: end ? '2024-02-29' : period_start, value: values[pick], unit };
    if (comment !== undefined) d.comment = comment;
    if (evidence !== undefined) d.evidence = evidence;
    return d;
  });
const FIELDS = ['metric_id', 'entity_id', 'period_start', 'period_end', 'value', 'unit', 'comment', 'evidence', 'extra'];
const data = fc.oneof(
  { weight: 6, arbitrary: goodData },
  { weight: 2, arbitrary: fc.tuple(goodData, fc.constantFrom(...FIELDS), anyValue).map(([d, k, v]) => ({ ...d, [k]: v })) },
  { weight: 1, arbitrary: randomData },
);

/** An id: one an earlier create in the run made (by position), or a made-up one. */
const idRef = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 30 }).map((n) => ({ created: n })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('sub_missing', '', 5, null, undefined) },
);
const ref = fc.constantFrom<unknown>(undefined, 'k1', 'k2', '', 'r'.repeat(500), 'r'.repeat(501), 9, null);

type Template = { op: unknown; ref: unknown; id?: unknown; data?: unknown } | unknown;
const template: fc.Arbitrary<Template> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('create'), ref, data }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('update'), ref, id: idRef, data }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete'), ref, id: idRef }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('upsert', undefined, 3), ref, id: idRef, data }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 'create', 3, [], [{ op: 'create' }]) },
);
const run = fc.array(fc.array(template, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 });

/** Fills in ids of earlier creates; `created` lists the ids a writer handed out so far. */
function materialise(t: Template, created: string[]): unknown {
  if (t === null || typeof t !== 'object' || Array.isArray(t)) return t;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) {
    if (v === undefined) continue;
    if (k === 'id' && v !== null && typeof v === 'object' && 'created' in v) {
      const n = (v as { created: number }).created;
      out.id = created.length > 0 ? created[n % created.length] : 'sub_none_yet';
    } else out[k] = v;
  }
  return out;
}

interface Side {
  db: SandboxDb;
  apply(items: unknown[], ctx: { clientId: string; now: () => string }): { results: { status: string; id: string | null }[] };
  created: string[];
}

function side(make: (db: SandboxDb) => Side['apply']): Side {
  const db = openSandboxDb(':memory:');
  return { db, apply: make(db), created: [] };
}

const stored = (db: SandboxDb) => db.prepare('SELECT * FROM submissions ORDER BY seq').all();

describe('SubmissionWriter', () => {
  it('gives the same results and stores the same rows as the writer it replaced', () => {
    const statuses = new Map<string, number>();
    fc.assert(
      fc.property(run, (batches) => {
        // Both writers get the same id prefix, so their ids (and reasons naming ids) compare equal.
        const mk = (W: typeof SubmissionWriter | typeof BeforeWriter) => (db: SandboxDb) => {
          const w = new W(db);
          Object.assign(w, { idPrefix: 'TEST' });
          return (items: unknown[], ctx: { clientId: string; now: () => string }) => db.transaction(() => w.apply(items, ctx))();
        };
        const now = side(mk(SubmissionWriter));
        const before = side(mk(BeforeWriter));
        let tick = 0;
        const clock = () => new Date(Date.UTC(2025, 0, 1) + tick++).toISOString();
        for (const templates of batches) {
          const itemsNow = templates.map((t) => materialise(t, now.created));
          const itemsBefore = templates.map((t) => materialise(t, before.created));
          const t0 = tick;
          const a = now.apply(itemsNow, { clientId: 'c1', now: clock });
          const t1 = tick;
          tick = t0;
          const b = before.apply(itemsBefore, { clientId: 'c1', now: clock });
          // The same number of clock reads, in the same places: stored timestamps compare below.
          expect(tick).toBe(t1);
          expect(a).toEqual(b);
          for (const r of a.results) {
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            if (r.status === 'created' && r.id) now.created.push(r.id);
          }
          for (const r of b.results) if (r.status === 'created' && r.id) before.created.push(r.id);
        }
        expect(stored(now.db)).toEqual(stored(before.db));
        now.db.close();
        before.db.close();
      }),
      { numRuns: 600 },
    );
    // Every kind of outcome was exercised, not just rejections.
    for (const s of ['created', 'updated', 'deleted', 'unchanged', 'rejected']) expect(statuses.get(s) ?? 0).toBeGreaterThan(20);
  });

  it('stores every column of a create, update and delete where the contract puts it', () => {
    const db = openSandboxDb(':memory:');
    const w = new SubmissionWriter(db);
    const times = ['2025-01-01T00:00:00.001Z', '2025-01-01T00:00:00.002Z', '2025-01-01T00:00:00.003Z'];
    const data = { metric_id: 'met_elec_cons', entity_id: 'ent_lon01', period_start: '2024-01-01', period_end: '2024-01-31', value: 12.5, unit: 'kWh', comment: 'c', evidence: 'e.pdf' };
    const [c] = w.apply([{ op: 'create', ref: 'a', data }], { clientId: 'creator', now: () => times[0]! }).results;
    const row = () => db.prepare('SELECT * FROM submissions WHERE id = ?').get(c!.id) as Record<string, unknown>;
    expect(row()).toMatchObject({
      metric_id: 'met_elec_cons', entity_id: 'ent_lon01', period_start: '2024-01-01', period_end: '2024-01-31', value_json: '12.5', value_num: 12.5,
      unit: 'kWh', comment: 'c', evidence: 'e.pdf', version: 1, created_at: times[0], created_by: 'creator', updated_at: times[0], updated_by: 'creator', deleted_at: null,
    });
    w.apply([{ op: 'update', id: c!.id, data: { ...data, entity_id: 'ent_man02', period_start: '2024-01-02', period_end: '2024-01-30', value: 3, comment: null, evidence: undefined } }], {
      clientId: 'editor',
      now: () => times[1]!,
    });
    expect(row()).toMatchObject({
      entity_id: 'ent_man02', period_start: '2024-01-02', period_end: '2024-01-30', value_json: '3', value_num: 3, comment: null, evidence: null,
      version: 2, created_at: times[0], created_by: 'creator', updated_at: times[1], updated_by: 'editor', deleted_at: null,
    });
    w.apply([{ op: 'delete', id: c!.id }], { clientId: 'remover', now: () => times[2]! });
    expect(row()).toMatchObject({ version: 3, updated_at: times[2], updated_by: 'remover', deleted_at: times[2], created_by: 'creator' });
    db.close();
  });
});

describe('checkBatchItem', () => {
  it('accepts only items zod accepts, with the same values in every field the writer reads', () => {
    let accepted = 0;
    fc.assert(
      fc.property(template, (t) => {
        const raw = materialise(t, ['sub_1']);
        const z = BatchItem.safeParse(structuredClone(raw));
        const mine = checkBatchItem(structuredClone(raw));
        if (mine === undefined) return;
        accepted++;
        expect(z.success).toBe(true);
        const read = (i: BatchItem) => ({
          op: i.op,
          ref: i.ref,
          id: 'id' in i ? i.id : undefined,
          data: 'data' in i ? [i.data.metric_id, i.data.entity_id, i.data.period_start, i.data.period_end, i.data.value, i.data.unit, i.data.comment, i.data.evidence] : undefined,
        });
        expect(read(mine)).toEqual(read(z.data!));
      }),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(1000);
  });

  it('takes the items an agent sends without zod', () => {
    const create = { op: 'create', ref: 'k', data: { metric_id: 'm', entity_id: 'e', period_start: '2024-01-01', period_end: '2024-01-01', value: 1, unit: 'kWh', comment: null, evidence: null } };
    expect(checkBatchItem(create)).toBe(create);
    expect(checkBatchItem({ ...create, op: 'update', id: 'sub_1' })).toBeDefined();
    expect(checkBatchItem({ op: 'delete', ref: 'k', id: 'sub_1' })).toBeDefined();
    expect(checkBatchItem({ ...create, data: { ...create.data, value: Infinity } })).toBeUndefined();
  });
});

describe('isDate', () => {
  it('agrees with the regex check it replaced', () => {
    const chars = fc.constantFrom(...'0123456789-/ Ta٣'.split(''));
    const dateLike = fc
      .record({ y: fc.integer({ min: 0, max: 9999 }), m: fc.integer({ min: 0, max: 13 }), d: fc.integer({ min: 0, max: 32 }) })
      .map(({ y, m, d }) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    const edited = fc.tuple(dateLike, fc.nat({ max: 9 }), chars).map(([s, at, c]) => s.slice(0, at) + c + s.slice(at + 1));
    let valid = 0;
    fc.assert(
      fc.property(fc.oneof(dateLike, edited, fc.string({ maxLength: 11 }), fc.stringMatching(/^[0-9-]{8,11}$/)), (s) => {
        expect(isDate(s)).toBe(isDateBefore(s));
        if (isDate(s)) valid++;
      }),
      { numRuns: 20000 },
    );
    expect(valid).toBeGreaterThan(2000);
    for (const s of ['2024-02-29', '2000-02-29', '1900-02-28', '0000-01-01']) expect(isDate(s)).toBe(true);
    for (const s of ['2023-02-29', '1900-02-29', '2024-04-31', '2024-00-10', '2024-01-00', '+024-01-01', '2024-1-011']) expect(isDate(s)).toBe(false);
  });
});

describe('sandbox clock', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives the same text a fresh Date would, never going back, after fences too', () => {
    const db = openSandboxDb(':memory:');
    const clock = createClock(db);
    const walls = [1000, 1000, 1000, 999, 1001, 1001, 1001, 5000, 4000, 4000];
    const fenceBefore = new Set([2, 6, 9]);
    let i = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => walls[i]!);
    const seen: string[] = [];
    let last = 0;
    let floor = 1;
    for (; i < walls.length; i++) {
      if (fenceBefore.has(i)) {
        clock.fence();
        floor = last + 1;
      }
      last = Math.max(walls[i]!, floor);
      floor = last;
      const text = clock.now();
      expect(text).toBe(new Date(last).toISOString());
      seen.push(text);
    }
    expect([...seen].sort()).toEqual(seen);
    db.close();
  });
});
