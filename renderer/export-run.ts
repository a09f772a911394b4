/**
 * Facts of an export run for its page. An export records where it wrote only in its timeline, as
 * the runner's summary sentence (main/engine/sync/export/runner.ts, summarise): "Wrote 23 rows to
 * /out/subs.csv." or "Wrote 2 rows (1 deleted on the platform) to table "t".". A run that wrote no
 * file (nothing new) says so in other words and has no destination here.
 */
const WROTE = /^Wrote \d+ rows? (?:\(\d+ deleted on the platform\) )?to (.+)\.$/s;
/** A table's sentence may go on: "; removed 2 rows no longer on the platform." and "Table "t" was not there, …". */
const TABLE = /^Wrote \d+ rows? (?:\(\d+ deleted on the platform\) )?to table "(.+?)"(?:; removed \d+ rows? no longer on the platform)?\.(?: Table ".*" was not there, so every row was exported again\.)?$/s;

export type ExportOutput = { kind: 'file'; path: string } | { kind: 'table'; table: string };

export function exportOutput(events: readonly { message: string }[]): ExportOutput | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const t = TABLE.exec(events[i]!.message);
    if (t) return { kind: 'table', table: t[1]! };
    const m = WROTE.exec(events[i]!.message);
    if (m) return { kind: 'file', path: m[1]! };
  }
  return null;
}

/** An ISO 8601 instant (date, time and zone): a moment formatTime can show without guessing. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * An export's cursor as a person reads it: a platform timestamp in the app's time format; any
 * other value (a cursor that is no instant) exactly as it is, since rewriting it could change it.
 */
export function cursorText(value: string, formatTime: (iso: string) => string): string {
  return ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value)) ? formatTime(value) : value;
}
