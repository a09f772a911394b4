/**
 * The wizard's single state and reducer. The UI edits a person-shaped view (a role per column,
 * a metric per value column, a site map...) and `buildProfile` turns it into the profile the
 * engine stores; `fromProfile` reads a saved or drafted profile back, so editing an existing
 * mapping and accepting a suggestion go through the same path.
 */
import { headerFingerprint } from '../../shared/mapping/fingerprint';
import { periodStartGrain, rowsRepeatWithinMonth } from '../../shared/mapping/period-grain';
import { WIZARD_STEPS } from '../../shared/mapping/wizard-steps';
import type { DateFormat } from '../../shared/mapping/dates';
import type { MappingProfileInput, UnknownValuePolicy } from '../../shared/mapping/profile';
import type { CatalogueResult, ColumnProfile, ColumnRole, DriftReport, MappingSuggestion, PreviewResult, SampleResult, StoredSample, TopRow } from './types';

export const STEPS = WIZARD_STEPS;

export type PeriodMode = 'date' | 'range' | 'year-month' | 'year' | 'constant-year' | 'fixed';
export type KeyField = 'metric' | 'entity' | 'period' | 'unit';

/** What the wizard knows of the chosen source beyond its id: how its rows are read. */
export interface WizardSource {
  kind: 'folder' | 'database';
  /** A database source's table is read by a query of its own rather than a table name. */
  query: boolean;
  /** The column a database source reads new rows by (its watermark), if it has one. */
  watermarkColumn: string | null;
}

export interface WizardState {
  step: number;
  mappingId: string | null;
  baseVersion: number | null;
  /** Fields of a loaded profile the wizard does not edit (filters, constants, description...). */
  base: MappingProfileInput | null;
  connectionId: string;
  sourceId: string;
  /** The chosen source's kind and watermark, as of the last sample read; null until one is read. */
  source: WizardSource | null;
  file: string | null;
  /** A file dropped on the wizard, used as the sample instead of the folder's. */
  upload: StoredSample | null;
  /** The header row the person chose; null lets the reader detect it. */
  headerRow: number | null;
  /** The rows the column names span as the person chose (1, or 2: a group row over its labels); null lets the reader tell. */
  headerRows: number | null;
  /** The workbook sheet the person chose (name or 0-based position); null = the first visible one. */
  sheet: string | number | null;
  /** The sample's first rows as they stand, to choose the header row from. */
  topRows: TopRow[];
  /** Opened from a run that stopped on changed columns: what changed, shown until saved. */
  drift: DriftReport | null;
  sample: SampleResult | null;
  suggestion: MappingSuggestion | null;
  catalogue: CatalogueResult | null;
  headers: string[];
  shape: 'long' | 'wide';
  wideKind: 'per-metric' | 'per-period';
  roles: Record<string, ColumnRole>;
  /** Metric per value column (wide, one column per metric). */
  metricFor: Record<string, string>;
  /** One metric for every value (long with a fixed metric, or wide per month). */
  fixedMetricId: string;
  metricValueMap: Record<string, string>;
  unknownMetric: UnknownValuePolicy;
  /** A metric name the map does not list is looked up by code or name in the platform's library. */
  metricMatchCatalogue: boolean;
  monthFor: Record<string, number>;
  entityMode: 'column' | 'fixed';
  fixedEntityId: string;
  entityValueMap: Record<string, string>;
  unknownEntity: UnknownValuePolicy;
  /** A site code the map does not list is taken as the platform site with that reference or name. */
  entityMatchCatalogue: boolean;
  entityLabel: string;
  periodMode: PeriodMode;
  dateFormat: DateFormat | '';
  /** The date format the engine read in each date column of the sample, to follow a date role that moves. */
  dateFormats: Record<string, DateFormat>;
  constantYear: string;
  fixedStart: string;
  fixedEnd: string;
  granularity: 'month' | 'quarter' | 'year' | 'custom';
  fiscalYearStartMonth: number;
  unitMode: 'metric' | 'fixed' | 'column';
  fixedUnit: string;
  unitFor: Record<string, string>;
  /** Gas volume → energy, as stated on the bill (MJ per m³); empty when not needed. */
  calorificValue: string;
  decimal: '.' | ',';
  thousands: ',' | '.' | ' ' | "'" | '' | 'auto';
  name: string;
  /** The name the wizard last proposed (from the source and connection): replaced by the next proposal unless the person typed another. */
  proposedName: string | null;
  naturalKey: KeyField[];
  /** Rows with the same metric, site and period: held back as duplicates, or added up into one value. */
  sameKeyRows: 'reject' | 'add';
  preview: PreviewResult | null;
  /** What the engine last said, by step, shown where it happened. */
  errors: Record<number, string | null>;
  /** The work as the wizard opened (new) or loaded it (editing), to tell whether leaving loses anything; null until known. */
  opened: string | null;
}

