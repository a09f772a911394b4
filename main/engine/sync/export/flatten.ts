/**
 * Turns a nested export row (PACT footprints nest three levels deep) into flat cells with dotted
 * keys, so CSV, XLSX and database tables can hold it.
 */

/** A value a flat cell can hold in every destination. */
export type FlatValue = string | number | boolean | null;
export type FlatRow = Record<string, FlatValue>;

export interface FlattenOptions {
  /**
   * Arrays (and anything nested below `maxDepth`): 'json' keeps them as one JSON text cell
   * (`pcf.productIds` → `["urn:…","urn:…"]`), 'columns' spreads them into indexed columns
   * (`pcf.productIds.0`, `pcf.productIds.1`). Default 'json': column counts stay predictable.
   */
  nested?: 'json' | 'columns';
  /** Objects deeper than this become JSON text, so a pathological row cannot explode the column count. */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 8;

export function flattenRow(row: Record<string, unknown>, opts: FlattenOptions = {}): FlatRow {
  const nested = opts.nested ?? 'json';
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const out: FlatRow = {};
  // Top-level text, booleans and nulls (nearly every cell of a platform row) skip the general walk.
  for (const k of Object.keys(row)) {
    const v = row[k];
    if (v === null || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else visit(out, k, v, 0, nested, maxDepth);
  }
  return out;
}

function visit(out: FlatRow, prefix: string, value: unknown, depth: number, nested: 'json' | 'columns', maxDepth: number): void {
  if (value === undefined) return;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    out[prefix] = value;
    return;
  }
  if (typeof value === 'number') {
    // NaN and Infinity have no portable cell form; text keeps them visible instead of silently null.
    out[prefix] = Number.isFinite(value) ? value : String(value);
    return;
  }
  if (typeof value === 'bigint') {
    out[prefix] = value.toString();
    return;
  }
  if (value instanceof Date) {
    out[prefix] = Number.isNaN(value.getTime()) ? null : value.toISOString();
    return;
  }
  if (Array.isArray(value)) {
    if (nested === 'json' || depth >= maxDepth || value.length === 0) {
      out[prefix] = toJson(value);
      return;
    }
    value.forEach((v, i) => visit(out, `${prefix}.${i}`, v, depth + 1, nested, maxDepth));
    return;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (depth >= maxDepth || entries.length === 0) {
      out[prefix] = toJson(value);
      return;
    }
    for (const [k, v] of entries) visit(out, prefix === '' ? k : `${prefix}.${k}`, v, depth + 1, nested, maxDepth);
    return;
  }
  out[prefix] = String(value);
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * Decides the columns of a file whose header is written once. When the dataset's columns are
 * known (the platform's contract fixes every row's fields), they are the header from the start,
 * so every file of the dataset has the same header, and a row with any other field stops the
 * export rather than lose it. Otherwise the first `window` rows are held back and their keys, in
 * first-seen order, become the header. If the export ends inside the window the header is exact.
 * If it goes past the window, an `_extra` column is added to the header and any key first seen
 * after the window goes there as one JSON object per row — nothing is dropped, memory stays
 * bounded, and the header never has to be rewritten.
 */
export const EXTRA_COLUMN = '_extra';

export class HeaderPlanner {
  private readonly held: FlatRow[] = [];
  private readonly seen = new Map<string, true>();
  private columns: string[] | null = null;
  private known: Set<string> | null = null;
  /** The known columns as an array: indexing is cheaper than walking the Set for every row. */
  private knownList: string[] = [];
  /** Column → position, for projectFlat. */
  private index: Map<string, number> | null = null;
  /**
   * What project() puts in each column a row does not have: `flat[c] ?? null` on a plain object,
   * i.e. null (or what Object.prototype holds under that name), plus the `_extra` slot.
   */
  private absent: FlatValue[] = [];
  private extra = false;
  /** The columns were given up front: a key outside them is an error, not an `_extra` entry. */
  private readonly fixed: boolean;
  /** A header given up front that push() or end() has not released yet. */
  private headerPending = false;

  constructor(
    private readonly window = 1000,
    columns?: readonly string[] | null,
  ) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError('The header window must be a whole number of rows ≥ 1.');
    this.fixed = columns !== undefined && columns !== null && columns.length > 0;
    if (this.fixed) {
      this.settle([...new Set(columns)], false);
      this.headerPending = true;
    }
  }

  /** Adds a row; returns the rows (with the header) that can now be written, in order. */
  push(row: FlatRow): { header: string[] | null; rows: FlatValue[][] } {
    if (this.columns !== null) return { header: this.releaseHeader(), rows: [this.project(row)] };
    for (const k of Object.keys(row)) this.seen.set(k, true);
    this.held.push(row);
    if (this.held.length < this.window) return { header: null, rows: [] };
    return this.decide(true);
  }

  /**
   * For a row that is already flat (top-level text, numbers, booleans, nulls), once the header is
   * decided: exactly the values push(flattenRow(row)) would release for it, without building the
   * flat row first. undefined when the header is still open or the row needs the general path
   * (nested values, dates, bigints, a `__proto__` key).
   */
  projectFlat(row: Record<string, unknown>): FlatValue[] | undefined {
    const index = this.index;
    if (index === null || this.headerPending) return undefined;
    const values = this.absent.slice();
    let late: FlatRow | null = null;
    for (const k of Object.keys(row)) {
      const v = row[k];
      let cell: FlatValue;
      if (v === null || typeof v === 'string' || typeof v === 'boolean') cell = v;
      else if (v === undefined) continue;
      else if (typeof v === 'number') cell = Number.isFinite(v) ? v : String(v);
      else return undefined;
      if (k === '__proto__') return undefined;
      const i = index.get(k);
      if (i !== undefined) values[i] = cell;
      else if (this.extra) (late ??= {})[k] = cell;
      else if (this.fixed) return undefined; // project() says what is wrong
    }
    if (this.extra) values[this.knownList.length] = late === null ? null : JSON.stringify(late);
    return values;
  }

  /** At the end: releases whatever is still held, deciding the header if that has not happened. */
  end(): { header: string[] | null; rows: FlatValue[][] } {
    if (this.columns !== null) return { header: this.releaseHeader(), rows: [] };
    return this.decide(false);
  }

  get header(): string[] | null {
    return this.columns;
  }

  private releaseHeader(): string[] | null {
    if (!this.headerPending) return null;
    this.headerPending = false;
    return this.columns;
  }

  private decide(moreMayFollow: boolean): { header: string[]; rows: FlatValue[][] } {
    const cols = [...this.seen.keys()];
    this.settle(cols, moreMayFollow && !this.seen.has(EXTRA_COLUMN));
    const rows = this.held.splice(0).map((r) => this.project(r));
    this.seen.clear();
    return { header: this.columns!, rows };
  }

  private settle(cols: string[], extra: boolean): void {
    this.extra = extra;
    this.known = new Set(cols);
    this.knownList = cols;
    this.index = new Map(cols.map((c, i) => [c, i]));
    const plain: FlatRow = {};
    this.absent = cols.map((c) => plain[c] ?? null);
    if (this.extra) this.absent.push(null);
    this.columns = this.extra ? [...cols, EXTRA_COLUMN] : cols;
  }

  private project(row: FlatRow): FlatValue[] {
    const known = this.known!;
    const cols = this.knownList;
    if (this.fixed) {
      for (const k in row) {
        if (!known.has(k) && Object.hasOwn(row, k)) {
          throw new Error(
            `a row has the field "${k}", which is not one of the dataset's columns (${cols.join(', ')}); the export stopped rather than leave it out. Please report this`,
          );
        }
      }
    }
    const values = new Array<FlatValue>(cols.length + (this.extra ? 1 : 0));
    for (let i = 0; i < cols.length; i++) values[i] = row[cols[i]!] ?? null;
    if (this.extra) {
      let late: FlatRow | null = null;
      // for-in walks own keys in Object.keys order without building an entries array per row;
      // the own-property check keeps anything enumerable on the prototype chain out, as before.
      for (const k in row) {
        if (!known.has(k) && Object.hasOwn(row, k)) (late ??= {})[k] = row[k] as FlatValue;
      }
      values[cols.length] = late === null ? null : JSON.stringify(late);
    }
    return values;
  }
}
