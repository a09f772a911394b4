import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { listSheets, openReader, readCsv, readJson, readXlsx, sampleFile } from '../../../main/engine/sources/readers';
import { detectEncoding } from '../../../main/engine/sources/readers/encoding';
import { detectHeaderIndex, sniffDelimiter, splitRecords, uniqueHeaders } from '../../../main/engine/sources/readers/sniff';
import { SourceFileError } from '../../../main/engine/sources/errors';
import type { SourceRow } from '../../../shared/domain';

const fixtures = join(import.meta.dirname, '../../fixtures/files');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'esg-readers-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function all(it: AsyncIterable<SourceRow>): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const r of it) out.push(r);
  return out;
}

async function errorOf(p: Promise<unknown>): Promise<SourceFileError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SourceFileError);
  return e as SourceFileError;
}

describe('sniffing', () => {
  it('detects encodings from BOMs, NUL patterns and UTF-8 validity', () => {
    expect(detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x61])).encoding).toBe('utf-8');
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x61, 0]))).toEqual({ encoding: 'utf-16le', reason: 'bom' });
    expect(detectEncoding(Buffer.from('a,b\n1,2\n', 'utf16le')).encoding).toBe('utf-16le');
    expect(detectEncoding(iconv.encode('a,b\n1,2\n', 'utf-16be')).encoding).toBe('utf-16be');
    expect(detectEncoding(Buffer.from('café', 'utf8'))).toEqual({ encoding: 'utf-8', reason: 'valid-utf8' });
    expect(detectEncoding(Buffer.from('café;x', 'latin1'))).toEqual({ encoding: 'windows-1252', reason: 'not-utf8' });
    expect(detectEncoding(Buffer.from('café', 'latin1'), true)).toEqual({ encoding: 'windows-1252', reason: 'not-utf8' });
    // A multi-byte character cut at the end of the sample is still UTF-8.
    expect(detectEncoding(Buffer.from('abcé', 'utf8').subarray(0, 4)).encoding).toBe('utf-8');
  });

  it('prefers the delimiter that is consistent across lines, not a decimal comma', () => {
    const recs = splitRecords('Site;Jan;Feb\nA;1,5;2,5\nB;3;4\n', true);
    expect(sniffDelimiter(recs)).toBe(';');
    expect(sniffDelimiter(splitRecords('a|b|c\n"x|y"|2|3\n', true))).toBe('|');
    expect(sniffDelimiter(splitRecords('a\tb\n1\t2\n', true))).toBe('\t');
  });

  it('splits records on newlines outside quotes only, and drops a cut last record', () => {
    expect(splitRecords('a,"b\nc"\nd,e\nf,"g', false).map((r) => [r.line, r.text])).toEqual([
      [1, 'a,"b\nc"'],
      [3, 'd,e'],
    ]);
  });

  it('finds the header under a title block and makes names unique', () => {
    expect(detectHeaderIndex([['Report'], ['Generated 2024'], [], ['Site', 'Jan', 'Feb'], ['A', '1', '2'], ['B', '3', '4']]).index).toBe(3);
    expect(detectHeaderIndex([['A', '1', '2'], ['B', '3', '4']]).confident).toBe(false);
    expect(uniqueHeaders(['Site', '', 'Site', 'Site (2)', ' ']).headers).toEqual(['Site', 'Column 2', 'Site (3)', 'Site (2)', 'Column 5']);
  });
});

