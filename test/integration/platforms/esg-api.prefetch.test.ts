/**
 * The export's next page is on the wire while the current page is still being worked through,
 * even by a consumer that never gives the event loop a turn. The platform runs in a worker thread
 * and counts page requests in shared memory, so the count moves while this thread is busy.
 */
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEsgApiAdapter } from '../../../main/engine/platforms/esg-api';

const PAGES = 4;
const PAGE_SIZE = 5;

const platform = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const count = new Int32Array(workerData.shared);
const row = (i) => ({
  id: 'sub_' + i, metric_id: 'met', metric_code: 'M', entity_id: 'ent', entity_external_ref: null,
  period_start: '2024-01-01', period_end: '2024-01-31', value: i, unit: 'kWh', comment: null, evidence: null,
  version: 1, created_at: '2024-02-01T00:00:00.000Z', created_by: 'c', updated_at: '2024-02-01T00:00:00.000Z', updated_by: 'c', deleted_at: null,
});
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    if (req.url.startsWith('/oauth/token')) return res.end(JSON.stringify({ access_token: 't', token_type: 'Bearer', expires_in: 3600 }));
    const cursor = new URL(req.url, 'http://x').searchParams.get('cursor');
    const page = cursor === null ? 0 : Number(cursor.slice(1));
    Atomics.add(count, 0, 1);
    Atomics.notify(count, 0);
    const data = Array.from({ length: ${PAGE_SIZE} }, (_, i) => row(page * ${PAGE_SIZE} + i));
    res.end(JSON.stringify({ data, next_cursor: page + 1 < ${PAGES} ? 'p' + (page + 1) : null }));
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

describe('esg-api export prefetch', () => {
  const shared = new SharedArrayBuffer(4);
  const requests = new Int32Array(shared);
  let worker: Worker;
  let url: string;
  beforeAll(async () => {
    worker = new Worker(platform, { eval: true, workerData: { shared } });
    url = `http://127.0.0.1:${await new Promise<number>((resolve) => worker.once('message', resolve))}`;
  });
  afterAll(() => worker.terminate());

  /** Blocks this thread (no event-loop turn) until the platform has seen `n` page requests or `ms` passed. */
  function blockUntilRequests(n: number, ms: number): number {
    const until = Date.now() + ms;
    for (let seen = Atomics.load(requests, 0); seen < n && Date.now() < until; seen = Atomics.load(requests, 0)) {
      Atomics.wait(requests, 0, seen, Math.max(1, until - Date.now()));
    }
    return Atomics.load(requests, 0);
  }

  it('sends the next page request before the consumer gets the current page, one page ahead at most', async () => {
    const adapter = createEsgApiAdapter(
      { id: 'c', kind: 'esg-api', baseUrl: url, authUrl: null, clientId: 'id', clientSecret: 'secret', scopes: [] },
      { pageSize: PAGE_SIZE },
    );
    try {
      const seenAtPageStart: number[] = [];
      let n = 0;
      for await (const item of adapter.exportStream({ dataset: 'submissions', updatedSince: null })) {
        if (n % PAGE_SIZE === 0) {
          const page = n / PAGE_SIZE;
          // While this thread is busy with page `page`, the request for the page after it arrives.
          seenAtPageStart.push(blockUntilRequests(Math.min(page + 2, PAGES), 2000));
        }
        expect(item.row.id).toBe(`sub_${n}`);
        n++;
      }
      expect(n).toBe(PAGES * PAGE_SIZE);
      expect(seenAtPageStart).toEqual([2, 3, 4, 4]);
    } finally {
      await adapter.close();
    }
  });
});
