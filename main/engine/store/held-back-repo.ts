import { HeldBack } from '../../../shared/dto';
import type { Db } from './database';
import type { SettingsRepo } from './settings-repo';

/**
 * Where each database ingest job's watermark is held back by rows it holds, noted once per run.
 *
 * The jobs list is polled, and working this out from history means counting the latest run's held
 * rows and walking back through every run since the watermark stopped — months of runs for a code
 * nobody maps. So the run works it out once, when it finishes, and the list reads one row per job.
 * It lives in the settings table (as the scheduler's last slots do), so no migration is needed.
 */
const key = (jobId: string) => `heldBack:${jobId}`;

// A held value's reason when its period has not ended yet (msg.futurePeriod); the others are codes
// not mapped (msg.held), which name the platform "metric" for a metric code and the site's label otherwise.
const EARLY = '%has not ended yet%';
const METRIC_CODE = '%not mapped to a platform metric yet%';
const SUCCEEDED = "('succeeded', 'succeeded_with_rejections')";

/** What a finished database run says, as the runner recorded it. */
export interface FinishedDatabaseRun {
  id: number;
  startedAt: string;
  /** Rows held (codes or periods). */
  held: number;
  /** Values rejected, and each held row once (HeldRows.rejectedCount). */
  rejected: number;
  watermarkTo: string | null;
}

export class HeldBackRepo {
  constructor(
    private readonly db: Db,
    private readonly settings: SettingsRepo,
  ) {}

  /** The job's held-back rows, if its watermark is still where they hold it. */
  get(jobId: string, cursor: string | null): HeldBack | null {
    const note = this.noted(jobId);
    // A cursor moved by other means (the job now reads another source) is no longer held by them.
    return note && note.watermark === cursor ? note : null;
  }

  clear(jobId: string): void {
    this.settings.deleteRaw(key(jobId));
  }

  /**
   * After a database run that succeeded (so the job's cursor is now `run.watermarkTo`): notes the
   * rows it held and since when, or clears the note when it held none. Runs that failed or stopped
   * leave the note as it is: they did not move the watermark.
   */
  noteRun(jobId: string, run: FinishedDatabaseRun): HeldBack | null {
    if (run.held <= 0) {
      this.clear(jobId);
      return null;
    }
    const rows = this.heldRows(run.id);
    const before = this.noted(jobId);
    // Same watermark as the last note: still the same hold. Another one: the first held rows were
    // sent and the watermark moved on to the next, so that hold starts with this run. No note at
    // all (the first hold, or runs from before notes were kept): history says since when.
    const start = before?.watermark === run.watermarkTo ? { id: before.sinceRunId, at: before.since } : before ? { id: run.id, at: run.startedAt } : this.holdStart(jobId, run);
    // Codes count from the first run that held any, however the watermark moved since: mapping one
    // code while another stays unmapped still leaves rows waiting for a person. (With no note, the
    // hold's start is the best guess: history does not say which rows held it.)
    const codesSince = rows.codes === 0 ? null : (before?.codesSince ?? (before ? run.startedAt : start.at));
    const codes = rows.codes ? this.codeValues(run.id) : [];
    const note: HeldBack = {
      watermark: run.watermarkTo,
      since: start.at,
      sinceRunId: start.id,
      runId: run.id,
      codes: rows.codes,
      codesSince,
      codeValues: codes.slice(0, 5),
      moreCodes: codes.length > 5,
      // Site and metric codes are both mapped in "Sites & periods" (the metric column's codes are listed there too).
      codeSteps: rows.siteRows || rows.metricRows ? ['Sites & periods'] : [],
      periods: rows.periods,
      periodsEnd: rows.periodsEnd,
      rejectedOther: Math.max(0, run.rejected - run.held),
    };
    this.settings.setRaw(key(jobId), note);
    return note;
  }

  private noted(jobId: string): HeldBack | null {
    const parsed = HeldBack.safeParse(this.settings.getRaw(key(jobId)));
    return parsed.success ? parsed.data : null;
  }

  /**
   * A run's held rows by why (a row holding a code counts there even if a period is early too,
   * as the run's own count does), from its row errors: once per run, by the run's index.
   */
  private heldRows(runId: number): { codes: number; periods: number; siteRows: number; metricRows: number; periodsEnd: string | null } {
    const r = this.db
      .prepare(
        `WITH lines AS (
           SELECT MAX(reason NOT LIKE @early) AS code,
                  MAX(reason NOT LIKE @early AND reason LIKE @metric) AS metric,
                  MAX(reason NOT LIKE @early AND reason NOT LIKE @metric) AS site,
                  MAX(CASE WHEN reason LIKE @early THEN substr(value, instr(value, '..') + 2) END) AS lastEnd
             FROM row_errors WHERE run_id = @runId AND held = 1 GROUP BY line_order)
         SELECT SUM(code) AS codes, SUM(1 - code) AS periods, SUM(site) AS siteRows, SUM(metric) AS metricRows,
                MAX(CASE WHEN code = 0 THEN lastEnd END) AS periodsEnd
           FROM lines`,
      )
      .get({ runId, early: EARLY, metric: METRIC_CODE }) as Record<'codes' | 'periods' | 'siteRows' | 'metricRows', number | null> & { periodsEnd: string | null };
    return { codes: r.codes ?? 0, periods: r.periods ?? 0, siteRows: r.siteRows ?? 0, metricRows: r.metricRows ?? 0, periodsEnd: r.periodsEnd };
  }

  private codeValues(runId: number): string[] {
    return this.db
      .prepare('SELECT DISTINCT value FROM row_errors WHERE run_id = ? AND held = 1 AND reason NOT LIKE ? AND value IS NOT NULL ORDER BY value LIMIT 6')
      .pluck()
      .all(runId, EARLY) as string[];
  }

  /**
   * The first run of the unbroken series of succeeded runs, up to this one, that each held rows and
   * left the watermark where this one did (failed runs in between do not break it: they leave the
   * watermark alone). Walks the job's runs once, when a hold is first noted, never per list call.
   */
  private holdStart(jobId: string, run: FinishedDatabaseRun): { id: number; at: string } {
    const first = this.db
      .prepare(
        `SELECT id, started_at AS at FROM runs
          WHERE job_id = @jobId AND id <= @runId AND status IN ${SUCCEEDED}
            AND id > IFNULL((SELECT MAX(id) FROM runs WHERE job_id = @jobId AND id < @runId AND status IN ${SUCCEEDED}
                               AND (held = 0 OR watermark_to IS NOT @watermark)), 0)
          ORDER BY id LIMIT 1`,
      )
      .get({ jobId, runId: run.id, watermark: run.watermarkTo }) as { id: number; at: string } | undefined;
    return first ?? { id: run.id, at: run.startedAt };
  }
}
