import { describe, expect, it } from 'vitest';
import type { SourceRow } from '../../../shared/domain';
import { applyProfile, type MappedRecord } from '../../../shared/mapping/apply';
import { parseProfile } from '../../../shared/mapping/profile';
import { DuplicateKeyTracker, findDuplicateKeys, validateRecord } from '../../../shared/mapping/validate';
import { catalogue } from '../../fixtures/mapping/catalogue';

const now = new Date('2024-06-15T10:00:00Z');

function mapped(partial: Partial<MappedRecord['record']>, line = 14, source: Partial<MappedRecord['source']> = {}): MappedRecord {
  const record = {
    metricId: 'm-elec',
    entityId: 'e-ldn',
    periodStart: '2024-01-01',
    periodEnd: '2024-01-31',
    value: 100,
    unit: 'kWh',
    comment: null,
    evidence: null,
    ...partial,
  };
  return {
    record,
    naturalKey: `metric=${record.metricId}|entity=${record.entityId}|period=${record.periodStart}..${record.periodEnd}`,
    line,
    source: {
      valueColumn: 'Electricity (kWh)',
      rawValue: String(record.value),
      metricColumn: null,
      entityColumn: 'Site',
      rawEntity: 'LDN-1',
      periodColumns: ['Month'],
      unitColumn: null,
      sourceUnit: 'kWh',
      ...source,
    },
  };
}

describe('validateRecord', () => {
  it('accepts a good record', () => {
    expect(validateRecord(mapped({}), catalogue, { now })).toEqual([]);
  });

  it('rejects a metric missing from the library', () => {
    const [e] = validateRecord(mapped({ metricId: 'm-gone' }), catalogue, { now });
    expect(e).toMatchObject({ line: 14, column: 'Electricity (kWh)' });
    expect(e?.reason).toBe(
      "Line 14, column 'Electricity (kWh)': metric 'm-gone' is not in the platform's metric library (it may have been removed). Choose another metric in the mapping's “Columns” step.",
    );
  });

  it('rejects a metric this service account may not write', () => {
    const [e] = validateRecord(mapped({ metricId: 'm-csrd-locked', unit: 'tCO2e' }), catalogue, { now });
    expect(e?.reason).toMatch(/this service account may not submit values for 'CSRD E1-6 gross emissions'/);
  });

  it('rejects an entity that is not on the platform, naming the local code', () => {
    const [e] = validateRecord(mapped({ entityId: 'e-old' }), catalogue, { now, entityLabel: 'facility' });
    expect(e).toMatchObject({ line: 14, column: 'Site', value: 'LDN-1' });
    expect(e?.reason).toMatch(/'LDN-1' is mapped to platform entity 'e-old', which no longer exists/);
  });

  it('holds future and unfinished periods, with today in the message', () => {
    const [future] = validateRecord(mapped({ periodStart: '2024-07-01', periodEnd: '2024-07-31' }), catalogue, { now });
    expect(future?.reason).toBe(
      "Line 14, column 'Month': the period 2024-07-01 to 2024-07-31 has not ended yet (today is 2024-06-15), so this value is held: the agent sends it on its own once the period is over. If the date is wrong, check it and its format in the mapping's “Sites & periods” step.",
    );
    expect(future?.held).toBe(true);
    expect(validateRecord(mapped({ periodStart: '2024-06-01', periodEnd: '2024-06-30' }), catalogue, { now })).toHaveLength(1);
    expect(validateRecord(mapped({ periodStart: '2024-06-01', periodEnd: '2024-06-30' }), catalogue, { now, allowOpenPeriods: true })).toEqual([]);
    expect(validateRecord(mapped({ periodStart: '2024-05-01', periodEnd: '2024-05-31' }), catalogue, { now })).toEqual([]);
  });

  it('rejects, not holds, a period starting more than a year ahead: a mistyped year is not an early report', () => {
    const [typo] = validateRecord(mapped({ periodStart: '2099-01-01', periodEnd: '2099-01-31' }), catalogue, { now });
    expect(typo?.held).toBeUndefined();
    expect(typo?.reason).toContain('the period 2099-01-01 to 2099-01-31 starts more than a year from now (today is 2024-06-15), which looks like a mistyped date');
    // Next year's period, within a year of today, is early: held.
    expect(validateRecord(mapped({ periodStart: '2025-01-01', periodEnd: '2025-12-31' }), catalogue, { now })[0]?.held).toBe(true);
  });

  it('rejects invalid periods', () => {
    const [e] = validateRecord(mapped({ periodStart: '2024-02-10', periodEnd: '2024-02-01' }), catalogue, { now });
    expect(e?.reason).toMatch(/not a valid date range/);
    expect(validateRecord(mapped({ periodStart: '2023-02-29', periodEnd: '2023-03-01' }), catalogue, { now })[0]?.reason).toMatch(/not a valid date range/);
  });

  it('checks value types: numbers, integers, booleans', () => {
    expect(validateRecord(mapped({ value: 'lots' }, 3, { rawValue: 'lots' }), catalogue, { now })[0]?.reason).toMatch(
      /Line 3, column 'Electricity \(kWh\)': 'lots' is not a number, but 'Electricity consumption' needs one/,
    );
    const headcount = mapped({ metricId: 'm-headcount', value: 12.5, unit: 'people' }, 8, { valueColumn: 'Headcount', rawValue: '12,5' });
    expect(validateRecord(headcount, catalogue, { now })[0]?.reason).toBe("Line 8, column 'Headcount': '12,5' is not a whole number, but 'Headcount' counts whole units.");
  });

  it('rejects a record whose unit is not the metric unit', () => {
    const [e] = validateRecord(mapped({ unit: 'kg' }, 4, { unitColumn: 'Unit', sourceUnit: 'kg' }), catalogue, { now });
    expect(e).toMatchObject({ line: 4, column: 'Unit', value: 'kg' });
    expect(e?.reason).toMatch(/values in kg cannot be converted to kWh, the unit of 'Electricity consumption'/);
    // an equivalent spelling is fine
    expect(validateRecord(mapped({ unit: 'KWH' }), catalogue, { now })).toEqual([]);
  });
});

