/**
 * A workbook whose period column holds real Excel dates (typed date cells, shown as months or as
 * days), read by the streaming reader and mapped with a text date format: the typed dates are
 * dates whatever format the mapping declares for text dates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExcelJS } from '../../../main/engine/runtime/lazy-modules';
import { openReader } from '../../../main/engine/sources/readers';
import type { SourceRow } from '../../../shared/domain';
import { applyProfile } from '../../../shared/mapping/apply';
import { parseProfile, type MappingProfileInput } from '../../../shared/mapping/profile';
import { catalogue } from '../../fixtures/mapping/catalogue';

const dir = mkdtempSync(join(tmpdir(), 'esg-xlsx-dates-'));
const path = join(dir, 'uxr-energy.xlsx');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  const ExcelJS = await loadExcelJS();
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Energy');
  ws.addRow(['month', 'Electricity (kWh)', 'Gas (kWh)']);
  ws.addRow([new Date(Date.UTC(2024, 5, 1)), 1200, 300]); // as exceljs writes a Date: a typed date cell
  ws.addRow([new Date(Date.UTC(2024, 6, 1)), 1300, 310]);
  ws.addRow([new Date(Date.UTC(2024, 7, 1, 10, 30)), 1400, 320]); // a date with a time of day
  ws.getColumn(1).numFmt = 'mmm yyyy'; // how Excel shows them: "Jun 2024"; the cell is still a date
  ws.getCell('A4').numFmt = 'yyyy-mm-dd hh:mm';
  ws.addRow(['2024-09', 1500, 330]); // and one month typed as text
  await wb.xlsx.writeFile(path);
});

async function readAll(): Promise<SourceRow[]> {
  const reader = await openReader(path);
  const rows: SourceRow[] = [];
  for await (const row of reader.rows()) rows.push(row);
  await reader.close();
  return rows;
}

const base: MappingProfileInput = {
  schemaVersion: 1,
  name: 'UXR energy',
  sourceId: 'src-1',
  connectionId: 'conn-1',
  shape: {
    kind: 'wide',
    valueColumns: [
      { column: 'Electricity (kWh)', metricId: 'm-elec', unit: 'kWh' },
      { column: 'Gas (kWh)', metricId: 'm-gas', unit: 'kWh' },
    ],
  },
  entity: { kind: 'fixed', entityId: 'e-ldn' },
  period: { kind: 'date', column: 'month', format: 'YYYY-MM', granularity: 'month' },
};

function mapRows(input: MappingProfileInput, rows: SourceRow[]) {
  const profile = parseProfile(input);
  return rows.map((r) => applyProfile(profile, r, catalogue));
}

describe('typed Excel date cells in a period column', () => {
  it("are read as their months by a 'YYYY-MM' mapping, next to text months", async () => {
    const rows = await readAll();
    expect(rows.map((r) => r.cells.month)).toEqual(['2024-06-01', '2024-07-01', '2024-08-01T10:30:00', '2024-09']);
    const out = mapRows(base, rows);
    expect(out.flatMap((r) => r.errors)).toEqual([]);
    expect(out.map((r) => r.records.map((x) => [x.line, x.record.metricId, x.record.periodStart, x.record.periodEnd, x.record.value]))).toEqual([
      [
        [2, 'm-elec', '2024-06-01', '2024-06-30', 1200],
        [2, 'm-gas', '2024-06-01', '2024-06-30', 300],
      ],
      [
        [3, 'm-elec', '2024-07-01', '2024-07-31', 1300],
        [3, 'm-gas', '2024-07-01', '2024-07-31', 310],
      ],
      [
        [4, 'm-elec', '2024-08-01', '2024-08-31', 1400],
        [4, 'm-gas', '2024-08-01', '2024-08-31', 320],
      ],
      [
        [5, 'm-elec', '2024-09-01', '2024-09-30', 1500],
        [5, 'm-gas', '2024-09-01', '2024-09-30', 330],
      ],
    ]);
  });

  it('are dates for a day-first or an Excel-number mapping too, while a text cell must still fit the format', async () => {
    const rows = await readAll();
    for (const format of ['DD.MM.YYYY', 'excel-serial'] as const) {
      const out = mapRows({ ...base, period: { kind: 'date', column: 'month', format, granularity: 'month' } }, rows);
      expect(out.slice(0, 3).map((r) => [r.errors, r.records.map((x) => x.record.periodStart)]), format).toEqual([
        [[], ['2024-06-01', '2024-06-01']],
        [[], ['2024-07-01', '2024-07-01']],
        [[], ['2024-08-01', '2024-08-01']],
      ]);
      // The text '2024-09' is not a date in this format: one error per value column it fed.
      expect(out[3]!.records).toEqual([]);
      expect(out[3]!.errors.map((e) => [e.line, e.column])).toEqual([
        [5, 'month'],
        [5, 'month'],
      ]);
      expect(out[3]!.errors[0]!.reason).toContain("'2024-09'");
    }
  });
});
