/**
 * The re-read look-back bound: `watermark − look-back` in the watermark's own text shape, so the
 * database compares the column with it as it compares the column with the saved watermark.
 */
import { describe, expect, it } from 'vitest';
import { lookbackBound } from '../../../main/engine/sources/database/lookback';
import { buildRead } from '../../../main/engine/sources/database/sql';
import { watermarkOf } from '../../../main/engine/sources/database/convert';
import { DatabaseSourceConfig } from '../../../main/engine/sources/database/types';

const s = (watermarkLookbackSeconds: number) => ({ watermarkLookbackSeconds });
const ids = (watermarkLookbackIds: number) => ({ watermarkLookbackIds });

describe('lookbackBound: date-time values', () => {
  it('takes seconds off, keeping the separator, the fraction and the zone as printed', () => {
    expect(lookbackBound('2024-05-01 10:00:00', s(300))).toBe('2024-05-01 09:55:00');
    expect(lookbackBound('2024-05-01T10:00:00Z', s(300))).toBe('2024-05-01T09:55:00Z');
    expect(lookbackBound('2024-05-01T10:00:00.123Z', s(300))).toBe('2024-05-01T09:55:00.123Z');
    expect(lookbackBound('2024-05-01 10:00:00.123456', s(1))).toBe('2024-05-01 09:59:59.123456');
    // PostgreSQL timestamptz as it prints it: the offset is kept, so this is the same instant minus 300 s.
    expect(lookbackBound('2024-05-01 10:00:00.5+02', s(300))).toBe('2024-05-01 09:55:00.5+02');
    expect(lookbackBound('2024-05-01 10:00:00-05:30', s(300))).toBe('2024-05-01 09:55:00-05:30');
    expect(lookbackBound('2024-05-01T10:00:00+0000', s(300))).toBe('2024-05-01T09:55:00+0000');
  });

  it('crosses midnight, month, year and leap-day boundaries on the calendar', () => {
    expect(lookbackBound('2024-01-01 00:02:00', s(300))).toBe('2023-12-31 23:57:00');
    expect(lookbackBound('2024-03-01 00:00:00', s(60))).toBe('2024-02-29 23:59:00');
    expect(lookbackBound('0001-01-01 00:10:00', s(300))).toBe('0001-01-01 00:05:00');
  });

  it('rounds a value printed to the minute down to the minute', () => {
    expect(lookbackBound('2024-05-01 10:00', s(30))).toBe('2024-05-01 09:59');
    expect(lookbackBound('2024-05-01 10:00', s(300))).toBe('2024-05-01 09:55');
  });

  it('takes a date back by whole days, rounded up', () => {
    expect(lookbackBound('2024-05-01', s(300))).toBe('2024-04-30');
    expect(lookbackBound('2024-05-01', s(86400))).toBe('2024-04-30');
    expect(lookbackBound('2024-05-01', s(86401))).toBe('2024-04-29');
    expect(lookbackBound('2024-03-01', s(1))).toBe('2024-02-29');
  });

  it('leaves values it cannot read as a date alone (the run reads from the watermark itself)', () => {
    for (const w of ['infinity', '2024-02-30', '2024-05-01 25:00:00', '01/05/2024', 'A-0001', "2000-01-01' OR '1'='1", '0001-01-01 00:00:00', '2024-05-01 BC', '']) {
      expect(lookbackBound(w, s(300)), w).toBeNull();
    }
  });

  it('is off when not set or 0, and a time look-back does not apply to numbers', () => {
    expect(lookbackBound('2024-05-01 10:00:00', {})).toBeNull();
    expect(lookbackBound('2024-05-01 10:00:00', s(0))).toBeNull();
    expect(lookbackBound('2024-05-01 10:00:00', ids(1000))).toBeNull();
    expect(lookbackBound('1714557600', s(300))).toBeNull();
  });
});

