/**
 * What a job's held-back rows mean, in an analyst's words: one wording for the Jobs page, the
 * dashboard and `esg-sync job list` / `status`, so each says the same thing the same way.
 */
import type { HeldBack } from './dto';
import { inStep } from './mapping/wizard-steps';

export const rows = (n: number): string => `${n.toLocaleString('en-US')} ${n === 1 ? 'row' : 'rows'}`;

/** "since 2024-05-01 10:00:02" for a time or date watermark; "at watermark 1234" for an id. */
export function heldSince(h: HeldBack): string | null {
  if (h.watermark === null) return null;
  return /^\d{4}-\d{2}-\d{2}/.test(h.watermark) ? `since ${h.watermark}` : `at watermark ${h.watermark}`;
}

/** Where the codes are mapped: “the mapping's “Sites & periods” step” (or both steps). */
export function codeStepsText(h: HeldBack): string {
  const steps = h.codeSteps.length ? h.codeSteps : (['Sites & periods', 'Columns'] as const);
  return steps.length === 1 ? inStep(steps[0]!) : `${inStep(steps[0]!)} or “${steps[1]}” step`;
}

/** "site", "metric" or "site or metric": which codes wait, as far as the run could tell. */
export function codeKind(h: HeldBack): string {
  if (h.codeSteps.length === 1) return h.codeSteps[0] === 'Columns' ? 'metric' : 'site';
  return 'site or metric';
}

export interface HeldBackWords {
  /** Codes not mapped: a person has to act. Periods only: nothing to do but wait. */
  tone: 'warn' | 'info';
  /** "Held back since 2024-05-01 10:00:02" */
  headline: string;
  /** The rows waiting for codes and what to do about them; null when none do. */
  codes: string | null;
  /** The rows waiting for their period to end; null when none do. */
  periods: string | null;
  /** Why the watermark matters: every run reads again from it. */
  rereads: string | null;
}

export function heldBackWords(h: HeldBack, formatTime: (iso: string) => string): HeldBackWords {
  const since = heldSince(h);
  const wait = (n: number) => (n === 1 ? 'waits' : 'wait');
  const them = h.codes === 1 ? 'it' : 'them';
  const codes = h.codes
    ? `${rows(h.codes)} ${wait(h.codes)} for ${h.codes === 1 ? `its ${codeKind(h)} code` : `their ${codeKind(h)} codes`} to be mapped${h.codeValues.length ? ` (${h.codeValues.join(', ')}${h.moreCodes ? ', …' : ''})` : ''}${h.codesSince ? `, since ${formatTime(h.codesSince)}` : ''}: map ${them} in ${codeStepsText(h)}, then run the job, and ${them === 'it' ? 'it is' : 'they are'} sent.`
    : null;
  const periods = h.periods
    ? `${rows(h.periods)} ${wait(h.periods)} for ${h.periods === 1 ? 'its period' : 'their periods'} to end${h.periodsEnd ? ` (the last on ${h.periodsEnd})` : ''}: ${h.periods === 1 ? 'it is sent on its' : 'they are sent on their'} own then, nothing to do.`
    : null;
  return {
    tone: h.codes ? 'warn' : 'info',
    headline: since ? `Held back ${since}` : 'Rows held',
    codes,
    periods,
    // The watermark's own since is said only where the codes' since did not say it already.
    rereads: h.watermark === null ? null : `Every run reads again from there until ${h.codes + h.periods === 1 ? 'it is' : 'they are'} sent${h.codes && h.codesSince === h.since ? '' : ` (the watermark has stayed there since ${formatTime(h.since)})`}.`,
  };
}
