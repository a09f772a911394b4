/**
 * Mapping suggestions from a profiled sample and the platform's catalogue: a role for every
 * column, a metric for every value column (with a confidence and the reason, so a person can
 * judge it), the table's shape, and site-code → entity matches.
 */
import type { CellValue, Entity, Metric } from '../../../shared/domain';
import type { DateFormat, HeaderPeriod } from '../../../shared/mapping/dates';
import { periodStartGrain, rowsRepeatWithinMonth } from '../../../shared/mapping/period-grain';
import type { MappingProfileInput } from '../../../shared/mapping/profile';
import { headerFingerprint } from '../../../shared/mapping/fingerprint';
import { normaliseKey } from '../../../shared/mapping/apply';
import { editSimilarity, foldText, similarity, tokens } from '../../../shared/mapping/text';
import { conversionNeed, lookupUnit } from '../../../shared/units';
import type { ColumnProfile } from './profiler';
import { METRIC_CONCEPTS, ROLE_PHRASES, VALUE_PHRASES, type ColumnRole, type Concept } from './synonyms';

export type { ColumnRole } from './synonyms';

export interface MetricCandidate {
  metricId: string;
  confidence: number;
  reason: string;
}

export interface ColumnSuggestion {
  column: string;
  role: ColumnRole;
  /** For value columns: the best metric. */
  metricId?: string;
  confidence: number;
  reason: string;
  /** Next-best metrics for the wizard's picker. */
  alternatives: MetricCandidate[];
  /** For value columns of a wide sheet: the period read from the header. */
  period?: HeaderPeriod;
  /** For value columns: the unit read from the header. */
  unit?: string;
}

export interface EntityMatch {
  local: string;
  entityId: string | null;
  confidence: number;
  reason: string;
}

export interface MappingSuggestion {
  shape: 'long' | 'wide';
  /** For wide shapes: a column per metric or a column per period. */
  wideKind: 'per-metric' | 'per-period' | null;
  columns: ColumnSuggestion[];
  /** Site codes/names from the entity column matched to platform entities (null when unmatched). */
  entityValueMap: EntityMatch[];
  /** For a metric column: its values matched to metrics. */
  metricValueMap: Array<{ local: string; metricId: string | null; confidence: number; reason: string }>;
  warnings: string[];
}

export interface SuggestInput {
  headers: readonly string[];
  profiles: readonly ColumnProfile[];
  metrics: readonly Metric[];
  entities: readonly Entity[];
}

// ---------------------------------------------------------------- phrase matching

interface PreparedPhrase {
  tokens: string[];
  weight: number;
}

function prepare(phrases: Concept['phrases']): PreparedPhrase[] {
  return phrases.map((p) => {
    const [phrase, weight] = typeof p === 'string' ? [p, undefined] : p;
    const t = tokens(phrase);
    return { tokens: t, weight: weight ?? Math.min(0.95, 0.75 + 0.07 * (t.length - 1)) };
  });
}

const CONCEPTS = METRIC_CONCEPTS.map((c) => ({ id: c.id, phrases: prepare(c.phrases) }));

function tokenMatches(phraseToken: string, headerTokens: readonly string[]): boolean {
  for (const t of headerTokens) {
    if (t === phraseToken) return true;
    // German and Dutch compounds: 'stromverbrauch' contains 'strom'.
    if (phraseToken.length >= 5 && t.length > phraseToken.length && t.includes(phraseToken)) return true;
  }
  return false;
}

function phraseScore(phrases: readonly PreparedPhrase[], headerTokens: readonly string[]): number {
  let best = 0;
  for (const p of phrases) {
    if (p.tokens.length > 0 && p.tokens.every((t) => tokenMatches(t, headerTokens)) && p.weight > best) best = p.weight;
  }
  return best;
}

function conceptScores(text: string): Map<string, number> {
  const t = tokens(text);
  const out = new Map<string, number>();
  for (const c of CONCEPTS) {
    const s = phraseScore(c.phrases, t);
    if (s > 0) out.set(c.id, s);
  }
  return out;
}

/** The header without its unit: 'Electricity (kWh)' → 'Electricity'. */
function headerName(header: string, unit: string | null): string {
  return unit ? withoutUnit(header) : header.replace(/[([{][^)\]}]*[)\]}]/g, ' ').trim();
}

/** Text without bracketed parts and trailing unit words: 'Water m3' → 'Water'. */
function withoutUnit(text: string): string {
  const words = text.replace(/[([{][^)\]}]*[)\]}]/g, ' ').trim().split(/[\s_]+/);
  while (words.length > 1 && lookupUnit(words.slice(-1).join(' ')).ok) words.pop();
  while (words.length > 1 && lookupUnit(words.slice(-2).join(' ')).ok) words.splice(-2);
  return words.join(' ').trim();
}

// ---------------------------------------------------------------- metric ranking

interface PreparedMetric {
  metric: Metric;
  concepts: Map<string, number>;
}

const round = (x: number): number => Math.round(Math.max(0, Math.min(1, x)) * 100) / 100;

