import { describe, expect, it } from 'vitest';
import { LineMarks, rejectedText } from '../../../main/engine/sync/line-marks';

describe('LineMarks', () => {
  it('counts each line once, across growth of its bit array', () => {
    const marks = new LineMarks();
    const lines = [2, 3, 2, 9_000, 46_000_000, 3, 8_191, 8_192, 9_000];
    const fresh = lines.map((l) => marks.mark(l));
    expect(fresh).toEqual([true, true, false, true, true, false, true, true, false]);
    expect(marks.count).toBe(new Set(lines).size);
  });

  it('ignores what is not a line number', () => {
    const marks = new LineMarks();
    expect(marks.mark(-1)).toBe(false);
    expect(marks.mark(1.5)).toBe(false);
    expect(marks.count).toBe(0);
  });
});

describe('rejectedText', () => {
  it('says rows alone when each rejected row had one value, values and rows otherwise', () => {
    expect(rejectedText(1, 1)).toBe('1 row was rejected');
    expect(rejectedText(3, 3)).toBe('3 rows were rejected');
    expect(rejectedText(2, 1)).toBe('2 values in 1 row were rejected');
    expect(rejectedText(7, 4)).toBe('7 values in 4 rows were rejected');
  });
});
