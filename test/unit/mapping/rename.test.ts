import { describe, expect, it } from 'vitest';
import { parseProfile, renameProfileColumns, type MappingProfileInput } from '../../../shared/mapping';
import { renamedUnit, renamedValueUnit } from '../../../shared/mapping/rename';

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

describe('a renamed value column whose name gives another unit', () => {
  const wide: MappingProfileInput = { ...base, unit: { kind: 'metric' }, shape: { kind: 'wide', valueColumns: [{ column: 'Electricity kWh', metricId: 'm1', unit: 'kWh' }, { column: 'Gas kWh', metricId: 'm2' }] } };

  it('is read in the new unit: kWh → MWh would otherwise send values 1,000 times too small', () => {
    const renamed = renameProfileColumns(wide, { 'Electricity kWh': 'Electricity MWh', 'Gas kWh': 'Gas (MWh)' });
    expect(renamed.shape).toEqual({ kind: 'wide', valueColumns: [{ column: 'Electricity MWh', metricId: 'm1', unit: 'MWh' }, { column: 'Gas (MWh)', metricId: 'm2', unit: 'MWh' }] });
    expect(() => parseProfile(renamed)).not.toThrow();
  });

  it('keeps its unit when the new name gives the same unit, or none', () => {
    const same = renameProfileColumns(wide, { 'Electricity kWh': 'Electricity (kWh)', 'Gas kWh': 'Natural gas' });
    expect(same.shape).toEqual({ kind: 'wide', valueColumns: [{ column: 'Electricity (kWh)', metricId: 'm1', unit: 'kWh' }, { column: 'Natural gas', metricId: 'm2' }] });
  });

  it('a long table’s value column sets the unit of every value; a unit column stays the truth', () => {
    const long = renameProfileColumns({ ...base, shape: { kind: 'long', valueColumn: 'Consumption kWh' }, unit: { kind: 'metric' } }, { 'Consumption kWh': 'Consumption MWh' });
    expect(long.unit).toEqual({ kind: 'fixed', unit: 'MWh' });
    const byColumn = renameProfileColumns({ ...base, shape: { kind: 'long', valueColumn: 'Consumption kWh' } }, { 'Consumption kWh': 'Consumption MWh' });
    expect(byColumn.unit).toEqual({ kind: 'column', column: 'Unit' });
  });

  it('says so in words (renamedUnit)', () => {
    expect(renamedUnit('Electricity kWh', 'Electricity MWh')).toEqual({ from: 'kWh', to: 'MWh' });
    expect(renamedUnit('Electricity', 'Electricity (MWh)')).toEqual({ from: null, to: 'MWh' });
    expect(renamedUnit('Electricity kWh', 'Electricity use (kWh)')).toBeNull();
    expect(renamedUnit('Electricity kWh', 'Electricity')).toBeNull();
  });

  it('is said only where the name sets the unit, never while a unit column gives each row its unit', () => {
    const long: MappingProfileInput = { ...base, shape: { kind: 'long', valueColumn: 'consumption' }, metric: { kind: 'column', column: 'metric_code' } };
    // The mapping keeps reading 'Unit': saying "the mapping reads its values in kWh" would be untrue.
    expect(renamedValueUnit(long, 'consumption', 'consumption_kwh')).toBeNull();
    expect(renameProfileColumns(long, { consumption: 'consumption_kwh' }).unit).toEqual({ kind: 'column', column: 'Unit' });
    expect(renamedValueUnit({ ...long, unit: { kind: 'fixed', unit: 'MWh' } }, 'consumption', 'consumption_kwh')).toEqual({ from: null, to: 'kWh' });
    expect(renamedValueUnit({ ...long, unit: { kind: 'metric' } }, 'consumption', 'consumption_kwh')).toEqual({ from: null, to: 'kWh' });
    // Not a value column: its name gives no value a unit.
    expect(renamedValueUnit({ ...long, unit: { kind: 'metric' } }, 'Note', 'Note kWh')).toBeNull();
    // Wide: a column with a unit of its own follows its name even beside a unit column; one without does not.
    const wideByColumn: MappingProfileInput = { ...base, shape: { kind: 'wide', valueColumns: [{ column: 'Elec kWh', metricId: 'm1', unit: 'kWh' }, { column: 'Gas', metricId: 'm2' }] } };
    expect(renamedValueUnit(wideByColumn, 'Elec kWh', 'Elec MWh')).toEqual({ from: 'kWh', to: 'MWh' });
    expect(renamedValueUnit(wideByColumn, 'Gas', 'Gas kWh')).toBeNull();
  });
});
