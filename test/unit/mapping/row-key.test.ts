/**
 * A database row error names its row by key (shared/mapping/row-key.ts): short, terminal-safe
 * text a person can turn into a WHERE clause, and the lead of the error's sentence.
 */
import { describe, expect, it } from 'vitest';
import { chooseRowKey, keyColumnText, keyValueText, naturalKeyColumns, rowKeyText, rowPositionText } from '../../../shared/mapping/row-key';
import { reasonAlone, rowError, withRowKey } from '../../../shared/mapping/messages';
import { errorKind, groupErrors, kindLines } from '../../../shared/mapping/error-groups';
import { parseProfile } from '../../../shared/mapping';

describe('key text', () => {
  it('names a row by a one-column unique key as id=1042', () => {
    expect(rowKeyText({ basis: 'unique', columns: ['id'] }, { id: 1042, kwh: 'x' })).toBe('id=1042');
  });

  it('names a row by several columns that may match more than one row with "where", text quoted, dates and numbers bare', () => {
    expect(rowKeyText({ basis: 'natural-key', columns: ['meter_id', 'reading_date'] }, { meter_id: 'M-7', reading_date: '2026-01-31' })).toBe('where meter_id="M-7", reading_date=2026-01-31');
    expect(rowKeyText({ basis: 'watermark', columns: ['updated_at'] }, { updated_at: '2026-01-31 10:00:00.123456' })).toBe('where updated_at=2026-01-31 10:00:00.123456');
  });

  it('writes an empty key cell as NULL, and a numeric text as the number it is', () => {
    expect(keyValueText(null)).toBe('NULL');
    expect(keyValueText(undefined)).toBe('NULL');
    expect(keyValueText('12.50')).toBe('12.50');
    expect(keyValueText(true)).toBe('true');
  });

  it('escapes quotes, backslashes, control and direction-changing characters, so a value cannot rewrite a terminal line', () => {
    expect(keyValueText('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
    const text = keyValueText('A\u001b[31mB\r\nC\u202eD\u0085');
    expect(text).toBe('"A\\u001b[31mB\\u000d\\u000aC\\u202eD\\u0085"');
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it('cuts a long value to 40 characters ending in …, whole characters only', () => {
    const long = '😀'.repeat(100);
    const text = keyValueText(long);
    expect(text).toBe(`"${'😀'.repeat(39)}…"`);
    expect(keyValueText('9'.repeat(60))).toBe(`"${'9'.repeat(39)}…"`);
  });

  it('quotes a column name that is no plain identifier', () => {
    expect(keyColumnText('meter_id')).toBe('meter_id');
    expect(keyColumnText('Meter ID')).toBe('"Meter ID"');
    expect(keyColumnText('x\u0007y')).toBe('"x\\u0007y"');
  });

  it('says a position as the row of this read, when nothing better exists', () => {
    expect(rowPositionText(90211, 'table')).toBe('90,211 of the table as read');
    expect(rowPositionText(3, 'query')).toBe("3 of the query's result as read");
  });
});

describe('the error sentence', () => {
  it('leads with the row key instead of the line, and the kind of error stays one for every row', () => {
    const a = withRowKey(rowError(5, 'kwh', 'abc', "'abc' is not a number."), 'id=1042');
    expect(a).toMatchObject({ line: 5, row: 'id=1042', reason: "Row id=1042, column 'kwh': 'abc' is not a number." });
    expect(reasonAlone(a)).toBe("'abc' is not a number.");
    const b = withRowKey(rowError(9, 'kwh', 'abc', "'abc' is not a number."), 'id=77');
    expect(errorKind(a)).toBe(errorKind(b));
    // A file's error is as before.
    expect(rowError(5, 'kwh', 'abc', 'x').reason).toBe("Line 5, column 'kwh': x");
  });
});

describe('errors by kind', () => {
  it('say where a kind is by the key of its first row for a database, by lines for a file', () => {
    const err = (line: number, row?: string) => {
      const e = rowError(line, 'kwh', 'abc', "'abc' is not a number.");
      return row ? withRowKey(e, row) : e;
    };
    const db = groupErrors([err(3, 'id=7'), err(5, 'id=1042'), err(9, 'id=12')], 10).groups;
    expect(db).toHaveLength(1);
    expect(db[0]).toMatchObject({ rows: 3, firstRow: 'id=7', example: "'abc' is not a number." });
    expect(kindLines(db[0]!)).toBe('row id=7 and 2 other rows');
    expect(kindLines(groupErrors([err(5, 'id=1042')], 10).groups[0]!)).toBe('row id=1042');
    const file = groupErrors([err(3), err(5)], 10).groups[0]!;
    expect(file).not.toHaveProperty('firstRow');
    expect(kindLines(file)).toBe('lines 3 and 5');
  });
});

describe('which key names a row', () => {
  const columns = ['id', 'site', 'month', 'kwh', 'updated_at'];
  it('prefers the unique key, then the natural key as mapped, then the watermark; null when none is read', () => {
    expect(chooseRowKey({ unique: ['id'], naturalKey: ['site', 'month'], watermark: 'updated_at', columns })).toEqual({ basis: 'unique', columns: ['id'] });
    expect(chooseRowKey({ unique: null, naturalKey: ['site', 'month'], watermark: 'updated_at', columns })).toEqual({ basis: 'natural-key', columns: ['site', 'month'] });
    expect(chooseRowKey({ unique: ['gone'], naturalKey: [], watermark: 'updated_at', columns })).toEqual({ basis: 'watermark', columns: ['updated_at'] });
    expect(chooseRowKey({ unique: null, naturalKey: [], watermark: null, columns })).toBeNull();
  });

  it('reads the natural key columns from the mapping: metric, site and period columns; fixed values are no columns', () => {
    const profile = parseProfile({
      schemaVersion: 1,
      name: 'm',
      sourceId: 's',
      connectionId: 'c',
      shape: { kind: 'long', valueColumn: 'kwh' },
      metric: { kind: 'column', column: 'metric' },
      entity: { kind: 'column', column: 'site' },
      period: { kind: 'year-month', yearColumn: 'y', monthColumn: 'm' },
    });
    expect(naturalKeyColumns(profile)).toEqual(['metric', 'site', 'y', 'm']);
    const fixed = parseProfile({ ...profile, metric: { kind: 'fixed', metricId: 'met' }, naturalKey: ['metric', 'entity', 'period', { column: 'meter' }] });
    expect(naturalKeyColumns(fixed)).toEqual(['site', 'y', 'm', 'meter']);
  });
});
