/**
 * Values converted to what a table column takes (sql-types.ts): the cases the database tests do not
 * reach one by one — offsets, impossible days, precision kept as text, what each driver is handed.
 */
import { describe, expect, it } from 'vitest';
import { columnKind, convert } from '../../../main/engine/sync/export/writers';

describe('convert', () => {
  it('turns instants into the UTC wall time a DATETIME takes, the UTC day a DATE takes, ISO for timestamptz', () => {
    expect(convert('mysql', 'datetime', '2026-01-31T10:00:00.000Z')).toEqual({ ok: true, value: '2026-01-31 10:00:00' });
    expect(convert('mysql', 'datetime', '2026-01-31T10:00:00.5+01:00')).toEqual({ ok: true, value: '2026-01-31 09:00:00.500' });
    expect(convert('mysql', 'datetime', '2026-01-31')).toEqual({ ok: true, value: '2026-01-31 00:00:00' });
    expect(convert('postgres', 'date', '2026-01-31T23:30:00-02:00')).toEqual({ ok: true, value: '2026-02-01' });
    expect(convert('postgres', 'instant', '2026-01-31 10:00')).toEqual({ ok: true, value: '2026-01-31T10:00:00.000Z' });
  });

  it('refuses what is not a date, a day that does not exist, and text that is not a number', () => {
    for (const v of ['2026-02-30', '2026-13-01T00:00:00Z', 'last Tuesday', '31/01/2026']) {
      expect(convert('mysql', 'date', v)).toEqual({ ok: false, shown: `"${v}"` });
      expect(convert('postgres', 'instant', v).ok).toBe(false);
    }
    expect(convert('postgres', 'number', '1,5')).toEqual({ ok: false, shown: '"1,5"' });
    expect(convert('mysql', 'integer', 2.5)).toEqual({ ok: false, shown: '2.5' });
    expect(convert('sqlite', 'boolean', 2)).toEqual({ ok: false, shown: '2' });
  });

  it('binds true/false as 1/0 where the driver has no booleans, and keeps a numeric text exact on the servers', () => {
    expect(convert('mysql', 'integer', true)).toEqual({ ok: true, value: 1 });
    expect(convert('postgres', 'number', 'false')).toEqual({ ok: true, value: 0 });
    expect(convert('postgres', 'boolean', 'yes')).toEqual({ ok: true, value: true });
    expect(convert('sqlite', 'boolean', true)).toEqual({ ok: true, value: 1 });
    expect(convert('mysql', 'number', ' 12345678901234567.891 ')).toEqual({ ok: true, value: '12345678901234567.891' });
    expect(convert('sqlite', 'number', '7.25')).toEqual({ ok: true, value: 7.25 });
    expect(convert('postgres', 'text', 12.5)).toEqual({ ok: true, value: '12.5' });
    expect(convert('mysql', 'date', null)).toEqual({ ok: true, value: null });
  });
});

describe('columnKind', () => {
  it('reads each server’s names for its column types', () => {
    expect(['tinyint(1)', 'decimal(12,3)', 'datetime', 'timestamp(3)', 'date', 'longtext', 'json'].map((t) => columnKind('mysql', t))).toEqual(['integer', 'number', 'datetime', 'datetime', 'date', 'text', 'text']);
    expect(['numeric', 'timestamp with time zone', 'timestamp without time zone', 'boolean', 'jsonb'].map((t) => columnKind('postgres', t))).toEqual(['number', 'instant', 'datetime', 'boolean', 'text']);
    expect(['INTEGER', 'VARCHAR(20)', 'DOUBLE', 'DECIMAL(10,2)', 'BOOLEAN', 'DATETIME', 'DATE', ''].map((t) => columnKind('sqlite', t))).toEqual(['integer', 'text', 'number', 'number', 'boolean', 'instant', 'date', 'text']);
  });
});
