/**
 * Column types of an exported table: which SQL type the agent gives a column it creates (from the
 * type the platform declares for the field), what kind of value an existing column takes (read
 * from the database), and each flat value converted to what that column takes, bound with the
 * matching JavaScript type. A value that cannot fit its column is a problem in words, so the
 * writer can name the table, column and row instead of passing on the server's error.
 */
import type { ExportColumnType } from '../../../platforms/types';
import type { FlatValue } from '../flatten';
import type { DialectName } from './sql-dialects';
import type { SqlParam } from './sql-drivers';

/**
 * What a column takes. `instant`: a point in time as ISO 8601 text with its offset (PostgreSQL
 * timestamptz parses it; SQLite keeps it as text). `datetime`: a wall time without zone
 * (MySQL/MariaDB DATETIME and TIMESTAMP, PostgreSQL timestamp without time zone), written in UTC
 * as `YYYY-MM-DD HH:MM:SS[.fff]`. `text` is anything else: the value goes as text and the server decides.
 */
export type ColumnKind = 'text' | 'integer' | 'number' | 'boolean' | 'date' | 'instant' | 'datetime';

/** A column as the database describes it: its name and declared type (e.g. `double precision`, `tinyint(1)`, `DECIMAL(12,3)`). */
export interface ColumnInfo {
  name: string;
  type: string;
}

const DDL: Record<DialectName, Record<ExportColumnType, string>> = {
  // SQLite has no date or boolean storage: the declared names tell readers what the column holds
  // (numeric affinity keeps ISO text as text and stores booleans as 1/0).
  sqlite: { text: 'TEXT', integer: 'INTEGER', number: 'REAL', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMP' },
  postgres: { text: 'TEXT', integer: 'BIGINT', number: 'DOUBLE PRECISION', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMPTZ' },
  // MariaDB/MySQL have no timestamp with a zone (TIMESTAMP converts by the session's zone and ends in 2038): UTC wall time.
  mysql: { text: 'LONGTEXT', integer: 'BIGINT', number: 'DOUBLE', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'DATETIME(3)' },
};

/** The SQL type of a column the agent creates for a field of this type. */
export function createdType(d: DialectName, t: ExportColumnType): string {
  return DDL[d][t];
}

/** What a column the agent creates with createdType() takes. */
export function createdKind(d: DialectName, t: ExportColumnType): ColumnKind {
  if (t === 'timestamp') return d === 'mysql' ? 'datetime' : 'instant';
  return t;
}

/** What an existing column takes, from its declared type. Types the agent does not know are `text`: the server converts. */
export function columnKind(d: DialectName, declared: string): ColumnKind {
  const t = declared.trim().toLowerCase();
  switch (d) {
    case 'postgres':
      if (['smallint', 'integer', 'bigint'].includes(t)) return 'integer';
      if (['real', 'double precision', 'numeric'].includes(t)) return 'number';
      if (t === 'boolean') return 'boolean';
      if (t === 'date') return 'date';
      if (t === 'timestamp with time zone') return 'instant';
      if (t === 'timestamp without time zone') return 'datetime';
      return 'text';
    case 'mysql': {
      // BOOLEAN is TINYINT(1), which also holds small numbers: an integer column that takes true/false as 1/0.
      const base = t.replace(/[\s(].*$/, '');
      if (['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint'].includes(base)) return 'integer';
      if (['decimal', 'numeric', 'float', 'double', 'real'].includes(base)) return 'number';
      if (base === 'date') return 'date';
      if (base === 'datetime' || base === 'timestamp') return 'datetime';
      return 'text';
    }
    case 'sqlite': {
      // SQLite's affinity rules (https://sqlite.org/datatype3.html §3.1), with its conventional date and boolean names.
      const u = t.toUpperCase();
      if (u.includes('INT')) return 'integer';
      if (u === '' || /CHAR|CLOB|TEXT|BLOB/.test(u)) return 'text';
      if (/REAL|FLOA|DOUB/.test(u)) return 'number';
      if (u.startsWith('BOOL')) return 'boolean';
      if (u.includes('TIME')) return 'instant';
      if (u.includes('DATE')) return 'date';
      return 'number';
    }
  }
}

/** What a column of this kind takes, for messages: "the column … takes a number". */
export const KIND_WORDS: Record<ColumnKind, string> = {
  text: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  date: 'a date (YYYY-MM-DD)',
  instant: 'a date and time (ISO 8601)',
  datetime: 'a date and time (ISO 8601)',
};

/** The bound value, or (when it cannot fit) the value as a message shows it. */
export type Converted = { ok: true; value: SqlParam } | { ok: false; shown: string };

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;
const TRUE = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'f', 'no', 'n', '0']);

/** A flat value as text, as a TEXT column stores it. */
export function asText(v: FlatValue | undefined): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : String(v);
}

/**
 * The value converted to what a column of this kind takes, bound as the driver needs it: booleans
 * as 1/0 outside PostgreSQL (SQLite and MySQL have no boolean parameters), numbers as numbers (a
 * numeric text as text on the servers, so a DECIMAL keeps every digit), dates and times as text.
 */
export function convert(d: DialectName, kind: ColumnKind, v: FlatValue | undefined): Converted {
  if (v === null || v === undefined) return { ok: true, value: null };
  const no = (): Converted => ({ ok: false, shown: typeof v === 'string' ? `"${v.length > 60 ? `${v.slice(0, 60)}…` : v}"` : String(v) });
  switch (kind) {
    case 'text':
      return { ok: true, value: asText(v) };
    case 'integer':
    case 'number': {
      // A true/false metric value (or its text) into a numeric or TINYINT(1) column: 1/0.
      if (typeof v === 'boolean') return { ok: true, value: v ? 1 : 0 };
      if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return { ok: true, value: v.trim().toLowerCase() === 'true' ? 1 : 0 };
      if (typeof v === 'number') return Number.isFinite(v) && (kind === 'number' || Number.isInteger(v)) ? { ok: true, value: v } : no();
      const s = v.trim();
      if (!(kind === 'integer' ? INTEGER : NUMERIC).test(s)) return no();
      return { ok: true, value: d === 'sqlite' ? Number(s) : s };
    }
    case 'boolean': {
      let b: boolean | undefined;
      if (typeof v === 'boolean') b = v;
      else if (typeof v === 'number') b = v === 1 ? true : v === 0 ? false : undefined;
      else b = TRUE.has(v.trim().toLowerCase()) ? true : FALSE.has(v.trim().toLowerCase()) ? false : undefined;
      if (b === undefined) return no();
      return { ok: true, value: d === 'postgres' ? b : b ? 1 : 0 };
    }
    case 'date':
    case 'instant':
    case 'datetime': {
      const m = typeof v === 'string' ? ISO.exec(v.trim()) : null;
      // A day that does not exist (2026-02-30) is refused, not moved into the next month.
      const day = m === null ? NaN : Date.parse(`${m[1]}T00:00:00Z`);
      if (m === null || Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== m[1]) return no();
      // A date alone is that day; a date and time without an offset is taken as UTC, as the platform sends times.
      if (kind === 'date' && m[2] === undefined) return { ok: true, value: m[1]! };
      const at = new Date(m[2] === undefined ? `${m[1]}T00:00:00Z` : `${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
      if (Number.isNaN(at.getTime())) return no();
      const iso = at.toISOString();
      if (kind === 'date') return { ok: true, value: iso.slice(0, 10) };
      if (kind === 'instant') return { ok: true, value: iso };
      const ms = iso.slice(19, 23);
      return { ok: true, value: `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === '.000' ? '' : ms}` };
    }
  }
}
