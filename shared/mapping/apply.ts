/**
 * Applying a mapping profile to one source row: roles resolved, wide rows unpivoted, numbers
 * read in the source's locale, units converted to each metric's unit, value maps and filters
 * applied. Pure and synchronous so it runs per row in a stream at full speed; catalogue
 * lookups are compiled once per (profile, catalogue) pair.
 *
 * Apply reports what is wrong with the source text (unreadable numbers and dates, unknown site
 * codes, unconvertible units). Whether the result is acceptable to the platform (metric exists
 * and is writable, period not in the future...) is validate.ts's job.
 */
import type { CellValue, Entity, Metric, PlatformRecord, RowError, SourceRow } from '../domain';
import { convert, lookupUnit, UnitError } from '../units';
import { cellGranularity, expandPeriod, monthInYear, parseDateCell, parseMonth, parseYearCell, type Granularity, type Period, type PeriodOptions } from './dates';
import { canonicalJson, fnv1a64 } from './hash';
import { cellText, msg, rowError } from './messages';
import { parseNumber } from './numbers';
import { foldText } from './text';
import type { MappingProfile, NaturalKeyField, UnknownValuePolicy, WideValueColumn } from './profile';

export interface Catalogue {
  metrics: readonly Metric[];
  entities: readonly Entity[];
  /**
   * The platform has no metric library (a file platform such as Altruistiq): a metric is the
   * name the mapping gives, and a metric column's text is taken as written when it has no mapping.
   */
  freeMetrics?: boolean;
}

/** Where a record came from, so validation can name the line, column and value. */
export interface RecordSource {
  valueColumn: string;
  rawValue: string | null;
  metricColumn: string | null;
  entityColumn: string | null;
  /** The local site code/name as written, when the entity came from a column. */
  rawEntity: string | null;
  periodColumns: string[];
  unitColumn: string | null;
  /** The unit the value was given in (before conversion), if known. */
  sourceUnit: string | null;
}

export interface MappedRecord {
  record: PlatformRecord;
  naturalKey: string;
  line: number;
  source: RecordSource;
}

export interface HeldValue {
  line: number;
  kind: 'entity' | 'metric';
  column: string;
  value: string;
  /** What the row's history says: the value waits for a person to map it, and where. */
  reason: string;
}

/** `totals-row`: a site or metric cell reading 'Total' (or 'Grand total', 'Summe'…) that the mapping does not map: the sum of the rows above it, not a site. */
export type RowSkip = 'blank-row' | 'filtered' | 'totals-row' | 'unknown-entity' | 'unknown-metric';

// Words that label a totals row in the site or metric column of the exports people make by hand.
const TOTALS_LABEL = /^(?:grand |sub ?)?totals?$|^(?:sum|summe|gesamt|gesamtsumme|totaal|totale|total general|somme)$/;
/** Whether a site or metric cell labels a totals row rather than naming a site or metric. */
export function isTotalsLabel(text: string): boolean {
  return text.length <= 16 && TOTALS_LABEL.test(foldText(text).trim().replace(/\s+/g, ' '));
}

export interface ApplyResult {
  records: MappedRecord[];
  errors: RowError[];
  /** Values seen for the first time under a 'hold' policy: the row waits for a person to map them. */
  held: HeldValue[];
  /** Why the whole row produced nothing on purpose, if it did. */
  skipped: RowSkip | null;
  /** Value cells left empty (or '-', 'n/a') and skipped under filters.skipBlankValues. */
  blankValues: number;
  /**
   * Codes the mapping does not map that were taken as the platform item with that reference,
   * code or name (matchCatalogue): the run says so, as nobody chose them. Absent when none.
   */
  catalogueMatches?: CatalogueMatch[];
}

export interface CatalogueMatch {
  kind: 'entity' | 'metric';
  column: string;
  /** The cell as written. */
  text: string;
  id: string;
  name: string;
}

// ---------------------------------------------------------------- compilation

/** How the engine compares a cell with a value map or the catalogue: case and spacing aside. */
export const normaliseKey = (s: string): string => s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

// Lookups normalise the same few site, metric and unit spellings on every row of a file: the
// normalised form is remembered (bounded, so a column of free text cannot grow it without end).
const keyCache = new Map<string, string>();
const KEY_CACHE_MAX = 5000;
const key = (s: string): string => {
  let k = keyCache.get(s);
  if (k === undefined) {
    k = normaliseKey(s);
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(s, k);
  }
  return k;
};

