/**
 * Validation of mapped records against the platform's catalogue and the calendar, and duplicate
 * natural keys within one file. Every error names the line, the column and the value, and says
 * what to do, in the words of the person who maps the data.
 */
import type { Entity, Metric, PlatformRecord, RowError } from '../domain';
import { conversionNeed } from '../units';
import type { Catalogue, MappedRecord } from './apply';
import { isValidPeriod, todayYmd } from './dates';
import { msg, rowError } from './messages';

export interface ValidateOptions {
  /** The current time; injected so tests and reruns decide "future" the same way. */
  now: Date;
  /** Word for entities in messages (from the profile's entity role). */
  entityLabel?: string;
  /** Allow periods that have started but not ended (e.g. month-to-date readings). Default false. */
  allowOpenPeriods?: boolean;
}

interface Lookup {
  metrics: Map<string, Metric>;
  entities: Map<string, Entity>;
}

const lookups = new WeakMap<Catalogue, Lookup>();

function lookupFor(catalogue: Catalogue): Lookup {
  let l = lookups.get(catalogue);
  if (!l) {
    l = { metrics: new Map(catalogue.metrics.map((m) => [m.id, m])), entities: new Map(catalogue.entities.map((e) => [e.id, e])) };
    lookups.set(catalogue, l);
  }
  return l;
}