/** Rank metrics for a header (and its profile). Best first; empty when nothing fits at all. */
export function rankMetrics(header: string, profile: ColumnProfile | undefined, metrics: readonly Metric[] | readonly PreparedMetric[]): MetricCandidate[] {
  const prepared: PreparedMetric[] = (metrics as Array<Metric | PreparedMetric>).map((m) =>
    'metric' in m ? m : { metric: m, concepts: conceptScores(`${m.name} ${m.code.replace(/_/g, ' ')}`) },
  );
  const unit = profile?.unit?.source === 'header' ? profile.unit.unit : null;
  const name = headerName(header, unit);
  const headerConcepts = conceptScores(name);
  const out: MetricCandidate[] = [];

  for (const { metric, concepts } of prepared) {
    const reasons: string[] = [];
    let score = 0;
    let conceptHit: string | null = null;
    for (const [id, hs] of headerConcepts) {
      const ms = concepts.get(id);
      if (ms === undefined) continue;
      const s = Math.min(hs, ms);
      if (s > score) {
        score = s;
        conceptHit = id;
      }
    }
    if (conceptHit) reasons.push(`'${name}' means ${conceptHit.replace('-', ' ')}, like '${metric.name}'`);
    // A metric more specific than the header ('Hazardous waste' for 'Waste') ranks below the general one.
    for (const [id, ms] of concepts) {
      if (ms >= 0.8 && !headerConcepts.has(id) && conceptHit) score -= 0.1;
    }
    const direct = Math.max(similarity(name, metric.name), similarity(name, metric.code.replace(/_/g, ' ')));
    if (direct * 0.9 > score) {
      score = direct * 0.9;
      reasons.length = 0;
      reasons.push(`'${name}' is similar to the metric name '${metric.name}'`);
    }

    if (unit) {
      const need = conversionNeed(unit, metric.unit);
      if (need === 'same' || need === 'factor') {
        if (score > 0.3) score += 0.08;
        else score = Math.max(score, 0.3);
        reasons.push(need === 'same' ? `the unit ${unit} is the metric's unit` : `${unit} converts to the metric's ${metric.unit}`);
      } else if (need === 'calorific-value') {
        reasons.push(`${unit} converts to ${metric.unit} with the gas's calorific value`);
      } else if (need === 'incompatible') {
        score *= 0.5;
        reasons.push(`but ${unit} cannot be converted to the metric's ${metric.unit}`);
      }
    }

    if (profile && profile.inferredType === 'number') {
      if ((metric.valueType === 'percentage' || metric.unit === '%') && ((profile.max as number) > 100 || (profile.min as number) < 0)) {
        score *= 0.6;
        reasons.push('but values outside 0–100 are unlikely percentages');
      }
      if (metric.valueType === 'integer' && profile.integerShare !== null && profile.integerShare < 0.9) {
        score *= 0.8;
        reasons.push('but the values are not whole numbers');
      }
    } else if (profile && (profile.inferredType === 'text' || profile.inferredType === 'date') && metric.valueType !== 'text') {
      score *= 0.4;
      reasons.push(`but the column holds ${profile.inferredType}, not numbers`);
    }
    if (!metric.writable) {
      score *= 0.9;
      reasons.push('(this service account cannot write it)');
    }
    if (score >= 0.2) out.push({ metricId: metric.id, confidence: round(score), reason: reasons.join('; ') });
  }
  return out.sort((a, b) => b.confidence - a.confidence);
}

// ---------------------------------------------------------------- metric names in cells

const FILLER_WORDS = new Set(VALUE_PHRASES.flatMap((p) => tokens(p)));

/**
 * The metric a cell of a metric column names, only when the mapping would take it as that metric:
 * the metric's own name, code or id (the engine's catalogue match), a near-exact spelling of its
 * name or code, or words that all mean the metric ('Natural gas', 'Strom', 'Diesel (L)'). A cell
 * that merely contains such a word beside words that do not ('Thames Water', 'British Gas') names
 * something else — a supplier, a merchant — and matches nothing.
 */
function metricForValue(value: string, metrics: readonly PreparedMetric[]): MetricCandidate | null {
  const k = normaliseKey(value);
  if (k === '') return null;
  for (const { metric } of metrics) {
    if (normaliseKey(metric.name) === k) return { metricId: metric.id, confidence: 1, reason: `'${value}' is the metric name '${metric.name}'` };
    if (normaliseKey(metric.code) === k || normaliseKey(metric.id) === k) return { metricId: metric.id, confidence: 1, reason: `'${value}' is the code of the metric '${metric.name}'` };
  }
  const best = rankMetrics(value, undefined, metrics)[0];
  if (!best || best.confidence < 0.6) return null;
  const prepared = metrics.find((m) => m.metric.id === best.metricId) as PreparedMetric;
  const { metric } = prepared;
  const nearSpelling = Math.max(editSimilarity(value, metric.name), editSimilarity(value, metric.code.replace(/_/g, ' ')));
  if (nearSpelling >= 0.9) return best;
  return valueWordsMeanMetric(value, prepared) ? best : null;
}

/** Whether every word of the cell is accounted for by the metric: its concepts, its name, a unit, or 'consumption'-like filler. */
function valueWordsMeanMetric(value: string, { metric, concepts }: PreparedMetric): boolean {
  const words = tokens(withoutUnit(value));
  const explained = new Set([...tokens(metric.name), ...tokens(metric.code)]);
  const phraseWords: string[] = [];
  for (const c of CONCEPTS) {
    if (!concepts.has(c.id)) continue;
    for (const p of c.phrases) if (p.tokens.length && p.tokens.every((t) => tokenMatches(t, words))) phraseWords.push(...p.tokens);
  }
  if (!phraseWords.length && !words.some((w) => explained.has(w))) return false;
  return words.every(
    (w) => explained.has(w) || FILLER_WORDS.has(w) || phraseWords.some((p) => p === w || (p.length >= 5 && w.length > p.length && w.includes(p))),
  );
}

