import { describe, expect, it } from 'vitest';
import { applyProfile } from '../../../shared/mapping/apply';
import { NumberFormatWatch } from '../../../shared/mapping/number-format-watch';
import { parseProfile, type MappingProfileInput } from '../../../shared/mapping/profile';
import { catalogue } from '../../fixtures/mapping/catalogue';

function watchOver(decimal: '.' | ',', values: string[], source: 'file' | 'table' | 'query' = 'file') {
  const input: MappingProfileInput = {
    schemaVersion: 1,
    name: 'Test',
    sourceId: 'src-1',
    connectionId: 'conn-1',
    shape: { kind: 'long', valueColumn: 'kWh' },
    metric: { kind: 'fixed', metricId: 'm-elec' },
    entity: { kind: 'fixed', entityId: 'e-ldn' },
    period: { kind: 'fixed', start: '2024-01-01', end: '2024-01-31' },
    unit: { kind: 'fixed', unit: 'kWh' },
    transforms: { number: { decimal, thousands: 'auto' } },
  };
  const profile = parseProfile(input);
  const watch = new NumberFormatWatch(profile, source);
  values.forEach((v, i) => watch.observe(i + 2, applyProfile(profile, { line: i + 2, cells: { kWh: v } }, catalogue)));
  return watch;
}

describe('NumberFormatWatch', () => {
  it('says nothing about a file of the mapping’s own convention, ambiguous-looking values included', () => {
    const w = watchOver('.', ['1234.56', '98.001', '0.125', '-3.5', '1,234.5', '700']);
    expect(w.verdict()).toBeNull();
    // '0.125' is never a grouped 125; '1,234.5' and '1234.56' only read with a decimal point.
    expect({ for: w.for, against: w.against, ambiguous: w.ambiguous }).toEqual({ for: 4, against: 0, ambiguous: 1 });
  });

  it('stops a decimal-comma file read with a decimal point, naming a rejected cell and a value that would be wrong', () => {
    const v = watchOver('.', ['12.500,5', '-98.001', '60.000', '812,4', '700'])!.verdict();
    expect(v?.kind).toBe('other-format');
    expect(v?.message).toContain("(e.g. '12.500,5' on line 2, column 'kWh'), but the mapping reads '.'");
    expect(v?.message).toContain("2 values such as '-98.001' (line 3) would have been sent as -98.001 instead of -98001");
  });

  it('says a database table\'s rows as rows of the table, fixed in the database or the mapping, not as a file to drop again', () => {
    const v = watchOver(',', ['12.5', '1,250', '3.75'], 'table')!.verdict();
    expect(v?.message).toContain("The numbers in this table are written with '.' as the decimal separator (e.g. '12.5' on row 2 of the table, column 'kWh')");
    expect(v?.message).toContain("'1,250' (row 3 of the table) would have been sent as 1.25 instead of 1250");
    expect(v?.message).toContain('the next run reads these rows again; otherwise correct the values in the database.');
    expect(v?.message).not.toMatch(/file/);
  });

  it('stops a decimal-point file read with a decimal comma', () => {
    const v = watchOver(',', ['12.5', '1,250', '3.75'])!.verdict();
    expect(v?.kind).toBe('other-format');
    expect(v?.message).toContain("written with '.' as the decimal separator (e.g. '12.5' on line 2");
    expect(v?.message).toContain("'1,250' (line 3) would have been sent as 1.25 instead of 1250");
  });

  it('only hints when the rejected cells are outnumbered, or when nothing was read ambiguously', () => {
    expect(watchOver('.', ['1234.56', '12,5', '98.001', '17.25']).verdict()?.kind).toBe('hint');
    expect(watchOver('.', ['12.500,5', '812,4', '700']).verdict()).toMatchObject({ kind: 'hint', message: expect.stringContaining('2 rejected values look') });
  });

  it('ignores cells rejected for reasons other than their number format', () => {
    const w = watchOver('.', ['abc', 'n/a', '1.2.3']);
    expect({ for: w.for, against: w.against, ambiguous: w.ambiguous }).toEqual({ for: 0, against: 0, ambiguous: 0 });
    expect(w.verdict()).toBeNull();
  });
});
