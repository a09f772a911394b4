import { describe, expect, it } from 'vitest';
import { cliTime } from '../../../main/agent/time';
import { plural } from '../../../shared/plural';

describe('cliTime: one way the CLI writes a moment', () => {
  const at = '2026-12-08T05:00:00.000Z';

  it('gives the wall-clock time of the zone with its offset, year first: never "12/8/2026, 6:00:00 AM"', () => {
    expect(cliTime(at, 'Europe/Berlin')).toBe('2026-12-08 06:00 UTC+01:00');
    expect(cliTime(at, 'America/New_York')).toBe('2026-12-08 00:00 UTC-05:00');
    expect(cliTime('2026-07-08T05:00:00Z', 'Asia/Kolkata')).toBe('2026-07-08 10:30 UTC+05:30');
  });

  it('says plain UTC at UTC, and keeps what is not a time as it is', () => {
    expect(cliTime(at, 'UTC')).toBe('2026-12-08 05:00 UTC');
    expect(cliTime(null)).toBe('—');
    expect(cliTime('forever')).toBe('forever');
  });
});

describe('plural', () => {
  it('puts the noun in the number of the count', () => {
    expect(plural(1, 'row')).toBe('1 row');
    expect(plural(0, 'row')).toBe('0 rows');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
    expect(plural(1204, 'value')).toBe('1,204 values');
    expect(plural(1204, 'value', 'values', String)).toBe('1204 values');
  });
});
