import { describe, expect, it } from 'vitest';
import type { SourceRow } from '../../../shared/domain';
import { applyProfile, canonicalRecord, naturalKeyOf, recordHash } from '../../../shared/mapping/apply';
import { parseProfile, type MappingProfileInput } from '../../../shared/mapping/profile';
import { catalogue } from '../../fixtures/mapping/catalogue';
import { msg } from '../../../shared/mapping/messages';

const base = { schemaVersion: 1 as const, name: 'Test', sourceId: 'src-1', connectionId: 'conn-1' };

function rows(headers: string[], data: Array<Array<string | number | null>>, firstLine = 2): SourceRow[] {
  return data.map((cells, i) => ({ line: firstLine + i, cells: Object.fromEntries(headers.map((h, j) => [h, cells[j] ?? null])) }));
}

function runAll(input: MappingProfileInput, source: SourceRow[]) {
  const profile = parseProfile(input);
  return source.map((r) => applyProfile(profile, r, catalogue));
}

describe('long shape', () => {
  const profile: MappingProfileInput = {
    ...base,
    shape: { kind: 'long', valueColumn: 'Amount' },
    metric: { kind: 'column', column: 'Metric', valueMap: { Strom: 'm-elec', Diesel: 'm-diesel' } },
    entity: { kind: 'column', column: 'Site', valueMap: { London: 'e-ldn' }, unknownEntity: 'reject' },
    period: { kind: 'date', column: 'Date', format: 'DD.MM.YYYY', granularity: 'month' },
    unit: { kind: 'column', column: 'Unit' },
    comment: { column: 'Note' },
    transforms: { number: { decimal: ',', thousands: '.' } },
  };
  const headers = ['Site', 'Metric', 'Date', 'Amount', 'Unit', 'Note'];

  it('maps metric and site through value maps and the catalogue, converts units, expands periods', () => {
    const [a, b, c] = runAll(
      profile,
      rows(headers, [
        ['London', 'Strom', '15.01.2024', '1.234,5', 'MWh', ' estimated '],
        ['MAN-2', 'Diesel', '03.02.2024', '250', 'gal (UK)', ''],
        ['berlin werk', 'Electricity consumption', '29.02.2024', '(10)', 'kWh', null],
      ]),
    );
    expect(a?.errors).toEqual([]);
    expect(a?.records[0]?.record).toEqual({
      metricId: 'm-elec',
      entityId: 'e-ldn',
      periodStart: '2024-01-01',
      periodEnd: '2024-01-31',
      value: 1234500,
      unit: 'kWh',
      comment: 'estimated',
      evidence: null,
    });
    // 250 UK gal × 4.54609 L = 1136.5225 L; site matched by external ref
    expect(b?.records[0]?.record).toMatchObject({ metricId: 'm-diesel', entityId: 'e-man', value: 1136.5225, unit: 'L', comment: null });
    // site matched by name case-insensitively, metric by its library name, accounting negative
    expect(c?.records[0]?.record).toMatchObject({ metricId: 'm-elec', entityId: 'e-ber', value: -10, periodEnd: '2024-02-29' });
    expect(a?.records[0]?.naturalKey).toBe('metric=m-elec|entity=e-ldn|period=2024-01-01..2024-01-31');
  });

  it('says which codes it took from the platform catalogue rather than the mapping, and takes none when told not to', () => {
    const data = rows(headers, [
      ['London', 'Strom', '15.01.2024', '1', 'kWh', null],
      ['MAN-2', 'Electricity consumption', '03.02.2024', '2', 'kWh', null],
    ]);
    const [mapped, matched] = runAll(profile, data);
    expect(mapped?.catalogueMatches).toBeUndefined();
    expect(matched?.catalogueMatches).toEqual([
      { kind: 'entity', column: 'Site', text: 'MAN-2', id: 'e-man', name: expect.any(String) },
      { kind: 'metric', column: 'Metric', text: 'Electricity consumption', id: 'm-elec', name: 'Electricity consumption' },
    ]);
    const off: MappingProfileInput = {
      ...profile,
      entity: { kind: 'column', column: 'Site', valueMap: { London: 'e-ldn' }, unknownEntity: 'hold', matchCatalogue: false },
    };
    const [, held] = runAll(off, data);
    expect(held?.records).toEqual([]);
    expect(held?.held).toMatchObject([{ kind: 'entity', value: 'MAN-2' }]);
    expect(held?.catalogueMatches).toBeUndefined();
  });

  it('rejects an unknown site with the analyst-facing message', () => {
    const [r] = runAll(profile, rows(headers, [['LDN-9', 'Strom', '15.01.2024', '1', 'kWh', null]], 14));
    expect(r?.records).toEqual([]);
    expect(r?.errors).toEqual([
      {
        line: 14,
        column: 'Site',
        value: 'LDN-9',
        reason: "Line 14, column 'Site': 'LDN-9' is not a known site. Map it to a platform site in the mapping's “Sites & periods” step.",
      },
    ]);
  });

  it('holds or skips unknown sites according to the policy', () => {
    const held = runAll({ ...profile, entity: { kind: 'column', column: 'Site', unknownEntity: 'hold' } }, rows(headers, [['Nowhere', 'Strom', '15.01.2024', '1', 'kWh', null]]));
    expect(held[0]?.held).toEqual([
      { line: 2, kind: 'entity', column: 'Site', value: 'Nowhere', reason: "'Nowhere' is not mapped to a platform site yet, so this row was not sent. Map it in the mapping's “Sites & periods” step." },
    ]);
    expect(held[0]?.errors).toEqual([]);
    // A metric code is mapped in the same step as site codes (the wizard lists both there), not in "Columns".
    expect(msg.held('LPG', 'metric', 'metric')).toBe("'LPG' is not mapped to a platform metric yet, so this row was not sent. Map it in the mapping's “Sites & periods” step, where the metric column's codes are listed.");
    expect(msg.unknownMetricValue('Fernwärme')).toContain("Map it to a metric in the mapping's “Sites & periods” step");
    const skipped = runAll({ ...profile, entity: { kind: 'column', column: 'Site', unknownEntity: 'skip' } }, rows(headers, [['Nowhere', 'Strom', '15.01.2024', '1', 'kWh', null]]));
    expect(skipped[0]?.skipped).toBe('unknown-entity');
    expect(skipped[0]?.records).toEqual([]);
  });

  it('reports unreadable numbers, dates, unknown metrics and units with line and column', () => {
    const out = runAll(
      profile,
      rows(headers, [
        ['London', 'Strom', '15.01.2024', 'abc', 'kWh', null],
        ['London', 'Strom', '01/15/2024', '1', 'kWh', null], // month-first in a DD.MM.YYYY file
        ['London', 'Fernwärme', '15.01.2024', '1', 'kWh', null],
        ['London', 'Strom', '15.01.2024', '1', 'kg', null],
        ['London', 'Strom', '15.01.2024', '1', 'gal', null],
        ['London', 'Strom', '15.01.2024', '1.5', 'kWh', null], // '1.5' in a decimal-comma file
      ]),
    );
    const reasons = out.map((r) => r.errors.map((e) => `${e.column}|${e.reason}`));
    // Says once that it is not a number, then what is expected, in this file's decimal format.
    expect(reasons[0]?.[0]).toBe("Amount|Line 2, column 'Amount': 'abc' is not a number, but 'Electricity consumption' needs one. Enter a number like 1234,5.");
    expect(reasons[1]?.[0]).toMatch(/^Date\|Line 3, column 'Date': '01\/15\/2024' could not be read as a period: .*DD\.MM\.YYYY/);
    expect(reasons[2]?.[0]).toMatch(/^Metric\|Line 4, column 'Metric': 'Fernwärme' is not a metric in the platform's library/);
    expect(reasons[3]?.[0]).toMatch(/^Unit\|Line 5, column 'Unit': kg \(mass\) cannot be converted to kWh \(energy\)/);
    expect(reasons[4]?.[0]).toMatch(/^Unit\|Line 6, column 'Unit': 'gal' may be a US gallon/);
    expect(reasons[5]?.[0]).toMatch(/^Amount\|Line 7, column 'Amount': '1\.5' is not a number/);
    for (const r of out) expect(r.records).toEqual([]);
  });

  it('needs a calorific value to turn gas m³ into kWh, and uses it when given', () => {
    const gas: MappingProfileInput = { ...profile, metric: { kind: 'fixed', metricId: 'm-gas' } };
    const src = rows(headers, [['London', '', '15.01.2024', '1000', 'm³', null]]);
    const without = runAll(gas, src);
    expect(without[0]?.errors[0]?.reason).toMatch(/calorific value/);
    // What is missing and where it goes, each said once.
    const reason = without[0]!.errors[0]!.reason;
    expect(reason).toMatch(/needs the gas's calorific value in MJ per m³, as printed on the bill or given by the supplier\. Enter it in the mapping's “Units” step\.$/);
    expect(reason.split('“Units” step')).toHaveLength(2);
    const withCv = runAll({ ...gas, transforms: { number: { decimal: ',', thousands: '.' }, calorificValueMJPerM3: 36 } }, src);
    // 1000 m³ × 36 MJ/m³ = 36 000 MJ = 10 000 kWh
    expect(withCv[0]?.records[0]?.record.value).toBe(10000);
  });

  it('skips blank rows, total rows and blank values; reports blank values when asked', () => {
    const p: MappingProfileInput = { ...profile, filters: { skipWhen: [{ column: 'Site', matches: { pattern: '^(total|summe)', flags: 'i' } }] } };
    const out = runAll(
      p,
      rows(headers, [
        [null, null, '', null, '  ', null],
        ['Total', 'Strom', '15.01.2024', '999', 'kWh', null],
        ['London', 'Strom', '15.01.2024', '-', 'kWh', null],
      ]),
    );
    expect(out.map((r) => r.skipped)).toEqual(['blank-row', 'filtered', null]);
    expect(out[2]?.blankValues).toBe(1);
    expect(out[2]?.errors).toEqual([]);
    const strict = runAll({ ...p, filters: { skipBlankValues: false } }, rows(headers, [['London', 'Strom', '15.01.2024', '', 'kWh', null]]));
    expect(strict[0]?.errors[0]?.reason).toBe("Line 2, column 'Amount': the value is empty.");
  });
});

describe('wide shape', () => {
  // A monthly utility report after the reader stripped its title block ("Energy report 2024 / Acme Ltd"):
  // one row per site code, one column per month, decimal commas, a total row at the bottom.
  const headers = ['Site code', 'Meter', 'Jan 2024', 'Feb 2024', 'Mar 2024'];
  const report = rows(
    headers,
    [
      ['LDN-01', 'Electricity', '12.345,6', '11.002,25', ''],
      ['MAN-02', 'Electricity', '8.100', '7.950,5', '8.020'],
      ['XX-99', 'Electricity', '1', '2', '3'],
      ['Total', null, '20.445,6', '18.952,75', '8.020'],
    ],
    5,
  );
  const monthly: MappingProfileInput = {
    ...base,
    shape: {
      kind: 'wide',
      valueColumns: [
        { column: 'Jan 2024', period: { kind: 'fixed', start: '2024-01-01', end: '2024-01-31' } },
        { column: 'Feb 2024', period: { kind: 'fixed', start: '2024-02-01', end: '2024-02-29' } },
        { column: 'Mar 2024', period: { kind: 'fixed', start: '2024-03-01', end: '2024-03-31' } },
      ],
    },
    metric: { kind: 'fixed', metricId: 'm-elec' },
    entity: { kind: 'column', column: 'Site code', valueMap: { 'LDN-01': 'e-ldn', 'MAN-02': 'e-man' }, unknownEntity: 'hold' },
    unit: { kind: 'fixed', unit: 'MWh' },
    transforms: { number: { decimal: ',', thousands: '.' } },
    filters: { skipWhen: [{ column: 'Site code', matches: { pattern: 'total' } }] },
  };

  it('unpivots one row into one record per month, converting MWh to kWh', () => {
    const out = runAll(monthly, report);
    const ldn = out[0]!;
    expect(ldn.records.map((r) => [r.record.periodStart, r.record.value, r.record.unit, r.line, r.source.valueColumn])).toEqual([
      ['2024-01-01', 12345600, 'kWh', 5, 'Jan 2024'],
      ['2024-02-01', 11002250, 'kWh', 5, 'Feb 2024'],
    ]);
    expect(ldn.blankValues).toBe(1); // March is blank for London
    expect(out[1]!.records.map((r) => r.record.value)).toEqual([8100000, 7950500, 8020000]);
    expect(out[1]!.records.every((r) => r.record.entityId === 'e-man')).toBe(true);
    // Unknown site code held for a person, not guessed.
    expect(out[2]!.held).toMatchObject([{ line: 7, kind: 'entity', column: 'Site code', value: 'XX-99' }]);
    expect(out[2]!.records).toEqual([]);
    expect(out[3]!.skipped).toBe('filtered');
  });

  it('reads month-only columns with the year from a constant, in a fiscal year', () => {
    const p: MappingProfileInput = {
      ...monthly,
      constants: { Year: 'FY2024' },
      shape: {
        kind: 'wide',
        valueColumns: [
          { column: 'Mar', period: { kind: 'month', month: 3 } },
          { column: 'Apr', period: { kind: 'month', month: 4 } },
        ],
      },
      period: { kind: 'year', yearColumn: 'Year', fiscalYearStartMonth: 4, granularity: 'month' },
      unit: { kind: 'metric' },
    };
    const [r] = runAll(p, rows(['Site code', 'Mar', 'Apr'], [['LDN-01', '10', '20']]));
    // FY2024 from April, labelled by its end: April 2023 … March 2024.
    expect(r!.records.map((x) => [x.record.periodStart, x.record.periodEnd, x.record.value])).toEqual([
      ['2024-03-01', '2024-03-31', 10],
      ['2023-04-01', '2023-04-30', 20],
    ]);
  });

  it('maps one column per metric, each with its own unit from the header', () => {
    const p: MappingProfileInput = {
      ...base,
      shape: {
        kind: 'wide',
        valueColumns: [
          { column: 'Electricity (MWh)', metricId: 'm-elec', unit: 'MWh' },
          { column: 'Diesel (gal US)', metricId: 'm-diesel', unit: 'gal (US)' },
          { column: 'Waste (kg)', metricId: 'm-waste-total', unit: 'kg' },
        ],
      },
      entity: { kind: 'fixed', entityId: 'e-par' },
      period: { kind: 'year-month', yearColumn: 'Year', monthColumn: 'Month', granularity: 'month' },
    };
    const [r] = runAll(p, rows(['Year', 'Month', 'Electricity (MWh)', 'Diesel (gal US)', 'Waste (kg)'], [[2024, 'Mai', '1.5', '100', '2,500']]));
    expect(r!.errors).toEqual([]);
    expect(r!.records.map((x) => [x.record.metricId, x.record.value, x.record.unit, x.record.periodStart])).toEqual([
      ['m-elec', 1500, 'kWh', '2024-05-01'],
      ['m-diesel', 378.5411784, 'L', '2024-05-01'],
      ['m-waste-total', 2.5, 't', '2024-05-01'],
    ]);
  });
});

describe('date cells the reader handed on as ISO dates (typed Excel dates)', () => {
  const wide: MappingProfileInput = {
    ...base,
    shape: {
      kind: 'wide',
      valueColumns: [
        { column: 'Electricity', metricId: 'm-elec', unit: 'kWh' },
        { column: 'Gas', metricId: 'm-gas', unit: 'kWh' },
      ],
    },
    entity: { kind: 'fixed', entityId: 'e-ldn' },
    period: { kind: 'date', column: 'month', format: 'YYYY-MM', granularity: 'month' },
  };
  const periods = (input: MappingProfileInput, cells: Array<string | number | null>) =>
    runAll(input, rows(['month', 'Electricity', 'Gas'], cells.map((c) => [c, 10, 20]))).map((r) => {
      expect(r.errors).toEqual([]);
      return r.records.map((x) => `${x.record.periodStart}..${x.record.periodEnd}`);
    });

  it("reads them as dates in a 'YYYY-MM' column instead of rejecting them once per value column", () => {
    const out = runAll(wide, rows(['month', 'Electricity', 'Gas'], [['2024-06-01', 10, 20], ['2024-07-01T00:00:00', 11, 21], ['2024-08', 12, 22]]));
    expect(out.map((r) => r.errors)).toEqual([[], [], []]);
    expect(out.map((r) => r.records.map((x) => [x.record.metricId, x.record.periodStart, x.record.periodEnd]))).toEqual([
      [['m-elec', '2024-06-01', '2024-06-30'], ['m-gas', '2024-06-01', '2024-06-30']],
      [['m-elec', '2024-07-01', '2024-07-31'], ['m-gas', '2024-07-01', '2024-07-31']],
      [['m-elec', '2024-08-01', '2024-08-31'], ['m-gas', '2024-08-01', '2024-08-31']],
    ]);
  });

  it('gives a day in a month column its month even with custom granularity, and a quarter in a quarter column', () => {
    expect(periods({ ...wide, period: { kind: 'date', column: 'month', format: 'YYYY-MM', granularity: 'custom' } }, ['2024-06-15'])).toEqual([
      ['2024-06-01..2024-06-30', '2024-06-01..2024-06-30'],
    ]);
    expect(periods({ ...wide, period: { kind: 'date', column: 'month', format: 'YYYY-Qn', granularity: 'custom', fiscalYearStartMonth: 4 } }, ['2024-06-15', '2024Q1'])).toEqual([
      ['2024-04-01..2024-06-30', '2024-04-01..2024-06-30'],
      ['2023-04-01..2023-06-30', '2023-04-01..2023-06-30'],
    ]);
    // In a day-level column a day stays a day.
    expect(periods({ ...wide, period: { kind: 'date', column: 'month', format: 'DD.MM.YYYY', granularity: 'custom' } }, ['2024-06-15'])).toEqual([
      ['2024-06-15..2024-06-15', '2024-06-15..2024-06-15'],
    ]);
  });

  it('reads a range whose cells are ISO days as whole months in a month-format profile', () => {
    const range: MappingProfileInput = { ...wide, period: { kind: 'range', startColumn: 'From', endColumn: 'To', format: 'MMM YYYY', granularity: 'custom' } };
    const [r] = runAll(range, rows(['From', 'To', 'Electricity', 'Gas'], [['2024-01-01', '2024-03-01', 1, 2]]));
    expect(r!.errors).toEqual([]);
    expect(r!.records.map((x) => [x.record.periodStart, x.record.periodEnd])).toEqual([
      ['2024-01-01', '2024-03-31'],
      ['2024-01-01', '2024-03-31'],
    ]);
  });

  it('accepts an ISO text date in a DD.MM.YYYY file, but still refuses other formats and impossible dates', () => {
    // '2024-01-15' can only mean one day: refusing it would only make work. A month-first date in
    // a day-first file is ambiguous and stays an error, as does a day that does not exist.
    const german: MappingProfileInput = { ...wide, period: { kind: 'date', column: 'month', format: 'DD.MM.YYYY', granularity: 'month' } };
    expect(periods(german, ['15.01.2024', '2024-01-15'])).toEqual([
      ['2024-01-01..2024-01-31', '2024-01-01..2024-01-31'],
      ['2024-01-01..2024-01-31', '2024-01-01..2024-01-31'],
    ]);
    const [us, impossible] = runAll(german, rows(['month', 'Electricity', 'Gas'], [['01/15/2024', 1, 2], ['2023-02-29', 1, 2]]));
    expect(us!.records).toEqual([]);
    expect(us!.errors[0]!.reason).toMatch(/^Line 2, column 'month': '01\/15\/2024' could not be read as a period: .*DD\.MM\.YYYY/);
    expect(impossible!.records).toEqual([]);
    expect(impossible!.errors[0]!.reason).toContain("'2023-02-29' is not a real date.");
  });
});

describe('natural keys and hashes', () => {
  const record = { metricId: 'm|1', entityId: 'e=2', periodStart: '2024-01-01', periodEnd: '2024-01-31', value: 5, unit: 'kWh', comment: null, evidence: null };

  it('escapes separators so different records never share a key', () => {
    expect(naturalKeyOf(['metric', 'entity', 'period'], record)).toBe('metric=m%7C1|entity=e%3D2|period=2024-01-01..2024-01-31');
    expect(naturalKeyOf(['metric', { column: 'Meter' }], record, { Meter: 'A|B' })).toBe('metric=m%7C1|col:Meter=A%7CB');
  });

  it('hashes the canonical record independent of field order, and changes with the value', () => {
    const reordered = { evidence: null, comment: null, unit: 'kWh', value: 5, periodEnd: '2024-01-31', periodStart: '2024-01-01', entityId: 'e=2', metricId: 'm|1' };
    expect(canonicalRecord(reordered)).toBe(canonicalRecord(record));
    expect(recordHash(reordered)).toBe(recordHash(record));
    expect(recordHash({ ...record, value: 5.0001 })).not.toBe(recordHash(record));
    expect(recordHash(record)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('per-row fast paths give what the full path gives', () => {
  it('a date cell equal to the previous row’s reuses its period, and only then', async () => {
    const fc = await import('fast-check');
    const input: MappingProfileInput = {
      ...base,
      shape: { kind: 'long', valueColumn: 'Amount' },
      metric: { kind: 'fixed', metricId: 'm-elec' },
      entity: { kind: 'fixed', entityId: 'e-ldn' },
      period: { kind: 'date', column: 'Date', format: 'DD.MM.YYYY', granularity: 'custom' },
      unit: { kind: 'fixed', unit: 'kWh' },
    };
    const dates = fc.constantFrom('15.01.2024', '31.01.2024', '01.02.2024', '29.02.2024', '30.02.2024', '', '2024', 'Q1 2024', '15.01.2024 ');
    fc.assert(
      fc.property(fc.array(dates, { maxLength: 12 }), (cells) => {
        const source = rows(['Date', 'Amount'], cells.map((d) => [d, '1']));
        const shared = parseProfile(input);
        const together = source.map((r) => applyProfile(shared, r, catalogue));
        // A fresh profile object per row compiles afresh: nothing is remembered between rows.
        const apart = source.map((r) => applyProfile(parseProfile(input), r, catalogue));
        expect(together).toEqual(apart);
      }),
      { numRuns: 300 },
    );
  });

  it('natural keys escape % | = exactly as the full replacement does', async () => {
    const fc = await import('fast-check');
    const full = (s: string) => s.replace(/%/g, '%25').replace(/\|/g, '%7C').replace(/=/g, '%3D');
    const part = fc.stringMatching(/^[a-z%|=.]{0,8}$/);
    fc.assert(
      fc.property(part, part, part, (metricId, entityId, unit) => {
        const record = { metricId, entityId, periodStart: '2024-01-01', periodEnd: '2024-01-31', value: 1, unit, comment: null, evidence: null };
        expect(naturalKeyOf(['metric', 'entity', 'period', 'unit'], record)).toBe(`metric=${full(metricId)}|entity=${full(entityId)}|period=2024-01-01..2024-01-31|unit=${full(unit)}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('totals rows', () => {
  const profile: MappingProfileInput = {
    ...base,
    shape: { kind: 'long', valueColumn: 'kWh' },
    metric: { kind: 'fixed', metricId: 'm-elec' },
    entity: { kind: 'column', column: 'Site', valueMap: { London: 'e-ldn' }, unknownEntity: 'reject' },
    period: { kind: 'fixed', start: '2024-01-01', end: '2024-01-31' },
    unit: { kind: 'fixed', unit: 'kWh' },
  };

  it('skips a row whose site cell labels a total, in the words people use', () => {
    for (const label of ['Total', 'TOTAL', 'Totals', 'Grand total:', 'Sub-total', 'Summe', 'Gesamt', 'Somme', ' total ']) {
      const [r] = runAll(profile, rows(['Site', 'kWh'], [[label, '10']]));
      expect(r, label).toMatchObject({ skipped: 'totals-row', records: [], errors: [] });
    }
  });

  it('leaves names that only contain the word, and a label the mapping maps, alone', () => {
    const [a, b] = runAll(profile, rows(['Site', 'kWh'], [['Total Energies Depot', '10'], ['Sum Lane', '5']]));
    expect(a?.skipped).toBeNull();
    expect(a?.errors[0]?.reason).toContain("'Total Energies Depot' is not a known site");
    expect(b?.skipped).toBeNull();
    const mapsIt = { ...profile, entity: { kind: 'column' as const, column: 'Site', valueMap: { Total: 'e-ldn' }, unknownEntity: 'reject' as const } };
    const [c] = runAll(mapsIt, rows(['Site', 'kWh'], [['Total', '10']]));
    expect(c?.records[0]?.record.entityId).toBe('e-ldn');
  });
});
