/**
 * The export's per-row fast paths give exactly what the plain code gave: flattening and header
 * planning against the pre-change implementation (reference/flatten-before.ts), the CSV cell
 * check against neutraliseCell, and the run's cursor against a fold with isLater.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { neutraliseCell } from '../../../main/engine/csv-safety';
import type { ExportItem } from '../../../main/engine/platforms/types';
import { flattenRow, HeaderPlanner, type FlatRow } from '../../../main/engine/sync/export/flatten';
import { isLater, runExport } from '../../../main/engine/sync/export/runner';
import { CsvWriter, csvCell } from '../../../main/engine/sync/export/writers/csv';
import * as before from './reference/flatten-before';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esg-export-fast-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const key = fc.oneof(fc.constantFrom('id', 'value', 'a.b', '', 'x', 'constructor', 'toString'), fc.string({ maxLength: 4 }));
const leaf = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('=1+1', '-3', '@x', '\tTab', '\rCR', '+', ''),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  fc.date({ noInvalidDate: false }),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
}));
const row = fc.dictionary(key, value, { maxKeys: 6 }) as fc.Arbitrary<Record<string, unknown>>;
const options = fc.record({ nested: fc.constantFrom(undefined, 'json' as const, 'columns' as const), maxDepth: fc.constantFrom(undefined, 0, 1, 2, 8) });

describe('export fast paths', () => {
  it('flattenRow gives the same cells in the same order as before', () => {
    fc.assert(
      fc.property(row, options, (r, o) => {
        expect(Object.entries(flattenRow(r, o))).toEqual(Object.entries(before.flattenRow(r, o)));
      }),
      { numRuns: 2000 },
    );
  });

  it('HeaderPlanner releases the same header and rows as before, _extra included', () => {
    const flat = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', '_extra', 'late', 'constructor'), fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null)), {
      maxKeys: 4,
    }) as fc.Arbitrary<FlatRow>;
    fc.assert(
      fc.property(fc.array(flat, { maxLength: 12 }), fc.integer({ min: 1, max: 5 }), (rows, window) => {
        const mine = new HeaderPlanner(window);
        const theirs = new before.HeaderPlanner(window);
        for (const r of rows) expect(mine.push({ ...r })).toEqual(theirs.push({ ...r }));
        expect(mine.end()).toEqual(theirs.end());
      }),
      { numRuns: 2000 },
    );
  });

  it('projectFlat releases what push(flattenRow(row)) released before, or leaves the row to it', () => {
    const flatKey = fc.constantFrom('a', 'b', 'c', '1', '0', '_extra', 'constructor', 'toString', 'a.b', '');
    const flatValue = fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constantFrom(null, undefined, true, NaN, -Infinity, 1.5));
    const flatRow = fc.dictionary(flatKey, flatValue, { maxKeys: 5 }) as fc.Arbitrary<Record<string, unknown>>;
    const odd = fc.constantFrom<Record<string, unknown>>(
      JSON.parse('{"__proto__": null, "a": 1}') as Record<string, unknown>,
      JSON.parse('{"__proto__": "x", "b": 2}') as Record<string, unknown>,
      { a: { b: 1 } },
      { 'a.b': 1, a: { b: 2 } },
      { c: 5n, a: new Date(0) },
      { b: [1, 2] },
    );
    let direct = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 6, arbitrary: flatRow }, { weight: 1, arbitrary: odd }, { weight: 1, arbitrary: row }), { maxLength: 12 }), fc.integer({ min: 1, max: 4 }), options, (rows, window, o) => {
        const mine = new HeaderPlanner(window);
        const theirs = new before.HeaderPlanner(window);
        for (const r of rows) {
          const values = mine.projectFlat(r);
          if (values !== undefined) direct++;
          const got = values !== undefined ? { header: null, rows: [values] } : mine.push(flattenRow(r, o));
          expect(got).toEqual(theirs.push(before.flattenRow(r, o)));
        }
        expect(mine.end()).toEqual(theirs.end());
      }),
      { numRuns: 3000 },
    );
    expect(direct).toBeGreaterThan(3000);
  });

  it('csvCell neutralises exactly the text neutraliseCell does', () => {
    const text = fc.oneof(fc.string(), fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', ' =', "'=", '＝'), fc.string().map((s) => `=${s}`));
    fc.assert(
      fc.property(text, (s) => {
        expect(csvCell(s)).toBe(neutraliseCell(s));
      }),
      { numRuns: 5000 },
    );
    for (let c = 0; c < 0x250; c++) {
      const s = `${String.fromCharCode(c)}x`;
      expect(csvCell(s)).toBe(neutraliseCell(s));
    }
    expect([csvCell(null), csvCell(-1.5), csvCell(true)]).toEqual(['', '-1.5', 'true']);
  });

  it('CsvWriter takes a row without a promise unless the stream asks to wait, and writes every row', async () => {
    const w = await CsvWriter.create(dir, 'x.csv', { headerWindow: 1 });
    await w.write({ id: 'a', n: 1 });
    expect(w.write({ id: '=b', n: 2 })).toBeUndefined();
    const out = await w.finish();
    expect(readFileSync(out.path, 'utf8')).toBe("\ufeffid,n,_extra\na,1,\n'=b,2,\n");
  });

  it('the run keeps the same newest cursor as a fold with isLater', async () => {
    const stamps = [
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T02:00:00.000+02:00', // the same instant as the first, later as text
      '2024-01-01T00:00:00Z',
      '2024-03-01T00:00:00.000Z',
      '2024-02-01T00:00:00.000Z',
      'not a time',
      'zzz',
      '2023-12-31T23:59:59.999Z',
    ];
    const stamp = fc.option(fc.constantFrom(...stamps), { nil: null, freq: 5 });
    await fc.assert(
      fc.asyncProperty(fc.array(stamp, { maxLength: 8 }), fc.option(fc.constantFrom(...stamps), { nil: null }), async (ats, since) => {
        const items: ExportItem[] = ats.map((at, i) => ({ row: { id: i }, updatedAt: at }));
        const adapter = {
          exportStream: () =>
            (async function* () {
              yield* items;
            })(),
        };
        const r = await runExport({ adapter, dataset: 'd', updatedSince: since, destination: { kind: 'folder', folder: dir, format: 'csv', fileNamePattern: 'c.csv' } });
        const expected = ats.reduce<string | null>((cur, at) => (at !== null && isLater(at, cur) ? at : cur), since);
        expect(r.newCursor).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
