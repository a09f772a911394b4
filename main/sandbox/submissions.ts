/**
 * Batch create/update/delete of submissions with per-item results, as the contract describes
 * (docs/esg-api.openapi.yaml, POST /v1/submissions:batch).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { SandboxDb } from './db';

export const MAX_BATCH_ITEMS = 1000;

const Value = z.union([z.number(), z.string(), z.boolean()]);
const SubmissionInput = z.object({
  metric_id: z.string().min(1),
  entity_id: z.string().min(1),
  period_start: z.string(),
  period_end: z.string(),
  value: Value,
  unit: z.string(),
  comment: z.string().max(2000).nullable().optional(),
  evidence: z.string().max(2000).nullable().optional(),
});
type SubmissionInput = z.infer<typeof SubmissionInput>;

const Ref = z.string().max(500).optional();
export const BatchItem = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), ref: Ref, data: SubmissionInput }),
  z.object({ op: z.literal('update'), ref: Ref, id: z.string().min(1), data: SubmissionInput }),
  z.object({ op: z.literal('delete'), ref: Ref, id: z.string().min(1) }),
]);
export type BatchItem = z.infer<typeof BatchItem>;

/**
 * BatchItem's verdict for `raw`, checked by hand, or undefined when the hand check is not sure
 * (zod then decides, and names the problem). Whatever it accepts, zod accepts, and the fields the
 * writer reads (op, ref, id, every data field) carry the same values; the hand check keeps the
 * item's own objects where zod copies them, which nothing here mutates. zod's generic walk of a
 * discriminated union costs a few microseconds per item, which a 100,000-row ingest feels.
 */
export function checkBatchItem(raw: unknown): BatchItem | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  const { op, ref } = o;
  if (ref !== undefined && (typeof ref !== 'string' || ref.length > 500)) return undefined;
  if (op === 'delete') return nonEmptyText(o.id) ? (raw as BatchItem) : undefined;
  if (op !== 'create' && op !== 'update') return undefined;
  if (op === 'update' && !nonEmptyText(o.id)) return undefined;
  const d = o.data;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return undefined;
  const { metric_id, entity_id, period_start, period_end, value, unit, comment, evidence } = d as Record<string, unknown>;
  if (
    !nonEmptyText(metric_id) ||
    !nonEmptyText(entity_id) ||
    typeof period_start !== 'string' ||
    typeof period_end !== 'string' ||
    !(typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) ||
    typeof unit !== 'string' ||
    !optionalNote(comment) ||
    !optionalNote(evidence)
  ) {
    return undefined;
  }
  return raw as BatchItem;
}

const nonEmptyText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const optionalNote = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.length <= 2000);

/** Only the outer shape is checked strictly; each item is validated on its own so one bad item is one rejection. */
export const BatchEnvelope = z.object({ items: z.array(z.unknown()).min(1).max(MAX_BATCH_ITEMS) });

export type ItemStatus = 'created' | 'updated' | 'deleted' | 'unchanged' | 'rejected';
export interface BatchItemResult {
  index: number;
  ref: string | null;
  status: ItemStatus;
  id: string | null;
  version: number | null;
  reason: string | null;
}
export interface BatchResponse {
  results: BatchItemResult[];
  summary: Record<ItemStatus, number>;
}

interface MetricRow {
  id: string;
  unit: string;
  value_type: string;
  api_writable: number;
}
interface StoredRow {
  seq: number;
  id: string;
  metric_id: string;
  entity_id: string;
  period_start: string;
  period_end: string;
  value_json: string;
  unit: string;
  comment: string | null;
  evidence: string | null;
  version: number;
  deleted_at: string | null;
}

export interface BatchContext {
  clientId: string;
  now: () => string;
}

export class SubmissionWriter {
  private readonly metrics = new Map<string, MetricRow>();
  private readonly entities = new Set<string>();
  private readonly q;
  // Random per start plus a counter: unique across restarts of a file database, and far cheaper
  // than a random draw per submission on million-row benchmarks.
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private idCounter = 0;

