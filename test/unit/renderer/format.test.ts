import { describe, expect, it } from 'vitest';
import { formatTimeInZone, sameTimeZone, watermarkText } from '../../../renderer/format';

// ICU puts a narrow no-break space before AM/PM; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');
const at = (iso: string, zone: string, localZone: string) => plain(formatTimeInZone(iso, zone, { localZone, locale: 'en-US' }));

describe('formatTimeInZone', () => {
  // 07:30 in Berlin on 3 January 2027 (CET, UTC+1) is 06:30 UTC.
  const berlin0730 = '2027-01-03T06:30:00.000Z';

  it("shows a job's next run at its own wall-clock time, naming the zone when the browser is elsewhere", () => {
    expect(at(berlin0730, 'Europe/Berlin', 'UTC')).toBe('Jan 3, 2027, 7:30 AM (Europe/Berlin)');
    expect(at(berlin0730, 'Europe/Berlin', 'America/New_York')).toBe('Jan 3, 2027, 7:30 AM (Europe/Berlin)');
    // Not the browser's wall clock: UTC would have said 6:30.
    expect(at(berlin0730, 'Europe/Berlin', 'UTC')).not.toContain('6:30');
  });

  it('names no zone when the job runs in the browser’s own zone', () => {
    expect(at(berlin0730, 'Europe/Berlin', 'Europe/Berlin')).toBe('Jan 3, 2027, 7:30 AM');
    expect(at(berlin0730, 'UTC', 'UTC')).toBe('Jan 3, 2027, 6:30 AM');
    // The names Intl gives UTC are one zone.
    expect(at(berlin0730, 'Etc/UTC', 'UTC')).toBe('Jan 3, 2027, 6:30 AM');
    expect(at(berlin0730, 'UTC', 'Etc/UTC')).toBe('Jan 3, 2027, 6:30 AM');
  });

  it('names a zone with the same offset but another name (its summer time may differ)', () => {
    expect(at(berlin0730, 'Europe/Paris', 'Europe/Berlin')).toBe('Jan 3, 2027, 7:30 AM (Europe/Paris)');
  });

  it('follows daylight saving time in the job’s zone', () => {
    // 07:30 in Berlin on 5 July 2027 (CEST, UTC+2) is 05:30 UTC.
    expect(at('2027-07-05T05:30:00.000Z', 'Europe/Berlin', 'UTC')).toBe('Jul 5, 2027, 7:30 AM (Europe/Berlin)');
  });

  it('a zone Intl does not know gives the browser’s time, named', () => {
    expect(at(berlin0730, 'Mars/Olympus_Mons', 'Asia/Tokyo')).toBe('Jan 3, 2027, 3:30 PM (Asia/Tokyo)');
  });

  it('says — for no time, and gives back what is not a time', () => {
    expect(formatTimeInZone(null, 'Europe/Berlin')).toBe('—');
    expect(formatTimeInZone(undefined, 'Europe/Berlin')).toBe('—');
    expect(formatTimeInZone('soon', 'Europe/Berlin')).toBe('soon');
  });
});

describe('sameTimeZone', () => {
  it('compares zones by name, UTC under any of its names', () => {
    expect(sameTimeZone('Europe/Berlin', 'Europe/Berlin')).toBe(true);
    expect(sameTimeZone('UTC', 'Etc/UTC')).toBe(true);
    expect(sameTimeZone('Etc/GMT', 'UTC')).toBe(true);
    expect(sameTimeZone('Europe/Berlin', 'Europe/Paris')).toBe(false);
    expect(sameTimeZone('Europe/London', 'UTC')).toBe(false);
    expect(sameTimeZone('Not/AZone', 'Not/AZone')).toBe(true);
    expect(sameTimeZone('Not/AZone', 'Other/Nonsense')).toBe(false);
  });
});

describe('watermarkText: what a database run read, and where the next one starts', () => {
  const run = { watermarkFrom: '2026-03-01 10:00:00', watermarkTo: '2026-03-05 08:00:00', status: 'succeeded' as const, held: 0 };
  it('a run that went through moves it on', () => {
    expect(watermarkText(run)).toBe('read from 2026-03-01 10:00:00; the next run reads from 2026-03-05 08:00:00');
    expect(watermarkText({ ...run, watermarkFrom: null })).toBe('read from the first row; the next run reads from 2026-03-05 08:00:00');
  });
  it('held rows keep it at the first held row, which is not where the run stopped reading', () => {
    expect(watermarkText({ ...run, held: 3, status: 'succeeded_with_rejections' })).toBe(
      'read from 2026-03-01 10:00:00; the next run reads from 2026-03-05 08:00:00 (the first held row: held rows are read again until they can be sent)',
    );
    expect(watermarkText({ ...run, watermarkTo: run.watermarkFrom, held: 2 })).toBe('read from 2026-03-01 10:00:00; the next run reads from there again (rows are held there until they can be sent)');
  });
  it('a run that did not go through saves nothing', () => {
    expect(watermarkText({ ...run, status: 'failed' })).toBe('read from 2026-03-01 10:00:00; not moved, as the run did not go through: the next run reads from there again');
  });
});
