import { describe, expect, it } from 'vitest';
import { parseProfile, renameProfileColumns, type MappingProfileInput } from '../../../shared/mapping';

const base: MappingProfileInput = {
  schemaVersion: 1,
  name: 'Energy',
  sourceId: 's',
  connectionId: 'c',
  shape: { kind: 'wide', valueColumns: [{ column: 'Elec kWh', metricId: 'm1' }, { column: 'Gas m3', metricId: 'm2' }] },
  entity: { kind: 'column', column: 'Site', valueMap: { A: 'e1' } },
  period: { kind: 'range', startColumn: 'From', endColumn: 'To', format: 'YYYY-MM-DD' },
  unit: { kind: 'column', column: 'Unit' },
  comment: { column: 'Note' },
  evidence: { column: 'Invoice' },
  filters: { skipWhen: [{ column: 'Site', matches: { pattern: '^total', flags: 'i' } }] },
  naturalKey: ['metric', 'entity', 'period', { column: 'Meter' }],
};

describe('renameProfileColumns', () => {
  it('follows a renamed column everywhere the profile reads it, and leaves the original untouched', () => {
    const renamed = renameProfileColumns(base, { 'Elec kWh': 'Electricity (kWh)', Site: 'Site code', From: 'Start', To: 'End', Unit: 'UoM', Note: 'Remarks', Invoice: 'Doc', Meter: 'Meter ID' });
    expect(renamed.shape).toEqual({ kind: 'wide', valueColumns: [{ column: 'Electricity (kWh)', metricId: 'm1' }, { column: 'Gas m3', metricId: 'm2' }] });
    expect(renamed.entity).toMatchObject({ column: 'Site code', valueMap: { A: 'e1' } });
    expect(renamed.period).toMatchObject({ startColumn: 'Start', endColumn: 'End' });
    expect(renamed.unit).toEqual({ kind: 'column', column: 'UoM' });
    expect(renamed.comment).toEqual({ column: 'Remarks' });
    expect(renamed.evidence).toEqual({ column: 'Doc' });
    expect(renamed.filters?.skipWhen?.[0]?.column).toBe('Site code');
    expect(renamed.naturalKey).toEqual(['metric', 'entity', 'period', { column: 'Meter ID' }]);
    expect(base.entity).toMatchObject({ column: 'Site' });
    expect(() => parseProfile(renamed)).not.toThrow();
  });

  it('renames long value, metric, date, year and month columns, but never a constant year', () => {
    const long = renameProfileColumns(
      { ...base, shape: { kind: 'long', valueColumn: 'Qty' }, metric: { kind: 'column', column: 'Type' }, period: { kind: 'date', column: 'Date', format: 'YYYY-MM-DD' } },
      { Qty: 'Quantity', Type: 'Metric', Date: 'Day' },
    );
    expect([long.shape, long.metric, long.period]).toMatchObject([{ valueColumn: 'Quantity' }, { column: 'Metric' }, { column: 'Day' }]);
    const ym = renameProfileColumns({ ...base, period: { kind: 'year-month', yearColumn: 'Y', monthColumn: 'M' } }, { Y: 'Year', M: 'Month' });
    expect(ym.period).toMatchObject({ yearColumn: 'Year', monthColumn: 'Month' });
    const constant = renameProfileColumns({ ...base, constants: { 'Reporting year': 2024 }, period: { kind: 'year', yearColumn: 'Reporting year' } }, { 'Reporting year': 'FY' });
    expect(constant.period).toMatchObject({ yearColumn: 'Reporting year' });
  });
});
