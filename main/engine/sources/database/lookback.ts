/**
 * The re-read look-back of an incremental read: where a run starts below the saved watermark.
 *
 * A row can become visible after a later one: a PostgreSQL transaction stamps `updated_at = now()`
 * (its start time) and commits seconds later; a MariaDB/MySQL or SQLite writer does the same, and
 * a sequence or auto-increment id is handed out at insert, not at commit. A run that read the later
 * row in between saved a watermark past the late one, and reading `>= watermark` never sees it.
 * Reading from `watermark − look-back` re-reads the rows of that window; the ledger finds those
 * already sent unchanged, so nothing is sent twice. The saved watermark itself never moves back:
 * see `buildRead` (rows of the window report the saved watermark as theirs).
 *
 * The bound is computed here, in JS, from the watermark as the database printed it (the reader
 * selects the column as text), and is given back in the same shape, so the database compares the
 * column with it exactly as it compares the column with the saved watermark:
 *
 * - A date-time (`2024-05-01 10:00:00`, `…T10:00:00.123456Z`, `…+02`, `…-05:30`, no seconds):
 *   the look-back in seconds is taken off its wall-clock time; the zone offset (or its absence),
 *   the separator and the fraction are kept as they are. An offset is kept, so the result is the
 *   same instant minus the look-back; a value without one (timestamp without time zone, DATETIME,
 *   ISO text) is compared in whatever zone it was written in. A value printed to the minute is
 *   rounded down to the minute.
 * - A date (`2024-05-01`, a DATE column or ISO text): whole days, rounded up (300 s → 1 day).
 * - A number (an id, an epoch): the numeric look-back, in the column's own unit, exactly (integers
 *   as BigInt, decimals digit by digit).
 * - Anything else (text that is not an ISO date, a year outside 0001–9999, `infinity`): no look-back.
 */

export interface LookbackSettings {
  /** Seconds, for date and date-time watermark values. */
  watermarkLookbackSeconds?: number;
  /** Units of the column (ids), for numeric watermark values. */
  watermarkLookbackIds?: number;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(\s*(?:Z|[+-]\d{2}(?::?\d{2}){0,2}))?)?$/;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^(-?)(\d+)\.(\d+)$/;
const FLOAT = /^-?\d+(\.\d+)?e[-+]?\d+$/i;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * The value a run reads from: `watermark − look-back` in the watermark's own format, or null when
 * no look-back applies (none set, or a value it cannot be taken from; the run then reads from the
 * watermark itself, as before).
 */
export function lookbackBound(watermark: string, settings: LookbackSettings): string | null {
  const seconds = settings.watermarkLookbackSeconds ?? 0;
  const ids = settings.watermarkLookbackIds ?? 0;
  if (INTEGER.test(watermark) || DECIMAL.test(watermark) || FLOAT.test(watermark)) return ids > 0 ? minusNumber(watermark, ids) : null;
  return seconds > 0 ? minusTime(watermark, seconds) : null;
}

function minusNumber(w: string, n: number): string | null {
  if (!Number.isSafeInteger(n)) return null;
  if (INTEGER.test(w)) return (BigInt(w) - BigInt(n)).toString();
  const d = DECIMAL.exec(w);
  if (d) {
    // Exact: the digits as one integer, scaled by the fraction's length.
    const scale = d[3]!.length;
    const scaled = BigInt(`${d[1]}${d[2]}${d[3]}`) - BigInt(n) * 10n ** BigInt(scale);
    const neg = scaled < 0n;
    const digits = (neg ? -scaled : scaled).toString().padStart(scale + 1, '0');
    return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  const v = Number(w) - n;
  return Number.isFinite(v) ? String(v) : null;
}

function minusTime(w: string, seconds: number): string | null {
  const m = DATE_TIME.exec(w);
  if (!m) return null;
  const [, y, mo, d, sep, h, mi, s, fraction, zone] = m;
  const hasTime = sep !== undefined;
  const t = new Date(0);
  t.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  t.setUTCHours(hasTime ? Number(h) : 0, hasTime ? Number(mi) : 0, s !== undefined ? Number(s) : 0, 0);
  // A value the calendar does not have (2024-02-30, 25:00) is not a date: no look-back.
  if (t.getUTCFullYear() !== Number(y) || t.getUTCMonth() !== Number(mo) - 1 || t.getUTCDate() !== Number(d)) return null;
  if (hasTime && (t.getUTCHours() !== Number(h) || t.getUTCMinutes() !== Number(mi))) return null;
  // A date has no time of day: whole days, rounded up so the window is never shorter than asked.
  const ms = hasTime ? seconds * 1000 : Math.ceil(seconds / 86400) * 86_400_000;
  const b = new Date(t.getTime() - ms);
  const year = b.getUTCFullYear();
  if (year < 1 || year > 9999) return null;
  const day = `${pad(year, 4)}-${pad(b.getUTCMonth() + 1)}-${pad(b.getUTCDate())}`;
  if (!hasTime) return day;
  // Printed to the minute: the bound is rounded down to the minute (further back, never less).
  const secondsPart = s !== undefined ? `:${pad(b.getUTCSeconds())}${fraction ?? ''}` : '';
  return `${day}${sep}${pad(b.getUTCHours())}:${pad(b.getUTCMinutes())}${secondsPart}${zone ?? ''}`;
}
