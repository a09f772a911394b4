/**
 * A data engineer's meter-reading query (see the fixture): its metric-code column holds the
 * platform's exact metric ids and its unit column each row's unit. The suggestion, the draft
 * `mapping suggest --json` prints and the wizard opened on it must all read them from those
 * columns, never from a value column's name ('consumption_kwh').
 */
import { describe, expect, it } from 'vitest';
import type { SourceRow } from '../../../shared/domain';
import { parseProfile, PeriodRole } from '../../../shared/mapping/profile';
import { profileColumns } from '../../../main/engine/mapping/profiler';
import { draftDayPeriods, draftProfile, suggestMapping } from '../../../main/engine/mapping/suggest';
import { SEED_ENTITIES } from '../../../main/sandbox/seed';
import { buildProfile, initialState, reducer, stepProblems, valueMapLines, type Action } from '../../../renderer/wizard/state';
import { meterHeaders, meterRows, seedMetrics } from '../../fixtures/mapping/meter-readings';

const entities = SEED_ENTITIES.map((e) => ({ id: e.id, name: e.name, externalRef: e.externalRef, type: 'site' as const }));

/** As MappingService.suggest answers: the suggestion, its draft, and the wizard's 'suggested' action. */
function suggestOn(headers: readonly string[]) {
  const rows: SourceRow[] = meterRows().map((r) => ({ line: r.line, cells: Object.fromEntries(headers.map((h) => [h, r.cells[h] ?? null])) }));
  const profiles = profileColumns(headers, rows);
  const suggestion = suggestMapping({ headers, profiles, metrics: seedMetrics, entities });
  const draft = draftProfile(suggestion, { name: 'Meters', sourceId: 'src', connectionId: 'con', headers, profiles });
  const perDay = draftDayPeriods(draft, rows);
  if (perDay) suggestion.warnings.push(perDay);
  const action: Action = {
    type: 'suggested',
    sample: { file: null, info: { format: 'database', encoding: null, delimiter: null, headerRow: null, headers: [...headers], warnings: [], sheet: null, sheets: null }, rows, truncated: false },
    topRows: [],
    suggestion,
    draft,
    profiles,
    source: { kind: 'database', query: true, watermarkColumn: null },
    keepEdits: false,
  } as Action;
  const wizard = reducer({ ...initialState, sourceId: 'src', connectionId: 'con' }, action);
  const col = (h: string) => suggestion.columns.find((c) => c.column === h)!;
  return { suggestion, draft, wizard, col };
}

describe('a metric column and a unit column decide over a unit in a value column’s name', () => {
  const query = ['site_code', 'metric_code', 'period_month', 'consumption_kwh', 'unit'];

  it('the draft reads each row’s metric and unit from those columns, as the suggestion table says', () => {
    const { draft, col } = suggestOn(query);
    expect(col('metric_code').role).toBe('metric');
    expect(col('unit').role).toBe('unit');
    expect(draft.shape).toEqual({ kind: 'long', valueColumn: 'consumption_kwh' });
    expect(draft.metric).toMatchObject({ kind: 'column', column: 'metric_code' });
    expect(draft.unit).toEqual({ kind: 'column', column: 'unit' });
    // The table's row for the value column names no metric or unit of its own that the draft ignores.
    expect(col('consumption_kwh')).toMatchObject({ role: 'value', metricId: undefined, unit: undefined });
    expect(col('consumption_kwh').reason).toContain("each row takes its metric from 'metric_code' and its unit from 'unit'");
    expect(parseProfile(draft).metric).toMatchObject({ kind: 'column', column: 'metric_code' });
  });

  it('the wizard opened on that suggestion saves the same', () => {
    const { wizard } = suggestOn(query);
    expect(wizard.unitMode).toBe('column');
    const profile = buildProfile(wizard);
    expect(profile.metric).toMatchObject({ kind: 'column', column: 'metric_code' });
    expect(profile.unit).toEqual({ kind: 'column', column: 'unit' });
  });
});

