/**
 * What a run's counts say, the same on the run's page, in the job's progress line and in the CLI.
 * An ingest counts values (created, updated, deleted, unchanged, rejected on the platform); an
 * export sends nothing, so its counts are the rows it wrote. The export runner stores them in
 * the same columns (job-runner: read = rows written + footprints skipped, created = rows with the
 * platform's current data, deleted = tombstones, rejected = footprints skipped); this reads them back.
 */
import { plural } from './plural';

type Counts = { read: number; created: number; updated: number; deleted: number; unchanged: number; rejected: number; held: number };

export type ExportCounts = {
  /** Every row written to the file or table, tombstones included. */
  written: number;
  /** Of those, rows deleted on the platform since the last export. */
  deletedOnPlatform: number;
  /** PACT footprints left out because they failed validation. */
  skipped: number;
};

export function exportCounts(run: Counts): ExportCounts {
  return { written: Math.max(0, run.read - run.rejected), deletedOnPlatform: run.deleted, skipped: run.rejected };
}

export type CountStat = { label: string; value: number; tone?: 'warn' };

/** The figures a run's page shows, labelled for what its job does. */
export function runCountStats(run: Counts, isExport: boolean): CountStat[] {
  if (isExport) {
    const e = exportCounts(run);
    return [
      { label: 'Rows written', value: e.written },
      { label: 'Deleted on the platform', value: e.deletedOnPlatform },
      ...(e.skipped > 0 ? [{ label: 'Skipped', value: e.skipped, tone: 'warn' as const }] : []),
    ];
  }
  const refused = run.rejected - run.held;
  return [
    { label: 'Rows read', value: run.read },
    { label: 'Created', value: run.created },
    { label: 'Updated', value: run.updated },
    { label: 'Deleted', value: run.deleted },
    { label: 'Unchanged', value: run.unchanged },
    { label: 'Rejected', value: refused, ...(refused > 0 ? { tone: 'warn' as const } : {}) },
    ...(run.held > 0 ? [{ label: 'Held', value: run.held }] : []),
  ];
}

/** An export's counts in a phrase: "12 rows written (1 of them deleted on the platform), 2 footprints skipped". */
export function exportCountsPhrase(run: Counts, formatNumber: (n: number) => string = (n) => n.toLocaleString('en-US')): string {
  const e = exportCounts(run);
  return (
    `${plural(e.written, 'row', 'rows', formatNumber)} written` +
    (e.deletedOnPlatform ? ` (${formatNumber(e.deletedOnPlatform)} of them deleted on the platform)` : '') +
    (e.skipped ? `, ${plural(e.skipped, 'footprint', 'footprints', formatNumber)} skipped (failed PACT validation)` : '')
  );
}
