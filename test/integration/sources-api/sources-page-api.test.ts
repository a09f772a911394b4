/**
 * The methods the Sources page adds on top of add/test/remove, through the engine's dispatcher
 * exactly as the UI calls them: the list with real watermarks and settings, the files view,
 * the folder check behind the browser's path field, and "Test" on an unsaved database source.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceInfo } from '../../../shared/dto';
import type { DatabaseTest, FolderCheck, SourceFile } from '../../../shared/contract/sources';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { MemorySecrets } from '../mappings-api/helpers';

let root: string;
let engine: Engine;
let secrets: MemorySecrets;
let call: (method: string, params: unknown) => Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>;

async function ok<T>(method: string, params: unknown): Promise<T> {
  const r = await call(method, params);
  if (!r.ok) throw new Error(`${method} failed: ${r.error!.code}: ${r.error!.message}`);
  return r.result as T;
}

async function fails(method: string, params: unknown): Promise<{ code: string; message: string }> {
  const r = await call(method, params);
  expect(r.ok, `${method} should have failed`).toBe(false);
  return r.error!;
}

function meterDb(rows = 30): string {
  const file = join(root, 'meters.db');
  const db = new Database(file);
  db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, site TEXT NOT NULL, kwh REAL NOT NULL, updated_at TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO readings (site, kwh, updated_at) VALUES (?, ?, ?)');
  for (let i = 1; i <= rows; i++) insert.run(i % 2 ? 'LON-01' : 'MAN-02', 1000 + i, `2024-01-${String(i).padStart(2, '0')}T00:00:00Z`);
  db.close();
  return file;
}

/** A job reading the source, as the jobs page saves one; its cursor is what a run advanced to. */
function jobOn(sourceId: string, cursor: string | null): void {
  const now = new Date().toISOString();
  engine.store.connections.insert({
    id: 'conn',
    name: 'Platform',
    kind: 'esg-api',
    baseUrl: 'http://127.0.0.1:9',
    authUrl: null,
    clientId: 'client',
    scopes: [],
    sandbox: true,
    createdAt: now,
    lastUsedAt: null,
    lastTestAt: null,
    lastTestOk: null,
    lastTestMessage: null,
  });
  engine.store.jobs.insert({ id: 'job1', name: 'Readings to platform', type: 'ingest', connectionId: 'conn', sourceId, mappingId: null, config: {}, paused: false, cursor, createdAt: now });
}

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-src-page-'));
  engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false });
  secrets = new MemorySecrets();
  await engine.initSecrets({ allowEnv: false, store: secrets });
  const dispatch = createDispatcher(createEngineApi(engine), engine.logger);
  call = (m, p) => dispatch(m, p) as ReturnType<typeof call>;
});

