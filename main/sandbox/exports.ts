/**
 * Read side of the sandbox: library listings and the two API-OUT exports, all cursor-paged.
 * Cursors are opaque base64url JSON carrying the last sort key seen and the endpoint they belong to.
 */
import type { SandboxDb } from './db';

export class BadQueryError extends Error {
  readonly code = 'bad_query';
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface PageQuery {
  limit: number;
  cursor: string | null;
  updatedSince: string | null;
}

function encodeCursor(kind: string, key: (string | number)[]): string {
  return Buffer.from(JSON.stringify({ k: kind, v: key }), 'utf8').toString('base64url');
}

function decodeCursor(kind: string, cursor: string | null, arity: number): (string | number)[] | null {
  if (cursor === null) return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown; v?: unknown };
    if (parsed.k === kind && Array.isArray(parsed.v) && parsed.v.length === arity) return parsed.v as (string | number)[];
  } catch {
    // fall through
  }
  throw new BadQueryError(`The cursor is not one this endpoint issued. Start again without "cursor", or pass next_cursor unchanged.`);
}

function page<T, R>(rows: R[], limit: number, kind: string, key: (r: R) => (string | number)[], map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown[shown.length - 1];
  return { data: shown.map(map), next_cursor: more && last ? encodeCursor(kind, key(last)) : null };
}

// ---------------------------------------------------------------- library

interface MetricRow {
  id: string;
  code: string;
  name: string;
  description: string | null;
  unit: string;
  category: string;
  value_type: string;
  custom: number;
  api_writable: number;
  aggregation: string;
}

export function listMetrics(db: SandboxDb, q: PageQuery) {
  const after = decodeCursor('metrics', q.cursor, 1);
  const rows = db.prepare('SELECT * FROM metrics WHERE id > ? ORDER BY id LIMIT ?').all(after ? String(after[0]) : '', q.limit + 1) as MetricRow[];
  return page(rows, q.limit, 'metrics', (r) => [r.id], (r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    description: r.description,
    unit: r.unit,
    category: r.category,
    value_type: r.value_type,
    custom: r.custom === 1,
    api_writable: r.api_writable === 1,
    aggregation: r.aggregation,
  }));
}

export function listEntities(db: SandboxDb, q: PageQuery) {
  const after = decodeCursor('entities', q.cursor, 1);
  const rows = db.prepare('SELECT * FROM entities WHERE id > ? ORDER BY id LIMIT ?').all(after ? String(after[0]) : '', q.limit + 1) as {
    id: string;
    name: string;
    type: string;
    external_ref: string | null;
    parent_id: string | null;
    country: string | null;
  }[];
  return page(rows, q.limit, 'entities', (r) => [r.id], (r) => ({ ...r }));
}

// ---------------------------------------------------------------- submissions export

/** The exported columns, in the order of the raw rows the export query returns. */
const SUBMISSION_COLUMNS = `s.seq, s.id, s.metric_id, m.code AS metric_code, s.entity_id, e.external_ref AS entity_external_ref,
              s.period_start, s.period_end, s.value_json, s.unit, s.comment, s.evidence, s.version,
              s.created_at, s.created_by, s.updated_at, s.updated_by, s.deleted_at`;

type SubmissionExportRaw = [
  seq: number,
  id: string,
  metric_id: string,
  metric_code: string,
  entity_id: string,
  entity_external_ref: string | null,
  period_start: string,
  period_end: string,
  value_json: string,
  unit: string,
  comment: string | null,
  evidence: string | null,
  version: number,
  created_at: string,
  created_by: string,
  updated_at: string,
  updated_by: string,
  deleted_at: string | null,
];

// A page is one of four statement shapes; preparing each once per database saves the parse per page.
const submissionStatements = new WeakMap<SandboxDb, Map<string, ReturnType<SandboxDb['prepare']>>>();

function submissionStatement(db: SandboxDb, where: string[]) {
  let cache = submissionStatements.get(db);
  if (!cache) submissionStatements.set(db, (cache = new Map()));
  const key = where.join(' AND ');
  let stmt = cache.get(key);
  if (!stmt) {
    stmt = db.prepare(
      `SELECT ${SUBMISSION_COLUMNS}
         FROM submissions s JOIN metrics m ON m.id = s.metric_id JOIN entities e ON e.id = s.entity_id
        ${where.length > 0 ? `WHERE ${key}` : ''}
        ORDER BY s.updated_at, s.seq
        LIMIT @limit`,
    );
    // Arrays rather than row objects: each exported row is built once below, in the contract's
    // field order, instead of being materialised by SQLite as an object and then copied.
    stmt.raw(true);
    cache.set(key, stmt);
  }
  return stmt;
}

