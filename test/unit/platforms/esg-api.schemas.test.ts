/**
 * The hand-checked submissions page (checkedPageOf + checkSubmission) against the plain zod page
 * schema it stands in for: the same verdict, the same output (field order included) and, for a
 * bad page, the same issues, on generated pages that are valid, nearly valid and wrong.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summariseIssues } from '../../../main/engine/platforms/http/client';
import { BatchResponseSchema, SubmissionSchema, checkBatchResponse, checkSubmission, checkedBy, checkedPageOf, pageOf } from '../../../main/engine/platforms/esg-api/schemas';

const zodPage = pageOf(SubmissionSchema);
const fastPage = checkedPageOf(SubmissionSchema, checkSubmission);

const valid = {
  id: 'sub_1',
  metric_id: 'met_elec_cons',
  metric_code: 'ELEC_CONS',
  entity_id: 'ent_lon01',
  entity_external_ref: 'LON-01',
  period_start: '2024-01-01',
  period_end: '2024-01-31',
  unit: 'kWh',
  comment: null,
  evidence: 'bill.pdf',
  version: 2,
  created_at: '2024-02-01T00:00:00.000Z',
  created_by: 'c1',
  updated_at: '2024-02-02T00:00:00.000Z',
  updated_by: 'c2',
  deleted_at: null,
  value: 12.5,
};
const FIELDS = Object.keys(valid);

/** Values a field may be replaced by: right and wrong types, edge numbers, absent. */
const anyValue = fc.oneof(
  fc.string(),
  fc.constantFrom('', '=1+1', '-3'),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1.5, -0, NaN, Infinity),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);

const item = fc
  .record({
    // Mostly zero or one edit and no dropped field, so a good share of pages stays valid.
    edits: fc.oneof(
      { weight: 4, arbitrary: fc.constant([] as [string, unknown][]) },
      { weight: 3, arbitrary: fc.array(fc.tuple(fc.constantFrom(...FIELDS, 'extra', 'other'), anyValue), { minLength: 1, maxLength: 2 }) },
    ),
    drop: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...FIELDS) }),
    shuffle: fc.boolean(),
    wrapper: fc.constantFrom('object', 'object', 'object', 'object', 'null', 'array', 'string'),
  })
  .map(({ edits, drop, shuffle, wrapper }): unknown => {
    if (wrapper === 'null') return null;
    if (wrapper === 'array') return [valid];
    if (wrapper === 'string') return 'row';
    let entries: [string, unknown][] = Object.entries({ ...valid });
    for (const [k, v] of edits) {
      const at = entries.findIndex(([key]) => key === k);
      if (at === -1) entries.push([k, v]);
      else entries[at] = [k, v];
    }
    entries = entries.filter(([k, v]) => k !== drop && v !== undefined);
    if (shuffle) entries.reverse();
    return Object.fromEntries(entries);
  });

const page = fc.oneof(
  { weight: 5, arbitrary: fc.record({ data: fc.array(item, { maxLength: 2 }), next_cursor: fc.constantFrom(null, 'c1', 'c2', '', undefined, 3) }) },
  { weight: 1, arbitrary: fc.constantFrom(null, [], 'page', { data: null, next_cursor: null }, { next_cursor: null }) },
);

function verdict(schema: typeof zodPage | typeof fastPage, input: unknown) {
  // Parsing must not depend on the input being left alone by an earlier parse.
  const r = schema.safeParse(structuredClone(input));
  return r.success ? { ok: JSON.stringify(r.data), order: r.data.data.map((d) => Object.keys(d)) } : { error: summariseIssues(r.error.issues), order: undefined };
}

describe('checked submissions page', () => {
  it('agrees with the zod page schema on every generated page', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(page, (p) => {
        const expected = verdict(zodPage, p);
        expect(verdict(fastPage, p)).toEqual(expected);
        if (expected.order !== undefined && expected.order.length > 0) accepted++;
        else rejected++;
      }),
      { numRuns: 4000 },
    );
    // Both sides of the comparison were exercised, not just one.
    expect(accepted).toBeGreaterThan(150);
    expect(rejected).toBeGreaterThan(300);
  });

  it('checkSubmission accepts exactly the items zod accepts, with the same output', () => {
    let accepted = 0;
    fc.assert(
      fc.property(item, (i) => {
        const z = SubmissionSchema.safeParse(structuredClone(i));
        const mine = checkSubmission(structuredClone(i));
        if (mine !== undefined) {
          expect(z.success && JSON.stringify(z.data)).toBe(JSON.stringify(mine));
          accepted++;
        }
        // Refusing a valid item would only cost speed, but nothing valid is expected to be refused here.
        else expect(z.success).toBe(false);
      }),
      { numRuns: 4000 },
    );
    expect(accepted).toBeGreaterThan(1000);
  });

  it('takes a valid page without zod and rejects a bad one with zod’s issues', () => {
    const good = { data: [valid, { ...valid, id: 'sub_2', value: 'text', comment: undefined, extra: 1 }], next_cursor: 'abc' };
    const out = fastPage.parse(good);
    expect(out.data[1]).toEqual({ ...valid, id: 'sub_2', value: 'text', comment: null });
    expect(Object.keys(out.data[1]!)).toEqual(Object.keys(SubmissionSchema.shape));
    expect(out.data[0]).not.toBe(valid);
    const bad = { data: [valid, { ...valid, version: 1.5 }], next_cursor: '' };
    const r = fastPage.safeParse(bad);
    expect(r.success).toBe(false);
    expect(summariseIssues(r.error!.issues)).toMatch(/^data\.1\.version: .*; next_cursor: /);
  });
});

