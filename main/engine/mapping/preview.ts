/**
 * Preview: the real pipeline (applyProfile → validateRecord → duplicate keys) over a sample,
 * returning the exact payload rows that would be sent, the rejected rows with reasons, and a
 * summary. Streams its input; memory is bounded by `limit`, `maxErrors` and the number of
 * distinct natural keys.
 */
import type { Logger } from 'pino';
import type { PlatformRecord, RowError, SourceRow } from '../../../shared/domain';
import { applyProfile, recordHash, type Catalogue, type HeldValue } from '../../../shared/mapping/apply';
import type { MappingProfile } from '../../../shared/mapping/profile';
import { msg } from '../../../shared/mapping/messages';
import { reportsDaysCoarser } from '../../../shared/mapping/period-grain';
import { DuplicateKeyTracker, validateRecord } from '../../../shared/mapping/validate';
import { addUp } from '../../../shared/mapping/add-up';
import { NumberFormatWatch } from '../../../shared/mapping/number-format-watch';
import { rowError } from '../../../shared/mapping/messages';

export interface PreviewOptions {
  /** Payload rows kept for display. Default 200. Every row is still processed and counted. */
  limit?: number;
  /** Rejections kept for display. Default 1000. All are counted. */
  maxErrors?: number;
  /** The current time, for "period not over yet" checks. */
  now: Date;
  /** Stop after this many source rows (a sample). Default: all. */
  maxRows?: number;
  logger?: Logger;
}

export interface PayloadRow {
  line: number;
  column: string;
  naturalKey: string;
  hash: string;
  record: PlatformRecord;
}

export interface HeldSummary {
  kind: HeldValue['kind'];
  column: string;
  value: string;
  firstLine: number;
  rows: number;
}

export interface PreviewSummary {
  rowsIn: number;
  recordsOut: number;
  /** Values rejected (a wide row can reject some values and send others). */
  rejected: number;
  /** Source lines with at least one rejection. */
  rejectedRows: number;
  /** Rows skipped on purpose: blank, filtered (totals), unknown values under 'skip'. */
  skippedRows: number;
  /** Empty value cells skipped. */
  blankValues: number;
  /** Rows waiting for a person to map a new site or metric value. */
  heldRows: number;
  /** Rows of one metric, site and period added up (the mapping says so), and the values they made. */
  addedUp: { rows: number; values: number };
  metricsTouched: string[];
  periodRange: { start: string; end: string } | null;
  payloadTruncated: boolean;
  errorsTruncated: boolean;
}

export interface PreviewResult {
  payload: PayloadRow[];
  rejected: RowError[];
  held: HeldSummary[];
  summary: PreviewSummary;
  /** Sentences about the preview as a whole: the likely cause of many rejections and its fix. */
  notes: string[];
}

