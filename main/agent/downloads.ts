import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { neutraliseCell } from '../engine/csv-safety';
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
      'Content-Disposition': `attachment; filename="run-${runId}-errors.csv"`,
      'Cache-Control': 'no-store',
    });
    await pipeline(
      Readable.from(store.runs.iterateErrors(runId)),
      stringify({ header: true, bom: true, columns: ['line', 'column', 'value', 'reason'], cast: { string: neutraliseCell } }),
      res,
    );
    return true;
  };
}
