import type { RunSummary, Settings } from '../../shared/api';

export interface RunNotice {
  title: string;
  body: string;
  runId: number;
}

/**
 * The desktop notification for a finished run, or null when there is nothing to say: only
 * failed runs and runs needing a person are announced, and only when the user wants that.
 */
export function runNotice(run: RunSummary, settings: Pick<Settings, 'notifyOnFailure'>): RunNotice | null {
  if (!settings.notifyOnFailure) return null;
  if (run.status === 'failed') {
    return { title: `“${run.jobName}” failed`, body: firstLine(run.error) ?? 'The run stopped with an error. Click to see what happened.', runId: run.id };
  }
  if (run.status === 'needs_attention') {
    return {
      title: `“${run.jobName}” needs your attention`,
      body: firstLine(run.error) ?? 'The run is waiting for a decision. Click to review it.',
      runId: run.id,
    };
  }
  return null;
}

function firstLine(text: string | null): string | null {
  if (!text) return null;
  const line = text.split('\n')[0]!.trim();
  return line.length > 180 ? `${line.slice(0, 177)}…` : line || null;
}

/** One notification per run, however often its finished event is delivered. */
export class NoticeGate {
  private readonly seen = new Set<number>();
  admit(runId: number): boolean {
    if (this.seen.has(runId)) return false;
    this.seen.add(runId);
    if (this.seen.size > 1000) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}
