/**
 * Row errors grouped by kind, so a run with 4,000 rejected rows reads as the three problems it
 * has ("'kWhh' is not a known unit: 3,912 rows") instead of a table nobody scrolls to the end of.
 *
 * Messages embed the cell value and line numbers (messages.ts), so two errors are of one kind
 * when their column, held state and sentence agree once the value and every number are blanked.
 * Memory stays bounded for any number of errors: at most MAX_GROUPS kinds and MAX_VALUES distinct
 * values per kind are tracked; the rest is counted, not kept.
 */
import { z } from 'zod';
import type { RowError } from '../domain';
import { reasonAlone } from './messages';

export const ErrorGroup = z.object({
  /** Names the kind for filtering the row table and the CSV to it (errorKind()); stable across calls. */
  kind: z.string(),
  column: z.string().nullable(),
  /** Held for a code not mapped yet or a period not over (sent later), not rejected. */
  held: z.boolean(),
  /** The first error of the kind, without its "Line 4, column 'x': " lead. */
  example: z.string(),
  /** Row errors of the kind: one per value, so a row of a wide file can give several. */
  rows: z.number().int(),
  /** Distinct lines they are on. */
  lines: z.number().int(),
  firstLine: z.number().int().nullable(),
  lastLine: z.number().int().nullable(),
  /** A database source's key of the row at firstLine (`id=1042`); absent for a file, whose lines a person can find. */
  firstRow: z.string().optional(),
  /** The most frequent cell values, most frequent first (null: the cell was empty or the row had none). */
  values: z.array(z.object({ value: z.string().nullable(), rows: z.number().int() })),
  /** Distinct values beyond those listed (a lower bound when very many values differ). */
  moreValues: z.number().int(),
});
export type ErrorGroup = z.infer<typeof ErrorGroup>;

export const ErrorGroups = z.object({
  groups: z.array(ErrorGroup),
  /** Kinds and rows beyond the groups listed. */
  otherKinds: z.number().int(),
  otherRows: z.number().int(),
});
export type ErrorGroups = z.infer<typeof ErrorGroups>;

const MAX_GROUPS = 500;
const MAX_VALUES = 1000;
const VALUES_SHOWN = 5;

/** The sentence of an error with its cell value and every number blanked: equal for errors of one kind. */
export function errorShape(e: Pick<RowError, 'line' | 'column' | 'value' | 'reason' | 'row'>): string {
  let text = reasonAlone(e);
  for (const v of new Set([e.value, e.value?.trim()])) {
    if (v) text = text.split(`'${v}'`).join("'…'");
  }
  return text.replace(/\d+/g, '#');
}

/**
 * A short id of an error's kind: FNV-1a (two 32-bit lanes) over held state, column and shape.
 * Short enough for a URL or a command line; a clash (odds ~1 in 10^19 per pair) would only put
 * another kind's rows into a filtered list.
 */
export function errorKind(e: Pick<RowError, 'line' | 'column' | 'value' | 'reason' | 'held' | 'row'>): string {
  return kindOfKey(kindKey(e));
}

/** Does `kind` (from errorKind or a group) name a valid kind id at all? Checked at trust boundaries. */
export const ErrorKindId = z.string().regex(/^[0-9a-f]{16}$/, 'a kind id is 16 hexadecimal digits, as listed with the row errors by kind');

/** The file name a browser or save dialog suggests for a run's row errors (or one kind of them). */
export const errorsCsvFileName = (runId: number, kind?: string) => `run-${runId}-errors${kind ? `-${kind.slice(0, 6)}` : ''}.csv`;

function kindKey(e: Pick<RowError, 'line' | 'column' | 'value' | 'reason' | 'held' | 'row'>): string {
  return `${e.held === true ? 'h' : 'r'}\u0000${e.column ?? ''}\u0000${errorShape(e)}`;
}

