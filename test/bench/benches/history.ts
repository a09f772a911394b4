/**
 * Benchmark 6: history queries as the UI makes them, through the API dispatcher (params
 * validated, repo query, result returned): the newest 50 of 100,000 runs, and pages of a run
 * with 100,000 row errors. Absolute medians, since these are local SQLite queries; the spread
 * is reported.
 */
import { openBenchEngine, api } from '../lib/wiring';
import { spread, timeMany, type Spread } from '../lib/stats';
import type { BenchContext, BenchResult } from './context';

const REPEAT = 200;
const LIST_BUDGET_MS = 20;
const PAGE_BUDGET_MS = 50;

export async function historyBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const { historyRuns: runs, historyErrors: errors } = ctx.sizes;
  const { engine, call } = await openBenchEngine(ctx.folder('history', 'agent-data'));
  try {
    ctx.log(`  filling history: ${runs.toLocaleString('en')} runs, ${errors.toLocaleString('en')} row errors on one of them…`);
    const { db } = engine.store;
    const ins = db.prepare(
      `INSERT INTO runs (job_id, job_name, trigger, status, started_at, finished_at, read, created, updated, deleted, unchanged, rejected, bytes, requests, retries, file, error)
       VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, 0, ?, ?)`,
    );
    const t0 = Date.UTC(2024, 0, 1);
    const statuses = ['succeeded', 'succeeded', 'succeeded', 'succeeded_with_rejections', 'failed'] as const;
    for (let i = 0; i < runs; ) {
      const end = Math.min(runs, i + 20_000);
      db.transaction(() => {
        for (; i < end; i++) {
          const start = new Date(t0 + i * 300_000);
          const status = statuses[i % statuses.length]!;
          ins.run(
            `Job ${i % 10}`,
            i % 3 === 0 ? 'file' : 'schedule',
            status,
            start.toISOString(),
            new Date(start.getTime() + 4_000).toISOString(),
            1000,
            i % 7,
            1000 - (i % 7),
            status === 'succeeded_with_rejections' ? 3 : 0,
            52_000,
            3,
            i % 3 === 0 ? `/data/drop/bills-${i}.csv` : null,
            status === 'failed' ? 'The platform could not be reached (connection refused).' : null,
          );
        }
      })();
    }
    const errorRun = Number((db.prepare('SELECT MAX(id) AS id FROM runs').get() as { id: number }).id);
    for (let i = 0; i < errors; ) {
      const batch = [];
      for (const end = Math.min(errors, i + 10_000); i < end; i++) {
        batch.push({ line: i + 2, column: 'Site', value: `XX-${i % 500}`, reason: `'XX-${i % 500}' is not a site in the platform. Map it in the mapping's Entities step, or correct the file.` });
      }
      engine.store.runs.addErrors(errorRun, batch);
    }

    const firstIds = await api<{ id: number }[]>(call, 'history.errors', { runId: errorRun, limit: 200 });
    const lastPageAfter = Number((db.prepare('SELECT id FROM row_errors WHERE run_id = ? ORDER BY id DESC LIMIT 1 OFFSET 200').get(errorRun) as { id: number }).id);
    const middleAfter = (firstIds[0]?.id ?? 1) + Math.floor(errors / 2);
    const check = async (method: string, params: unknown, expect: number) => {
      const r = await api<unknown[]>(call, method, params);
      if (r.length !== expect) throw new Error(`${method} returned ${r.length} rows, expected ${expect}`);
    };
    const measure = (method: string, params: unknown, expect: number): Promise<Spread> => timeMany(() => check(method, params, expect), REPEAT, 10).then((t) => spread(t, 3));

    const newest50 = await measure('history.list', { limit: 50 }, 50);
    const firstPage = await measure('history.errors', { runId: errorRun, limit: 200 }, 200);
    const middlePage = await measure('history.errors', { runId: errorRun, afterId: middleAfter, limit: 200 }, 200);
    const lastPage = await measure('history.errors', { runId: errorRun, afterId: lastPageAfter, limit: 200 }, 200);
    const runDetail = spread(await timeMany(() => api(call, 'history.get', { runId: errorRun }), REPEAT, 10), 3);
    const worstPage = Math.max(firstPage.p50, middlePage.p50, lastPage.p50);
    ctx.log(`  newest 50 runs: median ${newest50.p50} ms; error page: median ${firstPage.p50} ms (first), ${middlePage.p50} (middle), ${lastPage.p50} (last)`);
    return {
      id: 6,
      name: 'History queries',
      pass: newest50.p50 <= LIST_BUDGET_MS && worstPage <= PAGE_BUDGET_MS,
      headline: `newest 50 of ${runs.toLocaleString('en')} runs: ${newest50.p50} ms; a 200-error page of ${errors.toLocaleString('en')}: ${worstPage} ms (medians)`,
      budget: `≤ ${LIST_BUDGET_MS} ms and ≤ ${PAGE_BUDGET_MS} ms median`,
      details: { runs, errors, repeat: REPEAT, pageSize: 200, ms: { newest50, errorsFirstPage: firstPage, errorsMiddlePage: middlePage, errorsLastPage: lastPage, runDetailWithErrorCount: runDetail } },
    };
  } finally {
    await engine.stop();
  }
}
