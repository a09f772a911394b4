import { describe, expect, it } from 'vitest';
import type { CellValue, Metric, SourceRow } from '../../../shared/domain';
import { profileColumns } from '../../../main/engine/mapping/profiler';
import { draftProfile, suggestMapping } from '../../../main/engine/mapping/suggest';
import { SEED_METRICS } from '../../../main/sandbox/seed';
import { entities, metrics } from '../../fixtures/mapping/catalogue';

function suggestTable(table: Record<string, CellValue[]>, library: readonly Metric[] = metrics) {
  const headers = Object.keys(table);
  const n = Math.max(...Object.values(table).map((v) => v.length));
  const rows: SourceRow[] = Array.from({ length: n }, (_, i) => ({ line: i + 2, cells: Object.fromEntries(headers.map((h) => [h, table[h]?.[i] ?? null])) }));
  const profiles = profileColumns(headers, rows);
  const suggestion = suggestMapping({ headers, profiles, metrics: library, entities });
  const draft = draftProfile(suggestion, { name: 't', sourceId: 's', connectionId: 'c', headers, profiles }) as Record<string, unknown>;
  const col = (h: string) => suggestion.columns.find((c) => c.column === h)!;
  return { suggestion, draft, col };
}

describe('suggestions: a start/end pair is one period', () => {
  it.each([
    ['Period start', 'Period end', ['2026-01-01', '2026-02-01'], ['2026-01-31', '2026-02-28'], 'iso'],
    ['Billing period start', 'Billing period end', ['2026-01-01', '2026-02-01'], ['2026-01-31', '2026-02-28'], 'iso'],
    ['Zeitraum von', 'Zeitraum bis', ['01.01.2026', '01.02.2026'], ['31.01.2026', '28.02.2026'], 'DD.MM.YYYY'],
    ['Period start', 'Period end', ['Sep 2026', 'Oct 2026'], ['Sep 2026', 'Oct 2026'], 'MMM YYYY'],
  ])("'%s' + '%s' → period-start + period-end and a range period", (a, b, va, vb, format) => {
    const { col, draft } = suggestTable({ [a]: va, [b]: vb, 'Electricity kWh': ['100', '120'] });
    expect(col(a).role).toBe('period-start');
    expect(col(b).role).toBe('period-end');
    expect(draft.period).toEqual({ kind: 'range', startColumn: a, endColumn: b, format, granularity: 'custom' });
  });

  it('drafts the range even when the date format is still to be chosen, and says so', () => {
    const { draft, suggestion } = suggestTable({ 'Period start': ['01/02/2026', '01/03/2026'], 'Period end': ['01/02/2026', '01/03/2026'], 'Electricity kWh': ['100', '120'] });
    expect(draft.period).toEqual({ kind: 'range', startColumn: 'Period start', endColumn: 'Period end', granularity: 'custom' });
    expect(suggestion.warnings.join(' ')).toMatch(/Period start.*both as DD\/MM\/YYYY and MM\/DD\/YYYY/);
  });
});

describe('suggestions: codes and identifiers are not metric values', () => {
  const waste = {
    'Site code': ['LDN-1', 'MAN-2', 'BER-1', 'LDN-1'],
    'Site name': ['London Office', 'Manchester Plant', 'Berlin Werk', 'London Office'],
    'Collection date': ['2026-03-02', '2026-03-09', '2026-03-16', '2026-03-23'],
    'EWC code': ['20 03 01', '15 01 01', '20 01 01', '15 01 02'],
    EWC: ['200301', '150101', '200101', '150102'],
    'Ticket no': ['100234', '100235', '100236', '100237'],
    'Cost centre ID': ['410', '410', '420', '430'],
    'Waste description': ['Mixed municipal waste', 'Paper and cardboard packaging', 'Paper and cardboard', 'Plastic packaging'],
    'Total waste (t)': ['0.41', '0.10', '0.38', '1.25'],
  };

  it.each(['EWC code', 'EWC', 'Ticket no', 'Cost centre ID'])("'%s' is not suggested as a value", (h) => {
    const { col } = suggestTable({ ...waste, 'EWC code': waste['EWC code'] });
    expect(col(h).role).not.toBe('value');
    expect(col(h).metricId).toBeUndefined();
    expect(col(h).reason).toMatch(/code|identif/i);
  });

  it('keeps the real value column, and an electricity header with integer readings stays a value', () => {
    const { col, draft } = suggestTable(waste);
    expect(col('Total waste (t)')).toMatchObject({ role: 'value', metricId: 'm-waste-total' });
    expect(draft.shape).toEqual({ kind: 'long', valueColumn: 'Total waste (t)' });
    const elec = suggestTable({ Site: ['LDN-1', 'MAN-2'], 'Meter reading kWh': ['10234', '10240'], 'Electricity kWh': ['1200', '1300'] });
    expect(elec.col('Electricity kWh')).toMatchObject({ role: 'value', metricId: 'm-elec' });
  });
});

