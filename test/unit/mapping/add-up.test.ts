import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PlatformRecord } from '../../../shared/domain';
import { addUp, sumExact } from '../../../shared/mapping/add-up';
import { catalogue } from '../../fixtures/mapping/catalogue';

const part = (value: PlatformRecord['value'], extra: Partial<PlatformRecord> = {}): PlatformRecord => ({
  metricId: 'm-diesel',
  entityId: 'e-ldn',
  periodStart: '2024-03-01',
  periodEnd: '2024-03-31',
  value,
  unit: 'L',
  comment: null,
  evidence: null,
  ...extra,
});

describe('sumExact', () => {
  it('adds decimals as written, without binary noise', () => {
    expect(sumExact([0.1, 0.2])).toBe(0.3);
    expect(sumExact([41.07, 38.9, 12.03])).toBe(92);
    expect(sumExact([1e-7, 2e-7])).toBe(3e-7);
    expect(sumExact([-12.5, 40])).toBe(27.5);
  });

  it('gives the same total in any order (so a re-read file is unchanged by ledger hash)', () => {
    const cents = fc.integer({ min: -10_000_000, max: 10_000_000 }).map((n) => n / 100);
    fc.assert(
      fc.property(fc.array(cents, { minLength: 1, maxLength: 30 }), (values) => {
        const total = sumExact(values);
        expect(sumExact([...values].reverse())).toBe(total);
        expect(Math.round(total * 100)).toBe(values.reduce((a, v) => a + Math.round(v * 100), 0));
      }),
    );
  });
});

describe('addUp', () => {
  it('adds fill-ups of one metric, site and period, keeping their distinct comments', () => {
    const r = addUp([part(41.07, { comment: 'Card 1234' }), part(38.9, { comment: 'Card 1234' }), part(12.03, { comment: 'Card 9876' })], catalogue);
    expect(r).toEqual({ ok: true, record: part(92, { comment: 'Card 1234; Card 9876' }) });
  });

  it('refuses what cannot be added: a percentage, text, different units', () => {
    const share = addUp([part(40, { metricId: 'm-renewable-share', unit: '%' }), part(50, { metricId: 'm-renewable-share', unit: '%' })], catalogue);
    expect(share).toEqual({ ok: false, reason: "'Renewable electricity share' is a percentage, which cannot be added up." });
    expect(addUp([part(1), part('lots')], catalogue)).toEqual({ ok: false, reason: "'Diesel consumption' has a value that is not a number ('lots'), so the rows cannot be added up." });
    expect(addUp([part(1), part(2, { unit: 'm3' })], catalogue)).toEqual({ ok: false, reason: 'the rows are in different units (L and m3), so they cannot be added up.' });
  });
});
