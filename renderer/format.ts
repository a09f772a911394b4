import type { RunSummary } from '../shared/api';
import type { RunStatus, RunTrigger } from '../shared/domain';
import { plural } from '../shared/plural';
import { exportCounts } from '../shared/run-counts';
import { onlyHeld } from '../shared/run-status';

export const statusLabel: Record<RunStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  succeeded_with_rejections: 'Succeeded with rejected rows',
  failed: 'Failed',
  interrupted: 'Interrupted',
  needs_attention: 'Needs attention',
};

/** How a run began, as the start of a sentence on the run's page. */
export const triggerSentence: Record<RunTrigger, string> = {
  schedule: 'Started by its schedule',
  file: 'Started by a new file',
  manual: 'Started by hand',
  'catch-up': 'Started to catch up a missed schedule',
  held: 'Started by the agent to send rows an earlier run held until their period was over',
  resume: 'Started to finish what the agent left unanswered when it stopped',
};

/** How a run began, in a word or two: for filters and table cells, next to triggerSentence. */
export const triggerLabel: Record<RunTrigger, string> = {
  schedule: 'Schedule',
  file: 'New file',
  manual: 'By hand',
  'catch-up': 'Missed schedule',
  held: 'Held rows',
  resume: 'Resumed after a stop',
};

export const statusTone = (s: RunStatus): 'ok' | 'warn' | 'bad' | 'info' =>
  s === 'succeeded' ? 'ok' : s === 'failed' ? 'bad' : s === 'running' || s === 'queued' ? 'info' : 'warn';

/** A run's badge: as its status says, except a run that only held rows (shared/run-status.ts). */
export function runBadge(r: { status: RunStatus; rejected?: number; held?: number }): { label: string; tone: 'ok' | 'warn' | 'bad' | 'info' } {
  return onlyHeld(r) ? { label: 'Succeeded, some rows held', tone: 'info' } : { label: statusLabel[r.status], tone: statusTone(r.status) };
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** formatTime with seconds: for a cursor, where two runs a minute apart must not read the same. */
export function formatTimeExact(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** The browser's own IANA time zone ("Europe/Paris"); "UTC" when it cannot say. */
export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Names of UTC itself; Intl may hand back any of them. */
const UTC_NAMES = new Set(['utc', 'etc/utc', 'uct', 'etc/uct', 'gmt', 'etc/gmt', 'gmt0', 'etc/gmt0', 'etc/gmt+0', 'etc/gmt-0', 'greenwich', 'etc/greenwich', 'universal', 'etc/universal', 'zulu', 'etc/zulu']);

/** A zone's canonical name as Intl knows it ("Asia/Calcutta" and "Asia/Kolkata" agree); null when it is no zone. */
function canonicalZone(zone: string): string | null {
  if (UTC_NAMES.has(zone.toLowerCase())) return 'UTC';
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    return UTC_NAMES.has(resolved.toLowerCase()) ? 'UTC' : resolved;
  } catch {
    return null;
  }
}

/** Whether two IANA names are the same zone (not merely the same offset today). */
export function sameTimeZone(a: string, b: string): boolean {
  if (a === b) return true;
  const ca = canonicalZone(a);
  return ca !== null && ca === canonicalZone(b);
}

/**
 * A moment as the wall-clock time of a given zone, the zone named when it is not the browser's:
 * "Jan 3, 2027, 7:30 AM (Europe/Berlin)" for a job scheduled in Berlin, seen from London;
 * "Jan 3, 2027, 7:30 AM" where the browser is in Berlin too. A zone Intl does not know gives
 * the browser's time, named, so the time is never ambiguous.
 */
export function formatTimeInZone(iso: string | null | undefined, timeZone: string, opts: { localZone?: string; locale?: string } = {}): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const local = opts.localZone ?? localTimeZone();
  const style = { dateStyle: 'medium', timeStyle: 'short' } as const;
  try {
    const text = d.toLocaleString(opts.locale, { ...style, timeZone });
    return sameTimeZone(timeZone, local) ? text : `${text} (${timeZone})`;
  } catch {
    return `${d.toLocaleString(opts.locale, { ...style, timeZone: local })} (${local})`;
  }
}

