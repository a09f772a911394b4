import { describe, expect, it } from 'vitest';
import { EXTRA_COLUMN, flattenRow, HeaderPlanner } from '../../../main/engine/sync/export/flatten';

const footprint = {
  id: 'fp-1',
  productIds: ['urn:gtin:1', 'urn:gtin:2'],
  pcf: { declaredUnit: 'kilogram', pCfExcludingBiogenic: '1.5', dqi: { coveragePercent: 80 }, secondaryEmissionFactorSources: [{ name: 'ecoinvent', version: '3.9' }] },
  extensions: undefined,
  empty: {},
  none: null,
};

describe('flattenRow', () => {
  it('turns nested objects into dotted keys and arrays into JSON text by default', () => {
    expect(flattenRow(footprint)).toEqual({
      id: 'fp-1',
      productIds: '["urn:gtin:1","urn:gtin:2"]',
      'pcf.declaredUnit': 'kilogram',
      'pcf.pCfExcludingBiogenic': '1.5',
      'pcf.dqi.coveragePercent': 80,
      'pcf.secondaryEmissionFactorSources': '[{"name":"ecoinvent","version":"3.9"}]',
      empty: '{}',
      none: null,
    });
  });

  it("spreads arrays into indexed columns with nested: 'columns'", () => {
    const flat = flattenRow(footprint, { nested: 'columns' });
    expect(flat['productIds.0']).toBe('urn:gtin:1');
    expect(flat['productIds.1']).toBe('urn:gtin:2');
    expect(flat['pcf.secondaryEmissionFactorSources.0.name']).toBe('ecoinvent');
    expect(flat).not.toHaveProperty('productIds');
  });

  it('keeps objects below maxDepth as JSON text and converts dates, bigints and non-finite numbers', () => {
    const flat = flattenRow({ a: { b: { c: { d: 1 } } }, at: new Date('2024-01-02T03:04:05Z'), big: 12n, inf: Infinity }, { maxDepth: 2 });
    expect(flat).toEqual({ 'a.b.c': '{"d":1}', at: '2024-01-02T03:04:05.000Z', big: '12', inf: 'Infinity' });
  });
});

describe('HeaderPlanner', () => {
  it('gives an exact header without _extra when the export ends inside the window', () => {
    const p = new HeaderPlanner(10);
    expect(p.push({ a: 1 })).toEqual({ header: null, rows: [] });
    p.push({ b: 'x', a: 2 });
    const end = p.end();
    expect(end.header).toEqual(['a', 'b']);
    expect(end.rows).toEqual([
      [1, null],
      [2, 'x'],
    ]);
  });

  it('decides the header after the window and puts later keys into the _extra JSON column', () => {
    const p = new HeaderPlanner(2);
    p.push({ a: 1 });
    const decided = p.push({ a: 2, b: 3 });
    expect(decided.header).toEqual(['a', 'b', EXTRA_COLUMN]);
    expect(decided.rows).toEqual([
      [1, null, null],
      [2, 3, null],
    ]);
    expect(p.push({ a: 4, c: 'late', d: null })).toEqual({ header: null, rows: [[4, null, '{"c":"late","d":null}']] });
    expect(p.end()).toEqual({ header: null, rows: [] });
  });
});