describe('suggestions: one site column', () => {
  it('picks the site code column whose values are platform codes; the name column is left out', () => {
    const { col, suggestion, draft } = suggestTable({
      'Site code': ['LDN-1', 'MAN-2', 'BER-1'],
      'Site name': ['London Office', 'Manchester Plant', 'Berlin Werk'],
      'Electricity kWh': ['1', '2', '3'],
    });
    expect(col('Site code').role).toBe('entity');
    expect(col('Site name').role).toBe('ignore');
    expect(col('Site name').reason).toMatch(/Site code/);
    expect(suggestion.columns.filter((c) => c.role === 'entity')).toHaveLength(1);
    expect((draft.entity as { column: string }).column).toBe('Site code');
  });

  it('picks the name column when its values match the platform better than the local codes', () => {
    const { col } = suggestTable({
      'Site code': ['S001', 'S002', 'S003'],
      'Site name': ['London Office', 'Manchester Plant', 'Berlin Werk'],
      'Electricity kWh': ['1', '2', '3'],
    });
    expect(col('Site name').role).toBe('entity');
    expect(col('Site code').role).toBe('ignore');
  });
});

describe('draft of a long table', () => {
  // A German waste contractor's log: integer lifts before the weights with decimal commas.
  const log = {
    Site: ['BER-1', 'MAN-2', 'BER-1'],
    'Collection date': ['06.09.2026', '07.09.2026', '08.09.2026'],
    Lifts: ['2', '3', '4'],
    'Weight (kg)': ['640,5', '1180,0', '310,2'],
  };

  it('sends the column with a metric and a unit, not the first numeric column', () => {
    const { draft } = suggestTable(log);
    expect(draft.shape).toEqual({ kind: 'long', valueColumn: 'Weight (kg)' });
  });

  it('takes the number format from a column with decimals, not from whole numbers that read either way', () => {
    const { draft } = suggestTable(log);
    expect(draft.transforms).toEqual({ number: { decimal: ',' } });
  });
});

describe('suggestions: a value column with a bad cell is still a value column', () => {
  it('one stray word among a handful of readings (a small sample) does not hide the column', () => {
    const { col } = suggestTable({ Site: ['LON-01', 'MAN-02', 'BER-01', 'LYO-01', 'LON-01'], Month: ['2024-01', '2024-01', '2024-01', '2024-01', '2024-02'], 'Electricity kWh': ['-3', '1200', 'lots', '700', '650'] });
    expect(col('Electricity kWh')).toMatchObject({ role: 'value', unit: 'kWh' });
  });

  it('two words among five values are text, not a value column', () => {
    const { col } = suggestTable({ Site: ['LON-01', 'MAN-02', 'BER-01', 'LYO-01', 'LON-01'], 'Electricity kWh': ['see note', '1200', 'lots', '700', '650'] });
    expect(col('Electricity kWh').role).not.toBe('value');
  });
});