/** Check one mapped record. An empty array means it may be sent. */
export function validateRecord(mapped: MappedRecord, catalogue: Catalogue, options: ValidateOptions): RowError[] {
  const { record, line, source } = mapped;
  const errors: RowError[] = [];
  const { metrics, entities } = lookupFor(catalogue);
  const label = options.entityLabel ?? 'site';
  const valueCol = source.valueColumn;

  const metric = metrics.get(record.metricId);
  if (!metric) {
    // Without a library there is nothing to look the metric up in; the mapping's name is the metric.
    if (!catalogue.freeMetrics) errors.push(rowError(line, source.metricColumn ?? valueCol, source.metricColumn ? null : source.rawValue, msg.metricNotInPlatform(record.metricId)));
  } else if (!metric.writable) {
    errors.push(rowError(line, source.metricColumn ?? valueCol, source.rawValue, msg.metricNotWritable(metric.name)));
  }

  if (!entities.has(record.entityId)) {
    errors.push(rowError(line, source.entityColumn, source.rawEntity, msg.entityNotInPlatform(record.entityId, label, source.rawEntity)));
  }

  // A period from a wide column's header (or fixed) is blamed on the value column, where the person will look.
  const periodColumn = source.periodColumns[0] ?? valueCol;
  if (!periodIsValid(record.periodStart, record.periodEnd)) {
    errors.push(rowError(line, periodColumn, `${record.periodStart}..${record.periodEnd}`, msg.invalidPeriod(record.periodStart, record.periodEnd)));
  } else {
    const today = todayOf(options.now);
    const limit = options.allowOpenPeriods ? record.periodStart : record.periodEnd;
    // A period is reportable once it is over: its last day must be before today.
    // A year ahead is a typed date, not an early report (2099 for 2009): rejected, not held for decades.
    const yearAhead = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`;
    if (record.periodStart > yearAhead) {
      errors.push(rowError(line, periodColumn, `${record.periodStart}..${record.periodEnd}`, msg.farFuturePeriod(record.periodStart, record.periodEnd, today)));
    } else if (options.allowOpenPeriods ? limit > today : limit >= today) {
      // Not wrong, only early: held, and sent once the period is over (see the run's held rows).
      errors.push({ ...rowError(line, periodColumn, `${record.periodStart}..${record.periodEnd}`, msg.futurePeriod(record.periodStart, record.periodEnd, today)), held: true });
    }
  }

  if (metric) errors.push(...checkValue(record, metric, mapped));
  return errors;
}

// Rows of an export come in runs of the same period and every row is checked against the same
// "now": the last answer of each is kept (strings compare exactly, so a hit is the same answer).
let lastValidPeriod = { start: '', end: '' };
let lastNow = { time: NaN, today: '' };

function periodIsValid(start: string, end: string): boolean {
  if (start === lastValidPeriod.start && end === lastValidPeriod.end) return true;
  if (!isValidPeriod({ start, end })) return false;
  lastValidPeriod = { start, end };
  return true;
}

function todayOf(now: Date): string {
  const time = now.getTime();
  if (time !== lastNow.time) lastNow = { time, today: todayYmd(now) };
  return lastNow.today;
}

function checkValue(record: PlatformRecord, metric: Metric, mapped: MappedRecord): RowError[] {
  const { line, source } = mapped;
  const col = source.valueColumn;
  const shown = source.rawValue ?? String(record.value);
  const out: RowError[] = [];
  switch (metric.valueType) {
    case 'number':
    case 'percentage':
    case 'integer': {
      if (typeof record.value !== 'number' || !Number.isFinite(record.value)) {
        out.push(rowError(line, col, shown, msg.notNumber(shown, metric.name, 'Enter a number.')));
        break;
      }
      if (metric.valueType === 'integer' && !Number.isInteger(record.value)) {
        out.push(rowError(line, col, shown, msg.notInteger(shown, metric.name)));
      }
      break;
    }
    case 'boolean':
      if (typeof record.value !== 'boolean') out.push(rowError(line, col, shown, msg.notBoolean(shown, metric.name)));
      break;
    case 'text':
      if (typeof record.value !== 'string') out.push(rowError(line, col, shown, `'${shown}' should be text for '${metric.name}'.`));
      break;
  }
  if (!unitAcceptable(record.unit, metric.unit)) {
    out.push(rowError(line, source.unitColumn ?? col, source.sourceUnit ?? record.unit, msg.unitMismatch(record.unit, metric.unit, metric.name)));
  }
  return out;
}

/** The record must carry the metric's own unit (apply converts); an equivalent spelling is fine. */
function unitAcceptable(recordUnit: string, metricUnit: string): boolean {
  if (recordUnit.trim().toLowerCase() === metricUnit.trim().toLowerCase()) return true;
  return conversionNeed(recordUnit, metricUnit) === 'same';
}

// ---------------------------------------------------------------- duplicates

export interface KeyOccurrence {
  naturalKey: string;
  line: number;
  column?: string | null;
  /** A MappedRecord passes as is: its value column names the cell. */
  source?: { valueColumn: string };
}

/**
 * Tracks natural keys across a file in one pass. Memory grows with distinct keys, which is
 * bounded by what the platform can hold, not by file size of repeated rows.
 */
export class DuplicateKeyTracker {
  private readonly first = new Map<string, { line: number; column: string | null; reported: boolean }>();
  private readonly dupKeys = new Set<string>();

  /** `hint`: what to do about a duplicate with this mapping, when there is something better than the general advice. */
  constructor(private readonly hint?: string) {}

  /** Record an occurrence; returns errors for this line and, the first time, for the line it duplicates. */
  add(occ: KeyOccurrence): RowError[] {
    const column = occ.column ?? occ.source?.valueColumn ?? null;
    const seen = this.first.get(occ.naturalKey);
    if (!seen) {
      this.first.set(occ.naturalKey, { line: occ.line, column, reported: false });
      return [];
    }
    this.dupKeys.add(occ.naturalKey);
    const errors: RowError[] = [rowError(occ.line, column, null, msg.duplicateOf(seen.line, seen.line === occ.line ? seen.column : null, this.hint))];
    if (!seen.reported) {
      seen.reported = true;
      errors.unshift(rowError(seen.line, seen.column, null, msg.duplicateOf(occ.line, seen.line === occ.line ? column : null, this.hint)));
    }
    return errors;
  }

  isDuplicate(naturalKey: string): boolean {
    return this.dupKeys.has(naturalKey);
  }

  get duplicateKeys(): ReadonlySet<string> {
    return this.dupKeys;
  }
}

/** Every duplicated natural key in a list of records, each reported on all of its lines. */
export function findDuplicateKeys(records: readonly KeyOccurrence[]): { errors: RowError[]; keys: Set<string> } {
  const tracker = new DuplicateKeyTracker();
  const errors: RowError[] = [];
  for (const r of records) errors.push(...tracker.add(r));
  return { errors, keys: new Set(tracker.duplicateKeys) };
}