describe('readCsv', () => {
  it('reads from a stream as well as a path', async () => {
    const r = await readCsv(Readable.from([Buffer.from('Site;kWh\nA;1,5\n'), Buffer.from('B;2\n')]), { fileName: 'upload.csv' });
    expect(r.info.delimiter).toBe(';');
    expect(await all(r)).toEqual([
      { line: 2, cells: { Site: 'A', kWh: '1,5' } },
      { line: 3, cells: { Site: 'B', kWh: '2' } },
    ]);
    await expect(all(r)).rejects.toMatchObject({ code: 'STREAM_ALREADY_CONSUMED' });
  });

  it('honours explicit encoding, delimiter and header row', async () => {
    const file = join(dir, 'override.csv');
    await writeFile(file, iconv.encode('x;y\nTitle,more\nSite,Coût\nA,é\n', 'latin1'));
    const r = await readCsv(file, { encoding: 'latin1', delimiter: 'comma', headerRow: 3 });
    expect(r.info).toMatchObject({ encoding: 'latin1', encodingDetected: false, delimiter: ',', headerRow: 3, headers: ['Site', 'Coût'] });
    expect(await all(r)).toEqual([{ line: 4, cells: { Site: 'A', Coût: 'é' } }]);
    await expect(readCsv(file, { headerRow: 9 })).rejects.toMatchObject({ code: 'HEADER_ROW_OUT_OF_RANGE' });
    await expect(readCsv(file, { encoding: 'klingon' })).rejects.toMatchObject({ code: 'UNKNOWN_ENCODING' });
  });

  it('stops with the line number when bytes later in a UTF-8 file are not UTF-8', async () => {
    const file = join(dir, 'late-latin1.csv');
    const head = 'Site,Note\n' + Array.from({ length: 5000 }, (_, i) => `S${i},plain text here`).join('\n') + '\n';
    await writeFile(file, Buffer.concat([Buffer.from(head), Buffer.from('Z,caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const r = await readCsv(file);
    expect(r.info.encoding).toBe('utf-8');
    const e = await errorOf(all(r));
    expect(e.code).toBe('ENCODING_MISMATCH');
    expect(e.details.line).toBe(5002);
    expect(e.message).toContain('Line 5002');
  });

  it('stops at a short last line with no line end in a file written moments ago: a copy cut off', async () => {
    const file = join(dir, 'half-copied.csv');
    await writeFile(file, 'Site,Month,kWh\nLON-01,2024-01,100\nMAN-02,Manchester Pl');
    const r = await readCsv(file);
    const rows: SourceRow[] = [];
    const e = await errorOf(
      (async () => {
        for await (const row of r) rows.push(row);
      })(),
    );
    expect(e.code).toBe('FILE_INCOMPLETE');
    expect(e.details.line).toBe(3);
    expect(e.message).toBe(
      'The last line of "half-copied.csv" (line 3) stops after 2 of its 3 fields, with no line end: the file looks cut off, most likely still being copied. Nothing was sent; the file is read again when it changes. If it is complete, add the missing fields (or a line end) and save it again.',
    );
    // The cut line itself never reaches the mapping.
    expect(rows.map((x) => x.line)).toEqual([2]);
  });

  it('reads short lines as they are, with a warning, when the file ends with a line end or is not new', async () => {
    const ended = join(dir, 'short-ended.csv');
    await writeFile(ended, 'Site,Month,kWh,Note\nLON-01,2024-01,100\nMAN-02,2024-01,5,ok\nBER-01,2024-01,7\n');
    const a = await readCsv(ended);
    expect((await all(a)).map((x) => [x.line, x.cells.kWh, x.cells.Note])).toEqual([
      [2, '100', null],
      [3, '5', 'ok'],
      [4, '7', null],
    ]);
    expect(a.info.warnings).toContain('Line 2 has 3 field(s) but the header has 4; the missing ones were read as empty.');

    const old = join(dir, 'short-old.csv');
    await writeFile(old, 'Site,Month,kWh,Note\nLON-01,2024-01,100');
    const longAgo = new Date(Date.now() - 10 * 60_000);
    await utimes(old, longAgo, longAgo);
    expect((await all(await readCsv(old))).map((x) => x.cells.kWh)).toEqual(['100']);
  });

  it('bounds a runaway quoted record', async () => {
    const file = join(dir, 'runaway.csv');
    await writeFile(file, 'a,b\n1,"' + 'x'.repeat(5000) + '\n'.repeat(10));
    const e = await errorOf(readCsv(file, { maxRecordChars: 1000 }).then((r) => all(r)));
    expect(e.code).toBe('RECORD_TOO_LARGE');
    expect(e.details.line).toBe(2);
  });
});

describe('readXlsx', () => {
  it('lists sheets and picks one by name or index', async () => {
    expect(await listSheets(join(fixtures, 'two-sheets.xlsx'))).toEqual([
      { name: 'Summary', index: 0, hidden: false },
      { name: 'Waste', index: 1, hidden: false },
    ]);
    const r = await readXlsx(join(fixtures, 'two-sheets.xlsx'), { sheet: 'Waste' });
    expect((await all(r)).map((x) => x.cells)).toEqual([
      { Site: 'A', Stream: 'Landfill', Tonnes: 1.5 },
      { Site: 'B', Stream: 'Recycling', Tonnes: 2.25 },
      { Site: 'C', Stream: 'Compost', Tonnes: 0.75 },
    ]);
  });

  it('converts date serials, formulas and rich text; skips hidden rows on request', async () => {
    const r = await readXlsx(join(fixtures, 'formulas-dates-hidden.xlsx'), { skipHiddenRows: true });
    const rows = await all(r);
    expect(rows.map((x) => x.cells.Site)).toEqual(['A', 'B', 'D', 'E']);
    expect(rows[1]!.cells.Note).toBe('bold and plain');
    // Row 6 holds bare serials 45322 / 45322.5 with date formats: 2024-01-31 and noon.
    expect(rows[3]!.cells).toMatchObject({ Date: '2024-01-31', Start: '2024-01-31T12:00:00', Doubled: 100 });
  });

  it('says which rows above a found header it skipped, blank ones included', async () => {
    const file = join(dir, 'titled.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Energy');
    ws.getCell('A1').value = 'Monthly energy report';
    ws.getRow(3).values = ['Site', 'Month', 'kWh'];
    ws.getRow(4).values = ['LON-01', '2024-01', 12];
    ws.getRow(5).values = ['MAN-02', '2024-01', 7];
    await wb.xlsx.writeFile(file);
    const r = await readXlsx(file);
    expect((await all(r)).map((x) => x.cells.Site)).toEqual(['LON-01', 'MAN-02']);
    expect(r.info.warnings).toContain('The header was found on row 3; rows 1 to 2 above it were skipped as a title block.');
  });

  it('rejects a non-spreadsheet with a clear error', async () => {
    const e = await errorOf(readXlsx(join(fixtures, 'utf8-plain.csv')));
    expect(e.code).toBe('NOT_A_SPREADSHEET');
    expect(e.message).toMatch(/not an Excel workbook/);
  });
});

describe('readJson', () => {
  it('streams a large array element by element with correct lines', async () => {
    const file = join(dir, 'big.json');
    const ws = createWriteStream(file);
    ws.write('{"meta":{"note":"[not this]"},"rows":[\n');
    const n = 20000;
    for (let i = 0; i < n; i++) ws.write(`  {"id":${i},"site":{"code":"S${i % 7}"},"txt":"a\\"]}"}${i < n - 1 ? ',' : ''}\n`);
    ws.write(']}\n');
    await new Promise((res) => ws.end(res));
    const r = await readJson(file, { pointer: '/rows' });
    expect(r.info.headers).toEqual(['id', 'site.code', 'txt']);
    let count = 0;
    for await (const row of r) {
      if (count === 0) expect(row).toEqual({ line: 2, cells: { id: 0, 'site.code': 'S0', txt: 'a"]}' } });
      count++;
      if (count === n) expect(row.line).toBe(n + 1);
    }
    expect(count).toBe(n);
  });

  it('reads NDJSON from a stream and reports the bad line', async () => {
    const r = await readJson(Readable.from(['{"a":1}\n{"a":', '2}\n']), { fileName: 'x.ndjson' });
    expect(r.info.format).toBe('ndjson');
    expect(await all(r)).toEqual([
      { line: 1, cells: { a: 1 } },
      { line: 2, cells: { a: 2 } },
    ]);
  });
});

describe('openReader / sampleFile', () => {
  it('returns headers, settings and the first n rows', async () => {
    const s = await sampleFile(join(fixtures, 'title-block.csv'), 1);
    expect(s.info).toMatchObject({ format: 'csv', headerRow: 4, delimiter: ',', encoding: 'utf-8' });
    expect(s.rows).toHaveLength(1);
    expect(s.truncated).toBe(true);
  });

  it('sniffs a workbook saved with a .csv name as a workbook', async () => {
    const file = join(dir, 'really-xlsx.csv');
    const { readFile } = await import('node:fs/promises');
    await writeFile(file, await readFile(join(fixtures, 'two-sheets.xlsx')));
    const r = await openReader(file, { sheet: 1 });
    expect(r.info.format).toBe('xlsx');
    expect(await all(r)).toHaveLength(3);
  });
});