describe('suggestions: a column is the metric column only when its values are metrics the mapping would match', () => {
  // The sandbox platform's library, as the wizard sees it: the values below are checked against
  // the real catalogue, not only against the test fixture's.
  const seedMetrics: Metric[] = SEED_METRICS.map((m) => ({ id: m.id, code: m.code, name: m.name, unit: m.unit, category: m.category, valueType: m.valueType, custom: m.custom, writable: m.apiWritable }));
  const water = {
    'Site code': ['LDN-1', 'MAN-2', 'BER-1', 'PAR-3'],
    Supplier: ['Thames Water', 'United Utilities', 'Anglian Water', 'Severn Trent'],
    'Bill date': ['2026-03-31', '2026-03-31', '2026-03-31', '2026-03-31'],
    'Water (m3)': ['120.5', '88', '240.25', '61'],
  };

  it.each([
    ['the test catalogue', metrics],
    ['the sandbox catalogue', seedMetrics],
  ])("a water bill's Supplier column (Thames Water, Anglian Water, …) is not a metric column with %s", (_, library) => {
    const { col, draft, suggestion } = suggestTable(water, library);
    expect(col('Supplier').role).not.toBe('metric');
    expect(suggestion.columns.some((c) => c.role === 'metric')).toBe(false);
    expect(col('Water (m3)').role).toBe('value');
    expect(draft.metric).toMatchObject({ kind: 'fixed', metricId: library === metrics ? 'm-water' : 'met_water_withdrawal' });
  });

  it.each([
    ['Thames Water', 'Anglian Water', 'Yorkshire Water', 'Southern Water'],
    ['British Gas', 'Scottish Power', 'EDF Energy', 'Octopus Energy'],
    ['Biffa Waste', 'Veolia', 'Shell Fuel', 'SSE'],
  ])('company names that contain a metric word (%s, %s, …) name no metric, even under a "Metric" header', (...names) => {
    for (const library of [metrics, seedMetrics]) {
      const { col, suggestion } = suggestTable({ Supplier: names, Metric: names, 'Site code': ['LDN-1', 'MAN-2', 'BER-1', 'PAR-3'], Value: ['1', '2', '3', '4'] }, library);
      expect(col('Supplier').role).not.toBe('metric');
      expect(suggestion.metricValueMap.filter((m) => m.metricId)).toEqual([]);
    }
  });

  it.each([
    ['names', ['Electricity', 'Natural gas', 'Diesel', 'Mains water'], ['m-elec', 'm-gas', 'm-diesel', 'm-water']],
    ['names with their unit', ['Electricity (kWh)', 'Natural gas kWh', 'Diesel (L)', 'Water m3'], ['m-elec', 'm-gas', 'm-diesel', 'm-water']],
    ['local words', ['Strom', 'Erdgas', 'Red diesel', 'Unleaded'], ['m-elec', 'm-gas', 'm-diesel', 'm-petrol']],
    ['platform names and codes', ['Electricity consumption', 'ENERGY_GAS', 'water withdrawal', 'Hazardous waste'], ['m-elec', 'm-gas', 'm-water', 'm-waste-haz']],
  ])('a column of metric %s is still the metric column, and its values are drafted into the value map', (_, values, ids) => {
    const { col, draft, suggestion } = suggestTable({ 'Site code': ['LDN-1', 'MAN-2', 'BER-1', 'PAR-3'], Commodity: values, Quantity: ['1', '2', '3', '4'] });
    expect(col('Commodity').role).toBe('metric');
    expect(suggestion.metricValueMap.map((m) => m.metricId)).toEqual(ids);
    expect(draft.metric).toMatchObject({ kind: 'column', column: 'Commodity', valueMap: Object.fromEntries(values.map((v, i) => [v, ids[i]])) });
  });

  it('a header that says nothing still finds a column of metric names from its values alone', () => {
    const { col } = suggestTable({ 'Site code': ['LDN-1', 'MAN-2', 'BER-1'], Stream: ['Electricity consumption', 'Water withdrawal', 'Diesel consumption'], Quantity: ['1', '2', '3'] });
    expect(col('Stream').role).toBe('metric');
  });
});

describe('suggestions: the reason is said in plain English', () => {
  it("'a unit', 'an entity'-like roles get the article they are said with", () => {
    const { col } = suggestTable({ Site: ['MAN-02', 'LON-01'], Unit: ['kWh', 'kWh'], 'Electricity kWh': ['100', '120'] });
    expect(col('Unit').reason).toContain("the header 'Unit' names a unit");
    expect(col('Unit').reason).not.toContain('an unit');
  });
});
