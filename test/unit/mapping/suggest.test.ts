import { describe, expect, it } from 'vitest';
import type { SourceRow } from '../../../shared/domain';
import { parseProfile } from '../../../shared/mapping/profile';
import { profileColumns, unitFromHeader } from '../../../main/engine/mapping/profiler';
import { draftProfile, matchEntities, suggestMapping } from '../../../main/engine/mapping/suggest';
import { catalogue, entities, metrics } from '../../fixtures/mapping/catalogue';
import fixture from '../../fixtures/mapping/headers.json';

interface Case {
  header: string;
  samples?: string[];
  expected: { role: string; metricId?: string; period?: string };
}

function suggestOne(c: Case) {
  const samples = c.samples ?? fixture.defaultSamples;
  const rows: SourceRow[] = samples.map((v, i) => ({ line: i + 2, cells: { [c.header]: v } }));
  const profiles = profileColumns([c.header], rows);
  return suggestMapping({ headers: [c.header], profiles, metrics, entities }).columns[0]!;
}

describe('suggestion ranking on the header fixture set', () => {
  const cases = fixture.cases as Case[];

  it('has at least 20 realistic headers', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of cases) {
    it(`'${c.header}' → ${c.expected.role}${c.expected.metricId ? ` ${c.expected.metricId}` : ''}`, () => {
      const s = suggestOne(c);
      expect({ role: s.role, metricId: s.metricId }).toEqual({ role: c.expected.role, metricId: c.expected.metricId });
      expect(s.confidence).toBeGreaterThan(0);
      expect(s.confidence).toBeLessThanOrEqual(1);
      expect(s.reason).not.toBe('');
      if (c.expected.period) expect(s.period).toMatchObject({ kind: 'fixed', start: c.expected.period });
    });
  }

  interface Table {
    name: string;
    columns: Record<string, string[]>;
    expected: Record<string, { role: string; metricId?: string }>;
  }
  for (const t of fixture.tables as unknown as Table[]) {
    it(`whole header set: ${t.name}`, () => {
      const headers = Object.keys(t.columns);
      const n = Math.max(...Object.values(t.columns).map((v) => v.length));
      const rows: SourceRow[] = Array.from({ length: n }, (_, i) => ({ line: i + 2, cells: Object.fromEntries(headers.map((h) => [h, t.columns[h]?.[i] ?? null])) }));
      const got = suggestMapping({ headers, profiles: profileColumns(headers, rows), metrics, entities }).columns;
      const actual = Object.fromEntries(Object.keys(t.expected).map((h) => {
        const c = got.find((x) => x.column === h);
        return [h, c?.metricId ? { role: c.role, metricId: c.metricId } : { role: c?.role }];
      }));
      expect(actual).toEqual(t.expected);
    });
  }

  it('lowers confidence, and says why, when the header unit cannot convert to the metric unit', () => {
    const good = suggestOne({ header: 'Electricity (kWh)', expected: { role: 'value' } });
    const bad = suggestOne({ header: 'Electricity (kg)', expected: { role: 'value' } });
    expect(bad.confidence).toBeLessThan(0.5);
    expect(bad.confidence).toBeLessThan(good.confidence - 0.3);
    expect(bad.reason).toMatch(/kg cannot be converted to the metric's kWh/);
  });
});

describe('profiler', () => {
  it('reads units from headers', () => {
    expect(unitFromHeader('Electricity (kWh)')).toBe('kWh');
    expect(unitFromHeader('Diesel [L]')).toBe('L');
    expect(unitFromHeader('Water m³')).toBe('m3');
    expect(unitFromHeader('Gas_kWh')).toBe('kWh');
    expect(unitFromHeader('Verbrauch in MWh')).toBe('MWh');
    expect(unitFromHeader('Scope 1 emissions tCO2e')).toBe('tCO2e');
    expect(unitFromHeader('Petrol (litres)')).toBe('L');
    expect(unitFromHeader('Site no')).toBeNull();
    expect(unitFromHeader('Site')).toBeNull();
    expect(unitFromHeader('Diesel (gal)')).toBeNull(); // ambiguous gallon is not guessed
  });

  it('profiles types, blanks, distinct values, ranges, date formats and units', () => {
    const headers = ['Site', 'Date', 'Usage', 'Unit', 'Verified', 'Empty'];
    const rows: SourceRow[] = [
      ['LDN-1', '05/01/2024', '1.234,5', 'kWh', 'yes', null],
      ['MAN-2', '05/02/2024', '-', 'kWh', 'no', ''],
      ['LDN-1', '05/03/2024', '(12,5)', 'MWh', 'yes', null],
      ['BER-1', '05/04/2024', '900', 'kWh', 'no', null],
    ].map((cells, i) => ({ line: i + 2, cells: Object.fromEntries(headers.map((h, j) => [h, cells[j] ?? null])) }));
    const [site, date, usage, unit, verified, empty] = profileColumns(headers, rows);
    expect(site).toMatchObject({ inferredType: 'text', distinctCount: 3, distinctValues: ['LDN-1', 'MAN-2', 'BER-1'], nullShare: 0 });
    // The days never pass 12, but the decimal commas in 'Usage' make this a day-first file.
    expect(date).toMatchObject({ inferredType: 'date', dateFormat: { ambiguous: false, format: 'DD/MM/YYYY', candidates: ['DD/MM/YYYY', 'MM/DD/YYYY'] } });
    expect(usage).toMatchObject({ inferredType: 'number', min: -12.5, max: 1234.5, nullShare: 0.25, numberLocale: { locale: { decimal: ',' } } });
    expect(unit).toMatchObject({ inferredType: 'text', unit: { unit: 'kWh', source: 'values' }, unitValueShare: 1 });
    expect(verified?.inferredType).toBe('boolean');
    expect(empty).toMatchObject({ inferredType: 'empty', nullShare: 1 });
  });

  it('caps distinct values and stops at maxRows', () => {
    const rows: SourceRow[] = Array.from({ length: 50 }, (_, i) => ({ line: i + 2, cells: { Code: `C${i}` } }));
    const [p] = profileColumns(['Code'], rows, { maxDistinct: 10, maxRows: 30 });
    expect(p).toMatchObject({ rows: 30, distinctCount: 10, distinctCapped: true });
  });
});

describe('entity matching', () => {
  it('matches site codes, names, zero-padded codes and near names; leaves strangers unmatched', () => {
    const m = matchEntities(['LDN-1', 'manchester plant', 'LDN-01', 'Berlin Werk GmbH', 'Tokyo'], entities);
    expect(m.map((x) => [x.local, x.entityId])).toEqual([
      ['LDN-1', 'e-ldn'],
      ['manchester plant', 'e-man'],
      ['LDN-01', 'e-ldn'],
      ['Berlin Werk GmbH', 'e-ber'],
      ['Tokyo', null],
    ]);
    expect(m[0]?.confidence).toBe(1);
    expect(m[4]?.confidence).toBe(0);
  });
});

describe('whole-table suggestions', () => {
  // A wide monthly utility report (title block already stripped by the reader).
  const headers = ['Site code', 'Meter', 'Jan 2024', 'Feb 2024', 'Mar 2024', 'Total'];
  const rows: SourceRow[] = [
    ['LDN-01', 'Electricity', '12.345,6', '11.002,25', '10.500', '33.847,85'],
    ['MAN-02', 'Electricity', '8.100', '7.950,5', '8.020', '24.070,5'],
    ['Total', null, '20.445,6', '18.952,75', '18.520', '57.918,35'],
  ].map((cells, i) => ({ line: i + 5, cells: Object.fromEntries(headers.map((h, j) => [h, cells[j] ?? null])) }));

  it('detects a wide monthly shape, the site column, the metric column and entity matches', () => {
    const profiles = profileColumns(headers, rows);
    const s = suggestMapping({ headers, profiles, metrics, entities });
    expect(s.shape).toBe('wide');
    expect(s.wideKind).toBe('per-period');
    const roles = Object.fromEntries(s.columns.map((c) => [c.column, c.role]));
    expect(roles).toMatchObject({ 'Site code': 'entity', Meter: 'metric', 'Jan 2024': 'value', 'Feb 2024': 'value', 'Mar 2024': 'value' });
    expect(s.entityValueMap.filter((m) => m.entityId).map((m) => [m.local, m.entityId])).toEqual([
      ['LDN-01', 'e-ldn'],
      ['MAN-02', 'e-man'],
    ]);
    expect(s.metricValueMap).toEqual([{ local: 'Electricity', metricId: 'm-elec', confidence: expect.any(Number), reason: expect.any(String) }]);

    // The draft opens in the wizard and, here, is already a valid profile.
    const draft = draftProfile(s, { name: 'Utilities', sourceId: 's1', connectionId: 'c1', headers, profiles });
    const profile = parseProfile(draft);
    expect(profile.shape.kind).toBe('wide');
    expect(profile.transforms.number.decimal).toBe(',');
    expect(profile.filters.skipWhen[0]?.column).toBe('Site code');
    expect(profile.metric).toMatchObject({ kind: 'column', column: 'Meter', valueMap: { Electricity: 'm-elec' } });
    expect(catalogue.metrics.length).toBeGreaterThan(10);
  });

  it('warns about ambiguous dates and missing sites', () => {
    const h = ['Date', 'Electricity (kWh)'];
    const r: SourceRow[] = [
      { line: 2, cells: { Date: '01/02/2024', 'Electricity (kWh)': '5' } },
      { line: 3, cells: { Date: '03/04/2024', 'Electricity (kWh)': '6' } },
    ];
    const s = suggestMapping({ headers: h, profiles: profileColumns(h, r), metrics, entities });
    expect(s.warnings.join('\n')).toMatch(/read both as DD\/MM\/YYYY and MM\/DD\/YYYY/);
    expect(s.warnings.join('\n')).toMatch(/No column looks like a site/);
    expect(s.shape).toBe('long');
  });

  it('leaves the metric to the person when several fit a value column equally, and says so', () => {
    const h = ['Site', 'Month', 'Weight (kg)'];
    const r: SourceRow[] = [
      { line: 2, cells: { Site: 'LDN-1', Month: '2024-01', 'Weight (kg)': '640,5' } },
      { line: 3, cells: { Site: 'MAN-2', Month: '2024-01', 'Weight (kg)': '1180' } },
    ];
    const profiles = profileColumns(h, r);
    const s = suggestMapping({ headers: h, profiles, metrics, entities });
    const weight = s.columns.find((c) => c.column === 'Weight (kg)')!;
    expect(weight.role).toBe('value');
    expect(weight.metricId).toBeUndefined();
    expect(weight.reason).toMatch(/3 metrics fit it equally, so choose one$/);
    expect(s.warnings).toContain("Several metrics fit 'Weight (kg)' equally well (by unit alone). Choose its metric in the “Columns” step.");
    expect(draftProfile(s, { name: 'Waste', sourceId: 's1', connectionId: 'c1', headers: h, profiles }).metric).toBeUndefined();
  });
});
