/**
 * Deletions and stable headers in the export path without a platform: an adapter over an array.
 * Runs ask for tombstones; incremental runs write them (files: as rows with deleted_at, tables:
 * deleted by key), full runs leave them out but move their cursor past them. A dataset whose columns the adapter declares has that header in every file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportItem, ExportQuery } from '../../../main/engine/platforms/types';
import { HeaderPlanner } from '../../../main/engine/sync/export/flatten';
import { runExport } from '../../../main/engine/sync/export/runner';
import { CsvWriter } from '../../../main/engine/sync/export/writers';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esg-export-del-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const COLUMNS = ['id', 'value', 'updated_at', 'deleted_at'];

/** Honours updatedSince and includeDeleted as the platform does; declares its columns. */
function platform(items: ExportItem[], columns: string[] | null = COLUMNS) {
  const queries: ExportQuery[] = [];
  return {
    queries,
    exportColumns: () => columns,
    exportStream(q: ExportQuery): AsyncIterable<ExportItem> {
      queries.push(q);
      return (async function* () {
        for (const it of items) {
          if (q.updatedSince !== null && it.updatedAt !== null && it.updatedAt <= q.updatedSince) continue;
          if (it.deletedAt && !q.includeDeleted) continue;
          yield it;
        }
      })();
    },
  };
}
const live = (id: number, at: string): ExportItem => ({ row: { id: `s${id}`, value: id, updated_at: at, deleted_at: null }, updatedAt: at });
const gone = (id: number, at: string): ExportItem => ({ row: { id: `s${id}`, value: id, updated_at: at, deleted_at: at }, updatedAt: at, deletedAt: at });
const csvLines = (path: string) => readFileSync(path, 'utf8').replace(/^\ufeff/, '').trimEnd().split('\n');

