/**
 * A utility export whose header spans two rows: a title, then row 3 with 'Consumption' over two
 * columns and row 4 with 'Quantity | Unit' under it. Read as one header ('Consumption Quantity',
 * 'Consumption Unit'), the data starts on row 5 and every row maps; read with row 3 alone, row 4
 * is a "data row" without a site, rejected in every month's file. A CSV has no merged cells, so
 * the same shape is told from the rows themselves — never at the cost of a real first data row.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExcelJS } from '../../../main/engine/runtime/lazy-modules';
import { openReader, type OpenReaderOptions } from '../../../main/engine/sources/readers';
import { combineHeaderRows, isSubHeaderRow } from '../../../main/engine/sources/readers/sniff';
import type { SourceRow } from '../../../shared/domain';
import { applyProfile } from '../../../shared/mapping/apply';
import { parseProfile, type MappingProfileInput } from '../../../shared/mapping/profile';
import { catalogue } from '../../fixtures/mapping/catalogue';

const dir = mkdtempSync(join(tmpdir(), 'esg-two-row-header-'));
const file = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TITLE = 'Northern Utilities - consumption export';
const DATA: Array<[string, string, number, string]> = [
  ['LDN-1', '2024-01', 1200, 'kWh'],
  ['MAN-2', '2024-01', 900, 'kWh'],
  ['BER-1', '2024-01', 450.5, 'kWh'],
];
const csv = (lines: string[]) => `${lines.join('\n')}\n`;

beforeAll(async () => {
  const ExcelJS = await loadExcelJS();
  // As the analyst's export: 'Consumption' merged over C3:D3, the other labels merged down over rows 3-4.
  {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Consumption');
    ws.getCell('A1').value = TITLE;
    ws.getRow(3).values = ['Site', 'Month', 'Consumption'];
    ws.getRow(4).values = [null, null, 'Quantity', 'Unit'];
    ws.mergeCells('C3:D3');
    ws.mergeCells('A3:A4');
    ws.mergeCells('B3:B4');
    for (const r of DATA) ws.addRow(r);
    await wb.xlsx.writeFile(file('merged.xlsx'));
  }
  // The same merged 'Consumption', with the other columns of row 4 simply empty.
  {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Consumption');
    ws.getCell('A1').value = TITLE;
    ws.getRow(3).values = ['Site', 'Month', 'Consumption', null];
    ws.getRow(4).values = [null, null, 'Quantity', 'Unit'];
    ws.mergeCells('C3:D3');
    for (const r of DATA) ws.addRow(r);
    await wb.xlsx.writeFile(file('merged-blank-below.xlsx'));
  }
  // Saved by a tool that writes no merges at all: the label sits in C3, D3 is empty.
  {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Consumption');
    ws.getCell('A1').value = TITLE;
    ws.getRow(3).values = ['Site', 'Month', 'Consumption'];
    ws.getRow(4).values = [null, null, 'Quantity', 'Unit'];
    for (const r of DATA) ws.addRow(r);
    await wb.xlsx.writeFile(file('unmerged.xlsx'));
  }
  // Negative: a header on row 1 and a first data row of text only (a text metric).
  {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Policies');
    ws.addRow(['Site', 'Metric', 'Value', 'Comment']);
    ws.addRow(['LDN-1', 'Environmental policy', 'Yes', 'signed by the board']);
    ws.addRow(['MAN-2', 'Environmental policy', 'No', null]);
    await wb.xlsx.writeFile(file('text-first-row.xlsx'));
  }
  const rows = DATA.map((r) => r.join(','));
  writeFileSync(file('padded.csv'), csv([`${TITLE},,,`, ',,,', 'Site,Month,Consumption,', ',,Quantity,Unit', ...rows]));
  writeFileSync(file('unpadded.csv'), csv([TITLE, '', 'Site,Month,Consumption', ',,Quantity,Unit', ...rows]));
  writeFileSync(file('semicolon.csv'), csv([`${TITLE};;;`, 'Site;Month;Consumption;', ';;Quantity;Unit', ...DATA.map((r) => r.join(';'))]));
});

async function readAll(path: string, opts: OpenReaderOptions = {}) {
  const reader = await openReader(path, opts);
  const rows: SourceRow[] = [];
  for await (const row of reader.rows()) rows.push(row);
  await reader.close();
  return { info: reader.info, rows };
}

const profile: MappingProfileInput = {
  schemaVersion: 1,
  name: 'Utility consumption',
  sourceId: 'src-1',
  connectionId: 'conn-1',
  shape: { kind: 'long', valueColumn: 'Consumption Quantity' },
  metric: { kind: 'fixed', metricId: 'm-elec' },
  unit: { kind: 'column', column: 'Consumption Unit' },
  entity: { kind: 'column', column: 'Site' },
  period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
};

function mapAll(rows: SourceRow[], p: MappingProfileInput = profile) {
  const parsed = parseProfile(p);
  const out = rows.map((r) => applyProfile(parsed, r, catalogue));
  return { errors: out.flatMap((m) => m.errors), records: out.flatMap((m) => m.records.map((x) => [x.line, x.record.entityId, x.record.value])) };
}

const COMBINED = ['Site', 'Month', 'Consumption Quantity', 'Consumption Unit'];

describe('a header that spans two rows', () => {
  it.each(['merged.xlsx', 'merged-blank-below.xlsx', 'unmerged.xlsx', 'padded.csv', 'unpadded.csv', 'semicolon.csv'])(
    '%s: the two rows are one header, the data starts after them, and no row is rejected',
    async (name) => {
      const { info, rows } = await readAll(file(name));
      expect(info.headers).toEqual(COMBINED);
      expect(info.headerRows).toBe(2);
      const top = name === 'semicolon.csv' ? 2 : 3;
      expect(info.headerRow).toBe(top);
      expect(info.warnings.join(' ')).toContain(`The column names span rows ${top} and ${top + 1}`);
      expect(rows.map((r) => r.line)).toEqual([top + 2, top + 3, top + 4]);
      const { errors, records } = mapAll(rows);
      expect(errors).toEqual([]);
      expect(records).toEqual([
        [top + 2, 'e-ldn', 1200],
        [top + 3, 'e-man', 900],
        [top + 4, 'e-ber', 450.5],
      ]);
    },
  );

  it.each(['merged.xlsx', 'padded.csv', 'unpadded.csv'])('%s: read the same with the header row chosen, or with read.headerRows: 2 kept in the profile', async (name) => {
    const auto = await readAll(file(name));
    for (const opts of [{ headerRow: 3 }, { headerRow: 3, headerRows: 2 }, { headerRows: 2 }] as OpenReaderOptions[]) {
      const chosen = await readAll(file(name), opts);
      expect(chosen.info.headers, JSON.stringify(opts)).toEqual(COMBINED);
      expect(chosen.info.headerRow).toBe(3);
      expect(chosen.rows).toEqual(auto.rows);
    }
    // The profile's read options reach the reader as they are: the schema keeps headerRows.
    expect(parseProfile({ ...profile, read: { headerRow: 3, headerRows: 2 } }).read).toEqual({ headerRow: 3, headerRows: 2 });
  });

  it('read with row 3 alone (headerRows: 1), row 4 is a row without a site — what the analyst saw', async () => {
    const { info, rows } = await readAll(file('padded.csv'), { headerRow: 3, headerRows: 1 });
    expect(info.headerRows).toBeUndefined();
    expect(rows[0]).toMatchObject({ line: 4, cells: { Site: '', Consumption: 'Quantity' } });
    // Its rejection says what the row is, not "set a fixed site" (the Site column has codes on every other row).
    const asIs = { ...profile, shape: { kind: 'long' as const, valueColumn: 'Consumption' }, unit: { kind: 'column' as const, column: 'Column 4' } };
    const { errors } = mapAll(rows, asIs);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.reason).toMatch(/^Line 4, column 'Site': no site is given, and the row holds words where its values belong \('Quantity'\): it looks like a second row of column names/);
    expect(errors[0]!.reason).toContain('“Structure” step');
    expect(errors[0]!.reason).not.toContain('fixed site');
    // A data row without its site still gets the usual advice.
    const blankSite = mapAll([{ line: 9, cells: { Site: '', Month: '2024-01', 'Consumption Quantity': 5, 'Consumption Unit': 'kWh' } }]);
    expect(blankSite.errors[0]!.reason).toContain('or set a fixed site');
  });
});

describe('a first data row is never taken for a second header row', () => {
  it.each([
    ['a text metric file', csv(['Site,Metric,Value,Comment', 'LDN-1,Environmental policy,Yes,signed by the board', 'MAN-2,Environmental policy,No,'])],
    ['a text row under an unnamed column', csv(['Site,Metric,Value,', 'LDN-1,Environmental policy,Yes,checked', 'MAN-2,Environmental policy,No,'])],
    ['a first row with no site (a fixed-site file) and words in a number column', csv(['Site,Month,Electricity (kWh),Note', ',2024-01,estimated,meter broken', 'LDN-1,2024-02,120,'])],
    ['a first row of placeholders under the numbers', csv(['Site,Month,Electricity,Gas', ',,n/a,n/a', 'LDN-1,2024-01,100,50', 'MAN-2,2024-01,90,40'])],
    ['a title line over the header', csv(['Fuel card export,,,', 'Card,Date,Litres,Vehicle', '1234,2024-01-03,45.2,VAN-1', '1235,2024-01-04,50.1,VAN-2'])],
    ['a single word under the header', csv(['Site,Month,Electricity,Gas', ',,kWh,', 'LDN-1,2024-01,100,50'])],
  ])('%s', async (_, text) => {
    const path = file(`negative-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(path, text);
    const lines = text.trimEnd().split('\n');
    const headerLine = lines.findIndex((l) => /^(Site|Card),/.test(l)) + 1;
    const { info, rows } = await readAll(path);
    expect(info.headerRow).toBe(headerLine);
    expect(info.headerRows).toBeUndefined();
    expect(info.headers.join(',')).toBe(lines[headerLine - 1]!.split(',').map((h, i) => h || `Column ${i + 1}`).join(','));
    expect(rows[0]?.line).toBe(headerLine + 1);
  });

  it('an xlsx whose first data row is all text', async () => {
    const { info, rows } = await readAll(file('text-first-row.xlsx'));
    expect(info.headerRow).toBe(1);
    expect(info.headerRows).toBeUndefined();
    expect(rows.map((r) => r.line)).toEqual([2, 3]);
  });
});

describe('the sub-header test and the combined names', () => {
  it('combines a group label with each label under it; a column with text in one row keeps it', () => {
    expect(combineHeaderRows(['Site', 'Month', 'Consumption', '', 'Cost'], ['', '', 'Quantity', 'Unit', '']).headers).toEqual(['Site', 'Month', 'Consumption Quantity', 'Consumption Unit', 'Cost']);
    expect(combineHeaderRows(['Site', 'Electricity', null, 'Gas', null], ['Site', 'kWh', 'Cost', 'kWh', 'Cost']).headers).toEqual(['Site', 'Electricity kWh', 'Electricity Cost', 'Gas kWh', 'Gas Cost']);
    // A blank top cell with no label run leading to it does not borrow a label.
    expect(combineHeaderRows(['Site', '', 'Value'], ['', 'Code', '']).headers).toEqual(['Site', 'Code', 'Value']);
  });

  it('needs data below, labels only, and a word where the data holds numbers', () => {
    const header = ['Site', 'Month', 'Consumption', ''];
    const sub = ['', '', 'Quantity', 'Unit'];
    const data = [
      ['LDN-1', '2024-01', '1200', 'kWh'],
      ['MAN-2', '2024-01', '900', 'kWh'],
    ];
    expect(isSubHeaderRow(header, sub, data)).toBe(true);
    expect(isSubHeaderRow(header, sub, [])).toBe(false);
    expect(isSubHeaderRow(header, ['', '', '1100', 'kWh'], data)).toBe(false);
    expect(isSubHeaderRow(header, ['', '', 'Quantity', 'Unit'], data.map((r) => [r[0], r[1], 'estimated', r[3]]))).toBe(false);
    // A workbook's merged 'Consumption' says so even over a column of words.
    expect(isSubHeaderRow(header, sub, data.map((r) => [r[0], r[1], 'estimated', r[3]]), { spanned: new Set([2, 3]), mergedDown: new Set() })).toBe(true);
  });
});
