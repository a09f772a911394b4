/**
 * What the wizard's Sites step offers to map, and when leaving the wizard would lose work:
 * a saved mapping's codes stay listed when the sample lacks them, a totals row the mapping skips
 * is never offered, and reading a sample is not a change.
 */
import { describe, expect, it } from 'vitest';
import type { MappingProfileInput } from '../../../shared/mapping/profile';
import {
  buildProfile,
  hasChanges,
  initialState,
  localValues,
  reducer,
  rowSkipper,
  sampleFromProcessed,
  valueMapLines,
  workOf,
  type WizardState,
} from '../../../renderer/wizard/state';
import type { SampleResult } from '../../../renderer/wizard/types';

const headers = ['site_code', 'metric', 'month', 'value'];

function sample(rows: Array<[string, string]>): SampleResult {
  return {
    file: '/data/Sites/processed/may.csv',
    info: { format: 'csv', encoding: 'utf-8', delimiter: ',', headerRow: 1, headers, warnings: [], sheet: null, sheets: null },
    rows: rows.map(([site, metric], i) => ({ line: i + 2, cells: { site_code: site, metric, month: '2024-05', value: 1 } })),
    truncated: false,
  };
}

/** A saved mapping: sites and metric names from columns, PAR-09 → Madrid, totals rows skipped. */
const saved: MappingProfileInput = {
  schemaVersion: 1,
  name: 'Sites',
  sourceId: 'src',
  connectionId: 'con',
  shape: { kind: 'long', valueColumn: 'value' },
  metric: { kind: 'column', column: 'metric', valueMap: { 'Strom alt': 'met_elec' }, unknownMetric: 'reject' },
  entity: { kind: 'column', column: 'site_code', valueMap: { 'PAR-09': 'ent_mad03', 'LON-01': 'ent_lon01' }, unknownEntity: 'hold' },
  period: { kind: 'date', column: 'month', format: 'YYYY-MM' },
  unit: { kind: 'metric' },
  filters: { skipWhen: [{ column: 'site_code', matches: { pattern: '^(total|summe|gesamt|grand total)$', flags: 'i' } }] },
  headerFingerprint: { algo: 'sha256-v1', value: 'x', headers } as never,
};

function editing(): WizardState {
  return reducer(initialState, { type: 'loaded', mappingId: 'sites', version: 3, profile: saved });
}

function withSample(s: WizardState, rows: Array<[string, string]>): WizardState {
  return reducer(s, {
    type: 'suggested',
    sample: sample(rows),
    topRows: [],
    suggestion: { shape: 'long', wideKind: null, columns: [], entityValueMap: [], metricValueMap: [], warnings: [] },
    draft: { ...saved, entity: { kind: 'column', column: 'site_code', valueMap: {} } } as never,
    keepEdits: true,
  });
}

describe('the site codes the Sites step lists', () => {
  it('lists every code the saved mapping maps when no sample was read (the folder is empty), each marked saved', () => {
    const s = editing();
    expect(s.sample).toBeNull();
    expect(valueMapLines(s, 'entity')).toEqual([
      { local: 'PAR-09', inSample: false, saved: true },
      { local: 'LON-01', inSample: false, saved: true },
    ]);
    expect(valueMapLines(s, 'metric')).toEqual([{ local: 'Strom alt', inSample: false, saved: true }]);
  });

  it('lists the sample codes, then the saved codes the sample lacks; one line per code however it is cased', () => {
    const s = withSample(editing(), [
      ['lon-01', 'Electricity'],
      ['MAN-02', 'Electricity'],
    ]);
    expect(valueMapLines(s, 'entity')).toEqual([
      { local: 'lon-01', inSample: true, saved: true },
      { local: 'MAN-02', inSample: true, saved: false },
      { local: 'PAR-09', inSample: false, saved: true },
    ]);
    // A saved code changed in the wizard keeps its line and its entry.
    const changed = reducer(s, { type: 'patch', patch: { entityValueMap: { ...s.entityValueMap, 'PAR-09': 'ent_lyo01' } } });
    expect(valueMapLines(changed, 'entity').find((l) => l.local === 'PAR-09')).toEqual({ local: 'PAR-09', inSample: false, saved: true });
    const entity = buildProfile(changed).entity;
    expect(entity?.kind === 'column' && entity.valueMap).toEqual({ 'PAR-09': 'ent_lyo01', 'LON-01': 'ent_lon01' });
  });

  it('a new mapping marks nothing as saved', () => {
    const s: WizardState = { ...initialState, roles: { site_code: 'entity' }, sample: sample([['LON-01', 'x']]), entityValueMap: { 'LON-01': 'ent_lon01' } };
    expect(valueMapLines(s, 'entity')).toEqual([{ local: 'LON-01', inSample: true, saved: false }]);
  });
});

