/**
 * What differs between SQLite, PostgreSQL and MySQL/MariaDB when creating a table and upserting
 * into it: identifier quoting and limits, placeholders, key column types and the upsert clause.
 * Identifiers are always quoted (so any name is data, never SQL) and values always bound.
 */
import { createHash } from 'node:crypto';
import { ExportError } from '../errors';

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

export interface Dialect {
  readonly name: DialectName;
  readonly label: string;
  /** Longest identifier the server keeps intact (PostgreSQL silently truncates at 63 bytes). */
  readonly maxIdentBytes: number;
  /** SQLite and MySQL compare column names without regard to case. */
  readonly caseInsensitive: boolean;
  /** Bound parameters per statement we allow ourselves (below every server's limit). */
  readonly maxParams: number;
  /**
   * DDL takes part in transactions (SQLite, PostgreSQL): a table created or columns added in a
   * batch's transaction go away when it rolls back. MySQL/MariaDB commits on every DDL statement.
   */
  readonly transactionalDdl: boolean;
  /** What the part before a dot in a table name is, or null when the server has no such thing (SQLite). */
  readonly qualifier: 'schema' | 'database' | null;
  quote(ident: string): string;
  keyType: string;
  textType: string;
  placeholders(rows: number, cols: number): string;
  /** The placeholder of the n-th (1-based) bound value of a statement. */
  param(n: number): string;
  upsertTail(cols: string[], keys: string[]): string;
}

const dq = (id: string) => `"${id.replace(/"/g, '""')}"`;
const bq = (id: string) => `\`${id.replace(/`/g, '``')}\``;

