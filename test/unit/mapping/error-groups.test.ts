import { describe, expect, it } from 'vitest';
import { ErrorGrouper, ErrorKindId, errorKind, errorShape, groupErrors, kindLines } from '../../../shared/mapping/error-groups';
import { msg, rowError } from '../../../shared/mapping/messages';

const unknownUnit = (line: number, value: string) => rowError(line, 'Unit', value, msg.unitProblem(`'${value}' is not a known unit.`));
const notNumber = (line: number, value: string) => rowError(line, 'Consumption', value, msg.notNumber(value, 'Electricity', 'Use digits only.'));

describe('errorShape', () => {
  it('is equal for errors of one kind whatever their line and value', () => {
    expect(errorShape(unknownUnit(4, 'kWhh'))).toBe(errorShape(unknownUnit(1203, 'KWH ')));
    expect(errorShape(rowError(7, null, null, msg.duplicateOf(3, null)))).toBe(errorShape(rowError(90, null, null, msg.duplicateOf(88, null))));
  });

  it('differs between kinds, and between metrics named in the sentence', () => {
    expect(errorShape(unknownUnit(4, 'x'))).not.toBe(errorShape(notNumber(4, 'x')));
    expect(errorShape(rowError(1, 'V', 'a', msg.notNumber('a', 'Electricity', '')))).not.toBe(errorShape(rowError(1, 'V', 'a', msg.notNumber('a', 'Water', ''))));
  });

  it('blanks a value that is also a word of the sentence only where it is quoted', () => {
    const e = rowError(2, 'Site', 'site', msg.unknownEntity('site', 'site'));
    expect(errorShape(e).startsWith("'…' is not a known site.")).toBe(true);
  });
});

describe('errorKind', () => {
  it('names each group by the kind of its rows: one id per kind, apart for held rows and other columns', () => {
    const held = { ...unknownUnit(9, 'kWhh'), held: true };
    const other = rowError(3, 'Unit 2', 'kWhh', msg.unitProblem("'kWhh' is not a known unit."));
    const r = groupErrors([unknownUnit(4, 'kWhh'), unknownUnit(5, 'MWhh'), notNumber(6, 'x'), held, other], 10);
    expect(r.groups.map((g) => g.kind)).toEqual([errorKind(unknownUnit(4, 'kWhh')), ...[other, notNumber(1, 'y'), held].map(errorKind)]);
    expect(errorKind(unknownUnit(1, 'a'))).toBe(errorKind(unknownUnit(777, 'b')));
    expect(new Set(r.groups.map((g) => g.kind)).size).toBe(4);
    for (const g of r.groups) expect(ErrorKindId.safeParse(g.kind).success).toBe(true);
    expect(ErrorKindId.safeParse('Unit').success).toBe(false);
  });
});

describe('groupErrors', () => {
  it('counts rows, lines and values per kind, largest kind first', () => {
    const errors = [
      notNumber(5, 'n/a'),
      ...Array.from({ length: 6 }, (_, i) => unknownUnit(10 + i, i < 4 ? 'kWhh' : 'KWH')),
      notNumber(2, '12,5,0'),
      rowError(null, null, null, 'The file has no header row.'),
    ];
    const r = groupErrors(errors, 10);
    expect(r.otherKinds).toBe(0);
    expect(r.groups.map((g) => [g.column, g.rows, g.firstLine, g.lastLine])).toEqual([
      ['Unit', 6, 10, 15],
      ['Consumption', 2, 2, 5],
      [null, 1, null, null],
    ]);
    expect(r.groups[0]!.values).toEqual([
      { value: 'kWhh', rows: 4 },
      { value: 'KWH', rows: 2 },
    ]);
    expect(r.groups[0]!.example).toBe(msg.unitProblem("'kWhh' is not a known unit."));
    expect(r.groups[0]!.moreValues).toBe(0);
  });

  it('keeps held rows apart from rejected rows of the same sentence', () => {
    const e = (line: number) => rowError(line, 'Site', 'Plant 9', msg.held('Plant 9', 'entity', 'site'));
    const r = groupErrors([e(3), e(4), { ...e(5), held: true }], 10);
    expect(r.groups.map((g) => [g.held, g.rows])).toEqual([
      [false, 2],
      [true, 1],
    ]);
  });

  it('lists five values and says how many more there are', () => {
    const r = groupErrors(Array.from({ length: 20 }, (_, i) => notNumber(i + 1, `bad${i % 8}`)), 10);
    expect(r.groups).toHaveLength(1);
    expect(r.groups[0]!.values).toHaveLength(5);
    expect(r.groups[0]!.values[0]).toEqual({ value: 'bad0', rows: 3 });
    expect(r.groups[0]!.moreValues).toBe(3);
  });

  it('sums up the kinds beyond the limit', () => {
    const errors = ['A', 'B', 'C', 'D'].flatMap((col, k) => Array.from({ length: 4 - k }, (_, i) => rowError(i + 1, col, 'x', msg.missingValue())));
    const r = groupErrors(errors, 2);
    expect(r.groups.map((g) => g.column)).toEqual(['A', 'B']);
    expect(r).toMatchObject({ otherKinds: 2, otherRows: 3 });
  });

  it('stays bounded with many kinds and values, and still counts every row', () => {
    const g = new ErrorGrouper();
    // One kind of 3,000 distinct values, then 600 kinds (one per column) of 300 rows each.
    for (let i = 0; i < 3_000; i++) g.add({ line: i + 2, column: 'Big', value: `w${i}`, reason: 'odd value' });
    for (let i = 0; i < 180_000; i++) g.add({ line: i + 2, column: `C${i % 600}`, value: `v${i}`, reason: 'odd value' });
    const r = g.result(10);
    expect(r.groups[0]).toMatchObject({ column: 'Big', rows: 3_000 });
    expect(r.groups[0]!.values).toHaveLength(5);
    expect(r.groups[0]!.moreValues).toBeGreaterThanOrEqual(995);
    expect(r.groups.reduce((sum, x) => sum + x.rows, 0) + r.otherRows).toBe(183_000);
    // 500 kinds are tracked (10 shown, 490 summed up); the 101 beyond are counted, and their rows too.
    expect(r.otherKinds).toBe(591);
  });
});

describe('where a kind’s rows are, and how many', () => {
  const grouped = (lines: number[], perLine = 1) => {
    const g = new ErrorGrouper();
    for (const line of lines) for (let i = 0; i < perLine; i++) g.add({ line, column: 'Month', value: '2026-1O', reason: `Line ${line}, column 'Month': '2026-1O' could not be read as a period.` });
    return g.result(5).groups[0]!;
  };
  it('says two lines as two, a run of lines as a range, and scattered lines as between', () => {
    expect(kindLines(grouped([3, 5]))).toBe('lines 3 and 5');
    expect(kindLines(grouped([3, 4, 5]))).toBe('lines 3 to 5');
    expect(kindLines(grouped([3, 9, 50]))).toBe('between lines 3 and 50');
    expect(kindLines(grouped([7]))).toBe('line 7');
  });
  it('counts the lines apart from the errors, so one bad row of a wide file is one row', () => {
    const g = grouped([4], 3);
    expect({ rows: g.rows, lines: g.lines }).toEqual({ rows: 3, lines: 1 });
    expect(kindLines(g)).toBe('line 4');
  });
});
