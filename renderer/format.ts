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

export function formatDuration(startIso: string, endIso: string | null): string {
  if (!endIso) return '—';
  const s = Math.max(0, Math.round((Date.parse(endIso) - Date.parse(startIso)) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const formatNumber = (n: number): string => n.toLocaleString();