function normaliseMap(map: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(map)) out.set(key(k), v);
  return out;
}

interface Compiled {
  profile: MappingProfile;
  metricsById: Map<string, Metric>;
  metricsByText: Map<string, Metric>;
  entitiesById: Map<string, Entity>;
  entitiesByText: Map<string, Entity>;
  metricValueMap: Map<string, string>;
  entityValueMap: Map<string, string>;
  unitValueMap: Map<string, string>;
  skipRules: { column: string; re: RegExp }[];
  periodOpts: PeriodOptions;
  /** The last date cell read and its period: exports list many rows per date, one after another. */
  lastDate: { raw: CellValue; period: { start: string; end: string } } | null;
  /** One CatalogueMatch per cell text, made once: most rows of a file repeat a few codes (bounded like keyCache). */
  matches: Map<string, CatalogueMatch>;
}

// Keyed by the catalogue's arrays rather than the wrapper object, so callers that rebuild
// `{ metrics, entities }` per row still compile once.
const cache = new WeakMap<MappingProfile, WeakMap<readonly Metric[], WeakMap<readonly Entity[], Compiled>>>();

function compile(profile: MappingProfile, catalogue: Catalogue): Compiled {
  let byMetrics = cache.get(profile);
  if (!byMetrics) {
    byMetrics = new WeakMap();
    cache.set(profile, byMetrics);
  }
  let byEntities = byMetrics.get(catalogue.metrics);
  if (!byEntities) {
    byEntities = new WeakMap();
    byMetrics.set(catalogue.metrics, byEntities);
  }
  const hit = byEntities.get(catalogue.entities);
  if (hit) return hit;

  const metricsById = new Map(catalogue.metrics.map((m) => [m.id, m]));
  const metricsByText = new Map<string, Metric>();
  for (const m of catalogue.metrics) {
    for (const t of [m.name, m.code, m.id]) if (!metricsByText.has(key(t))) metricsByText.set(key(t), m);
  }
  const entitiesById = new Map(catalogue.entities.map((e) => [e.id, e]));
  const entitiesByText = new Map<string, Entity>();
  // External refs first: a site code is a stronger match than a coincidentally equal name.
  for (const e of catalogue.entities) if (e.externalRef && !entitiesByText.has(key(e.externalRef))) entitiesByText.set(key(e.externalRef), e);
  for (const e of catalogue.entities) if (!entitiesByText.has(key(e.name))) entitiesByText.set(key(e.name), e);

  const compiled: Compiled = {
    profile,
    metricsById,
    metricsByText,
    entitiesById,
    entitiesByText,
    metricValueMap: normaliseMap(profile.metric?.kind === 'column' ? profile.metric.valueMap : {}),
    entityValueMap: normaliseMap(profile.entity.kind === 'column' ? profile.entity.valueMap : {}),
    unitValueMap: normaliseMap(profile.unit.kind === 'column' ? profile.unit.valueMap : {}),
    skipRules: profile.filters.skipWhen.map((r) => ({ column: r.column, re: new RegExp(r.matches.pattern, r.matches.flags) })),
    periodOpts: {
      fiscalYearStartMonth: profile.period?.fiscalYearStartMonth ?? 1,
      fiscalYearLabel: profile.period?.fiscalYearLabel ?? 'end',
    },
    lastDate: null,
    matches: new Map(),
  };
  byEntities.set(catalogue.entities, compiled);
  return compiled;
}

// ---------------------------------------------------------------- helpers

function isBlank(v: CellValue | undefined): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

const BOOLEANS: Record<string, boolean> = {
  true: true, yes: true, y: true, '1': true, ja: true, oui: true, si: true, sí: true, x: true, wahr: true, vrai: true,
  false: false, no: false, n: false, '0': false, nein: false, non: false, falsch: false, faux: false,
};

function parseBoolean(v: CellValue): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : null;
  if (v === null) return null;
  return BOOLEANS[v.trim().toLowerCase()] ?? null;
}

const KEY_ESCAPES = /[%|=]/;

