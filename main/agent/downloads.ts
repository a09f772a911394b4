import type { ServerResponse } from 'node:http';
import { errorsCsvFileName, pipeErrorsCsv } from '../engine/history/errors-csv';
import type { Store } from '../engine/store';
import { ErrorKindId } from '../../shared/mapping/error-groups';

/**
 * GET /api/runs/:id/errors.csv — every row error of a run, streamed, safe to open in Excel;
 * `?kind=` (a kind id from history.errorGroups) keeps one kind of error.
 */
export function createDownloads(store: Store) {
  return async (pathAndQuery: string, res: ServerResponse): Promise<boolean> => {
    const url = new URL(pathAndQuery, 'http://agent.invalid');
    const m = /^\/api\/runs\/(\d+)\/errors\.csv$/.exec(url.pathname);
    if (!m) return false;
    const runId = Number(m[1]);
    const kindParam = url.searchParams.get('kind');
    const kind = kindParam === null ? undefined : ErrorKindId.safeParse(kindParam);
    if (kind && !kind.success) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`"${(kindParam ?? '').slice(0, 40)}" is not a kind of row error: ${kind.error.issues[0]?.message ?? 'invalid'}.`);
      return true;
    }
    if (!store.runs.get(runId)) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`There is no run #${runId}.`);
      return true;
    }
    res.writeHead(200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${errorsCsvFileName(runId, kind?.data)}"`,
      'Cache-Control': 'no-store',
    });
    await pipeErrorsCsv(store, runId, res, kind?.data);
    return true;
  };
}
