import { describe, expect, it } from 'vitest';
import { nextRuns, validateCron } from '../../../main/engine/sync/scheduler';
import { formatInZone, fromCron, fromNow, presetProblem, switchPreset, timeZones, toCron, type Preset } from '../../../renderer/jobs/schedule';

const presets: [Preset, string][] = [
  [{ kind: 'hourly', minute: 15 }, '15 * * * *'],
  [{ kind: 'daily', time: '06:30' }, '30 6 * * *'],
  [{ kind: 'weekdays', time: '07:05' }, '5 7 * * 1-5'],
  [{ kind: 'weekly', weekday: 0, time: '23:59' }, '59 23 * * 0'],
  [{ kind: 'monthly', day: 28, time: '00:00' }, '0 0 28 * *'],
];

describe('schedule presets', () => {
  it.each(presets)('%o is the cron expression %s, which the engine accepts, and reads back as the same preset', (preset, cron) => {
    expect(toCron(preset)).toBe(cron);
    expect(validateCron(cron, 'Europe/London')).toBeNull();
    expect(fromCron(cron)).toEqual(preset);
  });

  it('refuses a schedule with a field missing or one too many, saying how many it needs', () => {
    // Four fields were read as "every minute of the 6th", six as a seconds field (hourly).
    expect(validateCron('0 6 * *', 'UTC')).toBe('A schedule has five fields (minute, hour, day of month, month, day of week), e.g. "0 6 * * 1-5" for 06:00 on weekdays; "0 6 * *" has 4.');
    expect(validateCron('0 6 * * * *', 'UTC')).toMatch(/has 6\.$/);
    expect(validateCron('  0   6 * * 1-5 ', 'UTC')).toBeNull();
    expect(validateCron('61 * * * *', 'UTC')).not.toBeNull();
  });

  it('a daily preset runs at that wall-clock time in its zone, across the DST change', () => {
    const runs = nextRuns(toCron({ kind: 'daily', time: '06:30' })!, 'Europe/London', new Date('2026-03-27T12:00:00Z'), 3);
    // 28 March is GMT (06:30Z); 29 and 30 March are BST (05:30Z).
    expect(runs).toEqual(['2026-03-28T06:30:00.000Z', '2026-03-29T05:30:00.000Z', '2026-03-30T05:30:00.000Z']);
  });

  it('anything the presets do not make opens as a custom expression, untouched', () => {
    for (const expr of ['*/15 * * * *', '0 6 * * 1,3', '0 6 1 1 *', '*/5 * * * * *', '0 6 31 * *', 'not cron']) {
      expect(fromCron(expr)).toEqual({ kind: 'custom', expression: expr });
    }
    expect(fromCron(null)).toEqual({ kind: 'none' });
    expect(fromCron('  ')).toEqual({ kind: 'none' });
    expect(toCron({ kind: 'custom', expression: '  0   6 * *  1-5 ' })).toBe('0 6 * * 1-5');
    expect(toCron({ kind: 'none' })).toBeNull();
  });

  it('says what is wrong with an incomplete preset, and makes no expression of it', () => {
    expect(presetProblem({ kind: 'hourly', minute: 60 })).toMatch(/0 to 59/);
    expect(presetProblem({ kind: 'hourly', minute: Number.NaN })).toMatch(/0 to 59/);
    expect(presetProblem({ kind: 'daily', time: '' })).toMatch(/like 06:30/);
    expect(presetProblem({ kind: 'daily', time: '24:00' })).toMatch(/like 06:30/);
    expect(presetProblem({ kind: 'monthly', day: 31, time: '06:00' })).toMatch(/1 to 28/);
    expect(presetProblem({ kind: 'custom', expression: ' ' })).toMatch(/Type a cron expression/);
    expect(toCron({ kind: 'daily', time: '6' })).toBeNull();
  });

  it('switching kind keeps the time, and custom starts from the current expression', () => {
    const daily: Preset = { kind: 'daily', time: '18:45' };
    expect(switchPreset(daily, 'weekly')).toEqual({ kind: 'weekly', weekday: 1, time: '18:45' });
    expect(switchPreset(daily, 'monthly')).toEqual({ kind: 'monthly', day: 1, time: '18:45' });
    expect(switchPreset(daily, 'custom')).toEqual({ kind: 'custom', expression: '45 18 * * *' });
    expect(switchPreset({ kind: 'none' }, 'daily')).toEqual({ kind: 'daily', time: '06:00' });
  });

  it('lists UTC first among real time zones, and formats a run in its own zone', () => {
    const zones = timeZones();
    expect(zones[0]).toBe('UTC');
    expect(zones).toContain('Europe/London');
    expect(new Set(zones).size).toBe(zones.length);
    expect(formatInZone('2026-07-01T05:30:00Z', 'Europe/London', 'en-GB')).toMatch(/06:30/);
    expect(formatInZone('2026-07-01T05:30:00Z', 'Asia/Tokyo', 'en-GB')).toMatch(/14:30/);
  });
});

describe('fromNow', () => {
  it('says how far away a run is in the largest unit that fits', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(fromNow('2026-01-01T00:20:00Z', now, 'en')).toBe('in 20 minutes');
    expect(fromNow('2026-01-01T05:00:00Z', now, 'en')).toBe('in 5 hours');
    expect(fromNow('2026-01-04T00:00:00Z', now, 'en')).toBe('in 3 days');
    expect(fromNow('nonsense', now, 'en')).toBe('');
  });
});