function escapeKeyPart(s: string): string {
  // Ids rarely hold these characters: one test instead of three replaces per key part.
  if (!KEY_ESCAPES.test(s)) return s;
  return s.replace(/%/g, '%25').replace(/\|/g, '%7C').replace(/=/g, '%3D');
}

/** The ledger's natural key: deterministic, readable, unambiguous ('|' and '=' in ids are escaped). */
export function naturalKeyOf(fields: readonly NaturalKeyField[], record: PlatformRecord, cells: Record<string, CellValue> = {}): string {
  return fields
    .map((f) => {
      if (typeof f === 'object') return `col:${escapeKeyPart(f.column)}=${escapeKeyPart(cellText(cells[f.column]) ?? '')}`;
      switch (f) {
        case 'metric':
          return `metric=${escapeKeyPart(record.metricId)}`;
        case 'entity':
          return `entity=${escapeKeyPart(record.entityId)}`;
        case 'period':
          return `period=${record.periodStart}..${record.periodEnd}`;
        case 'unit':
          return `unit=${escapeKeyPart(record.unit)}`;
      }
    })
    .join('|');
}

/** Characters JSON.stringify writes as escapes (quote, backslash, controls) or may (any surrogate). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** canonicalJson of one primitive field value. */
function primitiveJson(v: unknown): string {
  // Most field values are plain text that JSON writes as is, quoted; this runs eight times a row.
  if (typeof v === 'string' && !JSON_ESCAPED.test(v)) return `"${v}"`;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`Cannot hash a non-finite number (${v}).`);
    return Object.is(v, -0) ? '0' : JSON.stringify(v);
  }
  if (v === undefined) return 'null';
  return JSON.stringify(v);
}

/**
 * Canonical JSON of a record: the string the ledger hashes to see whether a value changed.
 * Exactly canonicalJson of the eight fields (keys in sorted order), written out directly because
 * it runs once per row of every ingest; ledgers already hold hashes of this exact text.
 */
export function canonicalRecord(record: PlatformRecord): string {
  return (
    `{"comment":${primitiveJson(record.comment ?? null)},"entityId":${primitiveJson(record.entityId)},"evidence":${primitiveJson(record.evidence ?? null)}` +
    `,"metricId":${primitiveJson(record.metricId)},"periodEnd":${primitiveJson(record.periodEnd)},"periodStart":${primitiveJson(record.periodStart)}` +
    `,"unit":${primitiveJson(record.unit)},"value":${primitiveJson(record.value)}}`
  );
}

/** The general form canonicalRecord must always equal (kept for tests of that equality). */
export function canonicalRecordSlow(record: PlatformRecord): string {
  return canonicalJson({
    metricId: record.metricId,
    entityId: record.entityId,
    periodStart: record.periodStart,
    periodEnd: record.periodEnd,
    value: record.value,
    unit: record.unit,
    comment: record.comment ?? null,
    evidence: record.evidence ?? null,
  });
}

/** FNV-1a 64 of the canonical record (16 hex digits). */
export function recordHash(record: PlatformRecord): string {
  return fnv1a64(canonicalRecord(record));
}

// ---------------------------------------------------------------- apply

type Resolved<T> = { ok: true; value: T; match?: CatalogueMatch } | { ok: false; kind: 'error'; error: RowError } | { ok: false; kind: 'hold'; held: HeldValue } | { ok: false; kind: 'skip'; skip: RowSkip };

function unknownOutcome<T>(policy: UnknownValuePolicy, line: number, column: string, raw: string, kind: 'entity' | 'metric', message: string, label = 'site'): Resolved<T> {
  if (policy === 'hold') return { ok: false, kind: 'hold', held: { line, kind, column, value: raw, reason: msg.held(raw, kind, label) } };
  if (policy === 'skip') return { ok: false, kind: 'skip', skip: kind === 'entity' ? 'unknown-entity' : 'unknown-metric' };
  return { ok: false, kind: 'error', error: rowError(line, column, raw, message) };
}

