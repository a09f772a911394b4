import type { MappingInfo, SourceInfo } from '../../shared/dto';

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'neutral';

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);

/**
 * What the list says about a source: a short label, its tone, and a sentence when there is
 * something to explain (why a folder is not watched, what went wrong).
 */
export function sourceStatus(s: SourceInfo): { label: string; tone: Tone; detail: string | null } {
  if (s.paused) return { label: 'Paused', tone: 'neutral', detail: 'No files or rows are taken until it is resumed.' };
  const jobs = s.usedByJobs ?? [];
  if (s.kind === 'database') {
    if (s.status === 'error') return { label: 'Error', tone: 'bad', detail: s.statusMessage };
    const scheduled = s.scheduledBy ?? jobs;
    if (!jobs.length) return { label: 'Not used yet', tone: 'neutral', detail: 'Read when a job uses it.' };
    return scheduled.length
      ? { label: 'Polled by schedule', tone: 'ok', detail: `Read on the schedule of ${scheduled.map((j) => `“${j}”`).join(', ')}.` }
      : { label: 'Read by hand', tone: 'neutral', detail: `No job that uses it has a schedule: it is read when ${jobs.map((j) => `“${j}”`).join(', ')} is run by hand (Run now on the Jobs page).` };
  }
  switch (s.status) {
    case 'watching':
      return s.folder?.usePolling
        ? { label: 'Polling', tone: 'ok', detail: `Checked every ${seconds(s.folder.pollIntervalMs)} (network drive mode).` }
        : { label: 'Watching', tone: 'ok', detail: null };
    case 'starting':
      return { label: 'Starting', tone: 'info', detail: 'Scanning the folder for files that arrived while the agent was not running.' };
    case 'missing':
      return { label: 'Folder missing', tone: 'bad', detail: s.statusMessage ?? 'The folder is not there. It is watched again when it comes back.' };
    case 'error':
      return { label: 'Error', tone: 'bad', detail: s.statusMessage ?? 'The folder could not be watched.' };
    default:
      return jobs.length
        ? { label: 'Idle', tone: 'neutral', detail: 'Watched while the agent runs and a job takes its files as they arrive.' }
        : { label: 'Not watched', tone: 'neutral', detail: 'No job takes files from this folder yet.' };
  }
}

export interface NextStep {
  text: string;
  link: { to: string; label: string };
}

/**
 * What to do next with a source no job uses yet, for the step that really comes next: a job sends
 * a source's data through a mapping, so without a mapping for this source the way on is to make
 * one (the wizard opens on this source); with one, it is a job. Null once a job uses the source.
 */
export function nextStep(s: Pick<SourceInfo, 'id' | 'name' | 'kind' | 'usedByJobs'>, mappings: readonly Pick<MappingInfo, 'name' | 'sourceId'>[]): NextStep | null {
  if ((s.usedByJobs ?? []).length) return null;
  const own = mappings.filter((m) => m.sourceId === s.id);
  if (!own.length) {
    return {
      text: `Next, make a mapping for it: it says which ${s.kind === 'folder' ? 'columns of its files' : 'columns'} hold the sites, periods and values, and a job needs one to send them.`,
      link: { to: `/mappings/new?sourceId=${encodeURIComponent(s.id)}`, label: `Make a mapping for “${s.name}”` },
    };
  }
  const which = own.length === 1 ? `the mapping “${own[0]!.name}”` : 'one of its mappings';
  return {
    text: `Next, create a job that sends it through ${which}${s.kind === 'folder' ? ': the folder is watched from then on' : ''}.`,
    link: { to: '/jobs/new', label: `Create a job for “${s.name}”` },
  };
}

export const kindLabel = (s: SourceInfo): string =>
  s.kind === 'folder' ? 'Watched folder' : s.database?.kind === 'postgres' ? 'PostgreSQL' : s.database?.kind === 'mysql' ? 'MariaDB / MySQL' : s.database?.kind === 'sqlite' ? 'SQLite' : 'Database';

export const afterRunLabel = { move: 'Moved to processed/ or failed/', leave: 'Left in place', delete: 'Deleted after success' } as const;

export const shortHash = (sha256: string): string => sha256.slice(0, 12);

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export const baseName = (path: string): string => path.split(/[\\/]/).filter(Boolean).pop() ?? path;

/** "5 min ago" for a past time; the list re-reads every few seconds, so minutes are enough. */
export function countedAgo(iso: string, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (s < 60) return 'just now';
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} days ago`;
}

/** A database source's last row count: "12,345 rows", or null when it was never counted. */
export function rowCountText(s: SourceInfo): string | null {
  if (s.kind !== 'database' || s.rowCount === null || s.rowCount === undefined) return null;
  return `${s.rowCount.toLocaleString('en-US')} row${s.rowCount === 1 ? '' : 's'}`;
}