export const initialState: WizardState = {
  step: 0,
  mappingId: null,
  baseVersion: null,
  base: null,
  connectionId: '',
  sourceId: '',
  source: null,
  file: null,
  upload: null,
  headerRow: null,
  headerRows: null,
  sheet: null,
  topRows: [],
  drift: null,
  sample: null,
  suggestion: null,
  catalogue: null,
  headers: [],
  shape: 'wide',
  wideKind: 'per-period',
  roles: {},
  metricFor: {},
  fixedMetricId: '',
  metricValueMap: {},
  unknownMetric: 'reject',
  metricMatchCatalogue: true,
  monthFor: {},
  entityMode: 'column',
  fixedEntityId: '',
  entityValueMap: {},
  unknownEntity: 'hold',
  entityMatchCatalogue: true,
  entityLabel: 'site',
  periodMode: 'date',
  dateFormat: '',
  dateFormats: {},
  constantYear: '',
  fixedStart: '',
  fixedEnd: '',
  granularity: 'month',
  fiscalYearStartMonth: 1,
  unitMode: 'metric',
  fixedUnit: '',
  unitFor: {},
  calorificValue: '',
  decimal: '.',
  thousands: 'auto',
  name: '',
  proposedName: null,
  naturalKey: ['metric', 'entity', 'period'],
  sameKeyRows: 'reject',
  preview: null,
  errors: {},
  opened: null,
};

export type Action =
  | { type: 'patch'; patch: Partial<WizardState> }
  | { type: 'goto'; step: number }
  | { type: 'role'; column: string; role: ColumnRole }
  /** The way the period is read, chosen in the “Sites & periods” step. */
  | { type: 'periodMode'; mode: PeriodMode }
  | { type: 'error'; step: number; message: string | null }
  | {
      type: 'suggested';
      sample: SampleResult;
      topRows: TopRow[];
      suggestion: MappingSuggestion;
      draft: MappingProfileInput;
      keepEdits: boolean;
      /** The source the sample was read from (null: not known). */
      source?: WizardSource | null;
      /** The engine's profiles of the sample's columns (their date formats). */
      profiles?: readonly ColumnProfile[];
    }
  | { type: 'loaded'; mappingId: string; version: number; profile: MappingProfileInput };

/** A column name for a year typed in the wizard, not colliding with the file's own columns. */
export function constantYearColumn(headers: readonly string[]): string {
  let name = 'Reporting year';
  for (let i = 2; headers.includes(name); i++) name = `Reporting year ${i}`;
  return name;
}

function firstWith(roles: Record<string, ColumnRole>, role: ColumnRole): string | undefined {
  return Object.keys(roles).find((c) => roles[c] === role);
}

export function valueColumns(s: Pick<WizardState, 'headers' | 'roles'>): string[] {
  return s.headers.filter((h) => s.roles[h] === 'value');
}

/** Read a profile (drafted by the engine or saved earlier) into the wizard's view. */
export function fromProfile(p: MappingProfileInput, headers: readonly string[]): Partial<WizardState> {
  const roles: Record<string, ColumnRole> = Object.fromEntries(headers.map((h) => [h, 'ignore' as ColumnRole]));
  const out: Partial<WizardState> = { base: p, name: p.name ?? '', metricFor: {}, monthFor: {}, unitFor: {} };
  const constants = (p.constants ?? {}) as Record<string, string | number | boolean>;
  if (p.shape?.kind === 'wide') {
    out.shape = 'wide';
    out.wideKind = p.shape.valueColumns.some((c) => c.period) ? 'per-period' : 'per-metric';
    for (const c of p.shape.valueColumns) {
      roles[c.column] = 'value';
      if (c.metricId) out.metricFor![c.column] = c.metricId;
      if (c.period?.kind === 'month') out.monthFor![c.column] = c.period.month;
      if (c.unit) out.unitFor![c.column] = c.unit;
    }
  } else if (p.shape?.kind === 'long') {
    out.shape = 'long';
    roles[p.shape.valueColumn] = 'value';
  }
  if (p.metric?.kind === 'fixed') out.fixedMetricId = p.metric.metricId;
  if (p.metric?.kind === 'column') {
    roles[p.metric.column] = 'metric';
    out.metricValueMap = { ...(p.metric.valueMap ?? {}) };
    out.unknownMetric = p.metric.unknownMetric ?? 'reject';
    out.metricMatchCatalogue = p.metric.matchCatalogue ?? true;
  }
  if (p.entity?.kind === 'column') {
    out.entityMode = 'column';
    roles[p.entity.column] = 'entity';
    out.entityValueMap = { ...(p.entity.valueMap ?? {}) };
    out.unknownEntity = p.entity.unknownEntity ?? 'hold';
    out.entityMatchCatalogue = p.entity.matchCatalogue ?? true;
    out.entityLabel = p.entity.label ?? 'site';
  } else if (p.entity?.kind === 'fixed') {
    out.entityMode = 'fixed';
    out.fixedEntityId = p.entity.entityId;
  }
  const period = p.period;
  if (period) {
    out.fiscalYearStartMonth = period.fiscalYearStartMonth ?? 1;
    out.granularity = period.granularity ?? 'month';
    if (period.kind === 'date') {
      out.periodMode = 'date';
      roles[period.column] = 'period';
      out.dateFormat = period.format;
    } else if (period.kind === 'range') {
      out.periodMode = 'range';
      roles[period.startColumn] = 'period-start';
      roles[period.endColumn] = 'period-end';
      out.dateFormat = period.format;
    } else if (period.kind === 'year-month') {
      out.periodMode = 'year-month';
      roles[period.yearColumn] = 'year';
      roles[period.monthColumn] = 'month';
    } else if (period.kind === 'year') {
      if (period.yearColumn in constants) {
        out.periodMode = 'constant-year';
        out.constantYear = String(constants[period.yearColumn]);
      } else {
        out.periodMode = 'year';
        roles[period.yearColumn] = 'year';
      }
    } else if (period.kind === 'fixed') {
      out.periodMode = 'fixed';
      out.fixedStart = period.start;
      out.fixedEnd = period.end;
    }
  }
  if (p.unit?.kind === 'fixed') {
    out.unitMode = 'fixed';
    out.fixedUnit = p.unit.unit;
  } else if (p.unit?.kind === 'column') {
    out.unitMode = 'column';
    roles[p.unit.column] = 'unit';
  } else out.unitMode = 'metric';
  if (p.comment) roles[p.comment.column] = 'comment';
  if (p.evidence) roles[p.evidence.column] = 'evidence';
  out.headerRow = p.read?.headerRow ?? null;
  out.headerRows = p.read?.headerRows ?? null;
  out.sheet = p.read?.sheet ?? null;
  out.calorificValue = p.transforms?.calorificValueMJPerM3 !== undefined ? String(p.transforms.calorificValueMJPerM3) : '';
  out.decimal = p.transforms?.number?.decimal ?? '.';
  out.thousands = p.transforms?.number?.thousands ?? 'auto';
  const keys = (p.naturalKey ?? ['metric', 'entity', 'period']).filter((k): k is KeyField => typeof k === 'string');
  out.naturalKey = keys.length ? keys : ['metric', 'entity', 'period'];
  out.sameKeyRows = p.sameKeyRows ?? 'reject';
  out.roles = roles;
  return out;
}