// ---------------------------------------------------------------- roles

const ROLE_PREPARED = Object.fromEntries(
  Object.entries(ROLE_PHRASES).map(([role, phrases]) => [role, phrases.map((p) => tokens(p))]),
) as Record<keyof typeof ROLE_PHRASES, string[][]>;
const VALUE_PREPARED = VALUE_PHRASES.map((p) => tokens(p));

/** 0.6–0.9 for a header naming the role; more of the header covered by the phrase scores higher. */
function roleHeaderScore(phrases: string[][], headerTokens: string[]): number {
  let best = 0;
  for (const p of phrases) {
    if (p.length === 0 || !p.every((t) => headerTokens.includes(t))) continue;
    const coverage = p.length / Math.max(1, headerTokens.length);
    best = Math.max(best, 0.6 + 0.3 * coverage);
  }
  return best;
}

const key = (s: string): string => s.normalize('NFKC').trim().toLowerCase();
/** Site codes compared with digit runs as numbers: 'LDN-01' and 'ldn 1' are the same code. */
const codeKey = (s: string): string => foldText(s).replace(/\d+/g, (d) => String(Number(d))).replace(/\s+/g, '');

/** Match local site codes or names to platform entities. */
export function matchEntities(values: readonly string[], entities: readonly Entity[]): EntityMatch[] {
  const byRef = new Map<string, Entity>();
  const byName = new Map<string, Entity>();
  const byCode = new Map<string, Entity>();
  for (const e of entities) {
    if (e.externalRef) {
      byRef.set(key(e.externalRef), e);
      byCode.set(codeKey(e.externalRef), e);
    }
    byName.set(key(e.name), e);
  }
  return values.map((local) => {
    const k = key(local);
    const ref = byRef.get(k);
    if (ref) return { local, entityId: ref.id, confidence: 1, reason: `matches the site code of '${ref.name}'` };
    const named = byName.get(k);
    if (named) return { local, entityId: named.id, confidence: 0.95, reason: `matches the name '${named.name}'` };
    const code = byCode.get(codeKey(local));
    if (code) return { local, entityId: code.id, confidence: 0.9, reason: `matches the site code '${code.externalRef}' ignoring punctuation and leading zeros` };
    let best: { e: Entity; s: number; via: string } | null = null;
    for (const e of entities) {
      for (const [candidate, via] of [
        [e.name, 'name'],
        [e.externalRef ?? '', 'site code'],
      ] as const) {
        if (!candidate) continue;
        const s = similarity(local, candidate);
        if (!best || s > best.s) best = { e, s, via: `${via} '${candidate}'` };
      }
    }
    if (best && best.s >= 0.75) {
      return { local, entityId: best.e.id, confidence: round(best.s * 0.85), reason: `looks like the ${best.via}` };
    }
    return { local, entityId: null, confidence: 0, reason: 'no platform entity looks like it' };
  });
}