afterEach(async () => {
  await engine.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('sources.list', () => {
  it('shows a database source’s saved watermark, what it reads and the jobs using it — never a password', async () => {
    const file = meterDb();
    const added = await ok<SourceInfo>('sources.addDatabase', { name: 'Meter readings', kind: 'sqlite', file, table: 'readings', watermarkColumn: 'updated_at' });
    let [listed] = await ok<SourceInfo[]>('sources.list', {});
    expect(listed).toMatchObject({ id: added.id, lastWatermark: null, usedByJobs: [], folder: null });
    expect(listed!.database).toEqual({ kind: 'sqlite', table: 'readings', query: false, watermarkColumn: 'updated_at', passwordInKeychain: false });

    jobOn(added.id, '2024-01-30T00:00:00Z');
    [listed] = await ok<SourceInfo[]>('sources.list', {});
    expect(listed).toMatchObject({ lastWatermark: '2024-01-30T00:00:00Z', usedByJobs: ['Readings to platform'] });
    expect(JSON.stringify(listed)).not.toMatch(/password"\s*:/i);
  });

  it('shows how a folder is watched, including what happens to a file after its run', async () => {
    const folder = join(root, 'drop');
    mkdirSync(folder);
    await ok('sources.addFolder', {
      name: 'Drop',
      path: folder,
      recursive: true,
      include: ['*.csv', '*.xlsx'],
      exclude: ['draft*'],
      stableMs: 3000,
      usePolling: true,
      pollIntervalMs: 10_000,
      afterRun: 'leave',
    });
    const [listed] = await ok<SourceInfo[]>('sources.list', {});
    expect(listed!.folder).toEqual({ recursive: true, include: ['*.csv', '*.xlsx'], exclude: ['draft*'], stableMs: 3000, usePolling: true, pollIntervalMs: 10_000, afterRun: 'leave' });
    expect(listed).toMatchObject({ filesSeen: 0, filesWaiting: 0, lastFile: null, lastWatermark: null, database: null });
    expect(engine.store.sources.get('Drop')!.config.afterRun).toBe('leave');
  });

  it('rejects an unknown after-run disposition at the contract', async () => {
    const folder = join(root, 'drop');
    mkdirSync(folder);
    const e = await fails('sources.addFolder', { name: 'Drop', path: folder, afterRun: 'shred' });
    expect(e.code).toBe('invalid_params');
  });
});

describe('sources.files', () => {
  it('lists the files a folder has seen, newest first, with name, status and run; a duplicate points at the original', async () => {
    const folder = join(root, 'drop');
    mkdirSync(folder);
    const s = await ok<SourceInfo>('sources.addFolder', { name: 'Drop', path: folder });
    const record = (name: string, sha: string, status: 'processed' | 'failed' | 'duplicate' | 'pending', seenAt: string, runId: number | null) =>
      engine.store.sources.recordFile(s.id, { path: join(folder, 'processed', name), sha256: sha.repeat(64 / sha.length), size: 120, seenAt, status, runId });
    record('jan.csv', 'a1', 'processed', '2024-02-01T10:00:00Z', null);
    record('feb.csv', 'b2', 'failed', '2024-03-01T10:00:00Z', null);
    record('feb-copy.csv', 'a1', 'duplicate', '2024-03-02T10:00:00Z', null); // same content as jan.csv
    record('mar.csv', 'c3', 'pending', '2024-04-01T10:00:00Z', null);

    const all = await ok<{ files: SourceFile[]; total: number }>('sources.files', { sourceId: s.id });
    expect(all.total).toBe(4);
    expect(all.files.map((f) => [f.name, f.status, f.duplicateOf])).toEqual([
      // Named by the path inside the folder: where each file is now.
      ['processed/mar.csv', 'pending', null],
      ['processed/feb-copy.csv', 'duplicate', join(folder, 'processed', 'jan.csv')],
      ['processed/feb.csv', 'failed', null],
      ['processed/jan.csv', 'processed', null],
    ]);
    expect(all.files[0]!.sha256).toBe('c3'.repeat(32));
    expect(new Set(all.files.map((f) => f.key)).size).toBe(4);
    const limited = await ok<{ files: SourceFile[]; total: number }>('sources.files', { sourceId: s.id, limit: 1 });
    expect(limited.files).toHaveLength(1);
    expect(limited.total).toBe(4);
    // The ledger still knows the original's outcome: the duplicate did not replace it.
    expect(engine.store.sources.fileByHash(s.id, 'a1'.repeat(32))).toMatchObject({ status: 'processed', path: join(folder, 'processed', 'jan.csv') });

    const [listed] = await ok<SourceInfo[]>('sources.list', {});
    expect(listed).toMatchObject({ filesSeen: 4, filesWaiting: 1 });
  });

  it('refuses a database source and an unknown one with reasons', async () => {
    const db = await ok<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file: meterDb(), table: 'readings' });
    expect(await fails('sources.files', { sourceId: db.id })).toMatchObject({ code: 'invalid_params', message: expect.stringMatching(/database source; it has rows, not files/) });
    expect(await fails('sources.files', { sourceId: 'nope' })).toMatchObject({ code: 'not_found', message: expect.stringMatching(/no source called "nope"/) });
  });
});

describe('sources.checkFolder', () => {
  it('accepts a readable folder and says what is wrong with anything else', async () => {
    const folder = join(root, 'drop');
    mkdirSync(folder);
    writeFileSync(join(root, 'file.csv'), 'a\n1\n');
    expect(await ok<FolderCheck>('sources.checkFolder', { path: `${folder}/` })).toEqual({ ok: true, path: folder, message: `The folder ${folder} exists and is readable.` });
    expect(await ok<FolderCheck>('sources.checkFolder', { path: join(root, 'gone') })).toMatchObject({ ok: false, message: expect.stringMatching(/does not exist/) });
    expect(await ok<FolderCheck>('sources.checkFolder', { path: join(root, 'file.csv') })).toMatchObject({ ok: false, message: expect.stringMatching(/is a file, not a folder/) });
    expect(await ok<FolderCheck>('sources.checkFolder', { path: 'exports/energy' })).toMatchObject({ ok: false, message: expect.stringMatching(/not an absolute path/) });
    expect((await fails('sources.checkFolder', { path: '' })).code).toBe('invalid_params');
  });

  it.skipIf(process.getuid?.() === 0)('says when this user cannot read the folder', async () => {
    const locked = join(root, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o000);
    try {
      expect(await ok<FolderCheck>('sources.checkFolder', { path: locked })).toMatchObject({ ok: false, message: expect.stringMatching(/cannot be read by this user/) });
    } finally {
      chmodSync(locked, 0o755);
    }
  });
});

describe('sources.testDatabase', () => {
  it('connects and returns the first rows without saving anything', async () => {
    const file = meterDb();
    const r = await ok<DatabaseTest>('sources.testDatabase', { kind: 'sqlite', file, table: 'readings', watermarkColumn: 'updated_at', limit: 5 });
    expect(r.ok).toBe(true);
    expect(r.message).toMatch(/first 5 rows of sqlite:/);
    expect(r.columns).toEqual(['id', 'site', 'kwh', 'updated_at']);
    expect(r.rows).toHaveLength(5);
    expect(r.rows[0]).toMatchObject({ id: 1, site: 'LON-01', kwh: 1001 });
    expect(await ok<SourceInfo[]>('sources.list', {})).toEqual([]);
    expect(secrets.size()).toBe(0);
  });

  it('answers ok:false with the reason for a missing table, a missing file and a write query', async () => {
    const file = meterDb();
    const noTable = await ok<DatabaseTest>('sources.testDatabase', { kind: 'sqlite', file, table: 'nope' });
    expect(noTable).toMatchObject({ ok: false, columns: [], rows: [] });
    expect(noTable.message).toMatch(/nope/);
    const noFile = await ok<DatabaseTest>('sources.testDatabase', { kind: 'sqlite', file: join(root, 'typo.db'), table: 'readings' });
    expect(noFile).toMatchObject({ ok: false, message: expect.stringMatching(/no SQLite database file/) });
    const write = await ok<DatabaseTest>('sources.testDatabase', { kind: 'sqlite', file, query: 'DELETE FROM readings' });
    expect(write.ok).toBe(false);
    expect(write.message).toMatch(/SELECT|read-only/i);
    const db = new Database(file, { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM readings').get() as { n: number }).n).toBe(30);
    db.close();
  });

  it('refuses settings that name neither or both of a table and a query', async () => {
    const file = meterDb();
    expect((await fails('sources.testDatabase', { kind: 'sqlite', file })).code).toBe('invalid_params');
    expect((await fails('sources.testDatabase', { kind: 'sqlite', file, table: 'readings', query: 'SELECT 1' })).code).toBe('invalid_params');
    expect((await fails('sources.testDatabase', { kind: 'postgres', table: 'readings' })).code).toBe('invalid_params');
  });

  it('tells a PostgreSQL server that does not answer apart from a bad table', async () => {
    const r = await ok<DatabaseTest>('sources.testDatabase', { kind: 'postgres', host: '127.0.0.1', port: 9, database: 'test', user: 'postgres', password: 'pw', table: 'readings' });
    expect(r.ok).toBe(false);
    expect(r.message.length).toBeGreaterThan(10);
    expect(r.message).not.toContain('pw');
    expect(secrets.size()).toBe(0);
  });
});
