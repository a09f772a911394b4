import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportItem, ExportQuery } from '../../../main/engine/platforms/types';
import { isLater, runExport } from '../../../main/engine/sync/export/runner';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esg-export-run-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An adapter over an array that honours updatedSince and can fail after N rows. */
function arrayAdapter(items: ExportItem[], failAfter?: number) {
  const queries: ExportQuery[] = [];
  return {
    queries,
    exportStream(q: ExportQuery): AsyncIterable<ExportItem> {
      queries.push(q);
      return (async function* () {
        let n = 0;
        for (const it of items) {
          if (q.updatedSince !== null && it.updatedAt !== null && it.updatedAt <= q.updatedSince) continue;
          if (failAfter !== undefined && n === failAfter) throw new Error('platform answered 503 three times');
          n++;
          yield it;
        }
      })();
    },
  };
}

const item = (id: number, updatedAt: string | null): ExportItem => ({ row: { id: `s${id}`, value: id }, updatedAt });

describe('runExport', () => {
  it('passes the cursor, returns the newest updatedAt and reports progress', async () => {
    const a = arrayAdapter([item(1, '2024-01-01T00:00:00.000Z'), item(2, '2024-03-01T00:00:00.000Z'), item(3, '2024-02-01T00:00:00.000Z')]);
    const progress: number[] = [];
    const r = await runExport({
      adapter: a,
      dataset: 'submissions',
      updatedSince: '2023-12-31T00:00:00.000Z',
      destination: { kind: 'folder', folder: dir, format: 'ndjson', fileNamePattern: '{dataset}.{ext}' },
      progressEvery: 1,
      onProgress: (p) => progress.push(p.rows),
    });
    expect(a.queries[0]).toMatchObject({ dataset: 'submissions', updatedSince: '2023-12-31T00:00:00.000Z' });
    expect(r.rows).toBe(3);
    expect(r.newCursor).toBe('2024-03-01T00:00:00.000Z');
    expect(progress).toEqual([1, 2, 3, 3]);
    expect(r.output).toMatchObject({ kind: 'file', path: join(dir, 'submissions.ndjson') });
    expect(r.bytes).toBe(readFileSync(join(dir, 'submissions.ndjson')).length);
  });

  it('keeps the previous cursor when nothing newer arrives', async () => {
    const r = await runExport({
      adapter: arrayAdapter([item(1, '2024-01-01T00:00:00.000Z')]),
      dataset: 'd',
      updatedSince: '2024-06-01T00:00:00.000Z',
      destination: { kind: 'folder', folder: dir, format: 'json', fileNamePattern: 'out.json' },
    });
    expect(r.rows).toBe(0);
    expect(r.newCursor).toBe('2024-06-01T00:00:00.000Z');
    // Nothing new: no file at all (not even "[]"), and the run says why.
    expect(r.output).toMatchObject({ kind: 'file', written: false, rows: 0, bytes: 0 });
    expect(r.summary).toBe('No new or changed rows since the last export; no file was written.');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('on a failure mid-stream removes the partial file and says which dataset and how many rows', async () => {
    const items = Array.from({ length: 10 }, (_, i) => item(i, `2024-01-0${(i % 9) + 1}T00:00:00.000Z`));
    const err = await runExport({
      adapter: arrayAdapter(items, 4),
      dataset: 'submissions',
      updatedSince: null,
      destination: { kind: 'folder', folder: dir, format: 'csv', fileNamePattern: 'x.csv' },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'export_failed' });
    // A full export: nothing about a cursor or the same rows, it exports everything again anyway.
    expect((err as Error).message).toBe('Export of dataset "submissions" stopped after reading 4 rows from the platform: platform answered 503 three times. No file was left behind.');
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
  });

  it('an incremental run that fails says in plain words that the next run exports the same rows, with one period after the cause', async () => {
    const items = Array.from({ length: 5 }, (_, i) => item(i, `2024-02-0${i + 1}T00:00:00.000Z`));
    const a = {
      exportStream: (q: ExportQuery) =>
        (async function* () {
          yield* arrayAdapter(items).exportStream(q);
          throw new Error('The platform closed the connection.');
        })(),
    };
    const err = await runExport({ adapter: a, dataset: 'd', updatedSince: '2024-01-01T00:00:00.000Z', destination: { kind: 'folder', folder: dir, format: 'csv', fileNamePattern: 'x.csv' } }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('Export of dataset "d" stopped after reading 5 rows from the platform: The platform closed the connection. No file was left behind. The next run exports the same rows again.');
  });

  it('a table run whose first batch fails says nothing was written, not that committed batches stay', async () => {
    const file = join(dir, 'bi.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, value TEXT)');
    db.close();
    const err = await runExport({
      adapter: arrayAdapter([item(1, '2024-02-01T00:00:00.000Z')]),
      dataset: 'd',
      updatedSince: '2024-01-01T00:00:00.000Z',
      destination: { kind: 'table', connection: { kind: 'sqlite', file }, table: 't', keyColumns: ['id'] },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `Export of dataset "d" stopped after reading 1 row from the platform: Row 1 of this run (id "s1") cannot be written to table "t" in SQLite file ${file}: its "id" is "s1", but the column "id" (INTEGER) takes a whole number. Change that column's type so it takes such values (e.g. to text), or give the job a new table name in the job’s destination (Edit on the Jobs page, or \`esg-sync job edit\`) so the agent creates the table with columns that fit. The batch was rolled back, with any table or columns it created. Nothing was written to table "t". The next run exports the same rows again.`,
    );
  });

  it('a cancelled run is reported as cancelled and leaves nothing', async () => {
    const ctl = new AbortController();
    const items = Array.from({ length: 50 }, (_, i) => item(i, null));
    const err = await runExport({
      adapter: arrayAdapter(items),
      dataset: 'd',
      updatedSince: null,
      destination: { kind: 'folder', folder: dir, format: 'xlsx', fileNamePattern: 'x.xlsx' },
      progressEvery: 10,
      onProgress: (p) => {
        if (p.rows >= 10) ctl.abort();
      },
      signal: ctl.signal,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'export_cancelled' });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('isLater', () => {
  it('compares timestamps as instants', () => {
    expect(isLater('2024-01-01T01:00:00+01:00', '2023-12-31T23:30:00Z')).toBe(true);
    expect(isLater('2024-01-01T00:00:00Z', '2024-01-01T00:00:00.001Z')).toBe(false);
    expect(isLater('x', null)).toBe(true);
  });
});
