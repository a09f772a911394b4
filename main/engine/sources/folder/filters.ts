import picomatch from 'picomatch';

/** Names an editor, browser or copy tool uses while a file is still being written. */
const TEMP_PATTERNS = ['~$*', '.~lock*', '*.tmp', '*.part', '*.crdownload', '*.partial', '*.swp', '*~'];
/** What the agent itself writes beside a file (its rejected rows): never data to take, even where "*.csv" is taken. */
const OWN_OUTPUT = ['*.errors.csv'];
export const OUTCOME_DIRS = ['processed', 'failed'] as const;

export interface FileFilterOptions {
  include?: string[];
  exclude?: string[];
}

/** Splits "*.csv;*.xlsx" or "*.csv, *.xlsx" into patterns. */
export function splitPatterns(value: string | string[] | undefined): string[] {
  if (!value) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((v) => v.split(/[;,]/)).map((p) => p.trim()).filter(Boolean);
}

/**
 * Decides on a path relative to the watched folder (with "/" separators). Patterns without
 * a slash match the base name at any depth, as users expect from "*.csv".
 */
export function makeFileFilter(opts: FileFilterOptions): (relPath: string) => boolean {
  const matchOpts = { basename: true, dot: false, nocase: true } as const;
  const include = splitPatterns(opts.include);
  const isIncluded = include.length ? picomatch(include, matchOpts) : () => true;
  const exclude = splitPatterns(opts.exclude);
  const isExcluded = exclude.length ? picomatch(exclude, matchOpts) : () => false;
  const isTemp = picomatch([...TEMP_PATTERNS, ...OWN_OUTPUT], { basename: true, dot: true, nocase: true });
  return (relPath: string) => {
    const parts = relPath.split('/');
    if (parts.some((p) => p.startsWith('.'))) return false;
    if (parts.length > 1 && (OUTCOME_DIRS as readonly string[]).includes(parts[0]!.toLowerCase())) return false;
    if (isTemp(relPath)) return false;
    if (isExcluded(relPath)) return false;
    return isIncluded(relPath);
  };
}

/** Directories never descended into: dot folders and the outcome folders at the top. */
export function isIgnoredDir(relPath: string): boolean {
  const parts = relPath.split('/');
  if (parts.some((p) => p.startsWith('.'))) return true;
  return (OUTCOME_DIRS as readonly string[]).includes(parts[0]!.toLowerCase());
}
