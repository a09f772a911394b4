import type { Entity, Metric } from '../../shared/domain';
import type { PickerOption } from './Picker';
import type { ColumnRole } from './types';

export const ROLE_LABELS: Record<ColumnRole, string> = {
  value: 'Value',
  metric: 'Metric name or code',
  entity: 'Site',
  period: 'Date / period',
  'period-start': 'Period start',
  'period-end': 'Period end',
  year: 'Year',
  month: 'Month',
  unit: 'Unit',
  comment: 'Comment',
  evidence: 'Evidence link',
  ignore: 'Not used',
};

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export const metricOptions = (metrics: readonly Metric[]): PickerOption[] =>
  metrics.map((m) => ({ id: m.id, label: m.name, detail: `${m.code} · ${m.unit}${m.writable === false ? ' · read-only' : ''}` }));

export const entityOptions = (entities: readonly Entity[]): PickerOption[] =>
  entities.map((e) => ({ id: e.id, label: e.name, detail: [e.externalRef, e.type].filter(Boolean).join(' · ') }));

export function metricName(metrics: readonly Metric[] | undefined, id: string): string {
  const m = metrics?.find((x) => x.id === id);
  return m ? m.name : id;
}

/**
 * The “values are in the metric's own unit” choice, naming only metrics the mapping sends to: the
 * one fixed metric, or the few a metric column's mapped values go to. A fixed metric left over from
 * the suggestion (a 'cost' column that looked like district heating) is no metric of a mapping
 * whose rows name their own.
 */
export function ownUnitLabel(metrics: readonly Metric[], how: { fixedMetricId: string } | { each: 'row' | 'column'; metricIds: readonly string[] }): string {
  const named = (ids: readonly string[]) => ids.map((id) => metrics.find((m) => m.id === id)).filter((m): m is Metric => m !== undefined);
  if ('each' in how) {
    const mapped = named([...new Set(how.metricIds)]);
    const list = mapped.length > 0 && mapped.length <= 3 ? `: ${mapped.map((m) => `${m.name} in ${m.unit}`).join(', ')}` : '';
    return `the metric’s own unit, for each ${how.each} the unit of its metric${list}`;
  }
  const fixed = named([how.fixedMetricId])[0];
  return `the metric’s own unit${fixed ? ` (${fixed.name}: ${fixed.unit})` : ''}`;
}

export function entityName(entities: readonly Entity[] | undefined, id: string): string {
  const e = entities?.find((x) => x.id === id);
  return e ? e.name : id;
}

export function formatPeriod(start: string, end: string): string {
  const [ys, ms, ds] = start.split('-').map(Number);
  const [ye, me, de] = end.split('-').map(Number);
  if (!ys || !ms || !ye || !me) return `${start} – ${end}`;
  const lastDay = new Date(Date.UTC(ye, me, 0)).getUTCDate();
  if (ds === 1 && de === lastDay) {
    if (ys === ye && ms === me) return `${MONTHS[ms - 1]!.slice(0, 3)} ${ys}`;
    if (ms === 1 && me === 12 && ys === ye) return `${ys}`;
    return `${MONTHS[ms - 1]!.slice(0, 3)} ${ys} – ${MONTHS[me - 1]!.slice(0, 3)} ${ye}`;
  }
  return start === end ? start : `${start} – ${end}`;
}

export const confidenceTone = (c: number): 'ok' | 'warn' | 'bad' => (c >= 0.75 ? 'ok' : c >= 0.45 ? 'warn' : 'bad');

/**
 * The words for what the source gives, by its kind: a folder gives files; a database gives the
 * rows of its table (or of its query's result), read again on every run.
 */
export interface SourceWords {
  /** The page's description under its title. */
  intro: string;
  /** Heading of the local column of the site and metric maps ("In your files"). */
  localHeading: string;
  /** Where a new code shows up later ("a later file"). */
  later: string;
  /** The same, plural ("later files"). */
  laterPlural: string;
  /** Label of the reader's warnings on the first step. */
  readWarnings: string;
}

export function sourceWords(database: boolean, query = false): SourceWords {
  if (!database) {
    return {
      intro: 'Tell the agent once how this file becomes platform values: which sites, metrics, periods and units.',
      localHeading: 'In your files',
      later: 'a later file',
      laterPlural: 'later files',
      readWarnings: 'Warnings about the file',
    };
  }
  const whole = query ? 'query result' : 'table';
  return {
    intro: `Tell the agent once how the rows of this ${whole} become platform values: which sites, metrics, periods and units.`,
    localHeading: query ? 'In the query result' : 'In the table',
    later: 'new rows',
    laterPlural: 'new rows',
    readWarnings: `Warnings about the ${whole}`,
  };
}