describe('HeaderPlanner with the dataset columns given', () => {
  it('releases the header with the first row, fills absent fields with null, never adds _extra', () => {
    const p = new HeaderPlanner(1, ['a', 'b']);
    expect(p.projectFlat({ a: 1 })).toBeUndefined(); // the header is not out yet
    expect(p.push({ b: 'x' })).toEqual({ header: ['a', 'b'], rows: [[null, 'x']] });
    expect(p.projectFlat({ a: 2 })).toEqual([2, null]);
    expect(p.push({ a: 3, b: 4 })).toEqual({ header: null, rows: [[3, 4]] });
    expect(p.end()).toEqual({ header: null, rows: [] });
  });

  it('gives the header even without rows, and stops at a field outside the columns instead of dropping it', () => {
    expect(new HeaderPlanner(5, ['a']).end()).toEqual({ header: ['a'], rows: [] });
    const p = new HeaderPlanner(5, ['a']);
    p.push({ a: 1 });
    expect(p.projectFlat({ a: 1, surprise: 2 })).toBeUndefined();
    expect(() => p.push({ a: 1, surprise: 2 })).toThrow(/"surprise", which is not one of the dataset's columns \(a\)/);
  });

  it('CSV: the same header for a run of one row and a run longer than the header window', async () => {
    const small = await CsvWriter.create(dir, 'small.csv', { headerWindow: 2, columns: COLUMNS });
    await small.write({ id: 'a', value: 1, updated_at: 't', deleted_at: null });
    const big = await CsvWriter.create(dir, 'big.csv', { headerWindow: 2, columns: COLUMNS });
    for (let i = 0; i < 5; i++) await big.write({ id: `b${i}`, value: i, updated_at: 't', deleted_at: null });
    const [a, b] = [await small.finish(), await big.finish()];
    expect(csvLines(a.path)[0]).toBe('id,value,updated_at,deleted_at');
    expect(csvLines(b.path)[0]).toBe('id,value,updated_at,deleted_at');
    expect(csvLines(b.path)).toHaveLength(6);
  });
});

describe('runExport and deletions on the platform', () => {
  const items = [live(1, '2024-01-01T00:00:00.000Z'), live(2, '2024-01-02T00:00:00.000Z'), gone(3, '2024-01-03T00:00:00.000Z'), live(4, '2024-01-04T00:00:00.000Z'), gone(5, '2024-01-05T00:00:00.000Z')];

  it('an incremental run asks for deletions and writes them with deleted_at; the summary counts them', async () => {
    const a = platform(items);
    const r = await runExport({ adapter: a, dataset: 'd', updatedSince: '2024-01-01T12:00:00.000Z', destination: { kind: 'folder', folder: dir, format: 'csv', fileNamePattern: 'delta.csv' } });
    expect(a.queries[0]).toMatchObject({ includeDeleted: true });
    expect(r).toMatchObject({ rows: 4, deleted: 2, newCursor: '2024-01-05T00:00:00.000Z' });
    expect(r.summary).toBe(`Wrote 4 rows (2 deleted on the platform) to ${join(dir, 'delta.csv')}.`);
    expect(csvLines(join(dir, 'delta.csv'))).toEqual([
      'id,value,updated_at,deleted_at',
      's2,2,2024-01-02T00:00:00.000Z,',
      's3,3,2024-01-03T00:00:00.000Z,2024-01-03T00:00:00.000Z',
      's4,4,2024-01-04T00:00:00.000Z,',
      's5,5,2024-01-05T00:00:00.000Z,2024-01-05T00:00:00.000Z',
    ]);
  });

  it('NDJSON carries the deletions too', async () => {
    const r = await runExport({ adapter: platform(items), dataset: 'd', updatedSince: '2024-01-02T12:00:00.000Z', destination: { kind: 'folder', folder: dir, format: 'ndjson', fileNamePattern: 'd.ndjson' } });
    expect(r).toMatchObject({ rows: 3, deleted: 2 });
    const lines = csvLines(join(dir, 'd.ndjson')).map((l) => JSON.parse(l) as { id: string; deleted_at: string | null });
    expect(lines.map((l) => [l.id, l.deleted_at !== null])).toEqual([
      ['s3', true],
      ['s4', false],
      ['s5', true],
    ]);
  });

  it('a full run writes the current data only; its cursor moves past the deletions it read', async () => {
    const a = platform(items);
    const r = await runExport({ adapter: a, dataset: 'd', updatedSince: null, destination: { kind: 'folder', folder: dir, format: 'csv', fileNamePattern: 'full.csv' } });
    expect(a.queries[0]).toMatchObject({ includeDeleted: true });
    expect(r).toMatchObject({ rows: 3, deleted: 0, newCursor: '2024-01-05T00:00:00.000Z' });
    expect(r.summary).toBe(`Wrote 3 rows to ${join(dir, 'full.csv')}.`);
    expect(csvLines(join(dir, 'full.csv')).slice(1).map((l) => l.split(',')[0])).toEqual(['s1', 's2', 's4']);

    // Only deletions: no file, and the cursor still moves past them.
    const none = await runExport({ adapter: platform([gone(9, '2024-03-01T00:00:00.000Z')]), dataset: 'd', updatedSince: null, destination: { kind: 'folder', folder: dir, format: 'csv', fileNamePattern: 'none.csv' } });
    expect(none).toMatchObject({ rows: 0, deleted: 0, newCursor: '2024-03-01T00:00:00.000Z' });
    expect(readdirSync(dir)).toEqual(['full.csv']);
  });

  it('an incremental run of deletions only still writes its file; one of deletions of rows never exported deletes nothing from a table', async () => {
    const only = [gone(7, '2024-02-01T00:00:00.000Z')];
    const r = await runExport({ adapter: platform(only), dataset: 'd', updatedSince: '2024-01-31T00:00:00.000Z', destination: { kind: 'folder', folder: dir, format: 'csv', fileNamePattern: 'x.csv' } });
    expect(r.summary).toBe(`Wrote 1 row (1 deleted on the platform) to ${join(dir, 'x.csv')}.`);
    expect(readdirSync(dir)).toEqual(['x.csv']);

    const file = join(dir, 'bi.sqlite');
    const table = { kind: 'table' as const, connection: { kind: 'sqlite' as const, file }, table: 't', keyColumns: ['id'] };
    await runExport({ adapter: platform(items), dataset: 'd', updatedSince: null, destination: table });
    const t = await runExport({ adapter: platform([...items, ...only]), dataset: 'd', updatedSince: '2024-01-04T00:00:00.000Z', destination: table });
    expect(t.summary).toBe('Wrote 2 rows (2 deleted on the platform) to table "t".');
    const db = new Database(file);
    try {
      expect((db.prepare('SELECT id FROM t ORDER BY id').all() as { id: string }[]).map((x) => x.id)).toEqual(['s1', 's2', 's4']);
    } finally {
      db.close();
    }
  });
});
