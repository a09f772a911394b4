import { describe, expect, it } from 'vitest';
import { progressShare } from '../../../main/engine/sync/ingest';

describe('progressShare', () => {
  it('runs from reading (first half, by bytes) to sending (second half, by values settled), never backwards', () => {
    const p = (bytes: number, staged: number | null, settled = 0) => ({ read: 0, sent: 0, accepted: 0, rejected: 0, bytes, staged, settled });
    expect(progressShare(p(0, null), 1000)).toBeNull();
    expect(progressShare(p(500, null), 1000)).toBe(0.25);
    expect(progressShare(p(1000, null), 1000)).toBe(0.5);
    expect(progressShare(p(1000, null), null)).toBeNull(); // a workbook or a database: no position while reading
    expect(progressShare(p(1000, 200, 0), 1000)).toBe(0.5);
    expect(progressShare(p(1000, 200, 50), 1000)).toBe(0.625);
    expect(progressShare(p(1000, 200, 260), 1000)).toBe(1); // mirror deletes settle past the staged count
    expect(progressShare(p(1000, 0), 1000)).toBe(1);
  });
});
