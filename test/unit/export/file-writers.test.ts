import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CsvWriter, JsonWriter, XlsxWriter, createWriter } from '../../../main/engine/sync/export/writers';
import { ExportError } from '../../../main/engine/sync/export/errors';
import { STALE_TEMP_MS } from '../../../main/engine/sync/export/writers/atomic-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esg-export-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const parseCsv = (path: string) => parse(readFileSync(path, 'utf8'), { bom: true }) as string[][];

describe('CSV writer', () => {
  it('neutralises cells starting with = + - @ (and header cells) but keeps numbers as numbers', async () => {
    const w = await CsvWriter.create(dir, 'x.csv');
    await w.write({ formula: '=HYPERLINK("http://evil","x")', plus: '+1+1', minus: '-2+3', at: '@SUM(A1)', ok: 'plain', n: -5, b: true, nil: null });
    await w.write({ '=cmd': 'tab\tstart' });
    const out = await w.finish();
    const rows = parseCsv(out.path);
    expect(rows[0]).toEqual(['formula', 'plus', 'minus', 'at', 'ok', 'n', 'b', 'nil', "'=cmd"]);
    expect(rows[1]).toEqual([`'=HYPERLINK("http://evil","x")`, "'+1+1", "'-2+3", "'@SUM(A1)", 'plain', '-5', 'true', '', '']);
    expect(rows[2]!.at(-1)).toBe('tab\tstart');
    expect(out.rows).toBe(2);
    expect(readFileSync(out.path).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('writes the semicolon layout with decimal commas for numbers only, as Excel in a decimal-comma language reads it', async () => {
    const columnTypes = { value: 'number', negative: 'number', formula: 'number' } as const;
    const w = await CsvWriter.create(dir, 'de.csv', { delimiter: ';', decimal: ',', bom: false, columnTypes });
    await w.write({ site: 'Köln; Werk 2', value: '12500.75', n: -0.25, big: 1.5e-7, version: '1.2.3', date: '2026-01-31', code: 'A.1', negative: '-1.5', formula: '-1.5+A1', whole: '42', comment: '1.5' });
    const out = await w.finish();
    const lines = readFileSync(out.path, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('site;value;n;big;version;date;code;negative;formula;whole;comment');
    // Numbers get a comma: JavaScript numbers, and text in a column declared a number. Text
    // elsewhere stays as written, even when it reads like a decimal (a comment "1.5", a site
    // reference "10.20"). A cell holding the delimiter is quoted; a formula is still neutralised.
    expect(lines[1]).toBe(`"Köln; Werk 2";12500,75;-0,25;1,5e-7;1.2.3;2026-01-31;A.1;-1,5;'-1.5+A1;42;1.5`);
  });

  it('writes to a hidden .partial file and shows the final name only after finish', async () => {
    const w = await CsvWriter.create(dir, 'report.csv', { headerWindow: 2 });
    for (let i = 0; i < 5000; i++) await w.write({ id: i, text: 'x'.repeat(50) });
    expect(existsSync(join(dir, 'report.csv'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['.report.csv.partial']);
    const out = await w.finish();
    expect(readdirSync(dir)).toEqual(['report.csv']);
    expect(out.bytes).toBe(readFileSync(out.path).length);
    expect(parseCsv(out.path)).toHaveLength(5001);
  });

  it('abort removes the temp file and leaves no final file', async () => {
    const w = await CsvWriter.create(dir, 'gone.csv');
    await w.write({ a: 1 });
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('replaces a stale temp file from a crashed run, but never an existing final file', async () => {
    writeFileSync(join(dir, '.r.csv.partial'), 'half');
    const old = (Date.now() - STALE_TEMP_MS - 60_000) / 1000;
    utimesSync(join(dir, '.r.csv.partial'), old, old);
    writeFileSync(join(dir, 'r.csv'), 'old');
    const w = await CsvWriter.create(dir, 'r.csv', { bom: false });
    await w.write({ a: 'new' });
    const out = await w.finish();
    expect(out.path).toBe(join(dir, 'r (2).csv'));
    expect(readFileSync(join(dir, 'r (2).csv'), 'utf8')).toBe('a\nnew\n');
    expect(readFileSync(join(dir, 'r.csv'), 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['r (2).csv', 'r.csv']);
  });

  it('two exports of one name into one folder at once each keep their own bytes', async () => {
    const a = await CsvWriter.create(dir, 'same.csv', { bom: false });
    const b = await CsvWriter.create(dir, 'same.csv', { bom: false });
    for (let i = 0; i < 3000; i++) {
      await a.write({ from: 'a', i });
      await b.write({ from: 'b', i });
    }
    const outA = await a.finish();
    const outB = await b.finish();
    expect([outA.path, outB.path]).toEqual([join(dir, 'same.csv'), join(dir, 'same (2).csv')]);
    for (const [out, who] of [[outA, 'a'], [outB, 'b']] as const) {
      const rows = parseCsv(out.path);
      expect(rows).toHaveLength(3001);
      expect(rows.slice(1).every((r) => r[0] === who)).toBe(true);
    }
    expect(readdirSync(dir).sort()).toEqual(['same (2).csv', 'same.csv']);
  });

  it('leaves a temp file another export is writing, and writes beside it', async () => {
    writeFileSync(join(dir, '.busy.csv.partial'), 'someone else, still writing');
    const w = await CsvWriter.create(dir, 'busy.csv', { bom: false });
    expect(readdirSync(dir).sort()).toEqual(['.busy.csv.2.partial', '.busy.csv.partial']);
    await w.write({ a: 1 });
    const out = await w.finish();
    expect(readFileSync(out.path, 'utf8')).toBe('a\n1\n');
    expect(readFileSync(join(dir, '.busy.csv.partial'), 'utf8')).toBe('someone else, still writing');
  });

  it('puts keys first seen after the header window into _extra', async () => {
    const w = await CsvWriter.create(dir, 'late.csv', { headerWindow: 2 });
    await w.write({ a: 1 });
    await w.write({ a: 2 });
    await w.write({ a: 3, late: '=x' });
    const rows = parseCsv((await w.finish()).path);
    expect(rows).toEqual([
      ['a', '_extra'],
      ['1', ''],
      ['2', ''],
      ['3', '{"late":"=x"}'],
    ]);
  });
});

describe('path safety', () => {
  it('refuses to write through a symlink at the final name and leaves its target alone', async () => {
    const target = join(dir, 'target.txt');
    writeFileSync(target, 'precious');
    symlinkSync(target, join(dir, 'link.csv'));
    await expect(CsvWriter.create(dir, 'link.csv')).rejects.toMatchObject({ code: 'unsafe_destination' });
    expect(readFileSync(target, 'utf8')).toBe('precious');
  });

  it('refuses a symlink planted at the final name while the export runs', async () => {
    const target = join(dir, 'target.txt');
    writeFileSync(target, 'precious');
    const w = await CsvWriter.create(dir, 'race.csv');
    await w.write({ a: 1 });
    symlinkSync(target, join(dir, 'race.csv'));
    await expect(w.finish()).rejects.toBeInstanceOf(ExportError);
    expect(readFileSync(target, 'utf8')).toBe('precious');
  });

  it('rejects names that are not plain file names and patterns that escape the folder', async () => {
    await expect(CsvWriter.create(dir, '../escape.csv')).rejects.toMatchObject({ code: 'unsafe_destination' });
    await expect(createWriter({ kind: 'folder', folder: dir, format: 'csv', fileNamePattern: '../{dataset}.csv' }, { dataset: 's' })).rejects.toMatchObject({
      code: 'invalid_file_pattern',
    });
    await expect(CsvWriter.create(join(dir, 'missing'), 'a.csv')).rejects.toMatchObject({ code: 'destination_failed' });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('JSON and NDJSON writers', () => {
  it('streams a valid JSON array, nested rows kept', async () => {
    const w = await JsonWriter.create(dir, 'a.json', 'json');
    await w.write({ id: 1, pcf: { unit: 'kg' } });
    await w.write({ id: 2, pcf: { unit: 'l' } });
    const out = await w.finish();
    expect(JSON.parse(readFileSync(out.path, 'utf8'))).toEqual([
      { id: 1, pcf: { unit: 'kg' } },
      { id: 2, pcf: { unit: 'l' } },
    ]);
  });

  it('writes [] for an empty JSON export and one object per line for NDJSON (flattened on request)', async () => {
    const empty = await (await JsonWriter.create(dir, 'e.json', 'json')).finish();
    expect(JSON.parse(readFileSync(empty.path, 'utf8'))).toEqual([]);
    const w = await JsonWriter.create(dir, 'a.ndjson', 'ndjson', { flatten: true });
    await w.write({ id: 1, pcf: { unit: 'kg' } });
    await w.write({ id: 2 });
    const lines = readFileSync((await w.finish()).path, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([{ id: 1, 'pcf.unit': 'kg' }, { id: 2 }]);
  });
});

describe('XLSX writer', () => {
  it('writes a workbook readable by exceljs, and nothing visible before finish', async () => {
    const ExcelJS = (await import('exceljs')).default;
    const w = await XlsxWriter.create(dir, 'a.xlsx', { sheetName: 'subs' });
    await w.write({ id: 'a', value: 12.5, text: '=not a formula' });
    expect(readdirSync(dir)).toEqual(['.a.xlsx.partial']);
    const out = await w.finish();
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(out.path);
    const sheet = book.getWorksheet('subs')!;
    expect(sheet.getRow(1).values).toEqual([undefined, 'id', 'value', 'text']);
    expect(sheet.getRow(2).values).toEqual([undefined, 'a', 12.5, '=not a formula']);
    expect(sheet.getRow(2).getCell(3).type).toBe(ExcelJS.ValueType.String);
  });
});

describe('empty exports', () => {
  it('leaves no listeners behind after many back-pressure waits (a big export must not leak them)', async () => {
    const w = await CsvWriter.create(dir, 'big.csv', { headerWindow: 1 });
    const warnings: Error[] = [];
    const onWarning = (e: Error) => warnings.push(e);
    process.on('warning', onWarning);
    const stringifier = (w as unknown as { csv: NodeJS.EventEmitter }).csv;
    let maxErrorListeners = 0;
    const long = 'x'.repeat(2000); // rows big enough to fill the stream's buffer often
    for (let i = 0; i < 3000; i++) {
      await w.write({ id: i, note: long });
      maxErrorListeners = Math.max(maxErrorListeners, stringifier.listenerCount('error'));
    }
    const out = await w.finish();
    process.off('warning', onWarning);
    expect(out.rows).toBe(3000);
    expect(warnings.filter((e) => e.name === 'MaxListenersExceededWarning')).toEqual([]);
    expect(maxErrorListeners).toBeLessThan(5);
  });

  it('a CSV with no rows is an empty file (just the BOM), not a blank record', async () => {
    const out = await (await CsvWriter.create(dir, 'none.csv')).finish();
    expect(readFileSync(out.path)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(out.rows).toBe(0);
  });
});