describe('lookbackBound: numeric values', () => {
  it('takes ids off exactly, beyond the safe integers and below zero too', () => {
    expect(lookbackBound('1500', ids(1000))).toBe('500');
    expect(lookbackBound('3', ids(1000))).toBe('-997');
    expect(lookbackBound('9007199254740993', ids(1))).toBe('9007199254740992');
  });

  it('keeps the digits of a decimal', () => {
    expect(lookbackBound('12.50', ids(10))).toBe('2.50');
    expect(lookbackBound('0.05', ids(1))).toBe('-0.95');
    expect(lookbackBound('-0.5', ids(1))).toBe('-1.5');
    expect(lookbackBound('1.5e3', ids(500))).toBe('1000');
  });
});

describe('buildRead with a look-back', () => {
  const pg = DatabaseSourceConfig.parse({ kind: 'postgres', database: 'd', table: 'readings', watermarkColumn: 'updated_at', watermarkLookbackSeconds: 300 });
  const my = DatabaseSourceConfig.parse({ kind: 'mysql', database: 'd', table: 'readings', watermarkColumn: 'updated_at', watermarkLookbackSeconds: 300 });

  it('reads from the bound and flags rows below the saved watermark, binding both values', () => {
    const b = buildRead('postgres', pg, '2024-05-01 10:00:00+00', '$1');
    expect(b.sql).toBe(
      'SELECT src.*, (src."updated_at")::text AS "__esg_watermark", CASE WHEN src."updated_at" < $1 THEN 1 ELSE 0 END AS "__esg_reread" FROM "readings" AS src WHERE src."updated_at" >= $2 ORDER BY src."updated_at"',
    );
    expect(b.params).toEqual(['2024-05-01 10:00:00+00', '2024-05-01 09:55:00+00']);
    expect(b.lookbackFrom).toBe('2024-05-01 09:55:00+00');
    // '?' placeholders bind in the order they appear: the flag's value first.
    const m = buildRead('mysql', my, '2024-05-01 10:00:00', '?');
    expect(m.sql).toContain('CASE WHEN src.`updated_at` < ? THEN 1 ELSE 0 END AS `__esg_reread` FROM `readings` AS src WHERE src.`updated_at` >= ?');
    expect(m.params).toEqual(['2024-05-01 10:00:00', '2024-05-01 09:55:00']);
  });

  it('keeps the plain inclusive read when no look-back applies, and counting stays strictly after', () => {
    expect(buildRead('postgres', pg, 'not a date', '$1')).toMatchObject({ params: ['not a date'], lookbackFrom: null });
    expect(buildRead('postgres', pg, 'not a date', '$1').sql).toContain('WHERE src."updated_at" >= $1 ORDER BY');
    const counted = buildRead('postgres', pg, '2024-05-01 10:00:00+00', '$1', undefined, 'after');
    expect(counted.sql).toContain('WHERE src."updated_at" > $1 ORDER BY');
    expect(counted.params).toEqual(['2024-05-01 10:00:00+00']);
    expect(buildRead('postgres', pg, null, '$1').params).toEqual([]);
  });

  it('reports the saved watermark for a row the look-back read again, its own value otherwise', () => {
    expect(watermarkOf({ __esg_watermark: '2024-05-01 09:58:00', __esg_reread: 1 }, pg, '2024-05-01 10:00:00')).toBe('2024-05-01 10:00:00');
    expect(watermarkOf({ __esg_watermark: '2024-05-01 10:00:00', __esg_reread: 0 }, pg, '2024-05-01 10:00:00')).toBe('2024-05-01 10:00:00');
    expect(watermarkOf({ __esg_watermark: '2024-05-01 10:01:00' }, pg, null)).toBe('2024-05-01 10:01:00');
  });

  it('refuses a negative look-back in the source settings', () => {
    expect(DatabaseSourceConfig.safeParse({ kind: 'sqlite', file: '/x.db', table: 't', watermarkLookbackSeconds: -1 }).success).toBe(false);
  });
});
