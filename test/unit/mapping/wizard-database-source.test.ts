/**
 * The wizard on database sources: the proposed name follows the source read, the source's
 * watermark column is no period, the notes of the “Columns” step say what is true on that step and
 * for the mapping as it stands, and the words follow the source's kind.
 */
import { describe, expect, it } from 'vitest';
import type { CellValue, SourceRow } from '../../../shared/domain';
import { profileColumns } from '../../../main/engine/mapping/profiler';
import { draftDayPeriods, draftProfile, setAsideWatermark, suggestMapping } from '../../../main/engine/mapping/suggest';
import { sourceWords } from '../../../renderer/wizard/labels';
import { buildProfile, columnsStepNotes, initialState, reducer, type Action, type WizardSource, type WizardState } from '../../../renderer/wizard/state';
import { entities, metrics } from '../../fixtures/mapping/catalogue';

const DB: WizardSource = { kind: 'database', query: false, watermarkColumn: 'modified_at' };

/** What `mappings.suggest` answers for these rows (see MappingService.suggest), as the 'suggested' action. */
function suggested(table: Record<string, CellValue[]>, opts: { name: string; source: WizardSource | null; keepEdits?: boolean }): Action {
  const headers = Object.keys(table);
  const n = Math.max(...Object.values(table).map((v) => v.length));
  const rows: SourceRow[] = Array.from({ length: n }, (_, i) => ({ line: i + 1, cells: Object.fromEntries(headers.map((h) => [h, table[h]?.[i] ?? null])) }));
  const profiles = profileColumns(headers, rows);
  const suggestion = suggestMapping({ headers, profiles, metrics, entities });
  if (opts.source?.kind === 'database') setAsideWatermark(suggestion, opts.source.watermarkColumn, profiles);
  const draft = draftProfile(suggestion, { name: opts.name, sourceId: 'src', connectionId: 'con', headers, profiles });
  const perDay = draftDayPeriods(draft, rows);
  if (perDay) suggestion.warnings.push(perDay);
  return {
    type: 'suggested',
    sample: { file: null, info: { format: 'database', encoding: null, delimiter: null, headerRow: null, headers, warnings: [], sheet: null, sheets: null }, rows, truncated: false },
    topRows: [],
    suggestion,
    draft,
    profiles,
    source: opts.source,
    keepEdits: opts.keepEdits ?? false,
  } as Action;
}

const days = (n: number, f: (d: number) => string) => Array.from({ length: n }, (_, i) => f(i + 1));
/** A fuel purchase table as an ERP view gives it: a row per purchase, and when each row was last changed. */
const fuel = (order: 'period-first' | 'watermark-first' = 'period-first'): Record<string, CellValue[]> => {
  const cols: Record<string, CellValue[]> = {
    site_code: days(6, () => 'MAN-02'),
    purchased_on: days(6, (d) => `2024-03-0${d}`),
    fuel: days(6, () => 'Diesel'),
    litres: Array.from({ length: 6 }, (_, i) => 10 * (i + 1) + 0.5),
  };
  const watermark = days(6, (d) => `2024-04-0${d} 10:2${d}:00`);
  return order === 'watermark-first' ? { modified_at: watermark, ...cols } : { ...cols, modified_at: watermark };
};
const meters = (): Record<string, CellValue[]> => ({
  meter_site: ['MAN-02', 'LON-01', 'BER-01'],
  reading_month: ['2024-01', '2024-01', '2024-01'],
  kwh: [1200.5, 980.25, 400],
});

const start: WizardState = { ...initialState, connectionId: 'con', sourceId: 'fuel', opened: '' };
const periodColumns = (s: WizardState) => Object.keys(s.roles).filter((c) => ['period', 'period-start', 'period-end'].includes(s.roles[c]!));

describe('the proposed name follows the source', () => {
  it('switching source and reading again proposes the new source’s name', () => {
    let s = reducer(start, suggested(fuel(), { name: 'Fuel purchases to ESG Platform', source: DB }));
    expect(s.name).toBe('Fuel purchases to ESG Platform');
    s = reducer(s, { type: 'patch', patch: { sourceId: 'meters', sample: null } });
    s = reducer(s, suggested(meters(), { name: 'Daily meter readings to ESG Platform', source: { ...DB, watermarkColumn: null } }));
    expect(s.name).toBe('Daily meter readings to ESG Platform');
    expect(buildProfile(s).name).toBe('Daily meter readings to ESG Platform');
  });

  it('a name the person typed stays through another read, of this source or another', () => {
    let s = reducer(start, suggested(fuel(), { name: 'Fuel purchases to ESG Platform', source: DB }));
    s = reducer(s, { type: 'patch', patch: { name: 'Fleet diesel' } });
    s = reducer(s, suggested(fuel(), { name: 'Fuel purchases to ESG Platform', source: DB }));
    expect(s.name).toBe('Fleet diesel');
    s = reducer(s, suggested(meters(), { name: 'Daily meter readings to ESG Platform', source: null }));
    expect(s.name).toBe('Fleet diesel');
  });

  it('a name emptied by the person is proposed again', () => {
    let s = reducer(start, suggested(fuel(), { name: 'Fuel purchases to ESG Platform', source: DB }));
    s = reducer(s, { type: 'patch', patch: { name: '' } });
    s = reducer(s, suggested(meters(), { name: 'Daily meter readings to ESG Platform', source: null }));
    expect(s.name).toBe('Daily meter readings to ESG Platform');
  });
});