/** Whether the roles give every column a period mode reads; modes that read no column always do. */
export function periodModeComplete(roles: Record<string, ColumnRole>, mode: PeriodMode): boolean {
  const has = (r: ColumnRole) => Object.values(roles).includes(r);
  if (mode === 'date') return has('period');
  if (mode === 'range') return has('period-start') && has('period-end');
  if (mode === 'year-month') return has('year') && has('month');
  if (mode === 'year') return has('year');
  return true;
}

/** Where a period mode whose columns were taken away goes: the most exact one the roles still give. */
const PERIOD_FALLBACK: readonly PeriodMode[] = ['range', 'date', 'year-month', 'year'];

/**
 * The date format of the column a date mode now reads, as the engine read it in the sample (else
 * as it was), and for a date column whose every date starts a month (quarter, year) that period as
 * each row's: 'period_month' is not reported per day because a range before it was.
 */
function withDateFormat(s: WizardState): WizardState {
  const column = s.periodMode === 'date' ? firstWith(s.roles, 'period') : s.periodMode === 'range' ? firstWith(s.roles, 'period-start') : undefined;
  const format = (column ? s.dateFormats[column] : undefined) ?? s.dateFormat;
  const next = format && format !== s.dateFormat ? { ...s, dateFormat: format } : s;
  if (s.periodMode !== 'date' || !column || !format || !s.sample) return next;
  const grain = periodStartGrain(s.sample.rows.map((r) => r.cells[column] ?? null), format);
  return grain && grain !== s.granularity ? { ...next, granularity: grain } : next;
}

/** Roles that a mapping has only one of: giving one to a column takes it from any other. */
const SINGLE_ROLES: readonly ColumnRole[] = ['metric', 'entity', 'period', 'period-start', 'period-end', 'year', 'month', 'unit', 'comment', 'evidence'];

/** Fill gaps the draft left with what the suggestion knew (roles, metrics, months). */
function overlaySuggestion(view: Partial<WizardState>, s: MappingSuggestion): Partial<WizardState> {
  const roles = { ...(view.roles ?? {}) };
  const metricFor = { ...(view.metricFor ?? {}) };
  const monthFor = { ...(view.monthFor ?? {}) };
  // A long draft has chosen its one value column (the clearest measurement): the other number
  // columns stay unused rather than coming back as competing value columns.
  const valueChosen = view.shape === 'long' && Object.values(roles).includes('value');
  for (const c of s.columns) {
    // A role a mapping has one of (the date, the site...) that the draft gave a column stays that column's:
    // a second date column suggested as 'Date / period' too would show two, of which the profile keeps one.
    const taken = SINGLE_ROLES.includes(c.role) && Object.values(roles).includes(c.role);
    if ((roles[c.column] ?? 'ignore') === 'ignore' && c.role !== 'ignore' && !(c.role === 'value' && valueChosen) && !taken) roles[c.column] = c.role;
    if (c.role === 'value' && c.metricId && !metricFor[c.column]) metricFor[c.column] = c.metricId;
    if (c.period?.kind === 'month' && !monthFor[c.column]) monthFor[c.column] = c.period.month;
  }
  let fixedMetricId = view.fixedMetricId;
  if (!fixedMetricId && s.wideKind !== 'per-metric') fixedMetricId = s.columns.find((c) => c.role === 'value' && c.metricId)?.metricId ?? '';
  const entityValueMap = { ...(view.entityValueMap ?? {}) };
  for (const m of s.entityValueMap) if (m.entityId && !entityValueMap[m.local]) entityValueMap[m.local] = m.entityId;
  // A draft that chose a fixed metric has no map for the metric column the suggestion still
  // offers: without the suggestion's matches its values would all show as not mapped.
  const metricValueMap = { ...(view.metricValueMap ?? {}) };
  for (const m of s.metricValueMap) if (m.metricId && !metricValueMap[m.local]) metricValueMap[m.local] = m.metricId;
  return {
    ...view,
    roles,
    metricFor,
    monthFor,
    fixedMetricId: fixedMetricId ?? '',
    entityValueMap,
    metricValueMap,
    shape: view.shape ?? s.shape,
    wideKind: view.wideKind ?? (s.wideKind === 'per-metric' ? 'per-metric' : 'per-period'),
  };
}