export function formatDuration(startIso: string, endIso: string | null): string {
  if (!endIso) return '—';
  const s = Math.max(0, Math.round((Date.parse(endIso) - Date.parse(startIso)) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const formatNumber = (n: number): string => n.toLocaleString();

/**
 * A measured value for a person to read, not the value sent: at most 3 decimals, or 3 significant
 * digits below 1, so a converted 92723.506944 kWh reads 92,723.507 and 0.000123456 t stays visible
 * as 0.000123. Six decimals of a unit conversion are noise, not precision the file had.
 */
export function formatMeasure(n: number, locale?: string): string {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString(locale, n === 0 || Math.abs(n) >= 1 ? { maximumFractionDigits: 3 } : { maximumSignificantDigits: 3 });
}

/**
 * A number written out so no reader can take a separator the wrong way: no grouping, the decimal
 * separator the person chose, and its whole and decimal parts named ("12345,6": whole 12345,
 * decimals 6). "12,345.6" would read as twelve point three to someone who writes decimal commas.
 */
export function plainNumber(n: number, decimal: '.' | ','): { text: string; whole: string; decimals: string | null } {
  const en = n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 10 });
  const [whole, decimals] = en.split('.') as [string, string | undefined];
  return { text: decimals === undefined ? whole : `${whole}${decimal}${decimals}`, whole, decimals: decimals ?? null };
}

type RunCounts = Pick<RunSummary, 'status' | 'finishedAt' | 'read' | 'created' | 'updated' | 'deleted' | 'unchanged' | 'rejected'> & { held?: number };

/**
 * What a run did, in one line of a run list. An export sends nothing to the platform: it writes
 * the platform's rows to a file or table, so its line counts rows exported, never "values sent".
 * `jobType` is null for a run whose job was removed (read as an ingest run).
 */
export function runOutcome(r: RunCounts, jobType: 'ingest' | 'export' | null): string {
  if (!r.finishedAt) return 'in progress';
  const rows = (n: number) => plural(n, 'row', 'rows', formatNumber);
  if (jobType === 'export') {
    const e = exportCounts({ ...r, held: r.held ?? 0 });
    if (e.written === 0 && e.skipped === 0) return r.status === 'succeeded' ? 'no new rows to export' : 'nothing exported';
    return `${rows(e.written)} exported${e.deletedOnPlatform ? ` (${formatNumber(e.deletedOnPlatform)} deleted on the platform)` : ''}${e.skipped ? `, ${plural(e.skipped, 'footprint', 'footprints', formatNumber)} skipped` : ''}`;
  }
  const parts = [`${rows(r.read)} read`];
  // A deletion sends no value: said apart, so a run that only deleted is not read as one that sent data.
  const sent = r.created + r.updated;
  if (sent) parts.push(`${plural(sent, 'value', 'values', formatNumber)} sent`);
  if (r.deleted) parts.push(`${formatNumber(r.deleted)} deleted on the platform`);
  if (r.unchanged) parts.push(`${formatNumber(r.unchanged)} unchanged`);
  // Held rows are counted among the rejected; here, as on the run's page, they are apart.
  const held = r.held ?? 0;
  if (r.rejected - held > 0) parts.push(`${formatNumber(r.rejected - held)} rejected`);
  if (held) parts.push(`${formatNumber(held)} held`);
  return parts.join(', ');
}

/**
 * A database run reads from its saved watermark (inclusive). What it saves for the next run is not
 * "up to where it read" when rows were held (it stays at the first held row) or when the run did
 * not finish (nothing is saved), so it is said as what the next run does.
 */
export function watermarkText(run: Pick<RunSummary, 'watermarkFrom' | 'watermarkTo' | 'status' | 'held'>): string {
  const from = run.watermarkFrom ? `read from ${run.watermarkFrom}` : 'read from the first row';
  if (run.status !== 'succeeded' && run.status !== 'succeeded_with_rejections') return `${from}; not moved, as the run did not go through: the next run reads from there again`;
  if (!run.watermarkTo || run.watermarkTo === run.watermarkFrom) return `${from}; the next run reads from there again${run.held ? ' (rows are held there until they can be sent)' : ''}`;
  return `${from}; the next run reads from ${run.watermarkTo}${run.held ? ' (the first held row: held rows are read again until they can be sent)' : ''}`;
}