/** Suggest roles, metrics, shape and entity matches for a sampled table. */
export function suggestMapping(input: SuggestInput): MappingSuggestion {
  const preparedMetrics: PreparedMetric[] = input.metrics.map((m) => ({ metric: m, concepts: conceptScores(`${m.name} ${m.code.replace(/_/g, ' ')}`) }));
  const profiles = new Map(input.profiles.map((p) => [p.column, p]));
  const warnings: string[] = [];
  const columns: ColumnSuggestion[] = [];

  for (const header of input.headers) {
    const profile = profiles.get(header);
    columns.push(suggestColumn(header, profile, preparedMetrics, input.entities));
  }

  // Year + month columns read together; a lone 'Month' column of dates stays a period.
  const periodCols = columns.filter((c) => c.role === 'period');
  const yearCol = columns.find((c) => c.role === 'year');
  if (yearCol) {
    for (const c of periodCols) {
      const p = profiles.get(c.column);
      if (p && p.inferredType !== 'date' && p.distinctValues.every((v) => /^\d{1,2}$|^[\p{L}.]+$/u.test(v))) {
        c.role = 'month';
        c.reason = `${c.reason}; with '${yearCol.column}' it gives the month`;
      }
    }
  }

  pairPeriodColumns(columns);
  chooseOneEntityColumn(columns, profiles, input.entities);
  chooseOneMetricColumn(columns);
  const metricCol = columns.find((c) => c.role === 'metric');
  const metricValues = metricCol ? (profiles.get(metricCol.column)?.distinctValues ?? []) : [];
  const metricValueMap = metricValues.map((local) => {
    const best = metricForValue(local, preparedMetrics);
    return best
      ? { local, metricId: best.metricId, confidence: best.confidence, reason: best.reason }
      : { local, metricId: null, confidence: 0, reason: 'no metric in the library looks like it' };
  });
  // Rows that name their own metric (most of the column's values are metrics) make a long table,
  // however many number columns stand beside the value: cost, CO2, meter readings.
  const rowsNameMetric = metricValueMap.length > 0 && metricValueMap.filter((m) => m.metricId).length * 2 >= metricValueMap.length;

  const periodValueCols = columns.filter((c) => c.role === 'value' && c.period);
  const metricValueCols = columns.filter((c) => c.role === 'value' && !c.period && c.metricId);
  let shape: MappingSuggestion['shape'] = 'long';
  let wideKind: MappingSuggestion['wideKind'] = null;
  if (periodValueCols.length >= 2) {
    shape = 'wide';
    wideKind = 'per-period';
  } else if (metricValueCols.length >= 2 && !rowsNameMetric) {
    shape = 'wide';
    wideKind = 'per-metric';
  }
  if (wideKind === 'per-period') {
    // Beside month columns, a numeric 'Total' column is the row's sum: sending it would double count.
    for (const c of columns) {
      if (c.role === 'value' && !c.period && /\b(total|totals|sum|summe|gesamt|ytd|year to date)\b/i.test(foldText(c.column))) {
        c.role = 'ignore';
        c.metricId = undefined;
        c.confidence = 0.8;
        c.reason = `'${c.column}' looks like the total of the period columns; sending it too would count the values twice`;
      }
    }
  }
  rowsDecideMetricAndUnit(columns, shape === 'wide' && wideKind === 'per-metric');
  if (periodValueCols.some((c) => c.period?.kind === 'month') && !yearCol) {
    warnings.push('The month columns have no year. Add a year column or set a constant year in the “Sites & periods” step.');
  }
  if (!columns.some((c) => c.role === 'entity')) warnings.push('No column looks like a site. Choose the site column, or one fixed site for the whole file.');
  if (!columns.some((c) => c.role === 'value')) warnings.push('No column looks like it holds values. Choose the value column(s) in the “Columns” step.');
  const undecided = columns.filter((c) => c.role === 'value' && !c.period && !c.metricId && c.reason.endsWith('fit it equally, so choose one'));
  if (undecided.length && !columns.some((c) => c.role === 'metric')) {
    warnings.push(`Several metrics fit ${undecided.map((c) => `'${c.column}'`).join(', ')} equally well (by unit alone). Choose its metric in the “Columns” step.`);
  }
  for (const dateCol of columns.filter((c) => c.role === 'period' || c.role === 'period-start' || c.role === 'period-end')) {
    const d = profiles.get(dateCol.column)?.dateFormat;
    if (d?.ambiguous) {
      warnings.push(`The dates in '${dateCol.column}' read both as ${d.candidates.join(' and ')}. Choose the format in the “Sites & periods” step.`);
    } else if (d?.format && d.candidates.length > 1 && /^(DD|MM)\//.test(d.format)) {
      // The profiler settled a day/month twin from the rest of the file, not from these values.
      warnings.push(`The dates in '${dateCol.column}' could be day-first or month-first; they were read as ${d.format} from the other dates and numbers in the file. Check this in the “Sites & periods” step.`);
    }
  }

  const entityCol = columns.find((c) => c.role === 'entity');
  const entityValues = entityCol ? (profiles.get(entityCol.column)?.distinctValues ?? []) : [];

  return { shape, wideKind, columns, entityValueMap: matchEntities(entityValues, input.entities), metricValueMap, warnings };
}

/**
 * A metric column names each row's metric and a unit column each row's unit: a value column's own
 * metric ('consumption_kwh' looks like electricity) and the unit in its name must not stand in for
 * them, or every gas and water row would be sent as electricity in kWh. Cleared here, on the
 * suggestion, so the table `mapping suggest` prints and the draft it writes say the same.
 */
function rowsDecideMetricAndUnit(columns: ColumnSuggestion[], perMetric: boolean): void {
  const metricCol = perMetric ? undefined : columns.find((c) => c.role === 'metric');
  const unitCol = columns.find((c) => c.role === 'unit');
  if (!metricCol && !unitCol) return;
  for (const c of columns) {
    if (c.role !== 'value' || (!(metricCol && c.metricId) && !(unitCol && c.unit))) continue;
    const from = [metricCol && c.metricId ? `its metric from '${metricCol.column}'` : null, unitCol && c.unit ? `its unit from '${unitCol.column}'` : null].filter(Boolean);
    if (metricCol) c.metricId = undefined;
    if (unitCol) c.unit = undefined;
    c.reason = `${c.reason}; each row takes ${from.join(' and ')}`;
  }
  // Nothing is left to choose for a value whose metric the rows name.
  if (metricCol) for (const c of columns) if (c.role === 'value') c.reason = c.reason.replace(/; \d+ metrics fit it equally, so choose one/, '');
}

const START_WORDS = new Set(['start', 'starting', 'from', 'begin', 'beginn', 'von', 'ab', 'debut', 'desde', 'inicio', 'vanaf']);
const END_WORDS = new Set(['end', 'ending', 'to', 'until', 'till', 'bis', 'ende', 'fin', 'hasta', 'tot']);

/**
 * 'Billing period start' and 'Billing period end' both name a period; together they are one
 * period's start and end. Without this the draft would get two competing date columns and no period.
 */
