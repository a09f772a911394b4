import { describe, expect, it } from 'vitest';
import type { SourceRow } from '../../../shared/domain';
import { parseProfile } from '../../../shared/mapping/profile';
import { previewMapping } from '../../../main/engine/mapping/preview';
import { catalogue } from '../../fixtures/mapping/catalogue';

// A wide monthly utility report per site, as a reader hands it on after stripping the title block
// ("ACME Ltd — Electricity by site, 2024", a blank line, then the header on line 4).
const headers = ['Site code', 'Jan 2024', 'Feb 2024', 'Mar 2024', 'Total'];
const data: Array<Array<string | null>> = [
  ['LDN-01', '12.345,6', '11.002,25', '10.500', '33.847,85'],
  ['MAN-02', '8.100', '-', '8.020', '16.120'],
  ['NEW-7', '1', '2', '3', '6'],
  ['LDN-01', '1', '2', '3', '6'], // the same site again: every month duplicates line 5
  ['BER-1', 'abc', '7,5', '1.000,0', '1.007,5'],
  ['Total', '20.447,6', '11.006,25', '19.523', '51.976,85'],
  [null, null, null, null, null],
];
const rows: SourceRow[] = data.map((cells, i) => ({ line: 5 + i, cells: Object.fromEntries(headers.map((h, j) => [h, cells[j] ?? null])) }));

const profile = parseProfile({
  schemaVersion: 1,
  name: 'Electricity by site',
  sourceId: 'src',
  connectionId: 'conn',
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
  unit: { kind: 'fixed', unit: 'kWh' },
  transforms: { number: { decimal: ',', thousands: '.' } },
  filters: { skipWhen: [{ column: 'Site code', matches: { pattern: '^total$' } }] },
});

async function* stream(): AsyncGenerator<SourceRow> {
  for (const r of rows) yield r;
}