/**
 * The value map of `column` once it takes the metric (or site) role: what the maps the wizard knows
 * (its own, the suggestion's, the saved mapping's) say of the values the sample has in it. Given
 * back to a column, its matches come back with it.
 */
function mapOfColumn(s: WizardState, role: 'metric' | 'entity', column: string): Record<string, string> {
  const norm = (v: string) => v.trim().toLowerCase();
  const values = new Set<string>();
  for (const r of s.sample?.rows ?? []) {
    const v = r.cells[column];
    if (v !== null && v !== undefined) values.add(norm(String(v)));
  }
  const suggested = (role === 'metric' ? s.suggestion?.metricValueMap : s.suggestion?.entityValueMap) ?? [];
  const saved = s.base?.[role];
  const maps = [
    role === 'metric' ? s.metricValueMap : s.entityValueMap,
    Object.fromEntries(suggested.map((m) => [m.local, ('metricId' in m ? m.metricId : m.entityId) ?? ''])),
    saved?.kind === 'column' && saved.column === column ? (saved.valueMap ?? {}) : {},
  ];
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const map of maps) {
    for (const [local, id] of Object.entries(map)) {
      if (!id || !values.has(norm(local)) || seen.has(norm(local))) continue;
      seen.add(norm(local));
      out[local] = id;
    }
  }
  return out;
}

function dateFormatsOf(profiles: readonly ColumnProfile[] | undefined): Record<string, DateFormat> {
  const out: Record<string, DateFormat> = {};
  for (const p of profiles ?? []) if (p.dateFormat?.format && !p.dateFormat.ambiguous) out[p.column] = p.dateFormat.format;
  return out;
}

export function reducer(state: WizardState, action: Action): WizardState {
  switch (action.type) {
    case 'patch':
      return { ...state, ...action.patch };
    case 'goto':
      return { ...state, step: Math.max(0, Math.min(STEPS.length - 1, action.step)) };
    case 'role': {
      const roles = { ...state.roles };
      // Roles that a mapping has only one of move rather than duplicate.
      if (SINGLE_ROLES.includes(action.role)) for (const c of Object.keys(roles)) if (roles[c] === action.role) roles[c] = 'ignore';
      roles[action.column] = action.role;
      const next: WizardState = { ...state, roles, preview: null };
      // The metric (or site) role moved to another column: the map of the old column's values
      // ('ELEC', 'GAS') is no map of the new one's, and its lines would show as values to map.
      if (action.role === 'metric' && firstWith(state.roles, 'metric') !== action.column) next.metricValueMap = mapOfColumn(state, 'metric', action.column);
      if (action.role === 'entity' && firstWith(state.roles, 'entity') !== action.column) next.entityValueMap = mapOfColumn(state, 'entity', action.column);
      if (action.role === 'unit') next.unitMode = 'column';
      if (action.role === 'entity') next.entityMode = 'column';
      if (action.role === 'period') next.periodMode = 'date';
      if ((action.role === 'period-start' || action.role === 'period-end') && periodModeComplete(roles, 'range')) next.periodMode = 'range';
      if (action.role === 'year' && !Object.values(roles).includes('month')) next.periodMode = 'year';
      if (action.role === 'month' && Object.values(roles).includes('year')) next.periodMode = 'year-month';
      // A period read from columns no longer there (set to “Not used”) falls back to the ones that are.
      if (!periodModeComplete(roles, next.periodMode)) next.periodMode = PERIOD_FALLBACK.find((m) => periodModeComplete(roles, m)) ?? next.periodMode;
      if (next.periodMode !== state.periodMode || action.role === 'period' || action.role === 'period-start') return withDateFormat(next);
      return next;
    }
    case 'periodMode':
      return withDateFormat({ ...state, periodMode: action.mode, preview: null });
    case 'error':
      return { ...state, errors: { ...state.errors, [action.step]: action.message } };
    case 'suggested': {
      const headers = action.sample.info.headers;
      // A sample was read: what was said about reading one, and about the preview of the last, is over.
      const errors = { ...state.errors, 0: null, 1: null, 5: null };
      const source = action.source === undefined ? state.source : action.source;
      if (action.keepEdits && state.mappingId) {
        // Editing: the saved mapping stays the truth; the new sample only refreshes what is shown.
        const next: WizardState = { ...state, source, sample: action.sample, topRows: action.topRows, suggestion: action.suggestion, headers, dateFormats: dateFormatsOf(action.profiles), preview: null, errors };
        // Reading a sample is no change of the mapping's (a saved header it lacked is taken from it).
        return hasChanges(state) ? next : { ...next, opened: workOf(next) };
      }
      const view = overlaySuggestion(fromProfile(action.draft, headers), action.suggestion);
      const suggestion = action.suggestion;
      // The name the wizard proposes follows the source (and connection) the sample was read from;
      // one the person typed stays theirs.
      const proposed = view.name || null;
      const typed = state.name.trim() !== '' && state.name !== state.proposedName;
      return {
        ...state,
        ...view,
        source,
        name: typed ? state.name : (proposed ?? state.name),
        proposedName: proposed ?? state.proposedName,
        constantYear: view.constantYear || state.constantYear,
        // What the person chose about reading the file is theirs, not the draft's.
        headerRow: state.headerRow,
        headerRows: state.headerRows,
        sheet: state.sheet,
        sample: action.sample,
        topRows: action.topRows,
        suggestion,
        headers,
        dateFormats: dateFormatsOf(action.profiles),
        preview: null,
        errors,
      };
    }
    case 'loaded': {
      // The saved header stands in for a sample's until one is read, so a mapping whose folder has no
      // file any more (processed and moved away) can still be edited wherever no sample is needed.
      const headers = action.profile.headerFingerprint?.headers ?? [];
      const next: WizardState = {
        ...state,
        ...fromProfile(action.profile, headers),
        headers,
        mappingId: action.mappingId,
        baseVersion: action.version,
        connectionId: action.profile.connectionId,
        sourceId: action.profile.sourceId,
      };
      return { ...next, opened: workOf(next) };
    }
  }
}

