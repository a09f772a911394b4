/**
 * Path and injection safety: symlinks and ".." in watched folders and export destinations never
 * take a read or a write outside the folder the user chose; CSV cells a spreadsheet would run
 * as formulas are neutralised in exports and error reports; and database identifiers (export
 * table names, source tables, watermark columns) are data, never SQL.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { neutraliseCell } from '../../main/engine/csv-safety';
import { createDatabaseSource } from '../../main/engine/sources/database';
import { disposeFileIn, errorsCsvText } from '../../main/engine/sources/folder/dispose';
import { FolderWatcher, type ReadyFile } from '../../main/engine/sources/folder';
import { expandFilePattern, validateFilePattern } from '../../main/engine/sync/export/file-name';
import { CsvWriter, TableWriter } from '../../main/engine/sync/export/writers';

const root = mkdtempSync(join(tmpdir(), 'esg-paths-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FORMULAS = ['=HYPERLINK("http://evil.test","x")', '+cmd|/c calc!A1', '-2+3', '@SUM(A1:A2)', '\t=1', '\r=1'];

function dir(name: string): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  return d;
}

describe('watched folders', () => {
  it('never takes a file through a symlink, nor from a symlinked folder outside it', async () => {
    const outside = dir('outside');
    writeFileSync(join(outside, 'secret.csv'), 'Site,kWh\nLON-01,1\n');
    mkdirSync(join(outside, 'deep'));
    writeFileSync(join(outside, 'deep', 'deep.csv'), 'Site,kWh\nLON-01,2\n');
    const watched = dir('watched');
    symlinkSync(join(outside, 'secret.csv'), join(watched, 'linked.csv'));
    symlinkSync(join(outside, 'deep'), join(watched, 'linked-dir'));
    symlinkSync('../outside/secret.csv', join(watched, 'relative.csv'));
    writeFileSync(join(watched, 'own.csv'), 'Site,kWh\nLON-01,3\n');

    const watcher = new FolderWatcher({ path: join(watched, '..', 'watched'), recursive: true, stableMs: 100 });
    const ready: ReadyFile[] = [];
    watcher.on('file-ready', (f) => ready.push(f));
    await watcher.start();
    await new Promise((r) => setTimeout(r, 1500));
    await watcher.stop();
    expect(ready.map((f) => f.relPath)).toEqual(['own.csv']);
  });

  it('refuses to move a synced file into processed/ or failed/ when that name is a symlink out of the folder', async () => {
    const outside = dir('moved-outside');
    const watched = dir('watched-dispose');
    symlinkSync(outside, join(watched, 'processed'));
    writeFileSync(join(watched, 'a.csv'), 'x');
    await expect(disposeFileIn(watched, join(watched, 'a.csv'), 'processed', 'move')).rejects.toThrow(/is a symbolic link, so the file was left where it is/);
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(watched, 'a.csv'))).toBe(true);

    symlinkSync(outside, join(watched, 'failed'));
    await expect(disposeFileIn(watched, join(watched, 'a.csv'), 'failed', 'move', [{ line: 2, column: 'kWh', value: '=1', reason: 'bad' }])).rejects.toThrow(/symbolic link/);
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('export destinations', () => {
  it('refuses file name patterns and names that would leave the folder', () => {
    for (const p of ['../x.csv', '..\\x.csv', 'a/b.csv', '/etc/passwd', '{dataset}/../../x', '.hidden.csv', 'x\u0000.csv']) {
      expect(() => validateFilePattern(p), p).toThrow(/may only name a file inside|cannot hold|hidden file/);
    }
    // Values substituted into a good pattern cannot add a path either.
    const name = expandFilePattern('{dataset}-{job}.{ext}', { dataset: '../../etc/cron.d/evil', job: '..', ext: 'csv/../../x', now: new Date(0), utc: true });
    expect(name).not.toMatch(/[\\/]/);
    expect(name).not.toContain('..');
  });

  it('writes the export itself, never through a symlink planted at its name, and keeps formula cells inert', async () => {
    const outside = dir('export-outside');
    writeFileSync(join(outside, 'victim.csv'), 'untouched');
    const dest = dir('export-dest');
    symlinkSync(join(outside, 'victim.csv'), join(dest, 'submissions.csv'));
    await expect(CsvWriter.create(dest, 'submissions.csv')).rejects.toThrow();
    await expect(CsvWriter.create(dest, '../export-outside/victim.csv')).rejects.toThrow(/not a plain file name/);
    expect(readFileSync(join(outside, 'victim.csv'), 'utf8')).toBe('untouched');

    // A symlinked temp name is not followed either.
    symlinkSync(join(outside, 'victim.csv'), join(dest, '.plain.csv.partial'));
    const writer = await CsvWriter.create(dest, 'plain.csv');
    for (const f of FORMULAS) await writer.write({ [f]: f, comment: f });
    const out = await writer.finish();
    expect(readFileSync(join(outside, 'victim.csv'), 'utf8')).toBe('untouched');
    expect(lstatSync(out.path).isSymbolicLink()).toBe(false);
    const text = readFileSync(out.path, 'utf8').replace(/^\uFEFF/, '');
    for (const cell of parseCsvCells(text)) expect(cell, JSON.stringify(cell)).not.toMatch(/^[=+\-@\t\r]/);
    expect(text).toContain(`'=HYPERLINK(""http://evil.test"",""x"")`);
  });
});

describe('error reports', () => {
  it('neutralises formula cells in the errors CSV next to a failed file', () => {
    const text = errorsCsvText(FORMULAS.map((f, i) => ({ line: i + 2, column: f, value: f, reason: f }))).replace(/^\uFEFF/, '');
    const cells = parseCsvCells(text);
    expect(cells.length).toBeGreaterThan(FORMULAS.length * 3);
    for (const cell of cells) expect(cell, JSON.stringify(cell)).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('leaves a plain signed number as the number it is, and neutralises anything more', () => {
    for (const n of ['-3', '+1.5', '-1,234.56', '-0']) expect(neutraliseCell(n)).toBe(n);
    for (const f of ['-2+3', '-1e5', '-3 ', '- 3', '-', '+', '-1,', '-A1', '-3;cmd', '+1.5|calc', '-1\n=2']) expect(neutraliseCell(f), JSON.stringify(f)).toBe(`'${f}`);
  });
});

describe('database identifiers', () => {
  const HOSTILE = ['x"; DROP TABLE victim; --', "x'; DROP TABLE victim; --", 'x`; DROP TABLE victim; --', 'x]; DROP TABLE victim; --', 'victim" WHERE 1=1; --'];

  function victimDb(name: string): string {
    const file = join(root, `${name}.sqlite`);
    const db = new Database(file);
    db.exec('CREATE TABLE victim (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO victim (v) VALUES (\'keep\');');
    db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, site TEXT, kwh REAL, updated TEXT); INSERT INTO readings (site, kwh, updated) VALUES (\'LON-01\', 1, \'2024-01-01\');');
    db.close();
    return file;
  }
  const victimCount = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM victim').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('keeps hostile export table and column names as names', async () => {
    const file = victimDb('export');
    for (const table of HOSTILE) {
      const writer = await TableWriter.create({ kind: 'sqlite', file }, { table, keyColumns: ['id'] });
      await writer.write({ id: 1, [table]: table });
      await writer.finish();
    }
    expect(victimCount(file)).toBe(1);
    const db = new Database(file, { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    db.close();
    for (const t of HOSTILE) expect(tables).toContain(t);
  });

  it('keeps hostile source table, schema and watermark column names as names', async () => {
    const file = victimDb('source');
    for (const name of HOSTILE) {
      for (const cfg of [
        { kind: 'sqlite', file, table: name },
        { kind: 'sqlite', file, table: 'readings', watermarkColumn: name },
      ]) {
        let rows = 0;
        let failure: unknown = null;
        try {
          const src = createDatabaseSource(cfg);
          try {
            for await (const _ of src.read({ afterWatermark: "2000-01-01' OR '1'='1" })) rows++;
          } finally {
            await src.close();
          }
        } catch (err) {
          failure = err;
        }
        // Either refused up front or a "no such table/column" from SQLite — never run as SQL.
        expect(rows, JSON.stringify(cfg)).toBe(0);
        expect(String(failure)).toMatch(/no such (table|column)|not valid|cannot|does not exist|invalid/i);
      }
    }
    expect(victimCount(file)).toBe(1);

    // The watermark value itself is bound: a quote in it is just a value.
    const ok = createDatabaseSource({ kind: 'sqlite', file, table: 'readings', watermarkColumn: 'updated' });
    const seen: unknown[] = [];
    for await (const r of ok.read({ afterWatermark: "1999' OR '1'='1" })) seen.push(r);
    await ok.close();
    expect(seen).toHaveLength(1); // '2024-01-01' > "1999' OR…" as text: the one row, not every table's rows
    expect(victimCount(file)).toBe(1);
  });
});

/** Minimal RFC 4180 cell splitter for assertions (quotes, doubled quotes, CR/LF inside quotes). */
function parseCsvCells(text: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === '\n') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  if (cell !== '') cells.push(cell);
  return cells;
}