describe('rows the mapping skips by itself', () => {
  const rows: Array<[string, string]> = [
    ['LON-01', 'Electricity'],
    ['Total', 'Electricity'],
    [' TOTAL ', 'Summe'],
    ['Totals Berlin', 'Electricity'],
  ];

  it('are not offered for mapping: a totals row is not a site, and its metric name is not a metric', () => {
    const s = withSample(editing(), rows);
    expect(localValues(s, 'entity')).toEqual(['LON-01', 'Totals Berlin']);
    expect(valueMapLines(s, 'entity').map((l) => l.local)).toEqual(['LON-01', 'Totals Berlin', 'PAR-09']);
    // 'Summe' is only on the skipped totals row.
    expect(localValues(s, 'metric')).toEqual(['Electricity']);
  });

  it('are offered when the mapping has no such filter', () => {
    const s = withSample(editing(), rows);
    const unfiltered = { ...s, base: { ...s.base!, filters: { skipWhen: [] } } };
    expect(localValues(unfiltered, 'entity')).toEqual(['LON-01', 'Total', 'TOTAL', 'Totals Berlin']);
  });

  it('skips as the engine does: trimmed text, a constant column, default flags, and no rule that cannot compile', () => {
    const skip = rowSkipper({ base: { ...saved, filters: { skipWhen: [{ column: 'site_code', matches: { pattern: '^total$' } }] } } });
    expect(skip({ site_code: '  Total ' })).toBe(true);
    expect(skip({ site_code: 'LON-01' })).toBe(false);
    const constant = rowSkipper({ base: { ...saved, constants: { Kind: 'total' }, filters: { skipWhen: [{ column: 'Kind', matches: { pattern: 'total' } }] } } });
    expect(constant({ site_code: 'LON-01' })).toBe(true);
    expect(rowSkipper({ base: { ...saved, filters: { skipWhen: [{ column: 'site_code', matches: { pattern: '(' } }] } } })({ site_code: '(' })).toBe(false);
    expect(rowSkipper({ base: null })({ site_code: 'Total' })).toBe(false);
  });
});

describe('whether leaving the wizard loses work', () => {
  it('a loaded mapping has none, and reading its sample adds none', () => {
    const s = editing();
    expect(hasChanges(s)).toBe(false);
    const read = withSample(s, [['LON-01', 'Electricity']]);
    expect(hasChanges(read)).toBe(false);
    expect(hasChanges(reducer(read, { type: 'goto', step: 3 }))).toBe(false);
  });

  it('a saved mapping without a header gets it from its sample without counting as a change', () => {
    const { headerFingerprint: _none, ...older } = saved;
    const s = reducer(initialState, { type: 'loaded', mappingId: 'sites', version: 1, profile: older });
    expect(s.headers).toEqual([]);
    expect(hasChanges(withSample(s, [['LON-01', 'Electricity']]))).toBe(false);
  });

  it('any change of the mapping counts, and undoing it does not', () => {
    const s = withSample(editing(), [['LON-01', 'Electricity']]);
    const changed = reducer(s, { type: 'patch', patch: { entityValueMap: { ...s.entityValueMap, 'PAR-09': 'ent_lyo01' } } });
    expect(hasChanges(changed)).toBe(true);
    expect(hasChanges(reducer(changed, { type: 'patch', patch: { entityValueMap: s.entityValueMap } }))).toBe(false);
    expect(hasChanges(reducer(s, { type: 'role', column: 'month', role: 'comment' }))).toBe(true);
    expect(hasChanges(reducer(s, { type: 'patch', patch: { name: 'Sites 2' } }))).toBe(true);
    // A sample read after a change keeps it a change.
    expect(hasChanges(withSample(changed, [['MAN-02', 'Electricity']]))).toBe(true);
  });

  it('a new mapping has none until something is chosen', () => {
    const opened = { ...initialState, sourceId: 'src', connectionId: 'con' };
    const s: WizardState = { ...opened, opened: workOf(opened) };
    expect(hasChanges(s)).toBe(false);
    expect(hasChanges(reducer(s, { type: 'patch', patch: { connectionId: 'other' } }))).toBe(true);
    // Not known yet (an edited mapping still loading): nothing to ask about.
    expect(hasChanges({ ...s, opened: null, name: 'x' })).toBe(false);
  });
});

describe('a sample taken from processed/', () => {
  it('is told apart by its folder, with either separator', () => {
    expect(sampleFromProcessed('/data/Sites/processed/may.csv', '/data/Sites')).toBe(true);
    expect(sampleFromProcessed('C:\\Exports\\Sites\\processed\\may.csv', 'C:\\Exports\\Sites\\')).toBe(true);
    // The engine gives the real path (a linked temp folder): the folder's own name still matches.
    expect(sampleFromProcessed('/private/var/tmp/Sites/processed/may.csv', '/var/tmp/Sites')).toBe(true);
    expect(sampleFromProcessed('/data/Sites/may.csv', '/data/Sites')).toBe(false);
    expect(sampleFromProcessed('/data/Sites/2024/processed/may.csv', '/data/Sites')).toBe(false);
    expect(sampleFromProcessed(null, '/data/Sites')).toBe(false);
  });
});
