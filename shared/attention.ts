/**
 * What needs a person, most serious first: a job whose last run failed or waits for a decision, a
 * database job whose rows have waited a week for their codes to be mapped, a file left waiting in
 * a folder, a folder that cannot be read, a sign-in the platform refuses. One list for the
 * dashboard and for `esg-sync status`, so both say the same thing the same way.
 */
import type { ConnectionInfo, JobInfo, SourceInfo } from './dto';
import type { RunStatus } from './domain';
import { codeKind, codeStepsText, rows } from './held-back';

export interface AttentionItem {
  key: string;
  tone: 'bad' | 'warn';
  label: string;
  /** One sentence; `subject` is the name in it a page may show in bold. */
  text: string;
  subject: string;
  detail: string | null;
  /** Where to look: a run, or a page. */
  runId: number | null;
  page: 'history' | 'sources' | 'connections';
}

/** What a job's last run says when it needs a person, in their words. */
const PROBLEM: Partial<Record<RunStatus, string>> = {
  failed: 'failed',
  needs_attention: 'is waiting for your decision',
  interrupted: 'was interrupted before it finished',
  succeeded_with_rejections: 'went through, but some rows were rejected',
};

const LABEL: Partial<Record<RunStatus, string>> = {
  failed: 'Failed',
  needs_attention: 'Needs attention',
  interrupted: 'Interrupted',
  succeeded_with_rejections: 'Rows rejected',
};

const fileName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/**
 * How long rows of a database job may wait for a site or metric code to be mapped before that
 * needs someone (the dashboard lists it, `esg-sync status` exits 1). Counted in days, not runs:
 * one job runs every five minutes and another once a month, so a number of runs would mean an
 * hour for one and a year for the other, while the person mapping a new code works in days — it
 * often waits for the platform's administrator to create the site first. A week leaves that time
 * and still says it well inside a monthly reporting cycle, before the re-read range has grown for
 * long. Rows waiting only for their period to end never count: they are sent on their own.
 */
export const HELD_CODES_ATTENTION_DAYS = 7;

/** How a connection's status starts when a run, not a person's Test, was refused sign-in. */
export const REFUSED_BY_RUN = 'A run was refused sign-in';
/** Said with it: the engine's scheduled runs on that connection back off (main/engine/sync/service.ts SIGN_IN_RETRY_MS). */
const REFUSED_BACKOFF = 'Its scheduled runs try to sign in again at most once an hour until its secret is rotated or Test succeeds on the Connections page.';
const DAY_MS = 24 * 3600_000;

/**
 * A failed Test is recorded as "headline: message" (main/engine/connections/service.ts record);
 * the item's label already says it in short, and the message says it in full.
 */
function withoutHeadline(message: string | null): string | null {
  const at = message?.indexOf(': ') ?? -1;
  return message && at > 0 ? message.slice(at + 2) : message;
}

