import { DatabaseSourceError } from '../errors';
import { lookbackBound } from './lookback';
import type { DatabaseKind, DatabaseSourceConfig } from './types';

/**
 * Quoting an identifier for the dialect: the quote character doubled inside, NUL refused
 * (it truncates strings in some client libraries and servers).
 */
export function quoteIdent(kind: DatabaseKind, name: string): string {
  if (name.length === 0 || name.includes('\u0000')) {
    throw new DatabaseSourceError('IDENTIFIER_INVALID', `The name ${JSON.stringify(name)} cannot be used as a table or column name.`);
  }
  if (kind === 'mysql') return '`' + name.replace(/`/g, '``') + '`';
  return '"' + name.replace(/"/g, '""') + '"';
}

/**
 * Removes comments and string/identifier literals so keywords can be checked safely.
 * `backslashEscapes`: MySQL/MariaDB read `\'` inside a string as a quote; PostgreSQL and SQLite
 * read `'\'` as a whole string. The query is checked both ways (see assertReadOnlyQuery).
 */
function stripLiterals(sql: string, backslashEscapes: boolean): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      out += ' ';
    } else if (ch === '#') {
      // MySQL line comment; harmless to treat the same elsewhere (not valid SQL there).
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      out += ' ';
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      out += ' ';
    } else if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\\' && ch === "'" && backslashEscapes) j += 2;
        else if (sql[j] === ch) {
          if (sql[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      i = j + 1;
      out += ' _lit_ ';
    } else if (ch === '$' && /[A-Za-z_0-9$]/.test(next ?? '') && kindAgnosticDollar(sql, i)) {
      const tag = /^\$[A-Za-z_0-9]*\$/.exec(sql.slice(i))![0];
      const end = sql.indexOf(tag, i + tag.length);
      i = end === -1 ? sql.length : end + tag.length;
      out += ' _lit_ ';
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function kindAgnosticDollar(sql: string, i: number): boolean {
  return /^\$[A-Za-z_0-9]*\$/.test(sql.slice(i)) && !/^\$\d+$/.test(/^\$[0-9]*/.exec(sql.slice(i))?.[0] ?? '');
}

// Statements that change data or schema. Not exhaustive on purpose (a column may well be
// called "comment" or "set"): the read-only transaction is what enforces it.
const WRITE_WORDS = /\b(insert\s+into|update|delete\s+from|merge\s+into|truncate|drop\s+\w+|alter\s+\w+|create\s+\w+|grant|revoke|attach\s+database|pragma|into\s+outfile|into\s+dumpfile)\b/i;

/**
 * A source query must be one read-only SELECT (or WITH … SELECT). The check is a first line
 * of defence with a clear message; the query also runs in a read-only transaction (or a
 * read-only SQLite connection), which the database itself enforces.
 */
export function assertReadOnlyQuery(sql: string): string {
  const trimmed = sql.trim().replace(/;\s*$/, '');
  // Read both ways a database may read its strings: a text that ends a literal in one reading and
  // not the other (`'\'`) would otherwise hide a second statement from this check in one of them.
  for (const backslashEscapes of [true, false]) checkReadOnly(stripLiterals(trimmed, backslashEscapes).trim());
  return trimmed;
}

function checkReadOnly(bare: string): void {
  if (!/^\(*\s*(select|with)\b/i.test(bare)) {
    throw new DatabaseSourceError('QUERY_NOT_READ_ONLY', 'A source query must start with SELECT or WITH. To read a whole table, choose the table instead of writing a query.');
  }
  if (bare.includes(';')) {
    throw new DatabaseSourceError('QUERY_NOT_READ_ONLY', 'A source query must be a single SELECT statement; remove the extra statements after ";".');
  }
  const m = WRITE_WORDS.exec(bare);
  if (m) {
    throw new DatabaseSourceError('QUERY_NOT_READ_ONLY', `A source query may only read data; "${m[0].toUpperCase()}" is not allowed. Use a plain SELECT.`);
  }
}

/** The FROM target: a quoted table (optionally schema-qualified) or the query as a subquery. */
export function relationSql(kind: DatabaseKind, cfg: DatabaseSourceConfig): string {
  if (cfg.query) return `(${assertReadOnlyQuery(cfg.query)}) AS src`;
  const table = quoteIdent(kind, cfg.table!);
  return cfg.schema ? `${quoteIdent(kind, cfg.schema)}.${table} AS src` : `${table} AS src`;
}

/** What a source reads, for messages: `the table "schema.table"` or `the source query`. */
export function relationLabel(cfg: DatabaseSourceConfig): string {
  if (cfg.query) return 'the source query';
  return `the table "${cfg.schema ? `${cfg.schema}.` : ''}${cfg.table ?? ''}"`;
}

/**
 * How SQLite orders and compares a watermark. SQLite has no date type: a date-time is text, and
 * text compares character by character, so '2026-12-07 20:00' sorts before '2026-12-07T19:00Z'
 * (a space before 'T') and a legacy system that wrote both shapes would have its later row skipped
 * for good. Text that starts like a date is ordered by the instant it names (julianday: the
 * separator, a zone offset or 'Z', and seconds written or not all come to the same number), and
 * compared so when both sides are such dates; any other value (an integer id, plain text)
 * compares as itself, as before. No index serves these expressions; SQLite sources are local
 * files, read in full quickly.
 */
const sqliteIsDate = (x: string) => `(typeof(${x}) = 'text' AND ${x} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' AND julianday(${x}) IS NOT NULL)`;

export function sqliteWatermarkKey(x: string): string {
  return `(CASE WHEN ${sqliteIsDate(x)} THEN julianday(${x}) ELSE ${x} END)`;
}

function sqliteCompare(a: string, op: '<' | '>' | '>=', b: string): string {
  return `(CASE WHEN ${sqliteIsDate(a)} AND ${sqliteIsDate(b)} THEN julianday(${a}) ${op} julianday(${b}) ELSE ${a} ${op} ${b} END)`;
}

/** How often a compared value appears in sqliteCompare: better-sqlite3 binds plain '?' only, once per place. */
const SQLITE_COMPARE_USES = sqliteCompare('x', '>=', '?').split('?').length - 1;

export interface BuiltSelect {
  sql: string;
  hasWatermarkParam: boolean;
  /** The values to bind, in the order of the placeholders (empty without a watermark). */
  params: string[];
  /** The value the run reads from when a look-back applies (below the saved watermark), else null. */
  lookbackFrom: string | null;
}

const WM_ALIAS = '__esg_watermark';
export const WATERMARK_ALIAS = WM_ALIAS;
/** 1 for a row below the saved watermark (read again by the look-back), else 0. */
export const REREAD_ALIAS = '__esg_reread';

/**
 * SELECT for reading: the watermark is also selected as text (exact round trip for
 * timestamps with microseconds and 64-bit ids) and rows are ordered by the column itself.
 *
 * A run reads from the saved watermark *inclusive* ('from'): rows that share the last value read
 * (a batch loaded with one timestamp, a row committed a moment after the run read its siblings)
 * would otherwise never be read. Rows read again are unchanged by the ledger and not sent twice.
 * Counting what is new since the last run ('after') keeps the strict comparison.
 *
 * With a re-read look-back (see lookback.ts) a run reads from `watermark − look-back` instead, so
 * a row that committed after the last run with an older value than the watermark is still read.
 * Those rows are flagged in SQL (the database compares, as it compares the bound) so the reader
 * can report the saved watermark as theirs: the watermark a run saves stays the newest read and
 * never moves back by the look-back.
 */
export function buildRead(
  kind: DatabaseKind,
  cfg: DatabaseSourceConfig,
  after: string | null | undefined,
  placeholder: string,
  limit?: string,
  bound: 'from' | 'after' = 'from',
): BuiltSelect {
  const rel = relationSql(kind, cfg);
  if (!cfg.watermarkColumn) {
    return { sql: `SELECT src.* FROM ${rel}${limit ? ` LIMIT ${limit}` : ''}`, hasWatermarkParam: false, params: [], lookbackFrom: null };
  }
  const col = `src.${quoteIdent(kind, cfg.watermarkColumn)}`;
  const asText = kind === 'postgres' ? `(${col})::text` : kind === 'mysql' ? `CAST(${col} AS CHAR)` : `CAST(${col} AS TEXT)`;
  const key = (x: string) => (kind === 'sqlite' ? sqliteWatermarkKey(x) : x);
  const cmp = (a: string, op: '<' | '>' | '>=', b: string) => (kind === 'sqlite' ? sqliteCompare(a, op, b) : `${a} ${op} ${b}`);
  const bind = (values: string[]) => (kind === 'sqlite' ? values.flatMap((v) => Array<string>(SQLITE_COMPARE_USES).fill(v)) : values);
  const tail = ` ORDER BY ${key(col)}${kind === 'sqlite' ? `, ${col}` : ''}${limit ? ` LIMIT ${limit}` : ''}`;
  const select = `SELECT src.*, ${asText} AS ${quoteIdent(kind, WM_ALIAS)}`;
  if (after === null || after === undefined) return { sql: `${select} FROM ${rel} WHERE ${col} IS NOT NULL${tail}`, hasWatermarkParam: false, params: [], lookbackFrom: null };
  const from = bound === 'from' ? lookbackBound(after, cfg) : null;
  if (from === null) return { sql: `${select} FROM ${rel} WHERE ${cmp(col, bound === 'from' ? '>=' : '>', placeholder)}${tail}`, hasWatermarkParam: true, params: bind([after]), lookbackFrom: null };
  // PostgreSQL numbers its placeholders; the others bind '?' in the order they appear.
  const [first, second] = kind === 'postgres' ? ['$1', '$2'] : [placeholder, placeholder];
  return {
    sql: `${select}, CASE WHEN ${cmp(col, '<', first)} THEN 1 ELSE 0 END AS ${quoteIdent(kind, REREAD_ALIAS)} FROM ${rel} WHERE ${cmp(col, '>=', second)}${tail}`,
    hasWatermarkParam: true,
    params: bind([after, from]),
    lookbackFrom: from,
  };
}