describe('previewMapping', () => {
  it('runs the real pipeline and returns payload, rejections and an exact summary', async () => {
    // "now" is in March 2024: March has not ended, so March values are held back as future.
    const result = await previewMapping(profile, stream(), catalogue, { now: new Date('2024-03-20T12:00:00Z') });

    expect(result.payload.map((p) => [p.line, p.column, p.record.entityId, p.record.value])).toEqual([
      [6, 'Jan 2024', 'e-man', 8100],
      [9, 'Feb 2024', 'e-ber', 7.5],
    ]);
    expect(result.payload[0]?.record).toEqual({
      metricId: 'm-elec',
      entityId: 'e-man',
      periodStart: '2024-01-01',
      periodEnd: '2024-01-31',
      value: 8100,
      unit: 'kWh',
      comment: null,
      evidence: null,
    });
    expect(result.payload[0]?.hash).toMatch(/^[0-9a-f]{16}$/);

    const reasons = result.rejected.map((e) => e.reason);
    // Duplicates: both lines reported for each month.
    expect(reasons).toContain("Line 5, column 'Jan 2024': this value has the same metric, site and period as line 8; both were held back. Remove the duplicate, or, if such rows are parts of one total, choose “Add them up” for “Rows with the same metric, site and period” in the mapping's “Sites & periods” step.");
    expect(reasons).toContain("Line 8, column 'Jan 2024': this value has the same metric, site and period as line 5; both were held back. Remove the duplicate, or, if such rows are parts of one total, choose “Add them up” for “Rows with the same metric, site and period” in the mapping's “Sites & periods” step.");
    expect(reasons.some((r) => r.startsWith("Line 9, column 'Jan 2024': 'abc' is not a number"))).toBe(true);
    expect(reasons.some((r) => r.startsWith("Line 6, column 'Mar 2024': the period 2024-03-01 to 2024-03-31 has not ended yet"))).toBe(true);

    expect(result.held).toEqual([{ kind: 'entity', column: 'Site code', value: 'NEW-7', firstLine: 7, rows: 1 }]);
    expect(result.summary).toEqual({
      rowsIn: 7,
      recordsOut: 2,
      rejected: result.rejected.length,
      rejectedRows: 4,
      skippedRows: 2,
      blankValues: 1,
      heldRows: 1,
      addedUp: { rows: 0, values: 0 },
      metricsTouched: ['m-elec'],
      periodRange: { start: '2024-01-01', end: '2024-02-29' },
      payloadTruncated: false,
      errorsTruncated: false,
    });
    // 3 months × 2 lines of duplicates, 1 bad number, 3 future Marches (lines 5, 6 and 9).
    expect(result.summary.rejected).toBe(6 + 1 + 3);
  });

  it('processes every row but keeps only `limit` payload rows and `maxErrors` errors', async () => {
    const many: SourceRow[] = Array.from({ length: 300 }, (_, i) => ({
      line: i + 2,
      cells: { 'Site code': i % 2 ? 'LDN-01' : 'MAN-02', 'Jan 2024': String(i), 'Feb 2024': 'x', 'Mar 2024': null },
    }));
    const r = await previewMapping(profile, many, catalogue, { now: new Date('2025-01-01T00:00:00Z'), limit: 10, maxErrors: 5 });
    // Jan: 2 distinct keys only (two sites), the rest are duplicates.
    expect(r.payload.length).toBe(0);
    expect(r.summary.recordsOut).toBe(0);
    expect(r.summary.rowsIn).toBe(300);
    expect(r.rejected.length).toBe(5);
    expect(r.summary.errorsTruncated).toBe(true);
    expect(r.summary.rejected).toBe(300 + 300);
  });

  it('stops after maxRows for a sample', async () => {
    const r = await previewMapping(profile, rows, catalogue, { now: new Date('2025-01-01T00:00:00Z'), maxRows: 2 });
    expect(r.summary.rowsIn).toBe(2);
    expect(r.summary.recordsOut).toBe(5); // LDN-01 × 3 months, MAN-02 × Jan and Mar
    expect(r.summary.periodRange).toEqual({ start: '2024-01-01', end: '2024-03-31' });
  });

  it('adds up rows of one metric, site and period when the mapping says so, as the run does', async () => {
    const adding = parseProfile({ ...profile, sameKeyRows: 'add' });
    const r = await previewMapping(adding, stream(), catalogue, { now: new Date('2025-01-01T00:00:00Z') });
    // Lines 5 and 8 (both LDN-01) are one value per month: 12.345,6 + 1, 11.002,25 + 2, 10.500 + 3.
    const ldn = r.payload.filter((p) => p.record.entityId === 'e-ldn').map((p) => [p.line, p.column, p.record.value]);
    expect(ldn).toEqual([
      [5, 'Jan 2024', 12346.6],
      [5, 'Feb 2024', 11004.25],
      [5, 'Mar 2024', 10503],
    ]);
    expect(r.rejected.map((e) => e.reason).filter((x) => x.includes('same metric'))).toEqual([]);
    expect(r.summary.addedUp).toEqual({ rows: 6, values: 3 });
    expect(r.summary.recordsOut).toBe(3 + 2 + 2); // LDN-01 × 3, MAN-02 × Jan and Mar, BER-1 × Feb and Mar
  });

  it('holds back every row of a key that cannot be added up (a percentage), naming why', async () => {
    const share = parseProfile({ ...profile, sameKeyRows: 'add', metric: { kind: 'fixed', metricId: 'm-renewable-share' }, unit: { kind: 'fixed', unit: '%' } });
    const three: SourceRow[] = [5, 6, 7].map((line) => ({ line, cells: { 'Site code': 'LDN-01', 'Jan 2024': '40', 'Feb 2024': null, 'Mar 2024': null } }));
    const r = await previewMapping(share, three, catalogue, { now: new Date('2025-01-01T00:00:00Z') });
    expect(r.payload).toEqual([]);
    expect(r.summary.recordsOut).toBe(0);
    expect(r.rejected.map((e) => e.line)).toEqual([5, 6, 7]);
    expect(new Set(r.rejected.map((e) => e.reason.replace(/^Line \d+/, '')))).toHaveProperty('size', 1);
    expect(r.rejected[0]!.reason).toBe(
      "Line 5, column 'Jan 2024': the rows with this metric, site and period (from line 5 on) are added up by this mapping, but 'Renewable electricity share' is a percentage, which cannot be added up. All of them were held back.",
    );
  });
});
