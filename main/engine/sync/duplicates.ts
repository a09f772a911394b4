import type { PlatformRecord, RowError } from '../../../shared/domain';
import { addUp } from '../../../shared/mapping/add-up';
import { canonicalRecord, type Catalogue, type MappingProfile } from '../../../shared/mapping';
import { sha256 } from './record-hash';
import { msg } from '../../../shared/mapping/messages';
import { reportsDaysCoarser } from '../../../shared/mapping/period-grain';
import { plural } from '../../../shared/plural';
import type { LineMarks } from './line-marks';
import type { Staging } from './staging';

/** How a path names the key and the sending in its messages ("metric, site and period", "sent"). */
export interface DuplicateWords {
  key: string;
  sent: string;
  /** A database row's key for its position (row-keys.ts): its duplicates are named by key, not by line. */
  rowName?: (line: number) => string;
}

export interface SettledDuplicates {
  /** One per line of a key that occurs more than once and was not added up: none of them is sent. */
  errors: RowError[];
  /** Keys whose rows were added up into one value, and how many rows that took. */
  addedUp: { keys: number; rows: number };
}

const linesOf = (lines: number[], rowName?: (line: number) => string) =>
  rowName ? `${lines.length > 1 ? 'rows' : 'the row'} ${lines.map(rowName).join('; ')}` : `line${lines.length > 1 ? 's' : ''} ${lines.join(', ')}`;

/**
 * After staging: every key on more than one line is either added up into one value (the mapping
 * says its rows are parts of one total, and they are numbers in one unit) or held back with every
 * one of its lines reported. Nothing of a duplicated key is sent half: its staged rows go.
 */
export function settleDuplicates(staging: Staging, profile: MappingProfile, catalogue: Catalogue, words: DuplicateWords): SettledDuplicates {
  const groups = new Map<string, { line: number; valueColumn: string | null; others: number[] }[]>();
  for (const d of staging.duplicates()) {
    const group = groups.get(d.naturalKey);
    if (group) group.push(d);
    else groups.set(d.naturalKey, [d]);
  }
  const errors: RowError[] = [];
  const addedUp = { keys: 0, rows: 0 };
  const dropped = new Set<string>();
  for (const [naturalKey, lines] of groups) {
    let why = `Keep one of them; none was ${words.sent}.`;
    if (profile.sameKeyRows === 'add') {
      const parts = staging.occurrences(naturalKey);
      const sum = addUp(
        parts.map((p) => JSON.parse(p.recordJson) as PlatformRecord),
        catalogue,
      );
      if (sum.ok) {
        const recordJson = canonicalRecord(sum.record);
        staging.replaceKey({ naturalKey, line: parts[0]!.line, valueColumn: parts[0]!.valueColumn, recordJson, hash: sha256(recordJson) });
        addedUp.keys++;
        addedUp.rows += parts.length;
        continue;
      }
      why = `The mapping adds such rows up, but ${sum.reason} None was ${words.sent}.`;
    }
    dropped.add(naturalKey);
    // Each line's value is shown, so a person can tell which one to keep.
    const values = new Map(staging.occurrences(naturalKey).map((p) => [`${p.line}\u0000${p.valueColumn ?? ''}`, (JSON.parse(p.recordJson) as PlatformRecord).value]));
    for (const d of lines) {
      const value = values.get(`${d.line}\u0000${d.valueColumn ?? ''}`);
      errors.push({ line: d.line, column: d.valueColumn, value: value === undefined || value === null ? null : String(value), reason: `The same ${words.key} also appears on ${linesOf(d.others, words.rowName)}. ${why}` });
    }
  }
  if (dropped.size) staging.dropKeys(dropped);
  return { errors, addedUp };
}

/** Where a run's duplicates are told: its timeline, its row errors, the lines it rejected. */
export interface DuplicateReport {
  event: (level: 'info' | 'warn', message: string) => void;
  rowErrors: (errors: RowError[]) => void;
  rejectedLines: LineMarks;
}

/**
 * settleDuplicates, with what it did told: the sums once in the timeline, every held-back line as a
 * row error, and once the likeliest cause with where to change it. Returns the values rejected.
 */
export function settleAndReportDuplicates(staging: Staging, profile: MappingProfile, catalogue: Catalogue, words: DuplicateWords, report: DuplicateReport): number {
  const { errors, addedUp } = settleDuplicates(staging, profile, catalogue, words);
  if (addedUp.keys) report.event('info', `${addedUp.rows} rows were added up into ${addedUp.keys} value${addedUp.keys === 1 ? '' : 's'}: they share a ${words.key}, and the mapping adds such rows up.`);
  if (!errors.length) return 0;
  for (const e of errors) report.rejectedLines.mark(e.line ?? -1);
  report.rowErrors(errors);
  if (reportsDaysCoarser(profile.period)) {
    report.event('warn', `${plural(errors.length, 'value')} ${errors.length === 1 ? 'shares' : 'share'} a ${words.key} with another row because this mapping reports each date by its ${profile.period?.granularity ?? 'month'}. ${msg.dayPeriodHint()}`);
  } else if (profile.sameKeyRows !== 'add') {
    report.event('warn', `${plural(errors.length, 'value')} ${errors.length === 1 ? 'shares' : 'share'} a ${words.key} with another row. ${msg.addUpHint()}`);
  }
  return errors.length;
}