function qmarks(rows: number, cols: number): string {
  const one = `(${Array.from({ length: cols }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => one).join(', ');
}

export const DIALECTS: Record<DialectName, Dialect> = {
  sqlite: {
    name: 'sqlite',
    label: 'SQLite',
    maxIdentBytes: 128,
    caseInsensitive: true,
    maxParams: 30000,
    transactionalDdl: true,
    qualifier: null,
    quote: dq,
    keyType: 'TEXT NOT NULL',
    textType: 'TEXT',
    placeholders: qmarks,
    param: () => '?',
    upsertTail(cols, keys) {
      const set = cols.filter((c) => !keys.includes(c));
      if (set.length === 0) return ` ON CONFLICT (${keys.map(dq).join(', ')}) DO NOTHING`;
      return ` ON CONFLICT (${keys.map(dq).join(', ')}) DO UPDATE SET ${set.map((c) => `${dq(c)} = excluded.${dq(c)}`).join(', ')}`;
    },
  },
  postgres: {
    name: 'postgres',
    label: 'PostgreSQL',
    maxIdentBytes: 63,
    caseInsensitive: false,
    maxParams: 30000,
    transactionalDdl: true,
    qualifier: 'schema',
    quote: dq,
    keyType: 'TEXT NOT NULL',
    textType: 'TEXT',
    placeholders(rows, cols) {
      const out: string[] = [];
      let n = 1;
      for (let r = 0; r < rows; r++) {
        const ps: string[] = [];
        for (let c = 0; c < cols; c++) ps.push(`$${n++}`);
        out.push(`(${ps.join(', ')})`);
      }
      return out.join(', ');
    },
    param: (n) => `$${n}`,
    upsertTail(cols, keys) {
      const set = cols.filter((c) => !keys.includes(c));
      if (set.length === 0) return ` ON CONFLICT (${keys.map(dq).join(', ')}) DO NOTHING`;
      return ` ON CONFLICT (${keys.map(dq).join(', ')}) DO UPDATE SET ${set.map((c) => `${dq(c)} = EXCLUDED.${dq(c)}`).join(', ')}`;
    },
  },
  mysql: {
    name: 'mysql',
    label: 'MySQL/MariaDB',
    maxIdentBytes: 64,
    caseInsensitive: true,
    maxParams: 30000,
    transactionalDdl: false,
    qualifier: 'database',
    quote: bq,
    // InnoDB keys are limited to 3072 bytes; 191 utf8mb4 characters keep up to four key columns legal.
    keyType: 'VARCHAR(191) NOT NULL',
    textType: 'LONGTEXT',
    placeholders: qmarks,
    param: () => '?',
    upsertTail(cols, keys) {
      const set = cols.filter((c) => !keys.includes(c));
      // VALUES(col) works on MariaDB and MySQL (deprecated but accepted on 8.x); the row alias form is MySQL-only.
      const assignments = set.length === 0 ? [`${bq(keys[0]!)} = ${bq(keys[0]!)}`] : set.map((c) => `${bq(c)} = VALUES(${bq(c)})`);
      return ` ON DUPLICATE KEY UPDATE ${assignments.join(', ')}`;
    },
  },
};

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/** For names the user typed (table, key columns): wrong ones are refused, never altered. */
export function validateIdentifier(d: Dialect, ident: string, what: string): string {
  if (ident.length === 0) throw new ExportError('invalid_identifier', `The ${what} name is empty.`);
  if (ident.includes('\0')) throw new ExportError('invalid_identifier', `The ${what} name contains a NUL character, which no database accepts.`);
  if (ident.trim() !== ident) throw new ExportError('invalid_identifier', `The ${what} name "${ident}" starts or ends with a space.`);
  if (byteLength(ident) > d.maxIdentBytes) {
    throw new ExportError('invalid_identifier', `The ${what} name "${ident.slice(0, 80)}…" is longer than ${d.label} allows (${d.maxIdentBytes} bytes). Choose a shorter name.`);
  }
  return ident;
}

/** A table as the job names it: `table`, or `schema.table` (PostgreSQL) / `database.table` (MySQL/MariaDB). */
export interface TableName {
  /** The schema (PostgreSQL) or database (MySQL/MariaDB) before the dot; null for the connection's own. */
  readonly schema: string | null;
  readonly name: string;
}

/**
 * Splits the table name the user typed at its dot: one optional `schema.` (PostgreSQL) or
 * `database.` (MySQL/MariaDB) prefix. SQLite has neither, so a dot there is refused rather than
 * becoming part of the name; so is a second dot. Each part is checked like any identifier.
 */
export function parseTableName(d: Dialect, ident: string): TableName {
  const dot = ident.indexOf('.');
  if (dot < 0) return { schema: null, name: validateIdentifier(d, ident, 'table') };
  if (d.qualifier === null) {
    throw new ExportError(
      'invalid_identifier',
      `The table name "${ident.slice(0, 80)}" contains a dot, but ${d.label} has no schemas to put a table in. Use a name without a dot, e.g. "${ident.slice(0, 80).replace(/\./g, '_')}".`,
    );
  }
  const schema = ident.slice(0, dot);
  const name = ident.slice(dot + 1);
  const form = `${d.qualifier}.table`;
  if (name.includes('.')) {
    throw new ExportError('invalid_identifier', `The table name "${ident.slice(0, 80)}" has more than one dot. Give ${form}, or just the table name.`);
  }
  if (schema === '' || name === '') {
    throw new ExportError('invalid_identifier', `The table name "${ident.slice(0, 80)}" has nothing ${schema === '' ? 'before' : 'after'} its dot. Give ${form}, or just the table name.`);
  }
  return { schema: validateIdentifier(d, schema, d.qualifier), name: validateIdentifier(d, name, 'table') };
}

/** The table for SQL: each part quoted on its own, so `"qa_export"."submissions"`, never `"qa_export.submissions"`. */
export function quoteTable(d: Dialect, t: TableName): string {
  return t.schema === null ? d.quote(t.name) : `${d.quote(t.schema)}.${d.quote(t.name)}`;
}

/**
 * Maps flattened row keys to column names the dialect keeps intact and distinct: NUL removed,
 * over-long names shortened with a hash suffix, case-only clashes (for case-insensitive servers)
 * given a numeric suffix. The mapping is deterministic for the same key order.
 */
export class ColumnNamer {
  private readonly byKey = new Map<string, string>();
  private readonly taken = new Set<string>();

  constructor(private readonly d: Dialect) {}

  /** Registers names that must keep their exact spelling (key columns, columns already in the table). */
  reserve(key: string, column = key): void {
    this.byKey.set(key, column);
    this.taken.add(this.norm(column));
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  nameFor(key: string): string {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    let base = key.replace(/\0/g, '').trim();
    if (base === '') base = 'column';
    base = this.fit(base, '');
    let name = base;
    for (let i = 2; this.taken.has(this.norm(name)); i++) name = this.fit(base, `_${i}`);
    this.byKey.set(key, name);
    this.taken.add(this.norm(name));
    return name;
  }

  private norm(s: string): string {
    return this.d.caseInsensitive ? s.toLowerCase() : s;
  }

  private fit(base: string, suffix: string): string {
    const max = this.d.maxIdentBytes;
    if (byteLength(base + suffix) <= max) return base + suffix;
    const hash = `_${createHash('sha256').update(base).digest('hex').slice(0, 8)}`;
    let head = base;
    while (byteLength(head + hash + suffix) > max) head = head.slice(0, -1);
    return head + hash + suffix;
  }
}