describe('duplicate natural keys', () => {
  it('reports both lines of a duplicate, and each later repeat once', () => {
    const { errors, keys } = findDuplicateKeys([
      { naturalKey: 'k1', line: 14 },
      { naturalKey: 'k2', line: 15 },
      { naturalKey: 'k1', line: 20 },
      { naturalKey: 'k1', line: 31 },
    ]);
    expect([...keys]).toEqual(['k1']);
    expect(errors.map((e) => [e.line, e.reason])).toEqual([
      [14, expect.stringContaining('same metric, site and period as line 20')],
      [20, expect.stringContaining('same metric, site and period as line 14')],
      [31, expect.stringContaining('same metric, site and period as line 14')],
    ]);
  });

  it('finds duplicates across a mapped file (two rows for the same site and month)', () => {
    const profile = parseProfile({
      schemaVersion: 1,
      name: 'dup',
      sourceId: 's',
      connectionId: 'c',
      shape: { kind: 'long', valueColumn: 'kWh' },
      metric: { kind: 'fixed', metricId: 'm-elec' },
      entity: { kind: 'column', column: 'Site' },
      period: { kind: 'date', column: 'Month', format: 'YYYY-MM' },
    });
    const src: SourceRow[] = [
      { line: 2, cells: { Site: 'LDN-1', Month: '2024-01', kWh: 5 } },
      { line: 3, cells: { Site: 'MAN-2', Month: '2024-01', kWh: 6 } },
      { line: 4, cells: { Site: 'London Office', Month: '2024-01', kWh: 7 } },
    ];
    const records = src.flatMap((r) => applyProfile(profile, r, catalogue).records);
    const tracker = new DuplicateKeyTracker();
    const errors = records.flatMap((r) => tracker.add(r));
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [2, 'kWh'],
      [4, 'kWh'],
    ]);
    expect(tracker.isDuplicate(records[0]!.naturalKey)).toBe(true);
    expect(tracker.isDuplicate(records[1]!.naturalKey)).toBe(false);
  });

  it('names the other column when two columns of one line collide', () => {
    const { errors } = findDuplicateKeys([
      { naturalKey: 'k', line: 9, column: 'Jan' },
      { naturalKey: 'k', line: 9, column: 'January' },
    ]);
    expect(errors[0]?.reason).toMatch(/^Line 9, column 'Jan': .*column 'January' on line 9/);
    expect(errors[1]?.reason).toMatch(/^Line 9, column 'January': .*column 'Jan' on line 9/);
  });
});

describe('validateRecord answers each row alone, whatever came before it', () => {
  it('period and "today" checks give the same result in any order of rows and clocks', async () => {
    const fc = await import('fast-check');
    const periods = fc.constantFrom(['2024-01-01', '2024-01-31'], ['2024-02-01', '2024-02-30'], ['2024-05-01', '2024-06-30'], ['2024-03-01', '2024-02-01'], ['2024-06-14', '2024-06-14']);
    const clocks = fc.constantFrom('2024-06-15T10:00:00Z', '2024-07-01T00:00:00Z', '2024-06-14T23:59:59Z');
    fc.assert(
      fc.property(fc.array(fc.tuple(periods, clocks), { minLength: 1, maxLength: 10 }), (steps) => {
        for (const [[periodStart, periodEnd], clock] of steps) {
          const check = () => validateRecord(mapped({ periodStart, periodEnd }), catalogue, { now: new Date(clock) }).map((e) => e.reason);
          const afterOthers = check();
          // The same row again right after an unrelated one must read the same.
          validateRecord(mapped({ periodStart: '2023-01-01', periodEnd: '2023-01-31' }), catalogue, { now: new Date('2030-01-01T00:00:00Z') });
          expect(check()).toEqual(afterOthers);
          expect(afterOthers.some((r) => /not a valid period|is not a valid/i.test(r))).toBe(periodEnd === '2024-02-30' || periodStart > periodEnd);
          expect(afterOthers.some((r) => /has not ended|not over|future|ends on/i.test(r))).toBe(periodEnd >= clock.slice(0, 10) && !(periodEnd === '2024-02-30' || periodStart > periodEnd));
        }
      }),
      { numRuns: 200 },
    );
  });
});