/** The profile the engine will preview and save. */
export function buildProfile(s: WizardState): MappingProfileInput {
  const base = (s.base ?? {}) as Partial<MappingProfileInput>;
  const values = valueColumns(s);
  const constants: Record<string, string | number | boolean> = { ...((base.constants ?? {}) as Record<string, string | number | boolean>) };
  const yearConst = constantYearColumn(s.headers);
  for (const k of Object.keys(constants)) if (k.startsWith('Reporting year')) delete constants[k];

  const shape: MappingProfileInput['shape'] =
    s.shape === 'long'
      ? { kind: 'long', valueColumn: values[0] ?? '' }
      : {
          kind: 'wide',
          valueColumns: values.map((column) => ({
            column,
            ...(s.wideKind === 'per-metric' && s.metricFor[column] ? { metricId: s.metricFor[column] } : {}),
            ...(s.wideKind === 'per-period' && s.monthFor[column] ? { period: { kind: 'month' as const, month: s.monthFor[column] } } : {}),
            ...(s.unitMode === 'column' ? {} : s.unitFor[column] ? { unit: s.unitFor[column] } : {}),
          })),
        };

  const metricColumn = firstWith(s.roles, 'metric');
  let metric: MappingProfileInput['metric'];
  if (s.shape === 'wide' && s.wideKind === 'per-metric') metric = undefined;
  else if (metricColumn) metric = { kind: 'column', column: metricColumn, valueMap: s.metricValueMap, matchCatalogue: s.metricMatchCatalogue, unknownMetric: s.unknownMetric };
  else if (s.fixedMetricId) metric = { kind: 'fixed', metricId: s.fixedMetricId };

  const entityColumn = firstWith(s.roles, 'entity');
  const entity: MappingProfileInput['entity'] =
    s.entityMode === 'fixed' || !entityColumn
      ? { kind: 'fixed', entityId: s.fixedEntityId }
      : { kind: 'column', column: entityColumn, valueMap: s.entityValueMap, matchCatalogue: s.entityMatchCatalogue, unknownEntity: s.unknownEntity, label: s.entityLabel || 'site' };

  const common = { fiscalYearStartMonth: s.fiscalYearStartMonth, granularity: s.granularity };
  let period: MappingProfileInput['period'];
  const col = (r: ColumnRole) => firstWith(s.roles, r) ?? '';
  switch (s.periodMode) {
    case 'date':
      period = { kind: 'date', column: col('period'), format: (s.dateFormat || 'YYYY-MM-DD') as DateFormat, ...common };
      break;
    case 'range':
      period = { kind: 'range', startColumn: col('period-start'), endColumn: col('period-end'), format: (s.dateFormat || 'YYYY-MM-DD') as DateFormat, ...common };
      break;
    case 'year-month':
      period = { kind: 'year-month', yearColumn: col('year'), monthColumn: col('month'), ...common };
      break;
    case 'year':
      period = { kind: 'year', yearColumn: col('year'), ...common };
      break;
    case 'constant-year': {
      const year = Number(s.constantYear);
      constants[yearConst] = Number.isInteger(year) ? year : s.constantYear;
      period = { kind: 'year', yearColumn: yearConst, ...common };
      break;
    }
    case 'fixed':
      period = { kind: 'fixed', start: s.fixedStart, end: s.fixedEnd, ...common };
      break;
  }

  const unit: MappingProfileInput['unit'] =
    s.unitMode === 'fixed' ? { kind: 'fixed', unit: s.fixedUnit } : s.unitMode === 'column' ? { kind: 'column', column: col('unit') } : { kind: 'metric' };

  const comment = firstWith(s.roles, 'comment');
  const evidence = firstWith(s.roles, 'evidence');
  const baseTransforms = (base.transforms ?? {}) as NonNullable<MappingProfileInput['transforms']>;
  const profile: MappingProfileInput = {
    ...base,
    schemaVersion: 1,
    name: s.name.trim(),
    sourceId: s.sourceId,
    connectionId: s.connectionId,
    shape,
    metric,
    entity,
    period,
    unit,
    comment: comment ? { column: comment } : undefined,
    evidence: evidence ? { column: evidence } : undefined,
    constants,
    transforms: {
      ...baseTransforms,
      number: { ...(baseTransforms.number ?? {}), decimal: s.decimal, thousands: s.thousands },
      calorificValueMJPerM3: calorific(s.calorificValue),
    },
    naturalKey: s.naturalKey.length ? s.naturalKey : ['metric', 'entity', 'period'],
    sameKeyRows: s.sameKeyRows,
    // A header the reader found spanning two rows is kept as such, so later files are read the same way.
    read: readChoice({ ...s, headerRows: s.headerRows ?? (s.sample?.info.headerRows === 2 ? 2 : null) }),
    ...(s.headers.length ? { headerFingerprint: headerFingerprint(s.headers) } : {}),
  };
  if (s.baseVersion) profile.version = s.baseVersion;
  for (const k of Object.keys(profile) as Array<keyof MappingProfileInput>) if (profile[k] === undefined) delete profile[k];
  return profile;
}