export function attentionItems(
  jobs: readonly JobInfo[],
  sources: readonly SourceInfo[],
  connections: readonly ConnectionInfo[],
  opts: { errorOf: (runId: number) => string | null; formatTime: (iso: string) => string; label?: (status: RunStatus) => string; now?: Date },
): AttentionItem[] {
  const items: AttentionItem[] = [];
  const now = (opts.now ?? new Date()).getTime();
  for (const j of jobs) {
    // A run that found nothing to do after one that rejected rows ("Run now" with no new file)
    // settles nothing: the rejected rows are still not on the platform.
    const done = j.lastDoneRun ?? null;
    const last = j.lastRun?.status === 'succeeded' && done?.status === 'succeeded_with_rejections' ? done : j.lastRun;
    const held = j.heldBack ?? null;
    // A database run whose only "rejections" are rows it holds went through: those rows are the
    // held-back rule's below, not "rows rejected" from the first run on.
    const onlyHeld = held !== null && last?.id === held.runId && last.status === 'succeeded_with_rejections' && held.rejectedOther === 0;
    if (held && held.codes > 0 && held.codesSince && now - Date.parse(held.codesSince) >= HELD_CODES_ATTENTION_DAYS * DAY_MS) {
      items.push({
        key: `held-${j.id}`,
        tone: 'warn',
        label: 'Codes not mapped',
        subject: j.name,
        text: `${j.name} has held back ${rows(held.codes)} since ${opts.formatTime(held.codesSince)}: their ${codeKind(held)} codes are not mapped yet, so they are not sent${held.watermark !== null ? `, and every run reads again from watermark ${held.watermark}` : ''}.`,
        detail: `Map ${held.codeValues.length ? `${held.codeValues.join(', ')}${held.moreCodes ? ' and the others' : ''}` : 'the codes'} in ${codeStepsText(held)}, then run the job; the run's page lists the rows.`,
        runId: held.runId,
        page: 'history',
      });
    }
    const codes = j.waitingForCodes ?? null;
    if (codes) {
      items.push({
        key: `codes-${j.id}`,
        tone: 'warn',
        label: 'Codes not mapped',
        subject: j.name,
        text: `${rows(codes.rows)} of ${codes.files === 1 ? 'a file' : `${codes.files} files`} for ${j.name} ${codes.rows === 1 ? 'waits' : 'wait'} for ${codes.rows === 1 ? 'its' : 'their'} site or metric code to be mapped: nothing of ${codes.rows === 1 ? 'it' : 'them'} was sent.`,
        detail: `Map the codes (the run's page lists them and opens the mapping), then send the held rows from that page.`,
        runId: codes.runId,
        page: 'history',
      });
    }
    // A file run whose only rejections are rows it holds: those are the item above, or rows
    // waiting for their period, which are sent on their own.
    const fileOnlyHeld = done !== null && last?.id === done.id && done.held > 0 && done.rejected <= done.held && held === null;
    if (!last || !(last.status in PROBLEM) || onlyHeld || fileOnlyHeld) continue;
    items.push({
      key: `job-${j.id}`,
      tone: last.status === 'failed' ? 'bad' : 'warn',
      label: opts.label?.(last.status) ?? LABEL[last.status]!,
      subject: j.name,
      text:
        `The last run of ${j.name} ${PROBLEM[last.status]}${last.finishedAt ? ` (${opts.formatTime(last.finishedAt)})` : ''}.` +
        // A failure that may pass is tried again on its own: said, so nobody presses Run now in a hurry.
        (last.status === 'failed' && j.nextRunIsRetry && j.nextRunAt ? ` It is tried again automatically at ${opts.formatTime(j.nextRunAt)}.` : ''),
      detail: opts.errorOf(last.id),
      runId: last.id,
      page: 'history',
    });
  }
  // A file left waiting for a decision stays here after later files of the folder went through:
  // in a shared drop folder the next colleague's file always arrives.
  const shownRuns = new Set(jobs.map((j) => j.lastRun?.id));
  for (const s of sources) {
    for (const w of s.waiting ?? []) {
      if (w.runId === null || shownRuns.has(w.runId) || (w.runStatus !== 'needs_attention' && w.runStatus !== 'failed')) continue;
      items.push({
        key: `waiting-${s.id}-${w.path}`,
        tone: 'warn',
        label: 'File waiting',
        subject: fileName(w.path),
        text: `${fileName(w.path)} is waiting in ${s.name}: nothing of it was sent.`,
        detail: w.runError,
        runId: w.runId,
        page: 'history',
      });
    }
  }
  for (const s of sources) {
    if (s.paused || (s.status !== 'missing' && s.status !== 'error')) continue;
    items.push({
      key: `source-${s.id}`,
      tone: 'bad',
      label: s.status === 'missing' ? 'Folder missing' : 'Cannot read',
      subject: s.name,
      text: s.kind === 'database' ? `The database source ${s.name} cannot be read, so its new rows are not sent.` : `The source ${s.name} cannot be read, so new files are not picked up.`,
      detail: s.statusMessage,
      runId: null,
      page: 'sources',
    });
  }
  for (const c of connections) {
    if (c.lastTestOk !== false) continue;
    items.push({
      key: `connection-${c.id}`,
      tone: 'bad',
      label: 'Sign-in failing',
      subject: c.name,
      text: `The agent could not sign in to the platform as ${c.name}; its jobs cannot send or fetch data.`,
      detail: c.lastTestMessage?.startsWith(REFUSED_BY_RUN) ? `${c.lastTestMessage} ${REFUSED_BACKOFF}` : withoutHeadline(c.lastTestMessage),
      runId: null,
      page: 'connections',
    });
  }
  return items.sort((a, b) => (a.tone === b.tone ? 0 : a.tone === 'bad' ? -1 : 1));
}