describe('a database source’s watermark column is not suggested for a role', () => {
  it.each(['period-first', 'watermark-first'] as const)('the real date column is the one period (%s)', (order) => {
    const s = reducer(start, suggested(fuel(order), { name: 'Fuel', source: DB }));
    expect(s.roles.modified_at).toBe('ignore');
    expect(periodColumns(s)).toEqual(['purchased_on']);
    expect(s.dateFormat).toBe('iso');
    const period = buildProfile(s).period as { kind: string; column: string; format: string };
    expect(period).toMatchObject({ kind: 'date', column: 'purchased_on', format: 'iso' });
    const shown = s.suggestion!.columns.find((c) => c.column === 'modified_at')!;
    expect(shown.role).toBe('ignore');
    expect(shown.reason).toMatch(/watermark/);
    expect(s.suggestion!.warnings.join(' ')).not.toContain("'modified_at'");
  });

  it('a table whose only date is its watermark keeps it as the period, with a note to check it', () => {
    const { purchased_on: _date, ...rest } = fuel();
    const s = reducer(start, suggested(rest, { name: 'Fuel', source: DB }));
    expect(periodColumns(s)).toEqual(['modified_at']);
    expect(columnsStepNotes(s).join(' ')).toContain("'modified_at' is the column this source reads new rows by (its watermark)");
  });

  it('without a watermark, two date columns still give one period column, not two', () => {
    const s = reducer(start, suggested(fuel(), { name: 'Fuel', source: { ...DB, watermarkColumn: null } }));
    expect(periodColumns(s)).toEqual(['purchased_on']);
  });
});

describe('the notes of the “Columns” step', () => {
  it('say where on this step to choose the metric, not to go to the step it is', () => {
    const s = reducer(start, suggested({ site_code: ['MAN-02', 'LON-01'], month: ['2024-01', '2024-02'], litres: [10.5, 12.25] }, { name: 'Fuel', source: DB }));
    expect(s.suggestion!.warnings.join(' ')).toContain('Choose its metric in the “Columns” step.');
    const notes = columnsStepNotes(s).join(' ');
    expect(notes).not.toContain('“Columns” step');
    expect(notes).toContain('Choose it under “Metric of the values” above.');
  });

  it('on rows of one month, say what the mapping does now: per day as drafted, or added up by month as edited and saved', () => {
    const fresh = reducer(start, suggested(fuel(), { name: 'Fuel', source: DB }));
    expect(fresh.granularity).toBe('custom');
    expect(columnsStepNotes(fresh).join(' ')).toContain('so each row is reported for its own day');

    // A saved mapping, monthly with rows added up, opened for editing: the sample is read again.
    const saved = buildProfile({ ...fresh, granularity: 'month', sameKeyRows: 'add' });
    let s = reducer({ ...initialState }, { type: 'loaded', mappingId: 'map', version: 2, profile: saved });
    s = reducer(s, suggested(fuel(), { name: 'Fuel (2)', source: DB, keepEdits: true }));
    expect(s.suggestion!.warnings.join(' ')).toContain('reported for its own day');
    const notes = columnsStepNotes(s).join(' ');
    expect(notes).not.toContain('reported for its own day');
    expect(notes).toContain('this mapping adds them up into one value per month');

    const rejected = columnsStepNotes({ ...s, sameKeyRows: 'reject' }).join(' ');
    expect(rejected).toContain('reported by month, they would be held back as duplicates');
  });
});

describe('the words follow the source’s kind', () => {
  it('a folder’s files, a database’s table or query result and its rows', () => {
    expect(sourceWords(false)).toMatchObject({ localHeading: 'In your files', later: 'a later file' });
    for (const w of [sourceWords(true), sourceWords(true, true)]) expect(Object.values(w).join(' ')).not.toMatch(/\bfiles?\b/);
    expect(sourceWords(true).intro).toContain('the rows of this table');
    expect(sourceWords(true, true).localHeading).toBe('In the query result');
  });
});