export function exportSubmissions(db: SandboxDb, q: PageQuery & { includeDeleted: boolean }) {
  const after = decodeCursor('submissions', q.cursor, 2);
  // Conditions are added only when used (values still bound): an "@x IS NULL OR ..." form would
  // make SQLite scan the index from the start on every page, quadratic over a large export.
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: q.limit + 1 };
  if (q.updatedSince !== null) {
    where.push('s.updated_at > @since');
    params.since = q.updatedSince;
  }
  if (!q.includeDeleted) where.push('s.deleted_at IS NULL');
  if (after) {
    where.push('(s.updated_at, s.seq) > (@cu, @cs)');
    params.cu = String(after[0]);
    params.cs = Number(after[1]);
  }
  const rows = submissionStatement(db, where).all(params) as SubmissionExportRaw[];
  return page(rows, q.limit, 'submissions', (r) => [r[15], r[0]], (r) => ({
    id: r[1],
    metric_id: r[2],
    metric_code: r[3],
    entity_id: r[4],
    entity_external_ref: r[5],
    period_start: r[6],
    period_end: r[7],
    unit: r[9],
    comment: r[10],
    evidence: r[11],
    version: r[12],
    created_at: r[13],
    created_by: r[14],
    updated_at: r[15],
    updated_by: r[16],
    deleted_at: r[17],
    value: JSON.parse(r[8]) as number | string | boolean,
  }));
}

// ---------------------------------------------------------------- portfolio metrics

export type Granularity = 'year' | 'quarter' | 'month';

const PERIOD_SQL: Record<Granularity, string> = {
  year: `substr(s.period_start, 1, 4)`,
  month: `substr(s.period_start, 1, 7)`,
  quarter: `substr(s.period_start, 1, 4) || '-Q' || ((CAST(substr(s.period_start, 6, 2) AS INTEGER) + 2) / 3)`,
};

function periodBounds(period: string): { start: string; end: string } {
  const year = Number(period.slice(0, 4));
  let m0 = 0;
  let months = 12;
  const q = /-Q(\d)$/.exec(period);
  if (q) {
    m0 = (Number(q[1]) - 1) * 3;
    months = 3;
  } else if (period.length === 7) {
    m0 = Number(period.slice(5, 7)) - 1;
    months = 1;
  }
  const start = new Date(Date.UTC(year, m0, 1));
  const end = new Date(Date.UTC(year, m0 + months, 0));
  return { start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10) };
}

interface AggregateRow {
  entity_id: string;
  entity_name: string;
  metric_id: string;
  metric_code: string;
  unit: string;
  aggregation: string;
  period: string;
  updated_at: string;
  total: number | null;
  mean: number | null;
  n: number;
}

export function exportPortfolioMetrics(db: SandboxDb, q: PageQuery & { granularity: Granularity }) {
  const after = decodeCursor(`portfolio-${q.granularity}`, q.cursor, 4);
  const rows = db
    .prepare(
      `SELECT * FROM (
         SELECT s.entity_id, e.name AS entity_name, s.metric_id, m.code AS metric_code, m.unit, m.aggregation,
                ${PERIOD_SQL[q.granularity]} AS period,
                MAX(s.updated_at) AS updated_at,
                SUM(CASE WHEN s.deleted_at IS NULL THEN s.value_num END) AS total,
                AVG(CASE WHEN s.deleted_at IS NULL THEN s.value_num END) AS mean,
                COUNT(CASE WHEN s.deleted_at IS NULL THEN 1 END) AS n
           FROM submissions s JOIN metrics m ON m.id = s.metric_id JOIN entities e ON e.id = s.entity_id
          WHERE m.value_type IN ('number', 'integer', 'percentage')
          GROUP BY s.entity_id, s.metric_id, period)
        WHERE (@since IS NULL OR updated_at > @since)
          AND (@cu IS NULL OR (updated_at, entity_id, metric_id, period) > (@cu, @ce, @cm, @cp))
        ORDER BY updated_at, entity_id, metric_id, period
        LIMIT @limit`,
    )
    .all({
      since: q.updatedSince,
      cu: after ? String(after[0]) : null,
      ce: after ? String(after[1]) : null,
      cm: after ? String(after[2]) : null,
      cp: after ? String(after[3]) : null,
      limit: q.limit + 1,
    }) as AggregateRow[];
  return page(
    rows,
    q.limit,
    `portfolio-${q.granularity}`,
    (r) => [r.updated_at, r.entity_id, r.metric_id, r.period],
    (r) => {
      const { start, end } = periodBounds(r.period);
      return {
        entity_id: r.entity_id,
        entity_name: r.entity_name,
        metric_id: r.metric_id,
        metric_code: r.metric_code,
        period: r.period,
        period_start: start,
        period_end: end,
        value: r.n === 0 ? null : r.aggregation === 'average' ? r.mean : r.total,
        unit: r.unit,
        aggregation: r.aggregation,
        submission_count: r.n,
        updated_at: r.updated_at,
      };
    },
  );
}
