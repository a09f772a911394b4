import type { ServerResponse } from 'node:http';
import { errorsCsvFileName, pipeErrorsCsv } from '../engine/history/errors-csv';
import type { Store } from '../engine/store';

/** GET /api/runs/:id/errors.csv — every row error of a run, streamed, safe to open in Excel. */
export function createDownloads(store: Store) {
  return async (path: string, res: ServerResponse): Promise<boolean> => {
    const m = /^\/api\/runs\/(\d+)\/errors\.csv$/.exec(path);
    if (!m) return false;
    const runId = Number(m[1]);
    if (!store.runs.get(runId)) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`There is no run #${runId}.`);
      return true;
    }
    res.writeHead(200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${errorsCsvFileName(runId)}"`,
      'Cache-Control': 'no-store',
    });
    await pipeErrorsCsv(store, runId, res);
    return true;
  };
}
