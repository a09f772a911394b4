import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../../main/engine/store';
import { openDatabase } from '../../../main/engine/store/database';
import { describeRemoved, HistoryMaintenance } from '../../../main/engine/store/retention';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fileStore(): Store {
  const d = mkdtempSync(join(tmpdir(), 'esg-retention-log-'));
  dirs.push(d);
  const store = new Store(openDatabase(join(d, 'esg-sync.db')));
  stores.push(store);
  return store;
}

function capture() {
  const lines: { level: number; msg: string; removed?: Record<string, number> }[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk)) as (typeof lines)[number]), cb()) }));
  return { logger, lines };
}

/** `n` finished runs an hour apart before NOW, each with 2 row errors, 1 request and 1 event. */
function fillHistory(store: Store, n: number): void {
  store.transaction(() => {
    for (let i = n; i >= 1; i--) {
      const startedAt = new Date(NOW.getTime() - i * 3600_000).toISOString();
      const run = store.runs.create({ jobId: null, jobName: 'job', trigger: 'schedule', startedAt });
      store.runs.update(run.id, { status: 'succeeded', finishedAt: startedAt });
      store.runs.addErrors(run.id, [1, 2].map((k) => ({ line: k, column: 'kWh', value: 'x', reason: 'not a number' })));
      store.runs.addRequest(run.id, { method: 'GET', host: 'h', path: '/v1', status: 200, error: null, startedAt: 0, durationMs: 1, attempt: 1, kind: 'api' });
      store.runs.addEvent(run.id, startedAt, 'info', 'step');
    }
  });
}

const maintenance = (store: Store, logger: pino.Logger, keepRuns: number) =>
  new HistoryMaintenance({ store, settings: () => ({ retentionDays: 3650, retentionRuns: keepRuns }), now: () => NOW, logger, startDelayMs: 60_000 });

describe('history retention log line', () => {
  it('says nothing at info when nothing was old enough to remove', async () => {
    const store = fileStore();
    fillHistory(store, 5);
    const { logger, lines } = capture();
    const r = await maintenance(store, logger, 100).runNow();
    expect(r.runs).toBe(0);
    expect(lines.filter((l) => l.level >= 30)).toEqual([]);
  });

  it('says nothing at info when only free pages (a dropped staging table) were returned', async () => {
    const store = fileStore();
    store.db.exec("CREATE TABLE scratch (v TEXT); INSERT INTO scratch SELECT printf('%.2000c', 'x') FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT i FROM n); DROP TABLE scratch;");
    const { logger, lines } = capture();
    const r = await maintenance(store, logger, 100).runNow();
    expect(r.freedPages).toBeGreaterThan(0);
    expect(lines.filter((l) => l.level >= 30)).toEqual([]);
    expect(lines.find((l) => l.level === 20)?.msg).toMatch(/no history was old enough to remove/);
  });

  it('says how many of what it removed', async () => {
    const store = fileStore();
    fillHistory(store, 103);
    const { logger, lines } = capture();
    const r = await maintenance(store, logger, 100).runNow();
    expect(r).toMatchObject({ runs: 3, rowErrors: 6, requests: 3, events: 3 });
    const info = lines.filter((l) => l.level === 30);
    expect(info).toHaveLength(1);
    expect(info[0]!.msg).toMatch(/^history retention removed 3 runs, 6 row errors, 3 platform request records and 3 run events \(keeping 3,650 days and at most the newest 100 runs\)(; [\d,]+ pages? returned to the file system)?$/);
    expect(info[0]!.removed).toMatchObject({ runs: 3, rowErrors: 6 });
  });

  it('describes counts in words, singular and plural', () => {
    expect(describeRemoved({ runs: 0, rowErrors: 0, requests: 0, events: 0 })).toBe('');
    expect(describeRemoved({ runs: 1, rowErrors: 0, requests: 0, events: 0 })).toBe('1 run');
    expect(describeRemoved({ runs: 2, rowErrors: 12_000, requests: 0, events: 1 })).toBe('2 runs, 12,000 row errors and 1 run event');
  });
});