function isAsync<T>(x: AsyncIterable<T> | Iterable<T>): x is AsyncIterable<T> {
  return typeof (x as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

async function* rowsOf(rows: AsyncIterable<SourceRow> | Iterable<SourceRow>): AsyncGenerator<SourceRow> {
  if (isAsync(rows)) yield* rows;
  else yield* rows;
}

const bump = (m: Map<string, number>, k: string, by: number): void => {
  const n = (m.get(k) ?? 0) + by;
  if (n <= 0) m.delete(k);
  else m.set(k, n);
};

export async function previewMapping(
  profile: MappingProfile,
  rows: AsyncIterable<SourceRow> | Iterable<SourceRow>,
  catalogue: Catalogue,
  options: PreviewOptions,
): Promise<PreviewResult> {
  const limit = options.limit ?? 200;
  const maxErrors = options.maxErrors ?? 1000;
  const entityLabel = profile.entity.kind === 'column' ? profile.entity.label : 'site';

  const payload: PayloadRow[] = [];
  const rejected: RowError[] = [];
  const rejectedLines = new Set<number>();
  const held = new Map<string, HeldSummary>();
  const dayHint = reportsDaysCoarser(profile.period) ? msg.dayPeriodHint() : undefined;
  const tracker = new DuplicateKeyTracker(dayHint);
  // First accepted occurrence per key, so a later duplicate can withdraw it from the counts.
  const accepted = new Map<string, { metricId: string; period: string; line: number; column: string }>();
  // A mapping that adds rows of one key up: the parts of every key seen more than once, and the
  // reason for a key whose parts cannot be added (its later lines are held back with it).
  type Part = { record: PlatformRecord; line: number; column: string };
  const addParts = new Map<string, Part[]>();
  const cannotAdd = new Map<string, string>();
  const firstPart = new Map<string, Part>();
  const addMode = profile.sameKeyRows === 'add';
  const metricCounts = new Map<string, number>();
  const periodCounts = new Map<string, number>();
  const summary: PreviewSummary = {
    rowsIn: 0,
    recordsOut: 0,
    rejected: 0,
    rejectedRows: 0,
    skippedRows: 0,
    blankValues: 0,
    heldRows: 0,
    addedUp: { rows: 0, values: 0 },
    metricsTouched: [],
    periodRange: null,
    payloadTruncated: false,
    errorsTruncated: false,
  };

  const reject = (errors: RowError[]): void => {
    for (const e of errors) {
      summary.rejected++;
      if (e.line !== null) rejectedLines.add(e.line);
      if (rejected.length < maxErrors) rejected.push(e);
      else summary.errorsTruncated = true;
    }
  };

  type Mapped = ReturnType<typeof applyProfile>['records'][number];
  const accept = (mapped: Mapped): void => {
    const r = mapped.record;
    const period = `${r.periodStart}..${r.periodEnd}`;
    accepted.set(mapped.naturalKey, { metricId: r.metricId, period, line: mapped.line, column: mapped.source.valueColumn });
    summary.recordsOut++;
    bump(metricCounts, r.metricId, 1);
    bump(periodCounts, period, 1);
    if (payload.length < limit) {
      payload.push({ line: mapped.line, column: mapped.source.valueColumn, naturalKey: mapped.naturalKey, hash: recordHash(r), record: r });
    } else {
      summary.payloadTruncated = true;
    }
  };
  /** Takes an accepted key back out of what would be sent (its rows turned out to be held back). */
  const withdraw = (naturalKey: string): void => {
    const first = accepted.get(naturalKey);
    if (!first) return;
    accepted.delete(naturalKey);
    summary.recordsOut--;
    bump(metricCounts, first.metricId, -1);
    bump(periodCounts, first.period, -1);
    const idx = payload.findIndex((p) => p.naturalKey === naturalKey);
    if (idx >= 0) payload.splice(idx, 1);
  };
  /** As the run does: a valid value joins the total of its key, or the key is held back whole if it cannot be added up. */
  const addToTotal = (mapped: Mapped): void => {
    const errors = validateRecord(mapped, catalogue, { now: options.now, entityLabel });
    if (errors.length) return reject(errors);
    const key = mapped.naturalKey;
    const column = mapped.source.valueColumn;
    const refused = cannotAdd.get(key);
    if (refused !== undefined) return reject([rowError(mapped.line, column, null, refused)]);
    const part = { record: mapped.record, line: mapped.line, column };
    const first = firstPart.get(key);
    if (!first) {
      firstPart.set(key, part);
      return accept(mapped);
    }
    const parts = addParts.get(key) ?? [first];
    parts.push(part);
    addParts.set(key, parts);
    const sum = addUp(
      parts.map((p) => p.record),
      catalogue,
    );
    if (sum.ok) {
      const shown = payload.find((p) => p.naturalKey === key);
      if (shown) Object.assign(shown, { record: sum.record, hash: recordHash(sum.record) });
      return;
    }
    const reason = `the rows with this metric, site and period (from line ${first.line} on) are added up by this mapping, but ${sum.reason} All of them were held back.`;
    cannotAdd.set(key, reason);
    addParts.delete(key);
    reject(parts.map((p) => rowError(p.line, p.column, null, reason)));
    withdraw(key);
  };

  const numbers = new NumberFormatWatch(profile);
  for await (const row of rowsOf(rows)) {
    if (options.maxRows !== undefined && summary.rowsIn >= options.maxRows) break;
    summary.rowsIn++;
    const result = applyProfile(profile, row, catalogue);
    numbers.observe(row.line, result);
    summary.blankValues += result.blankValues;
    if (result.skipped) summary.skippedRows++;
    if (result.held.length) {
      summary.heldRows++;
      for (const h of result.held) {
        const k = `${h.kind}\u0000${h.value}`;
        const seen = held.get(k);
        if (seen) seen.rows++;
        else held.set(k, { kind: h.kind, column: h.column, value: h.value, firstLine: h.line, rows: 1 });
      }
    }
    reject(result.errors);

    for (const mapped of result.records) {
      if (addMode) {
        addToTotal(mapped);
        continue;
      }
      const dupErrors = tracker.add(mapped);
      if (dupErrors.length) {
        reject(dupErrors);
        // The first occurrence was counted as sent; neither may be sent now.
        withdraw(mapped.naturalKey);
        continue;
      }
      const errors = validateRecord(mapped, catalogue, { now: options.now, entityLabel });
      if (errors.length) {
        reject(errors);
        continue;
      }
      accept(mapped);
    }
  }

  summary.rejectedRows = rejectedLines.size;
  summary.metricsTouched = [...metricCounts.keys()].sort();
  let start: string | null = null;
  let end: string | null = null;
  for (const p of periodCounts.keys()) {
    const [s, e] = p.split('..') as [string, string];
    if (start === null || s < start) start = s;
    if (end === null || e > end) end = e;
  }
  summary.periodRange = start !== null && end !== null ? { start, end } : null;
  options.logger?.debug({ rowsIn: summary.rowsIn, recordsOut: summary.recordsOut, rejected: summary.rejected }, 'mapping preview finished');
  summary.addedUp = { rows: [...addParts.values()].reduce((n, parts) => n + parts.length, 0), values: addParts.size };
  const notes: string[] = [];
  // A run would stop on this file (or hint at the rejected cells); the preview says so first.
  const format = numbers.verdict('so a run would send nothing from such a file');
  if (format) notes.push(format.message);
  const duplicated = tracker.duplicateKeys.size;
  if (dayHint && duplicated) notes.push(`${duplicated} metric, site and period combination${duplicated === 1 ? ' is' : 's are'} on more than one row, because this mapping reports each date by its ${profile.period?.granularity}. ${dayHint}`);
  return { payload, rejected, held: [...held.values()], summary, notes };
}