/** Apply a profile to one row. See the module comment for what is reported here vs in validate. */
export function applyProfile(profile: MappingProfile, row: SourceRow, catalogue: Catalogue): ApplyResult {
  const c = compile(profile, catalogue);
  const result: ApplyResult = { records: [], errors: [], held: [], skipped: null, blankValues: 0 };
  const line = row.line;
  const trim = profile.transforms.trim;

  const get = (column: string): CellValue => {
    const v = Object.prototype.hasOwnProperty.call(profile.constants, column) ? profile.constants[column] : row.cells[column];
    if (v === undefined) return null;
    return trim && typeof v === 'string' ? v.trim() : v;
  };

  // ------------------------------------------------ filters
  if (profile.filters.skipBlankRows && Object.values(row.cells).every(isBlank)) {
    result.skipped = 'blank-row';
    return result;
  }
  for (const rule of c.skipRules) {
    const text = cellText(get(rule.column)) ?? '';
    if (rule.re.test(text)) {
      result.skipped = 'filtered';
      return result;
    }
  }

  // ------------------------------------------------ entity (one per row)
  const entity = resolveEntity(c, line, get);
  if (!entity.ok) return settle(result, entity);
  if (entity.match) result.catalogueMatches = [entity.match];

  // ------------------------------------------------ metric from a column (one per row)
  let rowMetric: Resolved<string> | null = null;
  if (profile.metric?.kind === 'fixed') rowMetric = { ok: true, value: profile.metric.metricId };
  else if (profile.metric?.kind === 'column') {
    const role = profile.metric;
    const raw = get(role.column);
    if (isBlank(raw)) rowMetric = { ok: false, kind: 'error', error: rowError(line, role.column, raw, msg.missingMetric()) };
    else {
      const text = cellText(raw) as string;
      const found = c.metricValueMap.has(key(text)) || !role.matchCatalogue ? undefined : c.metricsByText.get(key(text));
      const mapped = c.metricValueMap.get(key(text)) ?? found?.id ?? (catalogue.freeMetrics ? text.trim() : undefined);
      if (found) (result.catalogueMatches ??= []).push(matchOf(c, 'metric', role.column, text, found));
      rowMetric = mapped
        ? { ok: true, value: mapped }
        : isTotalsLabel(text)
          ? { ok: false, kind: 'skip', skip: 'totals-row' }
          : unknownOutcome(role.unknownMetric, line, role.column, text, 'metric', msg.unknownMetricValue(text));
    }
  }

  const valueColumns: WideValueColumn[] =
    profile.shape.kind === 'long' ? [{ column: profile.shape.valueColumn }] : profile.shape.valueColumns;

  // A row whose metric column needs a person is held once, not once per value column.
  const needsRowMetric = valueColumns.some((vc) => !vc.metricId);
  if (needsRowMetric && rowMetric && !rowMetric.ok) return settle(result, rowMetric);

  const comment = profile.comment ? cellText(get(profile.comment.column)) : null;
  const evidence = profile.evidence ? cellText(get(profile.evidence.column)) : null;

  const keyCells: Record<string, CellValue> = profile.naturalKey.some((f) => typeof f === 'object') ? { ...row.cells, ...profile.constants } : {};

  for (const vc of valueColumns) {
    const metricId = vc.metricId ?? (rowMetric?.ok ? rowMetric.value : undefined);
    if (!metricId) {
      result.errors.push(rowError(line, vc.column, get(vc.column), msg.missingMetric()));
      continue;
    }
    const metric = c.metricsById.get(metricId);

    const rawValue = get(vc.column);
    const period = resolvePeriod(c, line, get, vc);
    if (!period.ok) {
      // A blank value in a column whose period is unreadable is still just blank.
      if (isBlank(rawValue) && profile.filters.skipBlankValues) {
        result.blankValues++;
        continue;
      }
      result.errors.push(period.error);
      continue;
    }

    const unit = resolveUnit(c, line, get, vc, metric);
    if (!unit.ok) {
      if (isBlank(rawValue) && profile.filters.skipBlankValues) {
        result.blankValues++;
        continue;
      }
      result.errors.push(unit.error);
      continue;
    }

    const value = readValue(c, line, vc.column, rawValue, metric, unit.value.unit, unit.value.column);
    if (value.kind === 'blank') {
      if (profile.filters.skipBlankValues) result.blankValues++;
      else result.errors.push(rowError(line, vc.column, rawValue, msg.missingValue()));
      continue;
    }
    if (value.kind === 'error') {
      result.errors.push(value.error);
      continue;
    }

    const record: PlatformRecord = {
      metricId,
      entityId: entity.value.id,
      periodStart: period.value.period.start,
      periodEnd: period.value.period.end,
      value: value.value,
      unit: value.unit,
      comment: comment === '' ? null : comment,
      evidence: evidence === '' ? null : evidence,
    };
    result.records.push({
      record,
      naturalKey: naturalKeyOf(profile.naturalKey, record, keyCells),
      line,
      source: {
        valueColumn: vc.column,
        rawValue: cellText(rawValue),
        metricColumn: !vc.metricId && profile.metric?.kind === 'column' ? profile.metric.column : null,
        entityColumn: profile.entity.kind === 'column' ? profile.entity.column : null,
        rawEntity: entity.value.raw,
        periodColumns: period.value.columns,
        unitColumn: unit.value.column,
        sourceUnit: unit.value.unit,
      },
    });
  }
  return result;
}

