/** The wizard's view ↔ profile translation for what this area added: read choices, calorific value, rows of one key added up. */
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../../shared/mapping';
import { buildProfile, calorific, fromProfile, initialState, readChoice, reducer, stepProblems, type WizardState } from '../../../renderer/wizard/state';

const headers = ['Site code', 'Month', 'Gas (m³)'];
const base: WizardState = {
  ...initialState,
  sourceId: 'src',
  connectionId: 'con',
  name: 'Gas',
  headers,
  shape: 'long',
  roles: { 'Site code': 'entity', Month: 'period', 'Gas (m³)': 'value' },
  fixedMetricId: 'met_gas',
  dateFormat: 'YYYY-MM',
};

describe('wizard state', () => {
  it('puts the chosen header row and sheet in the profile, and reads them back', () => {
    expect(readChoice(base)).toBeUndefined();
    expect(buildProfile(base).read).toBeUndefined();
    const chosen = { ...base, headerRow: 3, sheet: 'Data 2024' };
    const profile = buildProfile(chosen);
    expect(profile.read).toEqual({ headerRow: 3, sheet: 'Data 2024' });
    expect(parseProfile(profile).read).toEqual({ headerRow: 3, sheet: 'Data 2024' });
    expect(fromProfile(profile, headers)).toMatchObject({ headerRow: 3, sheet: 'Data 2024' });
    expect(buildProfile({ ...base, sheet: 1 }).read).toEqual({ sheet: 1 });
  });

  it('keeps a header of two rows: chosen, or found by the reader, so later files are read the same way', () => {
    // Chosen in the "How the file is read" panel: tied to its row.
    const chosen = buildProfile({ ...base, headerRow: 3, headerRows: 2 });
    expect(chosen.read).toEqual({ headerRow: 3, headerRows: 2 });
    expect(parseProfile(chosen).read).toEqual({ headerRow: 3, headerRows: 2 });
    expect(fromProfile(chosen, headers)).toMatchObject({ headerRow: 3, headerRows: 2 });
    expect(readChoice({ headerRow: 3, headerRows: 1, sheet: null })).toEqual({ headerRow: 3, headerRows: 1 });
    // Found by the reader with detection left on: the row it starts on stays free (a longer title next month).
    const info = { format: 'csv' as const, encoding: 'utf-8', delimiter: ',', headerRow: 3, headerRows: 2, headers, warnings: [], sheet: null, sheets: null };
    const found = buildProfile({ ...base, sample: { file: '/f.csv', info, rows: [], truncated: false } });
    expect(found.read).toEqual({ headerRows: 2 });
    expect(fromProfile(found, headers)).toMatchObject({ headerRow: null, headerRows: 2 });
    // The person said "one row": that stands over what the reader found.
    expect(buildProfile({ ...base, headerRow: 3, headerRows: 1, sample: { file: '/f.csv', info, rows: [], truncated: false } }).read).toEqual({ headerRow: 3, headerRows: 1 });
    expect(buildProfile(base).read).toBeUndefined();
  });

  it('saves whether rows of one metric, site and period are added up, and reads it back (older mappings hold them back)', () => {
    expect(parseProfile(buildProfile(base)).sameKeyRows).toBe('reject');
    const adding = buildProfile({ ...base, sameKeyRows: 'add' });
    expect(parseProfile(adding).sameKeyRows).toBe('add');
    expect(fromProfile(adding, headers).sameKeyRows).toBe('add');
    const { sameKeyRows: _dropped, ...older } = adding;
    expect(fromProfile(older, headers).sameKeyRows).toBe('reject');
  });

  it('keeps whether new site codes and metric names are looked up on the platform (a mapping that said no stays no)', () => {
    expect(parseProfile(buildProfile(base)).entity).toMatchObject({ kind: 'column', matchCatalogue: true });
    const off = buildProfile({ ...base, entityMatchCatalogue: false });
    expect(parseProfile(off).entity).toMatchObject({ kind: 'column', matchCatalogue: false });
    expect(fromProfile(off, headers).entityMatchCatalogue).toBe(false);
    // Saved again from the wizard unchanged, it is still off.
    expect(parseProfile(buildProfile({ ...base, ...fromProfile(off, headers) })).entity).toMatchObject({ matchCatalogue: false });

    const byName = { ...base, roles: { ...base.roles, 'Gas (m³)': 'value' as const, Month: 'period' as const, Metric: 'metric' as const }, headers: [...headers, 'Metric'], fixedMetricId: '' };
    const metricOff = buildProfile({ ...byName, metricMatchCatalogue: false });
    expect(parseProfile(metricOff).metric).toMatchObject({ kind: 'column', matchCatalogue: false });
    expect(fromProfile(metricOff, byName.headers).metricMatchCatalogue).toBe(false);
  });

  it('keeps the read choice when a re-read sample brings fresh suggestions', () => {
    const state = { ...base, headerRow: 4 };
    const next = reducer(state, {
      type: 'suggested',
      sample: { file: '/f.csv', info: { format: 'csv', encoding: 'utf-8', delimiter: ',', headerRow: 4, headers, warnings: [], sheet: null, sheets: null }, rows: [], truncated: false },
      topRows: [{ row: 1, line: 1, cells: ['Title'] }],
      suggestion: { shape: 'long', wideKind: null, columns: [], entityValueMap: [], metricValueMap: [], warnings: [] },
      draft: { schemaVersion: 1, name: 'x', sourceId: 'src', connectionId: 'con', read: { headerRow: 2 } } as never,
      keepEdits: false,
    });
    expect(next.headerRow).toBe(4);
    expect(next.topRows).toEqual([{ row: 1, line: 1, cells: ['Title'] }]);
  });

  it('sends a typed calorific value (decimal comma too), refuses a wrong one, and leaves it out when empty', () => {
    expect(calorific('39,2')).toBe(39.2);
    expect(calorific(' 38.5 ')).toBe(38.5);
    for (const bad of ['', '0', '-3', 'abc']) expect(calorific(bad)).toBeUndefined();
    expect(buildProfile({ ...base, calorificValue: '39,2' }).transforms?.calorificValueMJPerM3).toBe(39.2);
    expect(parseProfile(buildProfile(base)).transforms.calorificValueMJPerM3).toBeUndefined();
    expect(stepProblems({ ...base, calorificValue: 'lots' }, 4)).toEqual(['The calorific value is a positive number of MJ per m³, e.g. 39.2; or leave it empty.']);
    expect(stepProblems({ ...base, calorificValue: '39.2' }, 4)).toEqual([]);
    expect(fromProfile(buildProfile({ ...base, calorificValue: '39.2' }), headers).calorificValue).toBe('39.2');
  });
  it('keeps the one value column a long draft chose, leaving the other number columns unused', () => {
    const cols = ['Date', 'Quantity (litres)', 'Net amount (GBP)', 'Odometer (miles)'];
    const col = (column: string, role: 'period' | 'value') => ({ column, role, confidence: 0.6, reason: '', alternatives: [] });
    const next = reducer(initialState, {
      type: 'suggested',
      sample: { file: '/f.csv', info: { format: 'csv', encoding: 'utf-8', delimiter: ',', headerRow: 1, headers: cols, warnings: [], sheet: null, sheets: null }, rows: [], truncated: false },
      topRows: [],
      suggestion: { shape: 'long', wideKind: null, columns: [col('Date', 'period'), col('Quantity (litres)', 'value'), col('Net amount (GBP)', 'value'), col('Odometer (miles)', 'value')], entityValueMap: [], metricValueMap: [], warnings: [] },
      draft: { schemaVersion: 1, name: 'x', sourceId: 'src', connectionId: 'con', shape: { kind: 'long', valueColumn: 'Quantity (litres)' } } as never,
      keepEdits: false,
    });
    expect(next.roles).toEqual({ Date: 'period', 'Quantity (litres)': 'value', 'Net amount (GBP)': 'ignore', 'Odometer (miles)': 'ignore' });
    expect(stepProblems({ ...next, step: 1 }, 1)).toEqual([]);
  });

  it('fills the metric-name map from the suggestion when the draft chose a fixed metric but the suggestion offers a metric column', () => {
    const cols = ['Product', 'Quantity (litres)'];
    const next = reducer(initialState, {
      type: 'suggested',
      sample: { file: '/f.csv', info: { format: 'csv', encoding: 'utf-8', delimiter: ',', headerRow: 1, headers: cols, warnings: [], sheet: null, sheets: null }, rows: [], truncated: false },
      topRows: [],
      suggestion: {
        shape: 'long',
        wideKind: null,
        columns: [
          { column: 'Product', role: 'metric', confidence: 0.9, reason: '', alternatives: [] },
          { column: 'Quantity (litres)', role: 'value', confidence: 0.7, reason: '', alternatives: [], metricId: 'm-diesel' },
        ],
        entityValueMap: [],
        metricValueMap: [
          { local: 'Diesel', metricId: 'm-diesel', confidence: 0.75, reason: '' },
          { local: 'AdBlue', metricId: null, confidence: 0, reason: '' },
        ],
        warnings: [],
      },
      draft: { schemaVersion: 1, name: 'x', sourceId: 'src', connectionId: 'con', shape: { kind: 'long', valueColumn: 'Quantity (litres)' }, metric: { kind: 'fixed', metricId: 'm-diesel' } } as never,
      keepEdits: false,
    });
    expect(next.roles.Product).toBe('metric');
    expect(next.metricValueMap).toEqual({ Diesel: 'm-diesel' });
    expect(buildProfile(next).metric).toMatchObject({ kind: 'column', column: 'Product', valueMap: { Diesel: 'm-diesel' } });
  });
});