const validResult = { index: 0, ref: 'k0', status: 'created', id: 'sub_1', version: 1, reason: null };
const RESULT_FIELDS = Object.keys(validResult);
const resultEdit = fc.oneof(
  anyValue,
  fc.constantFrom('created', 'updated', 'deleted', 'unchanged', 'rejected', 'CREATED', 'upserted'),
  fc.constantFrom(-1, 2 ** 53, 3),
);
const batchResult = fc
  .record({
    edits: fc.oneof(
      { weight: 4, arbitrary: fc.constant([] as [string, unknown][]) },
      { weight: 3, arbitrary: fc.array(fc.tuple(fc.constantFrom(...RESULT_FIELDS, 'extra'), resultEdit), { minLength: 1, maxLength: 2 }) },
    ),
    drop: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...RESULT_FIELDS) }),
    shuffle: fc.boolean(),
    wrapper: fc.constantFrom('object', 'object', 'object', 'object', 'object', 'null', 'array'),
  })
  .map(({ edits, drop, shuffle, wrapper }): unknown => {
    if (wrapper === 'null') return null;
    if (wrapper === 'array') return [validResult];
    let entries: [string, unknown][] = Object.entries({ ...validResult });
    for (const [k, v] of edits) {
      const at = entries.findIndex(([key]) => key === k);
      if (at === -1) entries.push([k, v]);
      else entries[at] = [k, v];
    }
    entries = entries.filter(([k, v]) => k !== drop && v !== undefined);
    if (shuffle) entries.reverse();
    return Object.fromEntries(entries);
  });
const validSummary = { created: 1, updated: 0, deleted: 0, unchanged: 0, rejected: 0 };
const summary = fc.oneof(
  { weight: 4, arbitrary: fc.constant(validSummary) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...Object.keys(validSummary), 'extra'), anyValue).map(([k, v]) => ({ ...validSummary, [k]: v })) },
  { weight: 1, arbitrary: fc.constantFrom(null, [], 'all good') },
);
const batchResponse = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({ results: fc.array(batchResult, { maxLength: 3 }), summary, extra: fc.constantFrom(undefined, 1) })
      .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))),
  },
  { weight: 1, arbitrary: fc.constantFrom(null, [], 'ok', { results: null }, { summary: validSummary }) },
);

describe('checked batch response', () => {
  const checked = checkedBy(BatchResponseSchema, checkBatchResponse);
  const verdict = (schema: typeof BatchResponseSchema | typeof checked, input: unknown) => {
    const r = schema.safeParse(structuredClone(input));
    if (!r.success) return { error: summariseIssues(r.error.issues) };
    const data = r.data as { results: object[]; summary?: object };
    // Key order and key presence (summary absent, not undefined) count, not only the values.
    return { ok: JSON.stringify(data), keys: [Object.keys(data), ...data.results.map((x) => Object.keys(x)), data.summary ? Object.keys(data.summary) : []] };
  };

  it('agrees with BatchResponseSchema on every generated answer', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(batchResponse, (b) => {
        const expected = verdict(BatchResponseSchema, b);
        expect(verdict(checked, b)).toEqual(expected);
        if ('ok' in expected) accepted++;
        else rejected++;
      }),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(500);
    expect(rejected).toBeGreaterThan(500);
  });

  it('checkBatchResponse accepts only answers zod accepts, with the same output', () => {
    let accepted = 0;
    fc.assert(
      fc.property(batchResponse, (b) => {
        const mine = checkBatchResponse(structuredClone(b));
        if (mine === undefined) return;
        accepted++;
        const z = BatchResponseSchema.safeParse(structuredClone(b));
        expect(z.success).toBe(true);
        expect(mine).toStrictEqual(z.data);
        expect(JSON.stringify(mine)).toBe(JSON.stringify(z.data));
      }),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(500);
  });

  it('takes the sandbox’s answer without zod', () => {
    const answer = { results: [validResult, { ...validResult, index: 1, status: 'rejected', id: undefined, version: null, reason: 'bad' }], summary: validSummary };
    expect(checkBatchResponse(answer)).toEqual({ results: [validResult, { ...validResult, index: 1, status: 'rejected', id: null, version: null, reason: 'bad' }], summary: validSummary });
    expect(checkBatchResponse({ results: [{ ...validResult, index: 1.5 }] })).toBeUndefined();
  });
});
