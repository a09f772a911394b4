/**
 * Libraries only some agents need, loaded on first use. Loaded at start-up, exceljs, the ZIP and
 * XML readers under it, and the PostgreSQL and MySQL drivers added ~40 MB to the resident memory
 * of every agent (and to its start time), while most agents watch CSV folders and never open a
 * workbook or a database. Each loader imports its module once and hands back the same instance.
 *
 * Only `import type` of these packages is allowed elsewhere in the engine
 * (test/unit/lazy-modules.test.ts checks the bundle).
 */
const once = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let loading: Promise<T> | null = null;
  return () => {
    loading ??= load();
    // A failed load (a broken install) is tried again next time rather than remembered.
    loading.catch(() => {
      loading = null;
    });
    return loading;
  };
};

export const loadExcelJS = once(async () => (await import('exceljs')).default);
export const loadUnzipper = once(async () => await import('unzipper'));
export const loadSaxes = once(async () => await import('saxes'));
export const loadPg = once(async () => (await import('pg')).default);
export const loadMysql = once(async () => (await import('mysql2')).default);
export const loadMysqlPromise = once(async () => (await import('mysql2/promise')).default);

/**
 * Reads to its end a worksheet the caller does not want. exceljs parks a worksheet that comes
 * before the shared strings in a temp file, opens a stream on it when it hands the sheet out, and
 * deletes the file as soon as the caller asks for the next sheet: a sheet skipped unread still has
 * that stream opening, which then fails with ENOENT outside any handler and ends the process.
 */
export async function skipWorksheet(ws: AsyncIterable<unknown>): Promise<void> {
  for await (const row of ws) void row;
}

/** The names the bundle must not import at start-up (see the test). */
export const LAZY_PACKAGES = ['exceljs', 'unzipper', 'saxes', 'pg', 'mysql2', 'mysql2/promise'] as const;