function settle(result: ApplyResult, r: Exclude<Resolved<unknown>, { ok: true }>): ApplyResult {
  if (r.kind === 'error') result.errors.push(r.error);
  else if (r.kind === 'hold') result.held.push(r.held);
  else result.skipped = r.skip;
  return result;
}

/**
 * The value cells of a row when every one that is filled holds a word and no digit ('Quantity',
 * 'Unit'): a row of column names read as data, for which "set a fixed site" is the wrong advice.
 */
function labelsInValueColumns(profile: MappingProfile, get: (col: string) => CellValue): string[] {
  const columns = profile.shape.kind === 'long' ? [profile.shape.valueColumn] : profile.shape.valueColumns.map((v) => v.column);
  const filled = columns.map(get).filter((v) => !isBlank(v));
  const words = filled.filter((v): v is string => typeof v === 'string' && /\p{L}{2}/u.test(v) && !/\d/.test(v));
  return filled.length > 0 && words.length === filled.length ? words.slice(0, 3) : [];
}

function matchOf(c: Compiled, kind: CatalogueMatch['kind'], column: string, text: string, found: { id: string; name: string }): CatalogueMatch {
  const k = `${kind}\u0000${text}`;
  let m = c.matches.get(k);
  if (!m) {
    if (c.matches.size >= KEY_CACHE_MAX) c.matches.clear();
    m = { kind, column, text, id: found.id, name: found.name };
    c.matches.set(k, m);
  }
  return m;
}

function resolveEntity(c: Compiled, line: number, get: (col: string) => CellValue): Resolved<{ id: string; raw: string | null }> {
  const role = c.profile.entity;
  if (role.kind === 'fixed') return { ok: true, value: { id: role.entityId, raw: null } };
  const raw = get(role.column);
  if (isBlank(raw)) return { ok: false, kind: 'error', error: rowError(line, role.column, raw, msg.missingEntity(role.label, labelsInValueColumns(c.profile, get))) };
  const text = cellText(raw) as string;
  const mapped = c.entityValueMap.get(key(text));
  if (mapped) return { ok: true, value: { id: mapped, raw: text } };
  const found = role.matchCatalogue ? c.entitiesByText.get(key(text)) : undefined;
  if (found) return { ok: true, value: { id: found.id, raw: text }, match: matchOf(c, 'entity', role.column, text, found) };
  if (isTotalsLabel(text)) return { ok: false, kind: 'skip', skip: 'totals-row' };
  return unknownOutcome(role.unknownEntity, line, role.column, text, 'entity', msg.unknownEntity(text, role.label), role.label);
}

type PeriodOk = { period: Period; columns: string[] };

function periodError(line: number, column: string | null, raw: CellValue, detail: string): { ok: false; error: RowError } {
  if (isBlank(raw)) return { ok: false, error: rowError(line, column, raw, msg.missingPeriod()) };
  return { ok: false, error: rowError(line, column, raw, msg.badPeriod(cellText(raw) ?? '', detail)) };
}

function granularityFor(g: 'month' | 'quarter' | 'year' | 'custom', natural: Granularity): Granularity {
  return g === 'custom' ? natural : g;
}

