import type { ConnectionInfo, EngineStatus, JobInfo, SourceInfo } from '../../shared/api';
import { attentionItems } from '../../shared/attention';

export type TrayKind = 'ok' | 'syncing' | 'attention' | 'paused';

export interface TrayState {
  kind: TrayKind;
  /** One line for the tray tooltip (also the accessible name of the tray item). */
  tooltip: string;
  /** The first line of the tray menu, saying the same in a sentence. */
  headline: string;
  paused: boolean;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What the tray shows, from the engine's status and what needs a person. "Attention" is what the
 * dashboard lists (shared/attention.ts: a failed or waiting run, rows rejected or waiting for
 * codes, a folder that cannot be read, a sign-in refused), so the tray is calm exactly when the
 * dashboard says all clear — plus credentials that cannot be read. It outranks "syncing", which
 * outranks "paused".
 */
export function trayState(
  status: EngineStatus,
  jobs: readonly JobInfo[],
  now: Date = new Date(),
  others: { sources?: readonly SourceInfo[]; connections?: readonly ConnectionInfo[] } = {},
): TrayState {
  const failing = attentionItems(jobs, others.sources ?? [], others.connections ?? [], { errorOf: () => null, formatTime: (iso) => iso, now });
  const secretsMissing = !status.secretStore.available && status.counts.connections > 0;
  const running = status.counts.runningRuns;
  const paused = status.pausedUntil !== null;
  const pauseText = !paused ? '' : status.pausedUntil === 'forever' ? 'Syncs paused until you resume them' : `Syncs paused until ${clock(status.pausedUntil!, now)}`;

  const parts: string[] = [];
  let kind: TrayKind = 'ok';
  if (failing.length || secretsMissing) {
    kind = 'attention';
    // One thing is named ("sign-in failing: Sandbox"); more are counted, the dashboard lists them.
    if (failing.length === 1) parts.push(`${failing[0]!.label.toLowerCase()}: ${failing[0]!.subject}`);
    else if (failing.length) parts.push(`${failing.length} things need attention`);
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
