import type { EngineStatus, JobInfo } from '../../shared/api';

export type TrayKind = 'ok' | 'syncing' | 'attention' | 'paused';

export interface TrayState {
  kind: TrayKind;
  /** One line for the tray tooltip (also the accessible name of the tray item). */
  tooltip: string;
  /** The first line of the tray menu, saying the same in a sentence. */
  headline: string;
  paused: boolean;
}

const ATTENTION_STATUSES = new Set(['failed', 'needs_attention']);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What the tray shows, from the engine's status and each job's last run. "Attention" means a
 * job whose latest run failed or needs a person (a later good run clears it), or credentials
 * that cannot be read; it outranks "syncing", which outranks "paused".
 */
export function trayState(status: EngineStatus, jobs: readonly JobInfo[], now: Date = new Date()): TrayState {
  const failing = jobs.filter((j) => j.lastRun && ATTENTION_STATUSES.has(j.lastRun.status));
  const secretsMissing = !status.secretStore.available && status.counts.connections > 0;
  const running = status.counts.runningRuns;
  const paused = status.pausedUntil !== null;
  const pauseText = !paused ? '' : status.pausedUntil === 'forever' ? 'Syncs paused until you resume them' : `Syncs paused until ${clock(status.pausedUntil!, now)}`;

  const parts: string[] = [];
  let kind: TrayKind = 'ok';
  if (failing.length || secretsMissing) {
    kind = 'attention';
    if (failing.length) parts.push(`${plural(failing.length, 'job')} need${failing.length === 1 ? 's' : ''} attention`);
    if (secretsMissing) parts.push('credentials cannot be read');
  }
  if (running > 0) {
    if (kind === 'ok') kind = 'syncing';
    parts.push(`syncing (${plural(running, 'run')})`);
  }
  if (paused) {
    if (kind === 'ok') kind = 'paused';
    parts.push(pauseText.charAt(0).toLowerCase() + pauseText.slice(1));
  }
  if (kind === 'ok') parts.push(jobs.length ? `all ${plural(jobs.length, 'job')} OK` : 'no jobs yet');

  const sentence = parts.join(', ');
  const headline = sentence.charAt(0).toUpperCase() + sentence.slice(1);
  return { kind, tooltip: `ESG Sync Agent — ${sentence}`, headline, paused };
}

function clock(iso: string, now: Date): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return at.toDateString() === now.toDateString() ? time : `${at.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${time}`;
}
