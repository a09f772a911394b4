import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { openDatabase } from '../../../main/engine/store/database';
import { Store } from '../../../main/engine/store';

let store: Store;
beforeEach(() => {
  store = new Store(openDatabase(':memory:'));
});
afterEach(() => store.close());

const conn = {
  id: 'c1',
  name: 'Sandbox',
  kind: 'esg-api' as const,
  baseUrl: 'http://127.0.0.1:1',
  authUrl: null,
  clientId: 'client',
  scopes: ['submissions:write'],
  sandbox: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUsedAt: null,
  lastTestAt: null,
  lastTestOk: null,
  lastTestMessage: null,
};

describe('repositories', () => {
  it('stores connections without any secret column', () => {
    store.connections.insert(conn);
    expect(store.connections.get('Sandbox')).toEqual(conn);
    const columns = (store.db.prepare('PRAGMA table_info(connections)').all() as { name: string }[]).map((c) => c.name);
    expect(columns.some((c) => /secret|password|token/i.test(c))).toBe(false);
  });

  it('lists runs newest first with filters and keyset paging', () => {
    for (let i = 0; i < 30; i++) {
      const r = store.runs.create({ jobId: null, jobName: i % 2 ? 'odd' : 'even', trigger: 'manual', startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() });
      store.runs.update(r.id, { status: i % 3 === 0 ? 'failed' : 'succeeded', finishedAt: r.startedAt, read: i });
    }
    const page1 = store.runs.list({ limit: 10 });
    expect(page1.map((r) => r.id)).toEqual([30, 29, 28, 27, 26, 25, 24, 23, 22, 21]);
    const page2 = store.runs.list({ limit: 10, beforeId: 21 });
    expect(page2[0]!.id).toBe(20);
    const failed = store.runs.list({ limit: 100, status: 'failed' });
    expect(failed).toHaveLength(10);
    expect(failed.every((r) => r.status === 'failed')).toBe(true);
    const ranged = store.runs.list({ limit: 100, from: '2026-01-01T00:10:00.000Z', to: '2026-01-01T00:20:00.000Z' });
    expect(ranged).toHaveLength(10);
  });

  it('lists a renamed job\'s runs under its name now, keeping the name it had when it ran', () => {
    store.connections.insert(conn);
    store.jobs.insert({ id: 'j1', name: 'Bills', type: 'ingest', connectionId: 'c1', sourceId: null, mappingId: null, config: {}, paused: false, cursor: null, createdAt: '2026-01-01T00:00:00.000Z' });
    const before = store.runs.create({ jobId: 'j1', jobName: 'Bills', trigger: 'manual', startedAt: '2026-01-01T00:00:00.000Z' });
    expect(before).toMatchObject({ jobName: 'Bills', jobNameAtRun: null });
    store.jobs.update({ ...store.jobs.get('j1')!, name: 'Utility bills' });
    const after = store.runs.create({ jobId: 'j1', jobName: 'Utility bills', trigger: 'manual', startedAt: '2026-01-02T00:00:00.000Z' });
    expect(store.runs.list({ limit: 10 }).map((r) => [r.id, r.jobName, r.jobNameAtRun])).toEqual([
      [after.id, 'Utility bills', null],
      [before.id, 'Utility bills', 'Bills'],
    ]);
    expect(store.runs.get(before.id)).toMatchObject({ jobName: 'Utility bills', jobNameAtRun: 'Bills' });
    expect(store.runs.lastForJob('j1')).toMatchObject({ id: after.id, jobName: 'Utility bills' });
    // A removed job's runs keep the name they ran under.
    store.jobs.remove('j1');
    expect(store.runs.get(before.id)).toMatchObject({ jobName: 'Bills', jobNameAtRun: null });
  });

  it("counts values sent to the platform by day, leaving out the rows export runs wrote and the deletions (they send no value)", () => {
    store.connections.insert(conn);
    const job = (id: string, type: 'ingest' | 'export') => store.jobs.insert({ id, name: id, type, connectionId: 'c1', sourceId: null, mappingId: null, config: {}, paused: false, cursor: null, createdAt: '2026-01-01T00:00:00.000Z' });
    job('in', 'ingest');
    job('out', 'export');
    const run = (jobId: string | null, counts: { created: number; updated?: number; deleted?: number }, status: 'succeeded' | 'failed' = 'succeeded') => {
      const r = store.runs.create({ jobId, jobName: jobId ?? 'removed', trigger: 'manual', startedAt: '2026-03-02T10:00:00.000Z' });
      store.runs.update(r.id, { status, finishedAt: r.startedAt, ...counts });
    };
    run('in', { created: 5, updated: 2, deleted: 1 });
    run('out', { created: 64 });
    run(null, { created: 3 });
    run('in', { created: 0 }, 'failed');
    expect(store.runs.activity('2026-03-01T00:00:00.000Z')).toEqual([{ day: '2026-03-02', rowsSynced: 5 + 2 + 3, runs: 4, failures: 1 }]);
  });

  it('marks runs left running by a crash as interrupted', () => {
    const r = store.runs.create({ jobId: null, jobName: 'j', trigger: 'schedule', startedAt: '2026-01-01T00:00:00.000Z' });
    expect(store.runs.markInterrupted('2026-01-01T01:00:00.000Z')).toBe(1);
    const after = store.runs.get(r.id)!;
    expect(after.status).toBe('interrupted');
    expect(after.error).toMatch(/stopped while this run was in progress/);
  });

  it('counts the platform requests an interrupted run recorded (its counts were written only at its end)', () => {
    const r = store.runs.create({ jobId: null, jobName: 'j', trigger: 'schedule', startedAt: '2026-01-01T00:00:00.000Z' });
    const req = { method: 'POST', host: 'api.example', path: '/v1/submissions:batch', status: 500, error: null, startedAt: Date.parse('2026-01-01T00:00:01Z'), durationMs: 12, kind: 'api' as const };
    store.runs.addRequest(r.id, { ...req, attempt: 1 });
    store.runs.addRequest(r.id, { ...req, attempt: 2 });
    store.runs.addRequest(r.id, { ...req, attempt: 1, status: 200 });
    store.runs.markInterrupted('2026-01-01T01:00:00.000Z');
    expect(store.runs.get(r.id)).toMatchObject({ status: 'interrupted', requests: 3, retries: 1 });
  });

  it('keeps row errors with line, column, value and reason, paged', () => {
    const r = store.runs.create({ jobId: null, jobName: 'j', trigger: 'file', startedAt: '2026-01-01T00:00:00.000Z' });
    store.runs.addErrors(
      r.id,
      Array.from({ length: 250 }, (_, i) => ({ line: i + 2, column: 'Value', value: `x${i}`, reason: 'not a number' })),
    );
    expect(store.runs.errorCount(r.id)).toBe(250);
    const first = store.runs.errors(r.id, 0, 100);
    expect(first[0]).toMatchObject({ line: 2, column: 'Value', value: 'x0', reason: 'not a number' });
    const next = store.runs.errors(r.id, first[99]!.id, 200);
    expect(next).toHaveLength(150);
    expect([...store.runs.iterateErrors(r.id)]).toHaveLength(250);
  });

  it('lists row errors by line, whatever order they were found in, and pages them without gaps or repeats', () => {
    const r = store.runs.create({ jobId: null, jobName: 'j', trigger: 'file', startedAt: '2026-01-01T00:00:00.000Z' });
    const other = store.runs.create({ jobId: null, jobName: 'j', trigger: 'file', startedAt: '2026-01-01T00:00:00.000Z' });
    // Read errors first (in file order), then platform rejections in key order, two errors on
    // line 40, and a refused delete that has no line.
    const found = [5, 40, 90, 12, 3, 40, 77, null, 1];
    store.runs.addErrors(r.id, found.map((line, i) => ({ line, column: null, value: null, reason: `e${i}` })));
    store.runs.addErrors(other.id, [{ line: 2, column: null, value: null, reason: 'other run' }]);
    const expected = ['e7', 'e8', 'e4', 'e0', 'e3', 'e1', 'e5', 'e6', 'e2'];

    expect(store.runs.errors(r.id, 0, 100).map((e) => e.reason)).toEqual(expected);
    expect([...store.runs.iterateErrors(r.id)].map((e) => e.reason)).toEqual(expected);
    const paged: string[] = [];
    for (let page = store.runs.errors(r.id, 0, 2); page.length; page = store.runs.errors(r.id, page[page.length - 1]!.id, 2)) {
      paged.push(...page.map((e) => e.reason));
    }
    expect(paged).toEqual(expected);
    // A cursor from another run is not a place in this one.
    const foreign = store.runs.errors(other.id, 0, 1)[0]!.id;
    expect(store.runs.errors(r.id, foreign, 10)).toEqual([]);
  });

  it('prunes old runs and their row errors by age and by count', () => {
    for (let i = 0; i < 10; i++) {
      const r = store.runs.create({ jobId: null, jobName: 'j', trigger: 'manual', startedAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString() });
      store.runs.update(r.id, { status: 'succeeded' });
      store.runs.addErrors(r.id, [{ line: 1, column: null, value: null, reason: 'x' }]);
    }
    expect(store.runs.prune('2026-01-04T00:00:00.000Z', 1000)).toBe(3);
    expect(store.runs.prune('2000-01-01T00:00:00.000Z', 5)).toBe(2);
    expect(store.runs.list({ limit: 100 })).toHaveLength(5);
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM row_errors').get() as { n: number }).n).toBe(5);
  });

  it("says the file seen last as the source's last file, also when its content was taken before under another name", () => {
    store.sources.insert({ id: 's1', name: 'Bills', kind: 'folder', config: { path: '/x' }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: 'now' });
    const seen = (path: string, sha256: string, seenAt: string) => store.sources.recordFile('s1', { path, sha256, size: 1, seenAt, status: 'processed' });
    seen('/x/processed/esg_v3.csv', 'aaa', '2026-12-07T10:00:00Z');
    seen('/x/processed/esg_v4.csv', 'bbb', '2026-12-07T11:00:00Z');
    seen('/x/processed/esg_v5.csv', 'aaa', '2026-12-07T12:00:00Z'); // v3's content again
    expect(store.sources.lastFile('s1')).toBe('/x/processed/esg_v5.csv');
  });

  it('saves mapping versions and finds a profile by header fingerprint', () => {
    store.sources.insert({ id: 's1', name: 'Bills', kind: 'folder', config: { path: '/x' }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: 'now' });
    const v1 = store.mappings.save({ id: 'm1', name: 'Electricity', sourceId: 's1', connectionId: null, fingerprint: 'fp1', profile: { a: 1 } }, '2026-01-01');
    const v2 = store.mappings.save({ id: 'm1', name: 'Electricity', sourceId: 's1', connectionId: null, fingerprint: 'fp1', profile: { a: 2 } }, '2026-01-02');
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(store.mappings.versions('m1')).toHaveLength(2);
    expect(store.mappings.byFingerprint('s1', 'fp1')?.profile).toEqual({ a: 2 });
    expect(store.mappings.byFingerprint('s1', 'other')).toBeNull();
  });

  it('ledger upserts by natural key and the outbox keeps batches until marked done', () => {
    store.ledger.upsert({ mappingId: 'm', naturalKey: 'k1', connectionId: 'c', remoteId: 'r1', contentHash: 'h1', lastRunId: 1, updatedAt: 't' });
    store.ledger.upsert({ mappingId: 'm', naturalKey: 'k1', connectionId: 'c', remoteId: 'r1', contentHash: 'h2', lastRunId: 2, updatedAt: 't' });
    expect(store.ledger.get('m', 'k1')?.contentHash).toBe('h2');
    expect(store.ledger.count('m')).toBe(1);
    const b = store.outbox.add({ jobId: 'j', runId: 1, idempotencyKey: 'key-1', ops: [{ op: 'create' }], createdAt: 't' });
    expect(store.outbox.pending('j').map((x) => x.idempotencyKey)).toEqual(['key-1']);
    expect(() => store.outbox.add({ jobId: 'j', runId: 1, idempotencyKey: 'key-1', ops: [], createdAt: 't' })).toThrow();
    store.outbox.markDone(b.id, 't2');
    expect(store.outbox.pending('j')).toHaveLength(0);
  });

  it('ledger upsertMany ends as one upsert per entry would, across whole statements and the rest', () => {
    const entry = (i: number, hash: string) => ({ mappingId: 'm', naturalKey: `k${i}`, connectionId: 'c', remoteId: i % 3 ? `r${i}` : null, contentHash: hash, lastRunId: 7, updatedAt: 't' });
    store.ledger.upsert(entry(5, 'old'));
    // 123 entries: two statements of 50 and 23 single upserts; k5 is updated, k7 given twice keeps the later one.
    const entries = [...Array.from({ length: 122 }, (_, i) => entry(i, `h${i}`)), entry(7, 'later')];
    store.transaction(() => store.ledger.upsertMany(entries));
    expect(store.ledger.count('m')).toBe(122);
    expect(store.ledger.get('m', 'k5')).toEqual(entry(5, 'h5'));
    expect(store.ledger.get('m', 'k7')?.contentHash).toBe('later');
    expect(store.ledger.get('m', 'k121')).toEqual(entry(121, 'h121'));
    expect([...store.ledger.iterate('m')].map((e) => e.contentHash).filter((h) => h.startsWith('h'))).toHaveLength(121);
  });

  it('has an id of its own, kept once made, that another store does not share', () => {
    const id = store.settings.storeId();
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(store.settings.storeId()).toBe(id);
    const other = new Store(openDatabase(':memory:'));
    expect(other.settings.storeId()).not.toBe(id);
    other.close();
  });

  it('settings fall back to defaults and validate updates', () => {
    expect(store.settings.get().retentionDays).toBe(365);
    expect(store.settings.update({ retentionDays: 30 }).retentionDays).toBe(30);
    expect(() => store.settings.update({ retentionDays: 0 })).toThrow();
    store.settings.setRaw('app', { retentionDays: 'nonsense' });
    expect(store.settings.get().retentionDays).toBe(365);
  });

  it('keeps folder files forever by default, also for settings stored before the setting existed', () => {
    expect(store.settings.get().keepFolderFilesDays).toBeNull();
    // What an older version stored: every setting of its day, none of the new one.
    store.settings.setRaw('app', { retentionDays: 30, retentionRuns: 5000, notifyOnFailure: false, startAtLogin: true, autoUpdate: false, catchUp: 'skip' });
    expect(store.settings.get()).toMatchObject({ retentionDays: 30, retentionRuns: 5000, notifyOnFailure: false, catchUp: 'skip', keepFolderFilesDays: null });
    expect(store.settings.update({ keepFolderFilesDays: 30 })).toMatchObject({ retentionDays: 30, keepFolderFilesDays: 30 });
    expect(store.settings.update({ keepFolderFilesDays: 3650 }).keepFolderFilesDays).toBe(3650);
    for (const bad of [0, 3651, 2.5, -1]) expect(() => store.settings.update({ keepFolderFilesDays: bad })).toThrow();
    expect(store.settings.get().keepFolderFilesDays).toBe(3650);
    expect(store.settings.update({ keepFolderFilesDays: null }).keepFolderFilesDays).toBeNull();
  });
});
