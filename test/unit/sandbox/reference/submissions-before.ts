/** The batch writer as it was before commit "sandbox writer: hand item check, positional statements" — kept only as the reference its replacement is property-tested against (submission-writer.test.ts). */
/**
 * Batch create/update/delete of submissions with per-item results, as the contract describes
 * (docs/esg-api.openapi.yaml, POST /v1/submissions:batch).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { SandboxDb } from '../../../../main/sandbox/db';

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
const BatchItem = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), ref: Ref, data: SubmissionInput }),
  z.object({ op: z.literal('update'), ref: Ref, id: z.string().min(1), data: SubmissionInput }),
  z.object({ op: z.literal('delete'), ref: Ref, id: z.string().min(1) }),
]);

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
      insert: db.prepare(
        `INSERT OR IGNORE INTO submissions (id, metric_id, entity_id, period_start, period_end, value_json, value_num, unit, comment, evidence,
           version, created_at, created_by, updated_at, updated_by)
         VALUES (@id, @metric_id, @entity_id, @period_start, @period_end, @value_json, @value_num, @unit, @comment, @evidence,
           1, @now, @by, @now, @by)`,
      ),
      update: db.prepare(
        `UPDATE submissions SET metric_id = @metric_id, entity_id = @entity_id, period_start = @period_start, period_end = @period_end,
           value_json = @value_json, value_num = @value_num, unit = @unit, comment = @comment, evidence = @evidence,
           version = version + 1, updated_at = @now, updated_by = @by
         WHERE id = @id`,
      ),
      remove: db.prepare('UPDATE submissions SET deleted_at = @now, updated_at = @now, updated_by = @by, version = version + 1 WHERE id = @id'),
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
    const parsed = BatchItem.safeParse(raw);
    if (!parsed.success) return reject(`invalid item: ${describeIssue(parsed.error)}`);
    const item = parsed.data;

    if (item.op === 'delete') {
      const row = this.q.byId.get(item.id) as StoredRow | undefined;
      if (!row) return reject(`submission ${item.id} not found`, item.id);
      if (row.deleted_at) return { index, ref, status: 'unchanged', id: row.id, version: row.version, reason: 'already deleted' };
      this.q.remove.run({ id: row.id, now: ctx.now(), by: ctx.clientId });
      return { index, ref, status: 'deleted', id: row.id, version: row.version + 1, reason: null };
    }

    const problem = this.validate(item.data);
    if (problem) return reject(problem, item.op === 'update' ? item.id : null);
    const data = normalise(item.data);

    if (item.op === 'create') {
      const id = this.nextId();
      if (this.q.insert.run({ ...rowParams(data), id, now: ctx.now(), by: ctx.clientId }).changes === 1) {
        return { index, ref, status: 'created', id, version: 1, reason: null };
      }
      const existing = this.q.byKey.get(data.entity_id, data.metric_id, data.period_start, data.period_end) as StoredRow | undefined;
      if (!existing) throw new Error(`Insert of submission ${id} was ignored but no live submission has its key.`);
      if (sameContent(existing, data)) return { index, ref, status: 'unchanged', id: existing.id, version: existing.version, reason: 'identical submission exists' };
      return reject(`already exists (id ${existing.id}); send an update to change it`, existing.id);
    }

    const row = this.q.byId.get(item.id) as StoredRow | undefined;
    if (!row) return reject(`submission ${item.id} not found`, item.id);
    if (row.deleted_at) return reject(`submission ${item.id} was deleted on ${row.deleted_at}; create it again instead`, item.id);
    const clash = this.q.byKey.get(data.entity_id, data.metric_id, data.period_start, data.period_end) as StoredRow | undefined;
    if (clash && clash.id !== row.id) return reject(`another submission (id ${clash.id}) already has this entity, metric and period`, item.id);
    if (sameContent(row, data) && row.metric_id === data.metric_id && row.entity_id === data.entity_id && row.period_start === data.period_start && row.period_end === data.period_end) {
      return { index, ref, status: 'unchanged', id: row.id, version: row.version, reason: 'no field differs' };
    }
    this.q.update.run({ ...rowParams(data), id: row.id, now: ctx.now(), by: ctx.clientId });
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

type Normalised = Required<Omit<SubmissionInput, 'comment' | 'evidence'>> & { comment: string | null; evidence: string | null };
const normalise = (d: SubmissionInput): Normalised => ({ ...d, comment: d.comment ?? null, evidence: d.evidence ?? null });

function rowParams(d: Normalised) {
  return {
    metric_id: d.metric_id,
    entity_id: d.entity_id,
    period_start: d.period_start,
    period_end: d.period_end,
    value_json: JSON.stringify(d.value),
    value_num: typeof d.value === 'number' ? d.value : typeof d.value === 'boolean' ? (d.value ? 1 : 0) : null,
    unit: d.unit,
    comment: d.comment,
    evidence: d.evidence,
  };
}

function sameContent(row: StoredRow, d: Normalised): boolean {
  return row.value_json === JSON.stringify(d.value) && row.unit === d.unit && row.comment === d.comment && row.evidence === d.evidence;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Strict YYYY-MM-DD with a real calendar day (no Date allocation: this runs for every item). */
export function isDate(s: string): boolean {
  if (s.length !== 10 || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(5, 7));
  const d = Number(s.slice(8, 10));
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!);
}

function describeIssue(err: z.ZodError): string {
  const i = err.issues[0];
  if (!i) return 'malformed';
  const path = i.path.length > 0 ? i.path.join('.') : 'item';
  return `${path}: ${i.message}`;
}
