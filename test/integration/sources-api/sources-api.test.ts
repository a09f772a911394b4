/**
 * Sources through the engine's API exactly as the UI calls it: real folders and files on disk,
 * a real SQLite database, and an in-memory secret store standing in for the keychain.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceInfo } from '../../../shared/dto';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { MemorySecrets, energyCsv } from '../mappings-api/helpers';

let root: string;
let dataDir: string;
let engine: Engine;
let secrets: MemorySecrets;
let changed: SourceInfo[];
let call: (method: string, params: unknown) => Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string; details?: unknown } }>;

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

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-src-api-'));
  dataDir = join(root, 'data');
  engine = Engine.open({ dataDir, mode: 'headless', fileLogs: false });
  secrets = new MemorySecrets();
  await engine.initSecrets({ allowEnv: false, store: secrets });
  const dispatch = createDispatcher(createEngineApi(engine), engine.logger);
  call = (m, p) => dispatch(m, p) as ReturnType<typeof call>;
  changed = [];
  engine.events.subscribe((event, payload) => {
    if (event === 'source.changed') changed.push(payload as SourceInfo);
  });
});

afterEach(async () => {
  await engine.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('folder sources', () => {
  it('adds a folder, samples the newest file, previews, pauses, resumes and removes it', async () => {
    const folder = join(root, 'exports');
    mkdirSync(folder);
    writeFileSync(join(folder, 'older.csv'), 'Site,Month,kWh\nLON-01,2024-01,1\n');
    utimesSync(join(folder, 'older.csv'), new Date('2024-01-01'), new Date('2024-01-01'));
    writeFileSync(join(folder, 'energy.csv'), energyCsv());
    writeFileSync(join(folder, 'notes.docx'), 'not a table');
    writeFileSync(join(folder, '~$energy.xlsx'), 'lock file');

    const added = await ok<SourceInfo>('sources.addFolder', { name: 'Utility exports', path: folder });
    expect(added).toMatchObject({ name: 'Utility exports', kind: 'folder', location: folder, paused: false });
    expect(changed.map((c) => c.id)).toEqual([added.id]);
    const stored = engine.store.sources.get(added.id)!;
    expect(stored.config).toMatchObject({ path: folder, recursive: false, stableMs: 2000, usePolling: false, pollIntervalMs: 5000 });
    expect(stored.config.include).toContain('*.xlsx');

    const listed = await ok<SourceInfo[]>('sources.list', {});
    expect(listed.map((s) => s.name)).toEqual(['Utility exports']);

    const test = await ok<{ ok: boolean; message: string }>('sources.test', { sourceId: added.id });
    expect(test.ok).toBe(true);
    expect(test.message).toMatch(/2 files match/);

    const sample = await ok<{ file: string; info: { format: string; delimiter: string; headers: string[] }; rows: { line: number; cells: Record<string, unknown> }[] }>(
      'sources.sample',
      { sourceId: added.id, limit: 5 },
    );
    expect(sample.file).toBe(join(folder, 'energy.csv'));
    expect(sample.info).toMatchObject({ format: 'csv', delimiter: ',', headers: ['Site code', 'Month', 'Electricity (kWh)'] });
    expect(sample.rows).toHaveLength(5);
    expect(sample.rows[0]).toEqual({ line: 2, cells: { 'Site code': 'LON-01', Month: '2024-01', 'Electricity (kWh)': '12500' } });

    const chosen = await ok<{ file: string; rows: unknown[] }>('sources.sample', { sourceId: added.id, file: 'older.csv' });
    expect(chosen.file).toBe(join(folder, 'older.csv'));
    expect(chosen.rows).toHaveLength(1);

    const preview = await ok<{ columns: string[]; rows: Record<string, unknown>[] }>('sources.preview', { sourceId: added.id, limit: 3 });
    expect(preview.columns).toEqual(['Site code', 'Month', 'Electricity (kWh)']);
    expect(preview.rows).toHaveLength(3);
    expect((await fails('sources.preview', { sourceId: added.id, limit: 101 })).code).toBe('invalid_params');

    expect((await ok<SourceInfo>('sources.pause', { sourceId: added.id })).paused).toBe(true);
    expect((await ok<SourceInfo>('sources.resume', { sourceId: added.id })).paused).toBe(false);
    expect(changed.map((c) => c.paused)).toEqual([false, true, false]);

    const removed = await ok<{ removed: string }>('sources.remove', { sourceId: added.id });
    expect(removed.removed).toBe('Utility exports');
    expect(engine.store.sources.get(added.id)).toBeNull();
    expect(changed.at(-1)).toMatchObject({ id: added.id, status: 'removed' });
  });

  it('refuses a missing folder, a file, a relative path and a duplicate name with clear reasons', async () => {
    const missing = await fails('sources.addFolder', { name: 'X', path: join(root, 'nope') });
    expect(missing).toMatchObject({ code: 'invalid_params' });
    expect(missing.message).toMatch(/does not exist/);
    writeFileSync(join(root, 'a.csv'), 'x\n1\n');
    expect((await fails('sources.addFolder', { name: 'X', path: join(root, 'a.csv') })).message).toMatch(/is a file, not a folder/);
    expect((await fails('sources.addFolder', { name: 'X', path: 'relative/dir' })).message).toMatch(/not absolute/);
    await ok('sources.addFolder', { name: 'X', path: root });
    const dup = await fails('sources.addFolder', { name: 'X', path: root });
    expect(dup.code).toBe('conflict');
    expect(dup.message).toMatch(/already exists/);
    expect(engine.store.sources.list()).toHaveLength(1);
  });

  it('never reads a file outside the folder: "..", absolute paths and symlinks are refused', async () => {
    const folder = join(root, 'in');
    mkdirSync(folder);
    writeFileSync(join(folder, 'ok.csv'), 'a,b\n1,2\n');
    writeFileSync(join(root, 'secret.csv'), 'password\nhunter2\n');
    symlinkSync(join(root, 'secret.csv'), join(folder, 'link.csv'));
    mkdirSync(join(root, 'elsewhere'));
    writeFileSync(join(root, 'elsewhere', 'x.csv'), 'password\nhunter2\n');
    symlinkSync(join(root, 'elsewhere'), join(folder, 'linkdir'));
    const s = await ok<SourceInfo>('sources.addFolder', { name: 'In', path: folder });

    for (const file of ['../secret.csv', join(root, 'secret.csv'), 'link.csv', 'linkdir/x.csv', 'sub/../../secret.csv']) {
      const err = await fails('sources.sample', { sourceId: s.id, file });
      expect(err.code, file).toBe('invalid_params');
      expect(err.message, file).toMatch(/outside the folder|symbolic link/);
      expect(JSON.stringify(err)).not.toContain('hunter2');
    }
    // The newest-file pick skips the link too, even though it is newer.
    const sample = await ok<{ file: string }>('sources.sample', { sourceId: s.id });
    expect(sample.file).toBe(join(folder, 'ok.csv'));
    expect((await fails('sources.sample', { sourceId: s.id, file: 'missing.csv' })).code).toBe('not_found');
  });

  it('says so when the folder has no matching file yet', async () => {
    const folder = join(root, 'empty');
    mkdirSync(folder);
    const s = await ok<SourceInfo>('sources.addFolder', { name: 'Empty', path: folder, include: ['*.xlsx'] });
    writeFileSync(join(folder, 'a.csv'), 'x\n1\n');
    const err = await fails('sources.sample', { sourceId: s.id });
    expect(err.code).toBe('source');
    expect(err.message).toMatch(/no file matching \*\.xlsx/);
  });
});

describe('database sources', () => {
  function energyDb(): string {
    const file = join(root, 'erp.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE energy (id INTEGER PRIMARY KEY, site TEXT, month TEXT, kwh REAL, updated_at TEXT)');
    const ins = db.prepare('INSERT INTO energy (site, month, kwh, updated_at) VALUES (?, ?, ?, ?)');
    for (let m = 1; m <= 6; m++) ins.run('LON-01', `2024-0${m}`, 1000 + m, `2024-0${m}-28T00:00:00Z`);
    db.close();
    return file;
  }

  it('adds a SQLite table without a password, tests and previews it', async () => {
    const file = energyDb();
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'ERP', kind: 'sqlite', file, table: 'energy', watermarkColumn: 'updated_at' });
    expect(s).toMatchObject({ kind: 'database', name: 'ERP' });
    expect(s.location).toContain(file);
    expect(engine.store.sources.get(s.id)!.config.passwordRef).toBeUndefined();
    expect(changed).toHaveLength(1);

    const test = await ok<{ ok: boolean; message: string }>('sources.test', { sourceId: s.id });
    expect(test.ok).toBe(true);

    const preview = await ok<{ columns: string[]; rows: Record<string, unknown>[] }>('sources.preview', { sourceId: s.id, limit: 4 });
    expect(preview.columns).toEqual(['id', 'site', 'month', 'kwh', 'updated_at']);
    expect(preview.rows).toHaveLength(4);
    expect(preview.rows[0]).toMatchObject({ site: 'LON-01', month: '2024-01', kwh: 1001 });

    const sample = await ok<{ file: null; info: { format: string; headers: string[] }; rows: unknown[] }>('sources.sample', { sourceId: s.id, limit: 2 });
    expect(sample).toMatchObject({ file: null, info: { format: 'database' } });
    expect(sample.rows).toHaveLength(2);
    expect((await fails('sources.sample', { sourceId: s.id, file: 'x.csv' })).message).toMatch(/database source/);
  });

  it('keeps a password only in the secret store under source:<id>, and deletes it on remove', async () => {
    const file = energyDb();
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'ERP secure', kind: 'sqlite', file, query: 'SELECT site, kwh FROM energy', password: 'pa55-word' });
    const config = engine.store.sources.get(s.id)!.config;
    expect(config.passwordRef).toBe(`source:${s.id}`);
    expect(JSON.stringify(config)).not.toContain('pa55-word');
    expect(await secrets.get(`source:${s.id}`)).toBe('pa55-word');
    expect((await ok<{ ok: boolean }>('sources.test', { sourceId: s.id })).ok).toBe(true);

    await ok('sources.remove', { sourceId: s.id });
    expect(await secrets.get(`source:${s.id}`)).toBeNull();
  });

  it('refuses a password where no secret store is available, and saves nothing', async () => {
    const file = energyDb();
    const bare = Engine.open({ dataDir: join(root, 'bare'), mode: 'headless', fileLogs: false });
    try {
      const dispatch = createDispatcher(createEngineApi(bare), bare.logger);
      const r = (await dispatch('sources.addDatabase', { name: 'ERP', kind: 'sqlite', file, table: 'energy', password: 'x' })) as { ok: boolean; error?: { code: string } };
      expect(r).toMatchObject({ ok: false, error: { code: 'secrets' } });
      expect(bare.store.sources.list()).toHaveLength(0);
    } finally {
      await bare.stop();
    }
  });

  it('refuses to save a database that does not work, saying exactly why', async () => {
    const file = energyDb();
    const noTable = await fails('sources.addDatabase', { name: 'Bad', kind: 'sqlite', file, table: 'missing_table' });
    expect(noTable.code).toBe('source');
    expect(noTable.message).toMatch(/missing_table/);
    const noFile = await fails('sources.addDatabase', { name: 'Bad', kind: 'sqlite', file: join(root, 'nope.sqlite'), table: 'energy' });
    expect(noFile.message).toMatch(/no SQLite database file/);
    const write = await fails('sources.addDatabase', { name: 'Bad', kind: 'sqlite', file, query: 'DELETE FROM energy' });
    expect(write.code).toBe('invalid_params');
    const both = await fails('sources.addDatabase', { name: 'Bad', kind: 'sqlite', file, table: 'energy', query: 'SELECT 1' });
    expect(both.code).toBe('invalid_params');
    const pg = await fails('sources.addDatabase', { name: 'Bad', kind: 'postgres', host: '127.0.0.1', port: 1, database: 'x', table: 'energy' });
    expect(pg.code).toBe('source');
    expect(pg.message).toMatch(/not saved/);
    expect(engine.store.sources.list()).toHaveLength(0);
    expect(changed).toHaveLength(0);
    expect(secrets.size()).toBe(0);
  });

  it('refuses a watermark column the table or query does not have, in the form\'s Test, on add and on a later test', async () => {
    const file = energyDb();
    const columns = '"id", "site", "month", "kwh", "updated_at"';
    const tested = await ok<{ ok: boolean; message: string; columns: string[] }>('sources.testDatabase', { kind: 'sqlite', file, table: 'energy', watermarkColumn: 'nope' });
    expect(tested.ok).toBe(false);
    expect(tested.message).toContain(`The watermark column "nope" is not a column of the table "energy". Its columns are: ${columns}.`);

    const added = await fails('sources.addDatabase', { name: 'Bad', kind: 'sqlite', file, table: 'energy', watermarkColumn: 'nope', password: 'x' });
    expect(added.code).toBe('source');
    expect(added.message).toMatch(/^The database source was not saved: The watermark column "nope" is not a column of the table "energy"/);
    expect(added.message).toContain(columns);
    expect(added.message).toMatch(/leave the watermark column out/);

    const query = await fails('sources.addDatabase', { name: 'Bad', kind: 'sqlite', file, query: 'SELECT site, kwh FROM energy', watermarkColumn: 'updated_at' });
    expect(query.message).toContain('"updated_at" is not among the columns the query returns: "site", "kwh".');
    expect(engine.store.sources.list()).toHaveLength(0);
    expect(changed).toHaveLength(0);
    expect(secrets.size()).toBe(0);

    // A source saved before this check (or whose table lost the column) fails its test the same way.
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'ERP', kind: 'sqlite', file, table: 'energy', watermarkColumn: 'updated_at' });
    const db = new Database(file);
    db.exec('ALTER TABLE energy DROP COLUMN updated_at');
    db.close();
    const later = await ok<{ ok: boolean; message: string }>('sources.test', { sourceId: s.id });
    expect(later).toMatchObject({ ok: false, message: expect.stringContaining('The watermark column "updated_at" is not a column of the table "energy"') });
  });
});
