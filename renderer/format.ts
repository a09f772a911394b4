import type { RunStatus, RunTrigger } from '../shared/domain';

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

export const statusTone = (s: RunStatus): 'ok' | 'warn' | 'bad' | 'info' =>
  s === 'succeeded' ? 'ok' : s === 'failed' ? 'bad' : s === 'running' || s === 'queued' ? 'info' : 'warn';

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
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