describe('the wizard’s period follows the roles of the “Columns” step', () => {
  it('start and end set to “Not used” fall back to the date column, in its own format, and its period is valid', () => {
    let s = suggestOn(meterHeaders).wizard;
    expect(s.periodMode).toBe('range');
    s = reducer(s, { type: 'role', column: 'period_start', role: 'ignore' });
    s = reducer(s, { type: 'role', column: 'period_end', role: 'ignore' });
    expect(s.periodMode).toBe('date');
    expect(stepProblems(s, 3)).toEqual([]);
    // Every period_month is the 1st of its month: each row's period is that month, not the range's own days.
    expect(s.granularity).toBe('month');
    expect(PeriodRole.parse(buildProfile(s).period)).toMatchObject({ kind: 'date', column: 'period_month', format: 'iso' });
  });

  it('with no other date column, the “Sites & periods” step refuses Next in words rather than the preview failing', () => {
    let s = suggestOn(meterHeaders).wizard;
    for (const c of meterHeaders) if (['period', 'period-start', 'period-end'].includes(s.roles[c] ?? '')) s = reducer(s, { type: 'role', column: c, role: 'ignore' });
    expect(s.periodMode).toBe('range');
    expect(stepProblems(s, 3)).toContain('Give one column the role “Period start” and another “Period end” in the “Columns” step, or choose another way the period is read.');
  });
});

describe('the whole 30-column table', () => {
  it('is long: its metric-code column names each row’s metric, whatever number columns stand beside the value', () => {
    const { suggestion, draft, col } = suggestOn(meterHeaders);
    expect(suggestion.shape).toBe('long');
    expect(draft.shape).toEqual({ kind: 'long', valueColumn: 'consumption' });
    expect(draft.unit).toEqual({ kind: 'column', column: 'unit' });
    expect(() => parseProfile(draft)).not.toThrow();
    expect(col('consumption').reason).not.toMatch(/fit it equally/);
  });

  it('takes the metric from the column of exact platform codes over the meter types (ELEC, GAS) that only mean metrics', () => {
    const { suggestion, draft, col } = suggestOn(meterHeaders);
    expect(col('metric_code').role).toBe('metric');
    expect(col('metric_code').confidence).toBeGreaterThan(0.9);
    expect(col('meter_type').role).toBe('ignore');
    expect(col('meter_type').reason).toContain("'metric_code' already names each row's metric");
    expect(suggestion.metricValueMap.map((m) => m.local)).toEqual(['met_elec_cons', 'met_ngas_kwh', 'met_water_withdrawal']);
    expect(draft.metric).toMatchObject({ kind: 'column', column: 'metric_code' });
  });

  it('in the wizard, moving the metric role to another column leaves none of the old column’s values to map', () => {
    let s = suggestOn(meterHeaders).wizard;
    expect(valueMapLines(s, 'metric').map((l) => l.local)).toEqual(['met_elec_cons', 'met_ngas_kwh', 'met_water_withdrawal']);
    s = reducer(s, { type: 'role', column: 'meter_type', role: 'metric' });
    expect(valueMapLines(s, 'metric')).toEqual(['ELEC', 'GAS', 'WATER'].map((local) => ({ local, inSample: true, saved: false })));
    s = reducer(s, { type: 'role', column: 'metric_code', role: 'metric' });
    expect(valueMapLines(s, 'metric').every((l) => l.inSample)).toBe(true);
    // Given back, the column's matches come back with it.
    expect(s.metricValueMap).toEqual({ met_elec_cons: 'met_elec_cons', met_ngas_kwh: 'met_ngas_kwh', met_water_withdrawal: 'met_water_withdrawal' });
  });
});

describe('first-of-month dates are months', () => {
  it('the draft of a date column whose dates all start a month says so: its period length is the month', () => {
    const { draft } = suggestOn(['site_code', 'metric_code', 'period_month', 'consumption', 'unit']);
    expect(draft.period).toEqual({ kind: 'date', column: 'period_month', format: 'iso', granularity: 'month' });
  });
});

describe('evidence is what a person opens', () => {
  it('an invoice number (INV-60) is not proposed as the evidence link', () => {
    const { col, draft } = suggestOn(meterHeaders);
    expect(col('invoice_no').role).not.toBe('evidence');
    expect(draft.evidence).toBeUndefined();
  });
});
