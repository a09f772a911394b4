/**
 * A database source's row count on the Sources page: counted when the source is added,
 * tested, previewed, read by a job run or counted on request — and never by `sources.list`,
 * which the page re-reads every few seconds. SQLite always; PostgreSQL where it answers
 * (skipped with the reason printed otherwise).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import type { RunSummary } from '../../../shared/api';
import type { SourceInfo } from '../../../shared/dto';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { SyncService } from '../../../main/engine/sync/service';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { memorySecretStore } from '../../helpers/memory-secrets';

const PG_URL = process.env.ESG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgTable = `esg_rowcount_${randomBytes(4).toString('hex')}`;
const pgReason = await (async () => {
  try {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    await c.connect();
    await c.end();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
})();
if (pgReason) console.warn(`[skip] row count on PostgreSQL: no server at ${PG_URL} (${pgReason})`);

let root: string;
let engine: Engine;
let sandbox: RunningSandbox;
let call: <T>(method: string, params: Record<string, unknown>) => Promise<T>;
let clockMs = Date.parse('2026-03-01T09:00:00Z');

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-rowcount-'));
  sandbox = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false, clock: { now: () => new Date(clockMs) } });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
  const dispatch = createDispatcher(createEngineApi(engine));
  call = async <T,>(method: string, params: Record<string, unknown>) => {
    const r = await dispatch(method as never, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}${r.error.details ? ` ${JSON.stringify(r.error.details)}` : ""}`);
    return r.result as T;
  };
  engine.sync = new SyncService(engine);
  await engine.sync.start();
  await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
});

afterAll(async () => {
  await engine?.stop();
  await sandbox?.close();
  rmSync(root, { recursive: true, force: true });
});

const listed = async (id: string) => (await call<SourceInfo[]>('sources.list', {})).find((s) => s.id === id)!;

function sqliteFile(rows: number): { file: string; add(n: number): void } {
  const file = join(root, `meters-${randomBytes(3).toString('hex')}.sqlite`);
  const db = new Database(file);
  db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, Site TEXT, Month TEXT, kwh REAL, updated_at TEXT)');
  let next = 1;
  const add = (n: number) => {
    const ins = db.prepare('INSERT INTO readings (id, Site, Month, kwh, updated_at) VALUES (?, ?, ?, ?, ?)');
    for (let i = 0; i < n; i++, next++) ins.run(next, 'LON-01', `2024-${String(((next - 1) % 12) + 1).padStart(2, '0')}`, 1000 + next, `2024-05-01T00:00:${String(next % 60).padStart(2, '0')}.${String(next).padStart(4, '0')}`);
  };
  add(rows);
  return { file, add };
}

describe('SQLite database source', () => {
  it('counts on add and test, not on list; recounts on preview and "Count rows"', async () => {
    const db = sqliteFile(12);
    const added = await call<SourceInfo>('sources.addDatabase', { name: 'Meters A', kind: 'sqlite', file: db.file, table: 'readings' });
    expect(added.rowCount).toBe(12);
    expect(added.rowCountAt).toBe('2026-03-01T09:00:00.000Z');

    // Rows added: the list keeps the old count (it never queries the database) …
    db.add(5);
    clockMs += 5 * 60_000;
    expect((await listed(added.id)).rowCount).toBe(12);
    // … a test counts again, with its time.
    expect((await call<{ ok: boolean }>('sources.test', { sourceId: added.id })).ok).toBe(true);
    expect(await listed(added.id)).toMatchObject({ rowCount: 17, rowCountAt: '2026-03-01T09:05:00.000Z' });

    db.add(3);
    await call('sources.preview', { sourceId: added.id, limit: 2 });
    expect((await listed(added.id)).rowCount).toBe(20);

    db.add(1);
    clockMs += 60_000;
    const counted = await call<SourceInfo>('sources.countRows', { sourceId: added.id });
    expect(counted).toMatchObject({ rowCount: 21, rowCountAt: '2026-03-01T09:06:00.000Z' });
  });

  it('a job run counts the source after reading it', async () => {
    const db = sqliteFile(4);
    const src = await call<SourceInfo>('sources.addDatabase', { name: 'Meters B', kind: 'sqlite', file: db.file, table: 'readings', watermarkColumn: 'updated_at' });
    expect(src.rowCount).toBe(4);
    db.add(6);
    const connectionId = engine.store.connections.get('Sandbox')!.id;
    const profile: MappingProfileInput = {
      schemaVersion: 1,
      name: 'Meters B',
      sourceId: src.id,
      connectionId,
      shape: { kind: 'long', valueColumn: 'kwh' },
      metric: { kind: 'fixed', metricId: 'met_elec_cons' },
      entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
      period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
      headerFingerprint: headerFingerprint(['id', 'Site', 'Month', 'kwh', 'updated_at'], { orderInsensitive: true }),
    };
    engine.store.mappings.save({ id: 'map-b', name: 'Meters B', sourceId: src.id, connectionId, fingerprint: null, profile }, new Date().toISOString());
    const job = await call<{ id: string }>('jobs.add', { name: 'Meters B to platform', type: 'ingest', connectionId, sourceId: src.id, mappingId: 'map-b', config: {} });
    clockMs += 10 * 60_000;
    const r = await call<{ run: RunSummary | null }>('jobs.run', { jobId: job.id, wait: true });
    expect(r.run?.error ?? null).toBeNull();
    expect(r.run?.read).toBe(10);
    const after = await listed(src.id);
    expect(after.rowCount).toBe(10);
    expect(after.rowCountAt).toBe(new Date(clockMs).toISOString());
    expect(after.lastWatermark).not.toBeNull();
  });

  it('refuses to count a folder source, saying why', async () => {
    const folder = await call<SourceInfo>('sources.addFolder', { name: 'Drop', path: root });
    await expect(call('sources.countRows', { sourceId: folder.id })).rejects.toThrow(/folder source; only a database source has rows/);
  });
});

describe.skipIf(pgReason !== null)('PostgreSQL database source', () => {
  const query = (sql: string) => async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  beforeAll(query(`CREATE TABLE ${pgTable} (id bigint PRIMARY KEY, site text) ; INSERT INTO ${pgTable} SELECT g, 'LON-01' FROM generate_series(1, 30) g`));
  afterAll(query(`DROP TABLE IF EXISTS ${pgTable}`));

  it('counts a query source on add, and again after rows are added', async () => {
    const url = new URL(PG_URL);
    const src = await call<SourceInfo>('sources.addDatabase', {
      name: 'PG meters',
      kind: 'postgres',
      host: url.hostname,
      port: Number(url.port || 5432),
      database: url.pathname.slice(1),
      user: decodeURIComponent(url.username),
      query: `SELECT id, site FROM ${pgTable} WHERE site = 'LON-01'`,
    });
    expect(src.rowCount).toBe(30);
    await query(`INSERT INTO ${pgTable} SELECT g, 'LON-01' FROM generate_series(31, 45) g`)();
    expect((await listed(src.id)).rowCount).toBe(30);
    expect((await call<SourceInfo>('sources.countRows', { sourceId: src.id })).rowCount).toBe(45);
  });
});