function kindOfKey(key: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

interface Tally {
  key: string;
  column: string | null;
  held: boolean;
  example: string;
  rows: number;
  lines: number;
  firstLine: number | null;
  lastLine: number | null;
  firstRow: string | null;
  /** The line of the last error added: errors arrive in line order, so a new line is a change. */
  lastAdded: number | null;
  values: Map<string | null, number>;
  /** Rows whose value was not tracked because MAX_VALUES were already. */
  untrackedRows: number;
}

export class ErrorGrouper {
  private readonly kinds = new Map<string, Tally>();
  private overflowKinds = new Set<string>();
  private overflowRows = 0;

  add(e: Pick<RowError, 'line' | 'column' | 'value' | 'reason' | 'held' | 'row'>): void {
    const held = e.held === true;
    const key = kindKey(e);
    let t = this.kinds.get(key);
    if (!t) {
      if (this.kinds.size >= MAX_GROUPS) {
        // Counting distinct overflow kinds needs their keys; cap that too, so it stays a lower bound.
        if (this.overflowKinds.size < MAX_GROUPS) this.overflowKinds.add(key);
        this.overflowRows++;
        return;
      }
      t = { key, column: e.column, held, example: reasonAlone(e), rows: 0, lines: 0, firstLine: null, lastLine: null, firstRow: null, lastAdded: null, values: new Map(), untrackedRows: 0 };
      this.kinds.set(key, t);
    }
    t.rows++;
    if (e.line !== null) {
      if (e.line !== t.lastAdded) t.lines++;
      t.lastAdded = e.line;
      if (t.firstLine === null || e.line < t.firstLine) {
        t.firstLine = e.line;
        t.firstRow = e.row ?? null;
      }
      if (t.lastLine === null || e.line > t.lastLine) t.lastLine = e.line;
    }
    const n = t.values.get(e.value);
    if (n !== undefined) t.values.set(e.value, n + 1);
    else if (t.values.size < MAX_VALUES) t.values.set(e.value, 1);
    else t.untrackedRows++;
  }

  /** The `limit` largest kinds (rejected before held at equal size), the rest summed up. */
  result(limit: number): ErrorGroups {
    const all = [...this.kinds.values()].sort((a, b) => b.rows - a.rows || Number(a.held) - Number(b.held) || (a.firstLine ?? 0) - (b.firstLine ?? 0));
    const shown = all.slice(0, limit);
    const rest = all.slice(limit);
    return {
      groups: shown.map((t) => {
        const values = [...t.values.entries()].sort((a, b) => b[1] - a[1]).map(([value, rows]) => ({ value, rows }));
        return {
          kind: kindOfKey(t.key),
          column: t.column,
          held: t.held,
          example: t.example,
          rows: t.rows,
          lines: t.lines,
          firstLine: t.firstLine,
          lastLine: t.lastLine,
          ...(t.firstRow ? { firstRow: t.firstRow } : {}),
          values: values.slice(0, VALUES_SHOWN),
          moreValues: values.length - Math.min(values.length, VALUES_SHOWN) + (t.untrackedRows > 0 ? 1 : 0),
        };
      }),
      otherKinds: rest.length + this.overflowKinds.size,
      otherRows: rest.reduce((sum, t) => sum + t.rows, 0) + this.overflowRows,
    };
  }
}

export function groupErrors(errors: Iterable<Pick<RowError, 'line' | 'column' | 'value' | 'reason' | 'held' | 'row'>>, limit: number): ErrorGroups {
  const g = new ErrorGrouper();
  for (const e of errors) g.add(e);
  return g.result(limit);
}

/**
 * Where a kind's errors are, in words: "line 4", "lines 3 and 5", "lines 3 to 5" (every line
 * between), or "between lines 3 and 50" (some of them).
 */
export function kindLines(g: Pick<ErrorGroup, 'lines' | 'firstLine' | 'lastLine' | 'firstRow'>, n: (x: number) => string = String): string {
  if (g.firstLine === null) return 'not tied to a line';
  // A database row has no line a person can find: the first row is named by its key.
  if (g.firstRow) return g.lines > 1 ? `row ${g.firstRow} and ${n(g.lines - 1)} other row${g.lines === 2 ? '' : 's'}` : `row ${g.firstRow}`;
  const last = g.lastLine ?? g.firstLine;
  if (g.firstLine === last) return `line ${n(g.firstLine)}`;
  if (g.lines === 2) return `lines ${n(g.firstLine)} and ${n(last)}`;
  return g.lines === last - g.firstLine + 1 ? `lines ${n(g.firstLine)} to ${n(last)}` : `between lines ${n(g.firstLine)} and ${n(last)}`;
}
