/**
 * How the CLI writes a moment: "2026-12-08 06:00 UTC+01:00" ("… 05:00 UTC" at UTC). The same in every command and on any
 * server locale (toLocaleString gave "12/8/2026, 6:00:00 AM" on one and "08/12/2026" on another,
 * which reads as August), in the machine's own wall-clock time with its offset named, so a time
 * copied into a ticket still says when it was.
 */
export function cliTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset' })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  // longOffset is "GMT+01:00"; at UTC "GMT" or "GMT+00:00", depending on the ICU version.
  const offset = (parts.timeZoneName ?? 'GMT').replace(/^GMT(\+00:00)?$/, 'UTC').replace(/^GMT/, 'UTC');
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${offset}`;
}
