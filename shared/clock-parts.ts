/**
 * A moment's calendar date and clock time as file-name tokens ({yyyy} {mm} {dd} {hh} {MM} {ss}):
 * in a named time zone (a job's schedule zone, or 'UTC'), or in this machine's zone. An export
 * job scheduled at 02:00 Asia/Tokyo on a server kept in UTC names its file by Tokyo's date, the
 * day its schedule says it ran, not the server's yesterday.
 */
export interface ClockParts {
  yyyy: string;
  mm: string;
  dd: string;
  hh: string;
  MM: string;
  ss: string;
}

const p2 = (n: number) => String(n).padStart(2, '0');
const formats = new Map<string, Intl.DateTimeFormat>();

export function clockParts(d: Date, timeZone?: string): ClockParts {
  if (!timeZone) return { yyyy: String(d.getFullYear()), mm: p2(d.getMonth() + 1), dd: p2(d.getDate()), hh: p2(d.getHours()), MM: p2(d.getMinutes()), ss: p2(d.getSeconds()) };
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, f);
  }
  const parts = f.formatToParts(d);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '00';
  return { yyyy: get('year'), mm: get('month'), dd: get('day'), hh: get('hour'), MM: get('minute'), ss: get('second') };
}