function resolvePeriod(
  c: Compiled,
  line: number,
  get: (col: string) => CellValue,
  vc: WideValueColumn,
): { ok: true; value: PeriodOk } | { ok: false; error: RowError } {
  const role = c.profile.period;
  const opts = c.periodOpts;
  if (vc.period?.kind === 'fixed') return { ok: true, value: { period: { start: vc.period.start, end: vc.period.end }, columns: [] } };

  if (vc.period?.kind === 'month') {
    // Month columns take their year from the row (or a constant year).
    const yearCol = role?.kind === 'year' || role?.kind === 'year-month' ? role.yearColumn : null;
    let year: number | null = null;
    if (yearCol) {
      const raw = get(yearCol);
      year = parseYearCell(raw);
      if (year === null) return periodError(line, yearCol, raw, 'expected a year such as 2024 or FY2024.');
    } else if (role?.kind === 'fixed') {
      year = Number(role.start.slice(0, 4));
    }
    if (year === null) return { ok: false, error: rowError(line, vc.column, null, msg.missingPeriod()) };
    const ym = monthInYear(year, vc.period.month, opts);
    const p = expandPeriod({ kind: 'month', y: ym.y, m: ym.m }, 'month', opts);
    if ('error' in p) return periodError(line, vc.column, vc.column, `${p.error}.`);
    return { ok: true, value: { period: p, columns: yearCol ? [yearCol] : [] } };
  }

  if (!role) return { ok: false, error: rowError(line, vc.column, null, msg.missingPeriod()) };
  switch (role.kind) {
    case 'fixed':
      return { ok: true, value: { period: { start: role.start, end: role.end }, columns: [] } };
    case 'date': {
      const raw = get(role.column);
      // Same text as the row before: same period (format, granularity and options are the profile's).
      const last = c.lastDate;
      if (last && last.raw === raw && typeof raw !== 'object') return { ok: true, value: { period: { ...last.period }, columns: [role.column] } };
      const r = parseDateCell(raw, role.format);
      if (!r.ok) return periodError(line, role.column, raw, r.message);
      const p = expandPeriod(r.token, granularityFor(role.granularity, cellGranularity(r.token, role.format)), opts);
      if ('error' in p) return periodError(line, role.column, raw, `${p.error}.`);
      c.lastDate = { raw, period: { start: p.start, end: p.end } };
      return { ok: true, value: { period: p, columns: [role.column] } };
    }
    case 'range': {
      const rawStart = get(role.startColumn);
      const rawEnd = get(role.endColumn);
      const a = parseDateCell(rawStart, role.format);
      if (!a.ok) return periodError(line, role.startColumn, rawStart, a.message);
      const b = parseDateCell(rawEnd, role.format);
      if (!b.ok) return periodError(line, role.endColumn, rawEnd, b.message);
      const pa = expandPeriod(a.token, cellGranularity(a.token, role.format), opts);
      const pb = expandPeriod(b.token, cellGranularity(b.token, role.format), opts);
      if ('error' in pa || 'error' in pb) return periodError(line, role.startColumn, rawStart, 'the start or end is not a date.');
      return { ok: true, value: { period: { start: pa.start, end: pb.end }, columns: [role.startColumn, role.endColumn] } };
    }
    case 'year-month': {
      const rawYear = get(role.yearColumn);
      const year = parseYearCell(rawYear);
      if (year === null) return periodError(line, role.yearColumn, rawYear, 'expected a year such as 2024.');
      const rawMonth = get(role.monthColumn);
      const month = parseMonth(rawMonth);
      if (month === null) return periodError(line, role.monthColumn, rawMonth, 'expected a month such as 3, Mar or March.');
      const ym = monthInYear(year, month, opts);
      const p = expandPeriod({ kind: 'month', y: ym.y, m: ym.m }, granularityFor(role.granularity, 'month'), opts);
      if ('error' in p) return periodError(line, role.monthColumn, rawMonth, `${p.error}.`);
      return { ok: true, value: { period: p, columns: [role.yearColumn, role.monthColumn] } };
    }
    case 'year': {
      const raw = get(role.yearColumn);
      const year = parseYearCell(raw);
      if (year === null) return periodError(line, role.yearColumn, raw, 'expected a year such as 2024 or FY2024.');
      const p = expandPeriod({ kind: 'fiscal-year', y: year }, 'year', opts);
      if ('error' in p) return periodError(line, role.yearColumn, raw, `${p.error}.`);
      return { ok: true, value: { period: p, columns: [role.yearColumn] } };
    }
  }
}

