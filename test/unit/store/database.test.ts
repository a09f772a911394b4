import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, StoreError } from '../../../main/engine/store/database';
import { latestVersion, migrations, type Migration } from '../../../main/engine/store/migrations';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'esg-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('creates a WAL database with foreign keys and every migration applied', () => {
    const path = join(tempDir(), 'a.db');
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map((r) => r.name);
    for (const t of ['settings', 'connections', 'sources', 'mapping_profiles', 'jobs', 'runs', 'run_events', 'row_errors', 'ledger', 'outbox']) {
      expect(tables).toContain(t);
    }
    db.close();
  });

  it('migrates a file written by an older version forward and keeps its data', () => {
    const path = join(tempDir(), 'old.db');
    const v1only: Migration[] = migrations.slice(0, 1);
    const old = openDatabase(path, { migrations: v1only });
    old.prepare("INSERT INTO settings (key, value) VALUES ('app', '{\"retentionDays\":30}')").run();
    old.close();
    const extra: Migration = { version: latestVersion + 1, name: 'test column', sql: 'ALTER TABLE runs ADD COLUMN note TEXT;' };
    const db = openDatabase(path, { migrations: [...migrations, extra] });
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion + 1);
    expect((db.prepare("SELECT value FROM settings WHERE key='app'").get() as { value: string }).value).toContain('30');
    expect(() => db.prepare('SELECT note FROM runs').all()).not.toThrow();
    db.close();
  });

  it('lists the row errors a version-6 store already holds in line order once migrated', () => {
    const path = join(tempDir(), 'v6.db');
    const old = openDatabase(path, { migrations: migrations.filter((m) => m.version <= 6) });
    const runId = Number(old.prepare("INSERT INTO runs (job_name, trigger, status, started_at) VALUES ('j', 'file', 'succeeded', '2026-01-01T00:00:00.000Z')").run().lastInsertRowid);
    const add = old.prepare('INSERT INTO row_errors (run_id, line, column_name, value, reason) VALUES (?, ?, NULL, NULL, ?)');
    for (const line of [9, 3, null, 5]) add.run(runId, line, `line ${line}`);
    old.close();
    const db = openDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion);
    const order = db.prepare('SELECT line FROM row_errors WHERE run_id = ? ORDER BY line_order, id').pluck().all(runId);
    expect(order).toEqual([null, 3, 5, 9]);
    const plan = (db.prepare('EXPLAIN QUERY PLAN SELECT id FROM row_errors WHERE run_id = ? ORDER BY line_order, id').all(runId) as { detail: string }[]).map((r) => r.detail).join(' ');
    expect(plan).toMatch(/row_errors_run_line/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
    db.close();
  });

  it('refuses a file from a newer version and leaves it untouched', () => {
    const path = join(tempDir(), 'new.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${latestVersion + 5}`);
    raw.close();
    const before = readFileSync(path);
    let err: unknown;
    try {
      openDatabase(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('newer-version');
    expect((err as StoreError).message).toContain(path);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a damaged file, says where it is, and never replaces it with an empty database', () => {
    const path = join(tempDir(), 'damaged.db');
    const garbage = Buffer.from('this is not a database, it is a spreadsheet someone renamed '.repeat(200));
    writeFileSync(path, garbage);
    let err: unknown;
    try {
      openDatabase(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('corrupt');
    expect((err as StoreError).message).toContain(path);
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  it('detects corruption inside an otherwise valid file', () => {
    const path = join(tempDir(), 'pages.db');
    const db = openDatabase(path);
    const ins = db.prepare('INSERT INTO run_events (run_id, at, level, message) VALUES (?, ?, ?, ?)');
    db.prepare("INSERT INTO runs (id, job_name, trigger, status, started_at) VALUES (1, 'j', 'manual', 'succeeded', 'x')").run();
    for (let i = 0; i < 3000; i++) ins.run(1, 'x', 'info', 'event '.repeat(20));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = readFileSync(path);
    // Overwrite a run of pages in the middle of the file with noise.
    for (let i = 40_000; i < 120_000; i++) bytes[i] = (i * 7919) % 251;
    writeFileSync(path, bytes);
    expect(() => openDatabase(path)).toThrow(StoreError);
    expect(existsSync(path)).toBe(true);
  });

  it('reports a lock held by another connection as locked, with what to do', () => {
    const path = join(tempDir(), 'locked.db');
    openDatabase(path).close();
    const holder = new Database(path);
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.exec('BEGIN EXCLUSIVE');
    let err: unknown;
    try {
      openDatabase(path, { busyTimeoutMs: 50 });
    } catch (e) {
      err = e;
    }
    holder.exec('COMMIT');
    holder.close();
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('locked');
    expect((err as StoreError).message).toMatch(/another program/);
  });
});
