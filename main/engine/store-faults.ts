/**
 * Problems of the machine under the agent's own store — disk full, read-only, a lock held by
 * another program, I/O errors — told apart from everything else, and described so a person
 * knows it is not their file or the platform, where the problem is, and what to do.
 */
import { StoreError } from './store';

export type StoreFaultKind = 'full' | 'readonly' | 'locked' | 'io';

const SQLITE_KIND: [RegExp, StoreFaultKind][] = [
  [/^SQLITE_FULL/, 'full'],
  [/^SQLITE_READONLY/, 'readonly'],
  [/^SQLITE_(BUSY|LOCKED)/, 'locked'],
  [/^SQLITE_(IOERR|CANTOPEN)/, 'io'],
];
const FS_KIND: Record<string, StoreFaultKind> = { ENOSPC: 'full', EDQUOT: 'full', EROFS: 'readonly', EIO: 'io' };

/** What kind of store fault `err` is, or null when it is something else. */
export function storeFaultOf(err: unknown): StoreFaultKind | null {
  if (err instanceof StoreError) {
    if (err.code === 'locked') return 'locked';
    if (err.code === 'unwritable') return /read-?only/i.test(err.message) ? 'readonly' : /full/i.test(err.message) ? 'full' : 'io';
    return null;
  }
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (code.startsWith('SQLITE_')) return SQLITE_KIND.find(([re]) => re.test(code))?.[1] ?? null;
  return FS_KIND[code] ?? null;
}

/** A message for history, logs and the UI; `dataDir` names the folder in question when known. */
export function describeStoreFault(kind: StoreFaultKind, dataDir: string | null, err: unknown): string {
  const detail = err instanceof Error ? err.message : String(err);
  const folder = dataDir ? `data folder ${dataDir}` : 'data folder';
  switch (kind) {
    case 'full':
      return `The disk holding the agent's ${folder} is full (${detail}), so the agent could not record its work. Nothing already sent is lost. Free some space on that disk; the agent then carries on, and a file left waiting can be retried from its run in History.`;
    case 'readonly':
      return `The agent's ${folder} is read-only (${detail}), so the agent could not record its work. Make the folder writable for the user the agent runs as (or remount the disk read-write); the agent then carries on.`;
    case 'locked':
      return `The agent's database in its ${folder} is locked by another program (${detail}). Close whatever has esg-sync.db open — a database browser, a backup or sync tool, or a second agent on the same folder; the agent then carries on.`;
    case 'io':
      return `The agent could not read or write its database in its ${folder} (${detail}). Check the disk (a removed drive, a network share that dropped, or a failing disk); the agent carries on once the folder answers again.`;
  }
}
