/**
 * Two export jobs writing the same file names in one folder overwrite each other's files (a fixed
 * name at every run; the default timestamped name whenever both run in the same second, as two
 * jobs on one schedule do), and two jobs writing one table mix their rows and delete each
 * other's. Found when a job is saved, so it never happens unnoticed at night.
 */
import { resolve } from 'node:path';
import { patternWithExt, type JobConfig } from '../../../../shared/jobs';
import { expandFilePattern } from './file-name';

export interface ExportJobLike {
  id: string | null;
  name: string;
  type: string;
  config: unknown;
}

type Destination = NonNullable<JobConfig['export']>['destination'];

// Windows and macOS file systems ignore case by default: "Latest.csv" and "latest.csv" are one file.
const foldCase = (s: string) => (process.platform === 'win32' || process.platform === 'darwin' ? s.toLowerCase() : s);

/** The file name a job's run at `now` writes, as the job runner expands it. */
function fileNameAt(dataset: string, jobName: string, d: Extract<Destination, { kind: 'folder' }>, timezone: string, now: Date): string | null {
  const pattern = patternWithExt(d.fileName, d.format);
  try {
    return expandFilePattern(pattern, { dataset, job: jobName, ext: d.format, now, timeZone: timezone });
  } catch {
    return null; // an invalid pattern is refused by its own check
  }
}

const DEFAULT_PORT = { postgres: 5432, mysql: 3306 } as const;
// One machine, however it is named from here.
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * Where a table lives: two destinations with the same place and table name are one table. The
 * spellings of one table are made one: the loopback names, the default port, PostgreSQL's `public`
 * schema and MySQL's own database before the table name.
 */
function tablePlace(d: Extract<Destination, { kind: 'database' }>): string {
  // Unquoted identifiers: PostgreSQL folds them to lower case, SQLite and MySQL on Windows ignore case.
  let table = d.table.toLowerCase();
  if (d.database === 'sqlite') return `sqlite|${foldCase(resolve(d.file ?? ''))}|${table}`;
  const host = (d.host ?? '127.0.0.1').toLowerCase();
  const port = d.port ?? DEFAULT_PORT[d.database];
  const db = (d.name ?? '').toLowerCase();
  const dot = table.indexOf('.');
  if (d.database === 'postgres' && dot < 0) table = `public.${table}`;
  if (d.database === 'mysql' && dot >= 0 && table.slice(0, dot) === db) table = table.slice(dot + 1);
  return `${d.database}|${LOOPBACK.has(host) ? 'loopback' : host}:${port}/${db}|${table}`;
}

function exportOf(job: ExportJobLike): { dataset: string; destination: Destination; timezone: string } | null {
  if (job.type !== 'export') return null;
  const c = job.config as Partial<JobConfig> | null;
  const e = c?.export;
  if (!e?.destination) return null;
  return { dataset: e.dataset, destination: e.destination, timezone: c?.timezone ?? 'UTC' };
}

/**
 * A sentence saying which other job writes where this one would, and what to change; null when
 * the job shares its files or table with no other job.
 */
export function exportOverlap(job: ExportJobLike, others: readonly ExportJobLike[], now: Date): string | null {
  const mine = exportOf(job);
  if (!mine) return null;
  const d = mine.destination;
  for (const other of others) {
    if (other.id !== null && other.id === job.id) continue;
    const theirs = exportOf(other);
    if (!theirs || theirs.destination.kind !== d.kind) continue;
    const t = theirs.destination;
    if (d.kind === 'database' && t.kind === 'database') {
      if (tablePlace(d) !== tablePlace(t)) continue;
      return `Job “${other.name}” already exports into table ${d.table} of that database. Two jobs in one table mix their rows, and each run of one removes the other's rows. Choose another table for this job.`;
    }
    if (d.kind !== 'folder' || t.kind !== 'folder' || foldCase(resolve(d.path)) !== foldCase(resolve(t.path))) continue;
    const a = fileNameAt(mine.dataset, job.name, d, mine.timezone, now);
    const b = fileNameAt(theirs.dataset, other.name, t, theirs.timezone, now);
    if (a === null || b === null || foldCase(a) !== foldCase(b)) continue;
    const fixed = a === fileNameAt(mine.dataset, job.name, d, mine.timezone, new Date(now.getTime() + 3_600_000));
    return (
      `Job “${other.name}” already writes files named like “${a}” in ${d.path}: ` +
      (fixed ? 'each run of one job would replace the file of the other. ' : 'two runs in the same second (the two jobs on one schedule) would write the same file. ') +
      (/\{job\}/.test(d.fileName) ? 'Give this job another name, or choose another folder.' : 'Put {job} in this job’s file name (e.g. “{job}-{date}-{time}”), or choose another folder.')
    );
  }
  return null;
}