/** The typed calorific value as a number (a decimal comma is accepted); undefined when empty or not positive. */
export function calorific(text: string): number | undefined {
  const n = Number(text.trim().replace(',', '.'));
  return text.trim() && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** How the file is to be read, when the person chose a header row (and how many rows it spans) or sheet; undefined = detect. */
export function readChoice(s: Pick<WizardState, 'headerRow' | 'sheet'> & { headerRows?: number | null }): MappingProfileInput['read'] {
  const headerRows = s.headerRows ?? null;
  if (s.headerRow === null && headerRows === null && s.sheet === null) return undefined;
  return {
    ...(s.headerRow !== null ? { headerRow: s.headerRow } : {}),
    ...(headerRows !== null ? { headerRows } : {}),
    ...(s.sheet !== null ? { sheet: s.sheet } : {}),
  };
}

type Cells = Record<string, unknown>;

/**
 * Whether the mapping skips a row by its own filters (a totals row: `filters.skipWhen`), as the
 * engine's apply does: a rule matches the column's text (trimmed unless the mapping says not to).
 * A rule whose pattern cannot be compiled skips nothing here; the engine refuses such a profile.
 */
export function rowSkipper(s: Pick<WizardState, 'base'>): (cells: Cells) => boolean {
  const base = s.base;
  const constants = (base?.constants ?? {}) as Cells;
  const trim = base?.transforms?.trim ?? true;
  const rules: Array<{ column: string; re: RegExp }> = [];
  for (const r of base?.filters?.skipWhen ?? []) {
    try {
      rules.push({ column: r.column, re: new RegExp(r.matches.pattern, r.matches.flags ?? 'i') });
    } catch {
      // Not a pattern: the engine says so when the profile is previewed or saved.
    }
  }
  if (!rules.length) return () => false;
  return (cells) =>
    rules.some(({ column, re }) => {
      const v = Object.prototype.hasOwnProperty.call(constants, column) ? constants[column] : cells[column];
      const text = v === null || v === undefined ? '' : String(v);
      return re.test(trim ? text.trim() : text);
    });
}

/**
 * Site codes (or metric names) seen in the sample's column of that role, in order of first
 * appearance. Rows the mapping skips by itself (a 'Total' row) are left out: nothing of theirs is
 * ever sent, so there is nothing to map.
 */
export function localValues(s: Pick<WizardState, 'roles' | 'sample' | 'base'>, role: ColumnRole, cap = 500): string[] {
  const column = firstWith(s.roles, role);
  if (!column || !s.sample) return [];
  const skipped = rowSkipper(s);
  const seen = new Set<string>();
  for (const r of s.sample.rows) {
    const v = r.cells[column];
    if (v === null || v === undefined) continue;
    if (skipped(r.cells)) continue;
    const t = String(v).trim();
    if (t && !seen.has(t)) seen.add(t);
    if (seen.size >= cap) break;
  }
  return [...seen];
}

/** One line of a value map: a local code or name, whether this sample has it, whether the saved mapping maps it. */
export interface ValueMapLine {
  local: string;
  inSample: boolean;
  saved: boolean;
}

/** The value map a saved mapping (the one being edited) holds for the site or metric column. */
export function savedValueMap(s: Pick<WizardState, 'mappingId' | 'base'> & Partial<Pick<WizardState, 'roles'>>, role: 'entity' | 'metric'): Record<string, string> {
  if (!s.mappingId || !s.base) return {};
  const part = role === 'entity' ? s.base.entity : s.base.metric;
  // Saved for another column than the one that has the role now: not this column's values.
  if (part?.kind !== 'column' || (s.roles && firstWith(s.roles, role) !== undefined && firstWith(s.roles, role) !== part.column)) return {};
  return { ...(part.valueMap ?? {}) };
}

/**
 * The lines of the site (or metric-name) map: every value the sample has, then every value the
 * mapping already maps that the sample does not (a saved mapping's codes stay visible and
 * changeable when its folder's files were processed and moved away). Values are one line however
 * they are cased or spaced, as the engine matches them; a mapped value that the mapping's own
 * filters skip is not offered.
 */
export function valueMapLines(s: Pick<WizardState, 'roles' | 'sample' | 'base' | 'mappingId' | 'entityValueMap' | 'metricValueMap'>, role: 'entity' | 'metric'): ValueMapLine[] {
  const norm = (v: string) => v.trim().toLowerCase();
  const saved = new Set(Object.keys(savedValueMap(s, role)).map(norm));
  const current = role === 'entity' ? s.entityValueMap : s.metricValueMap;
  const lines: ValueMapLine[] = [];
  const seen = new Set<string>();
  for (const local of localValues(s, role)) {
    seen.add(norm(local));
    lines.push({ local, inSample: true, saved: saved.has(norm(local)) });
  }
  const column = firstWith(s.roles, role);
  const skipped = rowSkipper(s);
  for (const local of [...Object.keys(current), ...Object.keys(savedValueMap(s, role))]) {
    const k = norm(local);
    if (!k || seen.has(k)) continue;
    seen.add(k);
    if (column && skipped({ [column]: local })) continue;
    lines.push({ local, inSample: false, saved: saved.has(k) });
  }
  return lines;
}

/**
 * What leaving the wizard would lose: the profile it would save (its header fingerprint aside,
 * which follows whatever sample was read, not a choice of the person's).
 */
export function workOf(s: WizardState): string {
  const { headerFingerprint: _header, version: _version, ...profile } = buildProfile(s);
  return JSON.stringify(profile);
}

/** Whether the person changed anything since the wizard opened (or since the mapping was loaded). */
export function hasChanges(s: WizardState): boolean {
  return s.opened !== null && workOf(s) !== s.opened;
}

/**
 * Whether the sample is a file a run already synced: the newest matching file of the folder's
 * processed/ subfolder, read when the folder itself has none. The engine gives the file's real
 * path, so the folder is compared by name.
 */
export function sampleFromProcessed(file: string | null | undefined, folder: string | null | undefined): boolean {
  if (!file) return false;
  const parts = file.split(/[\\/]+/).filter(Boolean);
  if (parts.length < 3 || parts[parts.length - 2]!.toLowerCase() !== 'processed') return false;
  if (!folder) return true;
  const own = folder.split(/[\\/]+/).filter(Boolean).pop();
  return !own || parts[parts.length - 3]!.toLowerCase() === own.toLowerCase();
}

/**
 * Whether the wizard knows the file's columns: from a sample read, or (editing) from the saved
 * mapping's header when its folder has no sample file any more.
 */
export function hasColumns(s: Pick<WizardState, 'sample' | 'mappingId' | 'headers'>): boolean {
  return Boolean(s.sample || (s.mappingId && s.headers.length > 0));
}

/** Whether the sample comes from a database source (its table or query), not from files. */
export function fromDatabase(s: Pick<WizardState, 'source' | 'sample'>): boolean {
  return s.source ? s.source.kind === 'database' : s.sample?.info.format === 'database';
}

/** The engine's note that it drafted a date period per day (see draftDayPeriods); said again below from the wizard's state. */
const DAY_NOTE = /\(one row per transaction or reading\), so each row is reported for its own day\./;

/**
 * What the mapping does with a sample's rows that fall on different days of one month for the same
 * site and metric (a fuel card export, a meter log), as the wizard stands now: reported per day,
 * added up, or held back as duplicates. Null when the sample has no such rows.
 */
export function dayRowsNote(s: Pick<WizardState, 'sample' | 'roles' | 'periodMode' | 'dateFormat' | 'granularity' | 'sameKeyRows' | 'entityMode' | 'shape' | 'wideKind'>): string | null {
  const column = firstWith(s.roles, 'period');
  if (s.periodMode !== 'date' || !s.sample || !s.dateFormat || !column) return null;
  const perMetric = s.shape === 'wide' && s.wideKind === 'per-metric';
  const keys = [s.entityMode === 'column' ? firstWith(s.roles, 'entity') : undefined, perMetric ? undefined : firstWith(s.roles, 'metric')].filter((c): c is string => c !== undefined);
  if (!rowsRepeatWithinMonth(s.sample.rows, column, s.dateFormat, keys)) return null;
  const what = keys.length ? ` with the same ${keys.map((c) => `'${c}'`).join(' and ')}` : '';
  const rows = `The sample has several rows${what} in one month on different days of '${column}' (one row per transaction or reading)`;
  if (s.granularity === 'custom') return `${rows}, so each row is reported for its own day. Change this under “Each row's period” in the “${STEPS[3]}” step.`;
  const per = s.granularity === 'quarter' ? 'quarter' : s.granularity === 'year' ? 'year' : 'month';
  if (s.sameKeyRows === 'add') return `${rows}; this mapping adds them up into one value per ${per}. Change this under “Rows with the same metric, site and period” in the “${STEPS[3]}” step.`;
  return `${rows}; reported by ${per}, they would be held back as duplicates of each other. In the “${STEPS[3]}” step, report each row for its own day (“Each row's period”) or add them up (“Rows with the same metric, site and period”).`;
}

/**
 * The notes the “Columns” step shows on the suggestions: the engine's, said for this step (what
 * they ask to choose is chosen right here) and, on rows of one month, what the mapping does with
 * them now rather than what the draft did (an edited mapping adds them up by month, say).
 */
export function columnsStepNotes(s: WizardState): string[] {
  const perMetric = s.shape === 'wide' && s.wideKind === 'per-metric';
  const metricColumn = !perMetric && Object.values(s.roles).includes('metric');
  const here = perMetric ? 'Choose the metric of each next to its role below.' : `Choose it under “${s.shape === 'wide' ? 'Metric of every value column' : 'Metric of the values'}” above.`;
  const notes = (s.suggestion?.warnings ?? [])
    .filter((w) => !DAY_NOTE.test(w))
    // A column that names each row's metric settles it.
    .filter((w) => !(metricColumn && /^Several metrics fit .*Choose its metric in the “Columns” step\.$/.test(w)))
    .map((w) =>
      w
        .replace(/Choose its metric in the “Columns” step\./, here)
        .replace(/Choose the value column\(s\) in the “Columns” step\./, 'Give the column(s) that hold them the role “Value” below.')
        .replace(/ in the “Columns” step\./, ' below.'),
    );
  const day = dayRowsNote(s);
  return day ? [...notes, day] : notes;
}

/** What keeps a step from being finished, phrased for the person filling it in. */
export function stepProblems(s: WizardState, step: number): string[] {
  const out: string[] = [];
  const values = valueColumns(s);
  if (step === 0) {
    if (!s.connectionId) out.push('Choose the platform connection.');
    if (!s.sourceId) out.push('Choose the source.');
    if (!hasColumns(s)) out.push('Load a sample file first.');
  }
  if (step === 1 && s.shape === 'wide' && values.length === 0) out.push('Tick at least one value column.');
  if (step === 1 && s.shape === 'long' && values.length !== 1) out.push('A long table has exactly one value column: choose it.');
  if (step === 1 && s.shape === 'wide' && s.wideKind === 'per-period') {
    const missing = values.filter((c) => !s.monthFor[c]);
    if (missing.length) out.push(`Choose the month of ${missing.map((c) => `'${c}'`).join(', ')}.`);
  }
  if (step === 2) {
    if (values.length === 0) out.push('Give at least one column the role “Value”.');
    if (s.shape === 'wide' && s.wideKind === 'per-metric') {
      const missing = values.filter((c) => !s.metricFor[c]);
      if (missing.length) out.push(`Choose the metric of ${missing.map((c) => `'${c}'`).join(', ')}.`);
    } else if (!firstWith(s.roles, 'metric') && !s.fixedMetricId) out.push('Choose the metric these values are for, or a column that names the metric.');
  }
  if (step === 3) {
    if (s.entityMode === 'column' && !firstWith(s.roles, 'entity')) out.push('Choose the column with the site codes, or one site for every row.');
    if (s.entityMode === 'fixed' && !s.fixedEntityId) out.push('Choose the site every row belongs to.');
    if (s.periodMode === 'constant-year' && !/^\d{4}$/.test(s.constantYear.trim())) out.push('Type the year the month columns belong to, e.g. 2023.');
    if (s.periodMode === 'date' && !firstWith(s.roles, 'period')) out.push('Choose the date column.');
    if (s.periodMode === 'range' && !periodModeComplete(s.roles, 'range')) {
      out.push(`Give one column the role “Period start” and another “Period end” in the “${STEPS[2]}” step, or choose another way the period is read.`);
    }
    if ((s.periodMode === 'date' || s.periodMode === 'range') && !s.dateFormat) out.push('Choose the date format.');
    if (s.periodMode === 'year-month' && (!firstWith(s.roles, 'year') || !firstWith(s.roles, 'month'))) out.push('Choose the year column and the month column.');
    if (s.periodMode === 'year' && !firstWith(s.roles, 'year')) out.push('Choose the year column.');
    if (s.periodMode === 'fixed' && (!s.fixedStart || !s.fixedEnd)) out.push('Enter the first and last day of the period.');
  }
  if (step === 4) {
    if (s.unitMode === 'fixed' && !s.fixedUnit.trim()) out.push('Type the unit the values are in, e.g. kWh.');
    if (s.unitMode === 'column' && !firstWith(s.roles, 'unit')) out.push('Choose the column that holds the unit.');
    if (s.calorificValue.trim() && calorific(s.calorificValue) === undefined) out.push('The calorific value is a positive number of MJ per m³, e.g. 39.2; or leave it empty.');
  }
  if (step === 6 && !s.name.trim()) out.push('Give the mapping a name.');
  return out;
}
