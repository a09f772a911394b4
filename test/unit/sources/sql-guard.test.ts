import { describe, expect, it } from 'vitest';
import { assertReadOnlyQuery, quoteIdent } from '../../../main/engine/sources/database';
import { buildRead } from '../../../main/engine/sources/database/sql';
import { watermarkParam } from '../../../main/engine/sources/database/convert';

describe('read-only query guard', () => {
  it.each([
    'SELECT * FROM t',
    '  with x as (select 1) select * from x;',
    "SELECT 'DELETE FROM t; DROP TABLE x' AS s, last_update FROM t",
    'SELECT comment, "update" FROM t -- delete from t',
    '(SELECT 1)',
    "SELECT 'C:\\data' AS path, 'it''s' AS s FROM t",
  ])('accepts %s', (q) => {
    expect(() => assertReadOnlyQuery(q)).not.toThrow();
  });

  it.each([
    ['DELETE FROM t', /must start with SELECT/],
    ['SELECT 1; DROP TABLE t', /single SELECT/],
    ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', /DELETE FROM/],
    ['SELECT * FROM t FOR UPDATE', /UPDATE/],
    ['SELECT * INTO OUTFILE \'/tmp/x\' FROM t', /INTO OUTFILE/],
    ['/* x */ UPDATE t SET a = 1', /must start with SELECT/],
    // PostgreSQL and SQLite read '\' as a whole string, MySQL as the start of one: a checker that
    // took one reading hid `; COMMIT; DROP TABLE` inside what it thought was a literal.
    ["SELECT '\\' AS a) AS src; COMMIT; DROP TABLE victim; SELECT * FROM (SELECT '\\'", /single SELECT/],
    ["SELECT 'it''s \\' AS a, x FROM t; DELETE FROM t WHERE '\\' = ''", /single SELECT|DELETE FROM/],
  ])('rejects %s', (q, msg) => {
    expect(() => assertReadOnlyQuery(q)).toThrow(msg);
  });
});

describe('identifiers and statements', () => {
  it('quotes per dialect and escapes the quote character', () => {
    expect(quoteIdent('postgres', 'a"b')).toBe('"a""b"');
    expect(quoteIdent('sqlite', 'Site Name')).toBe('"Site Name"');
    expect(quoteIdent('mysql', 'a`b')).toBe('`a``b`');
    expect(() => quoteIdent('postgres', 'a\u0000b')).toThrow(/cannot be used/);
  });

  it('binds the watermark, never inlines it', () => {
    const b = buildRead('postgres', { kind: 'postgres', database: 'd', table: 'readings', watermarkColumn: 'updated_at' }, "2024-01-01' OR 1=1 --", '$1');
    expect(b.hasWatermarkParam).toBe(true);
    expect(b.sql).toBe('SELECT src.*, (src."updated_at")::text AS "__esg_watermark" FROM "readings" AS src WHERE src."updated_at" >= $1 ORDER BY src."updated_at"');
    expect(b.sql).not.toContain('OR 1=1');
    // Counting what is new since the last run is strictly after it.
    expect(buildRead('postgres', { kind: 'postgres', database: 'd', table: 'readings', watermarkColumn: 'updated_at' }, 'x', '$1', undefined, 'after').sql).toContain('WHERE src."updated_at" > $1');
  });

  it('binds integer watermarks as numbers so SQLite compares numerically', () => {
    expect(watermarkParam('42')).toBe(42);
    expect(watermarkParam('9007199254740993')).toBe(9007199254740993n);
    expect(watermarkParam('1.5')).toBe(1.5);
    expect(watermarkParam('2024-01-01 10:00:00')).toBe('2024-01-01 10:00:00');
  });
});