function pairPeriodColumns(columns: ColumnSuggestion[]): void {
  const dated = columns.filter((c) => c.role === 'period' || c.role === 'period-start' || c.role === 'period-end');
  const side = (c: ColumnSuggestion) => {
    const t = tokens(c.column);
    const start = t.some((w) => START_WORDS.has(w));
    const end = t.some((w) => END_WORDS.has(w));
    return start === end ? null : start ? 'start' : 'end';
  };
  const starts = dated.filter((c) => side(c) === 'start');
  const ends = dated.filter((c) => side(c) === 'end');
  if (starts.length !== 1 || ends.length !== 1) return;
  const [start, end] = [starts[0] as ColumnSuggestion, ends[0] as ColumnSuggestion];
  if (start.role !== 'period-start') {
    start.role = 'period-start';
    start.reason = `with '${end.column}' it gives each row's period: this column is its start`;
  }
  if (end.role !== 'period-end') {
    end.role = 'period-end';
    end.reason = `with '${start.column}' it gives each row's period: this column is its end`;
  }
}

/**
 * 'Site code' beside 'Site name' names the same site twice; a profile has one site column. The
 * one whose values match the platform's sites best is kept; ties go to the code, which is
 * less likely to be spelled two ways.
 */
function chooseOneEntityColumn(columns: ColumnSuggestion[], profiles: Map<string, ColumnProfile>, entities: readonly Entity[]): void {
  const cols = columns.filter((c) => c.role === 'entity');
  if (cols.length < 2) return;
  const scored = cols.map((c, i) => {
    const values = (profiles.get(c.column)?.distinctValues ?? []).slice(0, 50);
    const matches = matchEntities(values, entities);
    const score = values.length ? matches.reduce((a, m) => a + m.confidence, 0) / values.length : 0;
    const isCode = tokens(c.column).some((t) => CODE_WORDS.has(t));
    return { c, score, isCode, i };
  });
  scored.sort((a, b) => b.score - a.score || Number(b.isCode) - Number(a.isCode) || a.i - b.i);
  const kept = scored[0] as (typeof scored)[0];
  for (const { c, score } of scored.slice(1)) {
    c.role = 'ignore';
    c.confidence = 0.7;
    c.reason =
      kept.score > score
        ? `'${kept.c.column}' already names the site and its values match the platform's sites better (${Math.round(kept.score * 100)}% against ${Math.round(score * 100)}%); choose this column instead in the “Columns” step if that is wrong`
        : `'${kept.c.column}' already names the site; a profile reads the site from one column`;
  }
}

/**
 * 'meter_type' (ELEC, GAS) beside 'metric_code' (met_elec_cons…) both name each row's metric; a
 * profile reads it from one column. The surest is kept (exact codes first, see suggestColumn),
 * ties to the first; the draft's value map is then that column's values.
 */
function chooseOneMetricColumn(columns: ColumnSuggestion[]): void {
  const cols = columns.filter((c) => c.role === 'metric');
  if (cols.length < 2) return;
  const kept = cols.reduce((a, b) => (b.confidence > a.confidence ? b : a));
  for (const c of cols) {
    if (c === kept) continue;
    c.role = 'ignore';
    c.confidence = 0.75;
    c.reason = `'${kept.column}' already names each row's metric${kept.confidence > c.confidence ? ', by the platform’s own codes' : ''}; choose this column instead in the “Columns” step if that is wrong`;
  }
}

/** A web or file link, a Windows or network path, or a file name with a document's extension. */
const LINK = /^(?:[a-z][a-z\d+.-]*:\/\/\S+|www\.\S+|[a-z]:[\\/].*|\\\\.+|\.{0,2}\/.+|.+\.(?:pdf|docx?|xlsx?|csv|jpe?g|png|tiff?|heic|msg|eml|zip))$/i;

/** Whether (nearly) all of a column's values are links or paths a person could open as evidence. */
function looksLikeLinks(profile: ColumnProfile): boolean {
  const values = profile.distinctValues.slice(0, 50);
  return values.length > 0 && values.filter((v) => LINK.test(v.trim())).length >= 0.8 * values.length;
}

/** Header words of identifier columns: their numbers are codes, never measurements. */
const CODE_WORDS = new Set(['code', 'codes', 'id', 'ids', 'identifier', 'ref', 'reference', 'no', 'nr', 'num', 'number', 'nummer', 'key', 'kennung', 'numero', 'codigo', 'ewc', 'lov', 'avv', 'mpan', 'mprn', 'ean', 'nace', 'sic', 'vin', 'po', 'account']);
/** 'Number of employees' is a count, not an identifier. */
const COUNT_FOLLOWERS = new Set(['of', 'de', 'der', 'des', 'van']);

/** Whether the header and values say the column holds identifiers (EWC 20 03 01, ticket 100234). */
function isCodeColumn(header: string, profile: ColumnProfile | undefined): boolean {
  const t = tokens(header);
  const named = t.some((w, i) => CODE_WORDS.has(w) && !COUNT_FOLLOWERS.has(t[i + 1] ?? '')) || /\bcost (centre|center)\b|kostenstelle|\bgl account\b/.test(t.join(' '));
  if (!named || !profile) return false;
  if (profile.inferredType === 'number') return profile.integerShare === 1 && (profile.negativeShare ?? 0) === 0 && profile.unit?.source !== 'header';
  return profile.inferredType === 'text' && profile.distinctValues.length > 0 && profile.distinctValues.every((v) => /^[\d\s\-./]+$/.test(v));
}

