/**
 * Schedule presets ↔ cron expressions, for the cron editor. Pure: the engine stays the judge of
 * whether an expression is valid (jobs.describeSchedule), this only builds and recognises the
 * common shapes so most people never type cron.
 */

export type Preset =
  | { kind: 'none' }
  | { kind: 'hourly'; minute: number }
  | { kind: 'daily'; time: string }
  | { kind: 'weekdays'; time: string }
  | { kind: 'weekly'; weekday: number; time: string }
  | { kind: 'monthly'; day: number; time: string }
  | { kind: 'custom'; expression: string };

export type PresetKind = Preset['kind'];

export const PRESET_LABELS: Record<PresetKind, string> = {
  none: 'No schedule (on file arrival or by hand)',
  hourly: 'Every hour',
  daily: 'Every day at…',
  weekdays: 'Every weekday (Mon–Fri) at…',
  weekly: 'Every week on…',
  monthly: 'Every month on day…',
  custom: 'Custom (cron expression)',
};

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** The highest day of month offered: every month has it, so no month is skipped. */
export const MAX_MONTH_DAY = 28;

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

function splitTime(time: string): [number, number] | null {
  const m = TIME.exec(time);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** A problem with a preset's own fields, in words; null when it is complete. */
export function presetProblem(p: Preset): string | null {
  switch (p.kind) {
    case 'none':
      return null;
    case 'hourly':
      return Number.isInteger(p.minute) && p.minute >= 0 && p.minute <= 59 ? null : 'The minute past the hour is a whole number from 0 to 59.';
    case 'daily':
    case 'weekdays':
    case 'weekly':
    case 'monthly':
      if (!splitTime(p.time)) return 'Give the time as hours and minutes, like 06:30.';
      if (p.kind === 'weekly' && !(Number.isInteger(p.weekday) && p.weekday >= 0 && p.weekday <= 6)) return 'Choose a day of the week.';
      if (p.kind === 'monthly' && !(Number.isInteger(p.day) && p.day >= 1 && p.day <= MAX_MONTH_DAY)) return `The day of the month is from 1 to ${MAX_MONTH_DAY} (every month has it).`;
      return null;
    case 'custom':
      return p.expression.trim() ? null : 'Type a cron expression, for example 0 6 * * 1-5.';
  }
}

/** The cron expression of a preset; null for "no schedule" or an incomplete preset. */
export function toCron(p: Preset): string | null {
  if (p.kind === 'none' || presetProblem(p)) return null;
  if (p.kind === 'custom') return p.expression.trim().replace(/\s+/g, ' ');
  if (p.kind === 'hourly') return `${p.minute} * * * *`;
  const [h, m] = splitTime(p.time)!;
  switch (p.kind) {
    case 'daily':
      return `${m} ${h} * * *`;
    case 'weekdays':
      return `${m} ${h} * * 1-5`;
    case 'weekly':
      return `${m} ${h} * * ${p.weekday}`;
    case 'monthly':
      return `${m} ${h} ${p.day} * *`;
  }
}

const NUM = /^\d{1,2}$/;
const pad = (n: number) => String(n).padStart(2, '0');

/** Recognises the expressions the presets make; anything else opens as a custom expression. */
export function fromCron(expression: string | null): Preset {
  if (!expression || !expression.trim()) return { kind: 'none' };
  const f = expression.trim().split(/\s+/);
  const custom: Preset = { kind: 'custom', expression: expression.trim() };
  if (f.length !== 5) return custom;
  const [min, hour, dom, mon, dow] = f as [string, string, string, string, string];
  if (!NUM.test(min) || Number(min) > 59 || mon !== '*') return custom;
  const minute = Number(min);
  if (hour === '*' && dom === '*' && dow === '*') return { kind: 'hourly', minute };
  if (!NUM.test(hour) || Number(hour) > 23) return custom;
  const time = `${pad(Number(hour))}:${pad(minute)}`;
  if (dom === '*' && dow === '*') return { kind: 'daily', time };
  if (dom === '*' && dow === '1-5') return { kind: 'weekdays', time };
  if (dom === '*' && /^[0-6]$/.test(dow)) return { kind: 'weekly', weekday: Number(dow), time };
  if (dow === '*' && NUM.test(dom) && Number(dom) >= 1 && Number(dom) <= MAX_MONTH_DAY) return { kind: 'monthly', day: Number(dom), time };
  return custom;
}

/** A fresh preset of a kind, carrying over the time (or expression) of the one it replaces. */
export function switchPreset(from: Preset, kind: PresetKind): Preset {
  const time = 'time' in from ? from.time : '06:00';
  switch (kind) {
    case 'none':
      return { kind };
    case 'hourly':
      return { kind, minute: from.kind === 'hourly' ? from.minute : 0 };
    case 'daily':
    case 'weekdays':
      return { kind, time };
    case 'weekly':
      return { kind, weekday: from.kind === 'weekly' ? from.weekday : 1, time };
    case 'monthly':
      return { kind, day: from.kind === 'monthly' ? from.day : 1, time };
    case 'custom':
      return { kind, expression: toCron(from) ?? '0 6 * * *' };
  }
}

/** Every IANA time zone the browser knows, UTC first. */
export function timeZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: 'timeZone') => string[] };
  const known = intl.supportedValuesOf?.('timeZone') ?? [];
  return ['UTC', ...known.filter((z) => z !== 'UTC')];
}

/** "Mon 24 Nov 2026, 06:30 GMT" in the schedule's own time zone. */
export function formatInZone(iso: string, timeZone: string, locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(d);
  } catch {
    return d.toISOString();
  }
}

/** "in 3 hours", "in 2 days": how far away a run is, in the largest unit that fits. */
export function fromNow(iso: string, now: Date, locale?: string): string {
  const ms = Date.parse(iso) - now.getTime();
  if (Number.isNaN(ms)) return '';
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const minutes = Math.round(ms / 60_000);
  if (Math.abs(minutes) < 60) return rtf.format(minutes, 'minute');
  const hours = Math.round(ms / 3_600_000);
  if (Math.abs(hours) < 48) return rtf.format(hours, 'hour');
  return rtf.format(Math.round(ms / 86_400_000), 'day');
}
