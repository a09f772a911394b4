/**
 * Monthly reports often merge a site's cell over the rows of its months (A2:A3 holding 'LON-01',
 * months in column B, values in C). Excel shows the site on every row of the block, so the reader
 * gives each covered cell of a data row its range's top-left value — read from the sheet's merge
 * list while the rows stream — and the mapping sees a site on every row. A merged title above the
 * header still leaves the header as it is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExcelJS } from '../../../main/engine/runtime/lazy-modules';
import { openReader, type OpenReaderOptions } from '../../../main/engine/sources/readers';
import type { SourceRow } from '../../../shared/domain';
import { applyProfile } from '../../../shared/mapping/apply';
import { parseProfile, type MappingProfileInput } from '../../../shared/mapping/profile';
import { catalogue } from '../../fixtures/mapping/catalogue';

const dir = mkdtempSync(join(tmpdir(), 'esg-xlsx-merged-'));
const plain = join(dir, 'sites-merged.xlsx');
const titled = join(dir, 'sites-merged-titled.xlsx');
const tallTitled = join(dir, 'sites-merged-tall-title.xlsx');
const ragged = join(dir, 'sites-merged-ragged.xlsx');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const ExcelJS = await loadExcelJS();

  // The tester's report: sites merged over two rows each, header on row 1.
  {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Energy');
    ws.addRow(['Site', 'Month', 'Electricity (kWh)']);
    ws.addRow(['LDN-1', '2024-01', 100]);
    ws.addRow([null, '2024-02', 110]);
    ws.addRow(['MAN-2', '2024-01', 200]);
    ws.addRow([null, '2024-02', 210]);
    ws.mergeCells('A2:A3');
    ws.mergeCells('A4:A5');
    await wb.xlsx.writeFile(plain);
  }

  // The same under a report title merged over all columns right above the header (one row high,
  // or two), with a merged block of three rows and a note merged down two rows.
  for (const [path, titleRows] of [
    [titled, 1],
    [tallTitled, 2],
  ] as const) {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Energy');
    const h = titleRows + 1;
    ws.getCell('A1').value = 'Monthly energy report';
    ws.mergeCells(`A1:D${titleRows}`);
    ws.getRow(h).values = ['Site', 'Month', 'Electricity (kWh)', 'Note'];
    ws.getRow(h + 1).values = ['LDN-1', '2024-01', 100, 'estimated'];
    ws.getRow(h + 2).values = [null, '2024-02', 110];
    ws.getRow(h + 3).values = [null, '2024-03', 120];
    ws.getRow(h + 4).values = ['MAN-2', '2024-01', 200];
    ws.getRow(h + 5).values = ['BER-1', '2024-01', 300];
    ws.mergeCells(`A${h + 1}:A${h + 3}`);
    ws.mergeCells(`D${h + 1}:D${h + 2}`);
    await wb.xlsx.writeFile(path);
  }

  // A title block of two rows (the second a merged subtitle), then a block whose last covered
  // row holds nothing of its own: that row stays a blank row, not a row with only a site.
  {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Energy');
    ws.getCell('A1').value = 'ACME Ltd';
    ws.mergeCells('A1:C1');
    ws.getCell('A2').value = 'Energy 2024';
    ws.mergeCells('A2:C2');
    ws.getRow(4).values = ['Site', 'Month', 'Electricity (kWh)'];
    ws.getRow(5).values = ['PAR-3', '2024-01', 10];
    ws.getRow(6).values = [null, '2024-02', 11];
    ws.getRow(7).values = [null, null, null];
    ws.getRow(8).values = ['BER-1', '2024-01', 30];
    ws.mergeCells('A5:A7');
    await wb.xlsx.writeFile(ragged);
  }
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
  name: 'Merged sites',
  sourceId: 'src-1',
  connectionId: 'conn-1',
  shape: { kind: 'wide', valueColumns: [{ column: 'Electricity (kWh)', metricId: 'm-elec', unit: 'kWh' }] },
  entity: { kind: 'column', column: 'Site' },
  period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
};

describe('merged cells in an Excel source', () => {
  it('give the site of a merged block to every row of the block, and the mapping accepts them all', async () => {
    const { info, rows } = await readAll(plain);
    expect(info.headerRow).toBe(1);
    expect(info.headers).toEqual(['Site', 'Month', 'Electricity (kWh)']);
    expect(rows.map((r) => [r.line, r.cells.Site, r.cells.Month, r.cells['Electricity (kWh)']])).toEqual([
      [2, 'LDN-1', '2024-01', 100],
      [3, 'LDN-1', '2024-02', 110],
      [4, 'MAN-2', '2024-01', 200],
      [5, 'MAN-2', '2024-02', 210],
    ]);
    const mapped = rows.map((r) => applyProfile(parseProfile(profile), r, catalogue));
    expect(mapped.flatMap((m) => m.errors)).toEqual([]);
    expect(mapped.flatMap((m) => m.records.map((x) => [x.line, x.record.entityId, x.record.periodStart, x.record.value]))).toEqual([
      [2, 'e-ldn', '2024-01-01', 100],
      [3, 'e-ldn', '2024-02-01', 110],
      [4, 'e-man', '2024-01-01', 200],
      [5, 'e-man', '2024-02-01', 210],
    ]);
  });

  it.each([
    ['one row', titled, 2],
    ['two rows', tallTitled, 3],
  ] as const)('keep a merged title %s high right above the header out of the header, and fill blocks of any height', async (_, path, headerRow) => {
    const { info, rows } = await readAll(path);
    expect(info.headerRow).toBe(headerRow);
    expect(info.headers).toEqual(['Site', 'Month', 'Electricity (kWh)', 'Note']);
    expect(rows.map((r) => [r.line - headerRow, r.cells.Site, r.cells.Month, r.cells.Note])).toEqual([
      [1, 'LDN-1', '2024-01', 'estimated'],
      [2, 'LDN-1', '2024-02', 'estimated'],
      [3, 'LDN-1', '2024-03', null],
      [4, 'MAN-2', '2024-01', null],
      [5, 'BER-1', '2024-01', null],
    ]);
    // The same when the person chose the header row in the wizard.
    const chosen = await readAll(path, { headerRow });
    expect(chosen.info.headers).toEqual(info.headers);
    expect(chosen.rows).toEqual(rows);
  });

  it('find the header under a merged title block and leave a row with nothing of its own blank', async () => {
    const { info, rows } = await readAll(ragged);
    expect(info.headerRow).toBe(4);
    expect(info.headers).toEqual(['Site', 'Month', 'Electricity (kWh)']);
    expect(rows.map((r) => [r.line, r.cells.Site, r.cells.Month])).toEqual([
      [5, 'PAR-3', '2024-01'],
      [6, 'PAR-3', '2024-02'],
      [8, 'BER-1', '2024-01'],
    ]);
  });
});