function suggestColumn(header: string, profile: ColumnProfile | undefined, metrics: PreparedMetric[], entities: readonly Entity[]): ColumnSuggestion {
  const t = tokens(header);
  const type = profile?.inferredType ?? 'text';
  const candidates: Array<{ role: ColumnRole; confidence: number; reason: string }> = [];

  if (type === 'empty') return { column: header, role: 'ignore', confidence: 0.9, reason: 'the column is empty in the sample', alternatives: [] };

  // Month-per-column sheets: the header is the period.
  if (profile?.headerPeriod && type !== 'text' && type !== 'date') {
    const best = rankMetrics(header, profile, metrics)[0];
    return {
      column: header,
      role: 'value',
      confidence: 0.9,
      reason: `the header '${header}' is a reporting period, so the column holds that period's values`,
      alternatives: best ? [best] : [],
      period: profile.headerPeriod,
      ...(profile.unit?.source === 'header' ? { unit: profile.unit.unit } : {}),
    };
  }

  for (const role of Object.keys(ROLE_PREPARED) as Array<keyof typeof ROLE_PREPARED>) {
    let s = roleHeaderScore(ROLE_PREPARED[role], t);
    if (s === 0) continue;
    const what = role.replace('-', ' ');
    // 'an entity', 'an evidence link', but 'a unit' (said with a y sound).
    let reason = `the header '${header}' names ${/^[aeio]/.test(what) ? 'an' : 'a'} ${what}`;
    if ((role === 'period' || role === 'period-start' || role === 'period-end') && type === 'date') {
      s = Math.min(0.98, s + 0.1);
      reason += ` and holds dates (${profile?.dateFormat?.format ?? profile?.dateFormat?.candidates.join(' or ') ?? 'format unclear'})`;
    }
    if (role === 'year' && profile?.dateFormat?.candidates.includes('YYYY')) s = Math.min(0.98, s + 0.1);
    if ((role === 'period-start' || role === 'period-end') && type !== 'date') s *= 0.6;
    if (role === 'unit' && (profile?.unitValueShare ?? 0) >= 0.8) s = Math.min(0.98, s + 0.1);
    // Evidence is something a person opens: an 'invoice_no' of INV-60 names a document, it does not lead to one.
    if (role === 'evidence' && profile && !looksLikeLinks(profile)) continue;
    // A numeric column called 'Total' or 'Site count' holds values, not a role.
    if (type === 'number' && role !== 'year' && role !== 'month' && role !== 'evidence') s *= 0.6;
    candidates.push({ role, confidence: s, reason });
  }

  // Value evidence from the cells.
  if (profile && type === 'text') {
    const matches = matchEntities(profile.distinctValues.slice(0, 50), entities).filter((m) => m.entityId !== null).length;
    const share = profile.distinctValues.length ? matches / Math.min(50, profile.distinctValues.length) : 0;
    if (share >= 0.5) candidates.push({ role: 'entity', confidence: 0.85 + 0.1 * share, reason: `${Math.round(share * 100)}% of its values are platform sites` });
    if (profile.unitValueShare >= 0.8) candidates.push({ role: 'unit', confidence: 0.9, reason: 'its values are units' });
    if (looksLikeLinks(profile) && !candidates.some((c) => c.role === 'evidence')) candidates.push({ role: 'evidence', confidence: 0.8, reason: 'its values are links or file paths to documents' });
    // Only values the mapping would take as metrics count: a 'Supplier' column of 'Thames Water'
    // and 'Anglian Water' mentions water but names no metric, and as the metric column it would
    // leave every row unmapped.
    const named = profile.distinctValues.slice(0, 30).map((v) => metricForValue(v, metrics));
    const n = Math.min(30, profile.distinctValues.length);
    const mShare = n ? named.filter((m) => m !== null).length / n : 0;
    // Values that are the platform's own metric codes or names outrank words that only mean a
    // metric ('ELEC', 'GAS'): beside a meter-type column, the metric-code column is the metric.
    const exactShare = n ? named.filter((m) => m?.confidence === 1).length / n : 0;
    if (mShare >= 0.5) {
      const reason = exactShare === 1 ? 'its values are the platform’s metric codes or names' : `${Math.round(mShare * 100)}% of its values name metrics`;
      candidates.push({ role: 'metric', confidence: Math.min(0.98, 0.8 + 0.1 * mShare + 0.08 * exactShare), reason });
    }
  }
  if (profile && type === 'date' && !candidates.some((c) => c.role === 'period' || c.role === 'period-start' || c.role === 'period-end')) {
    candidates.push({ role: 'period', confidence: 0.7, reason: `it holds dates (${profile.dateFormat?.format ?? profile.dateFormat?.candidates.join(' or ') ?? ''})` });
  }

  // Identifier columns: other roles ('Site ID' is a site) stay possible, a metric value does not.
  if (isCodeColumn(header, profile)) {
    candidates.sort((a, b) => b.confidence - a.confidence);
    const top = candidates[0];
    if (top && top.confidence >= 0.3) return { column: header, role: top.role, confidence: round(top.confidence), reason: top.reason, alternatives: [] };
    return {
      column: header,
      role: 'ignore',
      confidence: 0.75,
      reason: `'${header}' holds codes (identifiers like '${profile?.sampleValues[0] ?? ''}'), not measurements; to keep them with each value, use it as the comment column`,
      alternatives: [],
    };
  }

  // Metric evidence.
  const ranked = type === 'number' || !profile ? rankMetrics(header, profile, metrics) : [];
  const best = ranked[0];
  if (best) candidates.push({ role: 'value', confidence: best.confidence, reason: best.reason });
  if (type === 'number') {
    const generic = roleHeaderScore(VALUE_PREPARED, t);
    if (generic > 0) candidates.push({ role: 'value', confidence: Math.max(0.55, generic - 0.1), reason: `the header '${header}' names a value and the column holds numbers` });
    else candidates.push({ role: 'value', confidence: 0.3, reason: 'the column holds numbers' });
  }

  candidates.sort((a, b) => b.confidence - a.confidence);
  const top = candidates[0];
  if (!top || top.confidence < 0.3) {
    return { column: header, role: 'ignore', confidence: 0.5, reason: 'nothing suggests a use for this column', alternatives: ranked.slice(0, 5) };
  }
  const unit = profile?.unit?.source === 'header' ? profile.unit.unit : undefined;
  const suggestion: ColumnSuggestion = { column: header, role: top.role, confidence: round(top.confidence), reason: top.reason, alternatives: ranked.slice(top.role === 'value' && best ? 1 : 0, 6) };
  // Metrics that fit equally ('Weight (kg)' converts to every waste metric's tonnes) are the
  // person's choice: picking the first would send every row as, say, hazardous waste.
  const tied = best !== undefined && ranked[1] !== undefined && ranked[1].confidence === best.confidence;
  if (top.role === 'value' && best && best.confidence >= 0.3 && top.reason === best.reason && !tied) suggestion.metricId = best.metricId;
  if (top.role === 'value' && tied) suggestion.reason = `${top.reason}; ${ranked.filter((r) => r.confidence === best!.confidence).length} metrics fit it equally, so choose one`;
  if (unit && top.role === 'value') suggestion.unit = unit;
  return suggestion;
}

