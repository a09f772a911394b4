import { stat } from 'node:fs/promises';
import { todayYmd } from '../../../shared/mapping/dates';
import type { RunSummary } from '../../../shared/api';
import type { Engine } from '../engine';
import type { RunRequest } from './job-runner';

/** How often the agent looks for held rows whose period is now over. */
export const HELD_DUE_CHECK_MS = 60 * 60_000;

/**
 * Sends, on its own, the rows a file run held only because their period had not ended: once every
 * such period is over, the run's file is read again for those lines, as "Send the held rows" does.
 * Each run is tried at most once a day (a file gone or a job paused is tried again tomorrow).
 */
export async function sendDueHeldRows(
  engine: Engine,
  trigger: (jobId: string, extra: Partial<RunRequest>) => Promise<RunSummary> | null,
): Promise<number> {
  const { store } = engine;
  const today = todayYmd(engine.clock.now());
  let started = 0;
  for (const due of store.runs.dueHeldRuns(today)) {
    const tried = `heldDue:${due.runId}`;
    if (store.settings.getRaw(tried) === today) continue;
    const job = store.jobs.get(due.jobId);
    if (!job?.sourceId || job.paused) continue;
    // The file is where its run left it (processed/, or kept in the folder).
    const path = store.sources.fileByHash(job.sourceId, due.sha256)?.path ?? due.file;
    const size = path ? (await stat(path).catch(() => null))?.size : undefined;
    store.settings.setRaw(tried, today);
    if (!path || size === undefined) {
      engine.logger.warn({ runId: due.runId, path }, 'held rows are due but their file is no longer there; put it back to have them sent');
      continue;
    }
    const run = trigger(job.id, { file: { path, size, sha256: due.sha256 }, heldOf: due.runId });
    if (!run) continue;
    started++;
    engine.logger.info({ runId: due.runId, job: job.name }, 'sending held rows whose period is now over');
    run.catch((err: unknown) => engine.logger.warn({ runId: due.runId, reason: err instanceof Error ? err.message : String(err) }, 'held rows could not be sent'));
  }
  return started;
}