function resolveUnit(
  c: Compiled,
  line: number,
  get: (col: string) => CellValue,
  vc: WideValueColumn,
  metric: Metric | undefined,
): { ok: true; value: { unit: string | null; column: string | null } } | { ok: false; error: RowError } {
  if (vc.unit) return { ok: true, value: { unit: vc.unit, column: null } };
  const role = c.profile.unit;
  if (role.kind === 'metric') return { ok: true, value: { unit: metric?.unit ?? null, column: null } };
  if (role.kind === 'fixed') return { ok: true, value: { unit: role.unit, column: null } };
  const raw = get(role.column);
  if (isBlank(raw)) return { ok: false, error: rowError(line, role.column, raw, msg.missingUnit()) };
  const text = cellText(raw) as string;
  return { ok: true, value: { unit: c.unitValueMap.get(key(text)) ?? text, column: role.column } };
}

type ValueOutcome =
  | { kind: 'ok'; value: number | string | boolean; unit: string }
  | { kind: 'blank' }
  | { kind: 'error'; error: RowError };

function sameUnitText(a: string, b: string): boolean {
  return key(a) === key(b);
}

function readValue(
  c: Compiled,
  line: number,
  column: string,
  raw: CellValue,
  metric: Metric | undefined,
  sourceUnit: string | null,
  unitColumn: string | null,
): ValueOutcome {
  const valueType = metric?.valueType ?? 'number';
  const targetUnit = metric?.unit ?? sourceUnit ?? '';
  const metricName = metric?.name ?? 'this metric';

  if (valueType === 'text') {
    if (isBlank(raw)) return { kind: 'blank' };
    return { kind: 'ok', value: cellText(raw) as string, unit: targetUnit };
  }
  if (valueType === 'boolean') {
    if (isBlank(raw)) return { kind: 'blank' };
    const b = parseBoolean(raw);
    if (b === null) return { kind: 'error', error: rowError(line, column, raw, msg.notBoolean(cellText(raw) ?? '', metricName)) };
    return { kind: 'ok', value: b, unit: targetUnit };
  }

  const fmt = c.profile.transforms.number;
  const parsed = parseNumber(raw, fmt);
  if (!parsed.ok) {
    if (parsed.reason === 'empty' || parsed.reason === 'placeholder') return { kind: 'blank' };
    // The parser's own "'x' is not a number." would only repeat the sentence: say what is expected instead.
    const detail = parsed.reason === 'not-a-number' ? `Enter a number like 1234${fmt.decimal}5.` : parsed.message;
    return { kind: 'error', error: rowError(line, column, raw, msg.notNumber(cellText(raw) ?? '', metricName, detail)) };
  }
  let value = parsed.value;
  if (parsed.percent && fmt.percent === 'as-fraction') value = value / 100;

  // Without a metric in the library there is no target unit; validate reports the metric.
  if (!metric || sourceUnit === null || sameUnitText(sourceUnit, metric.unit)) {
    return { kind: 'ok', value, unit: metric?.unit ?? sourceUnit ?? '' };
  }
  const from = lookupUnit(sourceUnit);
  const blameColumn = unitColumn ?? column;
  if (!from.ok) {
    return { kind: 'error', error: rowError(line, blameColumn, unitColumn ? sourceUnit : raw, msg.unitProblem(from.message)) };
  }
  const to = lookupUnit(metric.unit);
  if (!to.ok) {
    return {
      kind: 'error',
      error: rowError(line, blameColumn, unitColumn ? sourceUnit : raw, msg.unitMismatch(from.unit.id, metric.unit, metric.name)),
    };
  }
  if (from.unit.id === to.unit.id) return { kind: 'ok', value, unit: metric.unit };
  try {
    const cv = c.profile.transforms.calorificValueMJPerM3;
    value = convert(value, from.unit.id, to.unit.id, cv === undefined ? {} : { calorificValueMJPerM3: cv });
  } catch (e) {
    const detail = e instanceof UnitError ? e.message : String(e);
    const reason = e instanceof UnitError && e.code === 'calorific_value_required' ? msg.calorificValueNeeded(detail) : msg.unitProblem(detail);
    return { kind: 'error', error: rowError(line, blameColumn, unitColumn ? sourceUnit : raw, reason) };
  }
  return { kind: 'ok', value, unit: metric.unit };
}