// ---------------------------------------------------------------- draft profile

export interface DraftOptions {
  name: string;
  sourceId: string;
  connectionId: string;
  headers: readonly string[];
  profiles: readonly ColumnProfile[];
}

const PERIOD_ROLES: readonly ColumnRole[] = ['period', 'period-start', 'period-end', 'year', 'month'];

/**
 * A database source's watermark column (`modified_at`, the date-time its rows are read
 * incrementally by) says when a row was written, not which period its value is for: it is given no
 * role, and another date column becomes the period. Only a table whose one date is its watermark
 * keeps it as the period (there is nothing else to report by), with a note to check that it is
 * right. Done on the suggestion, before the draft, so the wizard and `mapping suggest` agree.
 */
export function setAsideWatermark(s: MappingSuggestion, watermark: string | null | undefined, profiles: readonly ColumnProfile[]): void {
  const mark = watermark ? s.columns.find((c) => c.column === watermark) : undefined;
  if (!mark) return;
  const others = s.columns.filter((c) => c !== mark);
  const otherPeriod = others.some((c) => PERIOD_ROLES.includes(c.role));
  const isDate = (c: ColumnSuggestion) => profiles.find((p) => p.column === c.column)?.inferredType === 'date';
  const candidate = otherPeriod ? undefined : others.find(isDate);
  const quoted = `'${mark.column}'`;
  if (PERIOD_ROLES.includes(mark.role) && !otherPeriod && !candidate) {
    s.warnings.push(`${quoted} is the column this source reads new rows by (its watermark). It is the only date in the table, so it is taken as the period: check in the “Sites & periods” step that it is the period each value is for.`);
    return;
  }
  Object.assign(mark, {
    role: 'ignore' as ColumnRole,
    metricId: undefined,
    confidence: 0.9,
    reason: 'the source reads new rows by this column (its watermark): it says when a row was written, not the period its value is for',
    alternatives: [],
  });
  if (candidate) {
    Object.assign(candidate, {
      role: 'period' as ColumnRole,
      metricId: undefined,
      confidence: Math.max(candidate.confidence, 0.7),
      reason: `it holds dates, and ${quoted} beside it only says when a row was written (the source's watermark)`,
    });
  }
  // What was said about the watermark as a date or a value no longer applies.
  s.warnings = s.warnings.filter((w) => !w.includes(quoted));
}

/**
 * A profile the wizard can open pre-filled from the suggestions. Parts the suggestions could not
 * decide (a fixed site, an ambiguous date format) are left for the person, so the draft may not
 * pass parseProfile until they are chosen.
 */
