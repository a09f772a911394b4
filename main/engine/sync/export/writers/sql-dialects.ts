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
