/**
 * Output file names from a user pattern such as `{dataset}-{date}.{ext}`. The result must be one
 * plain name inside the destination folder, so patterns with separators, `..` or characters that
 * Windows refuses are rejected before any file is touched.
 */
import { clockParts } from '../../../../shared/clock-parts';
import { ExportError } from './errors';

export const DEFAULT_FILE_PATTERN = '{dataset}-{yyyy}{mm}{dd}-{hh}{MM}{ss}.{ext}';

export interface FileNameValues {
  dataset: string;
  job?: string | null;
  ext: string;
  now: Date;
  /** Date tokens in UTC instead of the machine's local time. */
  utc?: boolean;
  /** Date tokens in this time zone (the job's schedule zone) instead of the machine's local time. */
  timeZone?: string;
}

const TOKENS = new Set(['dataset', 'job', 'ext', 'date', 'time', 'yyyy', 'mm', 'dd', 'hh', 'MM', 'ss']);
// Characters Windows forbids in names, plus control characters; checked on the pattern itself.
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
const FORBIDDEN = /[<>:"|?*\u0000-\u001f]/;
const MAX_NAME = 200;

/** Throws ExportError('invalid_file_pattern') when the pattern could name anything but a file in the folder. */
export function validateFilePattern(pattern: string): void {
  const bad = (why: string) => new ExportError('invalid_file_pattern', `The file name pattern "${pattern}" ${why}`);
  if (pattern.trim() === '') throw bad('is empty. Use e.g. "{dataset}-{date}.csv".');
  if (/[\\/]/.test(pattern)) throw bad('contains a path separator. It may only name a file inside the destination folder.');
  if (pattern.includes('..')) throw bad('contains "..". It may only name a file inside the destination folder.');
  if (FORBIDDEN.test(pattern)) throw bad('contains a character that file names cannot hold (< > : " | ? * or a control character).');
  if (pattern.startsWith('.')) throw bad('starts with "."; that would make a hidden file.');
  for (const m of pattern.matchAll(/\{([^{}]*)\}/g)) {
    if (!TOKENS.has(m[1]!)) throw bad(`uses the unknown token {${m[1]}}. Known tokens: ${[...TOKENS].map((t) => `{${t}}`).join(' ')}.`);
  }
  if (/[{}]/.test(pattern.replace(/\{[^{}]*\}/g, ''))) throw bad('has an unmatched { or }.');
}

/** Expands a validated pattern; substituted values are made safe so a dataset or job name cannot add a path. */
export function expandFilePattern(pattern: string, values: FileNameValues): string {
  validateFilePattern(pattern);
  const parts = clockParts(values.now, values.utc === true ? 'UTC' : values.timeZone);
  const map: Record<string, string> = {
    ...parts,
    date: `${parts.yyyy}-${parts.mm}-${parts.dd}`,
    time: `${parts.hh}${parts.MM}${parts.ss}`,
    dataset: safePart(values.dataset),
    job: safePart(values.job ?? 'export'),
    ext: safePart(values.ext),
  };
  const name = pattern.replace(/\{([^{}]*)\}/g, (_m, t: string) => map[t]!);
  if (name === '.' || name === '..' || name.startsWith('.') || name.length > MAX_NAME || /[\\/]/.test(name)) {
    throw new ExportError('invalid_file_pattern', `The file name pattern "${pattern}" produced "${name}", which is not a usable file name.`);
  }
  return name;
}

function safePart(v: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are replaced like separators
  const cleaned = v.replace(/[\\/<>:"|?*\u0000-\u001f]/g, '_').replace(/\.{2,}/g, '_').replace(/^\.+/, '');
  return (cleaned === '' ? '_' : cleaned).slice(0, 80);
}