export function draftProfile(s: MappingSuggestion, opts: DraftOptions): MappingProfileInput {
  const byRole = (r: ColumnRole) => s.columns.filter((c) => c.role === r);
  const prof = new Map(opts.profiles.map((p) => [p.column, p]));
  const values = byRole('value');
  const draft: Record<string, unknown> = {
    schemaVersion: 1,
    name: opts.name,
    sourceId: opts.sourceId,
    connectionId: opts.connectionId,
    headerFingerprint: headerFingerprint(opts.headers),
  };

  if (s.shape === 'wide') {
    draft.shape = {
      kind: 'wide',
      valueColumns: values.filter((c) => s.wideKind !== 'per-period' || c.period).map((c) => ({
        column: c.column,
        ...(s.wideKind === 'per-metric' && c.metricId ? { metricId: c.metricId } : {}),
        ...(c.period ? { period: c.period.kind === 'fixed' ? { kind: 'fixed', start: c.period.start, end: c.period.end } : c.period } : {}),
        ...(c.unit && !byRole('unit').length ? { unit: c.unit } : {}),
      })),
    };
  } else if (values.length) {
    // A long table sends one column: the one most clearly a measurement (a metric, then a unit,
    // then confidence), not whichever number column comes first ('Lifts' before 'Weight (kg)').
    const rank = (c: ColumnSuggestion) => (c.metricId ? 2 : 0) + (c.unit ? 1 : 0) + c.confidence;
    const best = [...values].sort((a, b) => rank(b) - rank(a))[0] as ColumnSuggestion;
    draft.shape = { kind: 'long', valueColumn: best.column };
    // A metric or unit column decides over the value column's name (see rowsDecideMetricAndUnit).
    if (best.metricId && !byRole('metric').length) draft.metric = { kind: 'fixed', metricId: best.metricId };
    if (best.unit && !byRole('unit').length) draft.unit = { kind: 'fixed', unit: best.unit };
  }

  const metricCol = byRole('metric')[0];
  if (metricCol && !draft.metric && s.wideKind !== 'per-metric') {
    draft.metric = {
      kind: 'column',
      column: metricCol.column,
      valueMap: Object.fromEntries(s.metricValueMap.filter((m) => m.metricId).map((m) => [m.local, m.metricId as string])),
    };
  }

  const entityCol = byRole('entity')[0];
  if (entityCol) {
    draft.entity = {
      kind: 'column',
      column: entityCol.column,
      valueMap: Object.fromEntries(s.entityValueMap.filter((m) => m.entityId).map((m) => [m.local, m.entityId as string])),
      unknownEntity: 'hold',
    };
  }

  const unitCol = byRole('unit')[0];
  if (unitCol && !draft.unit) draft.unit = { kind: 'column', column: unitCol.column };

  const dateCol = byRole('period')[0];
  const start = byRole('period-start')[0];
  const end = byRole('period-end')[0];
  const year = byRole('year')[0];
  const month = byRole('month')[0];
  const fmt = (c: ColumnSuggestion | undefined) => (c ? (prof.get(c.column)?.dateFormat?.format ?? undefined) : undefined);
  // A range whose date format is still open is drafted anyway: the “Sites & periods” step then asks only for the format.
  if (start && end) draft.period = { kind: 'range', startColumn: start.column, endColumn: end.column, ...(fmt(start) ? { format: fmt(start) } : {}), granularity: 'custom' };
  else if (year && month) draft.period = { kind: 'year-month', yearColumn: year.column, monthColumn: month.column };
  else if (year) draft.period = { kind: 'year', yearColumn: year.column, granularity: 'year' };
  else if (dateCol && fmt(dateCol)) {
    // Said outright, so the draft shows it: first-of-month dates ('period_month') are months, not days.
    const granularity = periodStartGrain(prof.get(dateCol.column)?.distinctValues ?? [], fmt(dateCol) as DateFormat) ?? 'month';
    draft.period = { kind: 'date', column: dateCol.column, format: fmt(dateCol), granularity };
  }

  const comment = byRole('comment')[0];
  if (comment) draft.comment = { column: comment.column };
  const evidence = byRole('evidence')[0];
  if (evidence) draft.evidence = { column: evidence.column };

  // Whole numbers read the same with either separator, so a column with decimals decides first.
  const known = opts.profiles.filter((p) => p.inferredType === 'number' && p.numberLocale && !p.numberLocale.ambiguous);
  const locale = (known.find((p) => (p.integerShare ?? 1) < 1) ?? known[0])?.numberLocale;
  if (locale) draft.transforms = { number: { decimal: locale.locale.decimal } };

  if (byRole('value').some((c) => /total|summe|gesamt/i.test(c.column)) === false && opts.profiles.some((p) => p.distinctValues.some((v) => /^(total|summe|gesamt|grand total)$/i.test(v)))) {
    const col = opts.profiles.find((p) => p.distinctValues.some((v) => /^(total|summe|gesamt|grand total)$/i.test(v)));
    if (col) draft.filters = { skipWhen: [{ column: col.column, matches: { pattern: '^(total|summe|gesamt|grand total)$', flags: 'i' } }] };
  }
  return draft as MappingProfileInput;
}

/**
 * A drafted date period reports each row by its month. When the sample has rows of the same site
 * and metric on different days of one month (a fuel card export, a meter log), that would make
 * them duplicates of each other: draft them per day instead. Returns the note to show, or null.
 */
export function draftDayPeriods(draft: MappingProfileInput, rows: Iterable<{ cells: Record<string, CellValue> }>): string | null {
  const period = draft.period as { kind?: string; column?: string; format?: DateFormat; granularity?: string } | undefined;
  if (period?.kind !== 'date' || !period.column || !period.format || (period.granularity ?? 'month') !== 'month') return null;
  const columnOf = (role: unknown): string | null => {
    const r = role as { kind?: string; column?: string } | undefined;
    return r?.kind === 'column' && r.column ? r.column : null;
  };
  const keyColumns = [columnOf(draft.entity), columnOf(draft.metric)].filter((c): c is string => c !== null);
  if (!rowsRepeatWithinMonth(rows, period.column, period.format, keyColumns)) return null;
  period.granularity = 'custom';
  const what = keyColumns.length ? ` with the same ${keyColumns.map((c) => `'${c}'`).join(' and ')}` : '';
  return `The sample has several rows${what} in one month on different days of '${period.column}' (one row per transaction or reading), so each row is reported for its own day. Change this under “Each row's period” in the “Sites & periods” step.`;
}
