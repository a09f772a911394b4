/* The flattening and header planning as they were before the export fast paths (f4ad775): the oracle of flatten-equivalence.test.ts. Kept verbatim. */
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

  const visit = (prefix: string, value: unknown, depth: number): void => {
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
      value.forEach((v, i) => visit(`${prefix}.${i}`, v, depth + 1));
      return;
    }
    if (typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      if (depth >= maxDepth || entries.length === 0) {
        out[prefix] = toJson(value);
        return;
      }
      for (const [k, v] of entries) visit(prefix === '' ? k : `${prefix}.${k}`, v, depth + 1);
      return;
    }
    out[prefix] = String(value);
  };

  for (const [k, v] of Object.entries(row)) visit(k, v, 0);
  return out;
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * Decides the columns of a file whose header is written once. The first `window` rows are held
 * back and their keys, in first-seen order, become the header. If the export ends inside the window
 * the header is exact. If it goes past the window, an `_extra` column is added to the header and
 * any key first seen after the window goes there as one JSON object per row — nothing is dropped,
 * memory stays bounded, and the header never has to be rewritten.
 */
export const EXTRA_COLUMN = '_extra';

export class HeaderPlanner {
  private readonly held: FlatRow[] = [];
  private readonly seen = new Map<string, true>();
  private columns: string[] | null = null;
  private known: Set<string> | null = null;
  private extra = false;

  constructor(private readonly window = 1000) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError('The header window must be a whole number of rows ≥ 1.');
  }

  /** Adds a row; returns the rows (with the header) that can now be written, in order. */
  push(row: FlatRow): { header: string[] | null; rows: FlatValue[][] } {
    if (this.columns !== null) return { header: null, rows: [this.project(row)] };
    for (const k of Object.keys(row)) this.seen.set(k, true);
    this.held.push(row);
    if (this.held.length < this.window) return { header: null, rows: [] };
    return this.decide(true);
  }

  /** At the end: releases whatever is still held, deciding the header if that has not happened. */
  end(): { header: string[] | null; rows: FlatValue[][] } {
    if (this.columns !== null) return { header: null, rows: [] };
    return this.decide(false);
  }

  get header(): string[] | null {
    return this.columns;
  }

  private decide(moreMayFollow: boolean): { header: string[]; rows: FlatValue[][] } {
    const cols = [...this.seen.keys()];
    this.extra = moreMayFollow && !this.seen.has(EXTRA_COLUMN);
    this.known = new Set(cols);
    this.columns = this.extra ? [...cols, EXTRA_COLUMN] : cols;
    const rows = this.held.splice(0).map((r) => this.project(r));
    this.seen.clear();
    return { header: this.columns, rows };
  }

  private project(row: FlatRow): FlatValue[] {
    const known = this.known!;
    const values: FlatValue[] = [];
    for (const c of known) values.push(row[c] ?? null);
    if (this.extra) {
      let late: FlatRow | null = null;
      for (const [k, v] of Object.entries(row)) {
        if (!known.has(k)) (late ??= {})[k] = v;
      }
      values.push(late === null ? null : JSON.stringify(late));
    }
    return values;
  }
}