  constructor(private readonly db: SandboxDb) {
    for (const r of db.prepare('SELECT id, unit, value_type, api_writable FROM metrics').all() as MetricRow[]) this.metrics.set(r.id, r);
    for (const r of db.prepare('SELECT id FROM entities').all() as { id: string }[]) this.entities.add(r.id);
    this.q = {
      byKey: db.prepare(
        `SELECT * FROM submissions WHERE entity_id = ? AND metric_id = ? AND period_start = ? AND period_end = ? AND deleted_at IS NULL`,
      ),
      byId: db.prepare('SELECT * FROM submissions WHERE id = ?'),
      // OR IGNORE: the live-key unique index turns "already exists" into zero changes, saving a look-up per create.
      // Positional parameters: binding from an object looks every name up, per row.
      insert: db.prepare(
        `INSERT OR IGNORE INTO submissions (id, metric_id, entity_id, period_start, period_end, value_json, value_num, unit, comment, evidence,
           version, created_at, created_by, updated_at, updated_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
      ),
      update: db.prepare(
        `UPDATE submissions SET metric_id = ?, entity_id = ?, period_start = ?, period_end = ?,
           value_json = ?, value_num = ?, unit = ?, comment = ?, evidence = ?,
           version = version + 1, updated_at = ?, updated_by = ?
         WHERE id = ?`,
      ),
      remove: db.prepare('UPDATE submissions SET deleted_at = ?, updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ?'),
    };
  }

  private nextId(): string {
    this.idCounter += 1;
    return `sub_${this.idPrefix}${this.idCounter.toString(36)}`;
  }

  /** Applies all items in one transaction; the caller stores the idempotency record in the same one. */
  apply(items: unknown[], ctx: BatchContext): BatchResponse {
    const results = items.map((raw, index) => this.applyOne(raw, index, ctx));
    const summary: Record<ItemStatus, number> = { created: 0, updated: 0, deleted: 0, unchanged: 0, rejected: 0 };
    for (const r of results) summary[r.status] += 1;
    return { results, summary };
  }

  private applyOne(raw: unknown, index: number, ctx: BatchContext): BatchItemResult {
    const ref = raw !== null && typeof raw === 'object' && typeof (raw as { ref?: unknown }).ref === 'string' ? (raw as { ref: string }).ref : null;
    const reject = (reason: string, id: string | null = null): BatchItemResult => ({ index, ref, status: 'rejected', id, version: null, reason });
    let item = checkBatchItem(raw);
    if (item === undefined) {
      const parsed = BatchItem.safeParse(raw);
      if (!parsed.success) return reject(`invalid item: ${describeIssue(parsed.error)}`);
      item = parsed.data;
    }

    if (item.op === 'delete') {
      const row = this.q.byId.get(item.id) as StoredRow | undefined;
      if (!row) return reject(`submission ${item.id} not found`, item.id);
      if (row.deleted_at) return { index, ref, status: 'unchanged', id: row.id, version: row.version, reason: 'already deleted' };
      const now = ctx.now();
      this.q.remove.run(now, now, ctx.clientId, row.id);
      return { index, ref, status: 'deleted', id: row.id, version: row.version + 1, reason: null };
    }

    const d = item.data;
    const problem = this.validate(d);
    if (problem) return reject(problem, item.op === 'update' ? item.id : null);
    const comment = d.comment ?? null;
    const evidence = d.evidence ?? null;
    const value = d.value;
    const valueJson = JSON.stringify(value);
    const valueNum = typeof value === 'number' ? value : typeof value === 'boolean' ? (value ? 1 : 0) : null;

    if (item.op === 'create') {
      const id = this.nextId();
      const now = ctx.now();
      const by = ctx.clientId;
      if (this.q.insert.run(id, d.metric_id, d.entity_id, d.period_start, d.period_end, valueJson, valueNum, d.unit, comment, evidence, now, by, now, by).changes === 1) {
        return { index, ref, status: 'created', id, version: 1, reason: null };
      }
      const existing = this.q.byKey.get(d.entity_id, d.metric_id, d.period_start, d.period_end) as StoredRow | undefined;
      if (!existing) throw new Error(`Insert of submission ${id} was ignored but no live submission has its key.`);
      if (sameContent(existing, valueJson, d.unit, comment, evidence)) return { index, ref, status: 'unchanged', id: existing.id, version: existing.version, reason: 'identical submission exists' };
      return reject(`already exists (id ${existing.id}); send an update to change it`, existing.id);
    }

    const row = this.q.byId.get(item.id) as StoredRow | undefined;
    if (!row) return reject(`submission ${item.id} not found`, item.id);
    if (row.deleted_at) return reject(`submission ${item.id} was deleted on ${row.deleted_at}; create it again instead`, item.id);
    const clash = this.q.byKey.get(d.entity_id, d.metric_id, d.period_start, d.period_end) as StoredRow | undefined;
    if (clash && clash.id !== row.id) return reject(`another submission (id ${clash.id}) already has this entity, metric and period`, item.id);
    if (
      sameContent(row, valueJson, d.unit, comment, evidence) &&
      row.metric_id === d.metric_id &&
      row.entity_id === d.entity_id &&
      row.period_start === d.period_start &&
      row.period_end === d.period_end
    ) {
      return { index, ref, status: 'unchanged', id: row.id, version: row.version, reason: 'no field differs' };
    }
    const now = ctx.now();
    this.q.update.run(d.metric_id, d.entity_id, d.period_start, d.period_end, valueJson, valueNum, d.unit, comment, evidence, now, ctx.clientId, row.id);
    return { index, ref, status: 'updated', id: row.id, version: row.version + 1, reason: null };
  }

  private validate(d: SubmissionInput): string | null {
    const metric = this.metrics.get(d.metric_id);
    if (!metric) return `unknown metric "${d.metric_id}"`;
    if (!metric.api_writable) return `metric "${d.metric_id}" cannot be submitted through the API`;
    if (!this.entities.has(d.entity_id)) return `unknown entity "${d.entity_id}"`;
    if (!isDate(d.period_start)) return `period_start "${d.period_start}" is not a valid date (YYYY-MM-DD)`;
    if (!isDate(d.period_end)) return `period_end "${d.period_end}" is not a valid date (YYYY-MM-DD)`;
    if (d.period_end < d.period_start) return `period_end ${d.period_end} is before period_start ${d.period_start}`;
    if (d.unit !== metric.unit) return `unit "${d.unit}" does not match the metric's unit "${metric.unit}"`;
    const v = d.value;
    switch (metric.value_type) {
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v)) return `value ${JSON.stringify(v)} is not a number`;
        break;
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v)) return `value ${JSON.stringify(v)} is not a whole number`;
        break;
      case 'percentage':
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) return `value ${JSON.stringify(v)} is not a percentage between 0 and 100`;
        break;
      case 'boolean':
        if (typeof v !== 'boolean') return `value ${JSON.stringify(v)} is not true or false`;
        break;
      case 'text':
        if (typeof v !== 'string') return `value ${JSON.stringify(v)} is not text`;
        break;
    }
    if (typeof v === 'number' && v < 0 && metric.value_type !== 'percentage') return `value ${v} is negative`;
    return null;
  }
}

function sameContent(row: StoredRow, valueJson: string, unit: string, comment: string | null, evidence: string | null): boolean {
  return row.value_json === valueJson && row.unit === unit && row.comment === comment && row.evidence === evidence;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Strict YYYY-MM-DD with a real calendar day, read by character code: this runs twice for every item. */
export function isDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 7);
  const d = digits(s, 8, 10);
  if (y < 0 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!);
}

/** The decimal number s[from, to) spells with ASCII digits only, or -1. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function describeIssue(err: z.ZodError): string {
  const i = err.issues[0];
  if (!i) return 'malformed';
  const path = i.path.length > 0 ? i.path.join('.') : 'item';
  return `${path}: ${i.message}`;
}
