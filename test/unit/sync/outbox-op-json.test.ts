import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlatformRecord, SubmissionOp } from '../../../shared/domain';
import { canonicalRecord } from '../../../shared/mapping';
import { outboxOpJson, type OutboxOp } from '../../../main/engine/sync/outbox-sender';

const text = fc.string({ unit: 'binary', maxLength: 20 });
const record = fc.record({
  metricId: text,
  entityId: text,
  periodStart: text,
  periodEnd: text,
  value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), text, fc.boolean()),
  unit: text,
  comment: fc.option(text, { nil: null }),
  evidence: fc.option(text, { nil: null }),
}) as fc.Arbitrary<PlatformRecord>;

describe('outboxOpJson', () => {
  it('writes what JSON.stringify writes for the op whose record was read from the staged JSON', () => {
    fc.assert(
      fc.property(record, text, text, fc.constantFrom('create', 'update', 'delete'), fc.option(fc.nat(), { nil: null }), fc.option(fc.option(text, { nil: null }), { nil: undefined }), (r, key, remoteId, kind, line, column) => {
        const recordJson = canonicalRecord(r);
        const staged = JSON.parse(recordJson) as PlatformRecord; // what the ledger diff hands on
        const op: SubmissionOp = kind === 'create' ? { op: 'create', key, record: staged } : kind === 'update' ? { op: 'update', key, remoteId, record: staged } : { op: 'delete', key, remoteId };
        const o: OutboxOp = { op, hash: kind === 'delete' ? null : 'h'.repeat(64), line, ...(column === undefined ? {} : { column }) };
        const json = outboxOpJson(o, kind === 'delete' ? null : recordJson);
        expect(json).toBe(JSON.stringify(o));
      }),
      { numRuns: 500 },
    );
  });
});
