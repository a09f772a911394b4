/**
 * The data folder holds the ledger, run history, settings and logs: other local users must not
 * read them. Real files, real modes; POSIX only (Windows has no such mode bits).
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../main/engine/engine';
import { createLogger, RotatingFileStream } from '../../../main/engine/log';
import { openDatabase } from '../../../main/engine/store/database';

const modeOf = (path: string) => statSync(path).mode & 0o777;

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'esg-private-'));
  dirs.push(d);
  return d;
};

let umask: number;
beforeAll(() => {
  // The usual umask, under which SQLite and mkdir would give other users read access.
  if (process.platform !== 'win32') umask = process.umask(0o022);
});
afterAll(() => {
  if (process.platform !== 'win32') process.umask(umask);
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(process.platform === 'win32')('owner-only data folder', () => {
  it('a plain SQLite file would be readable by everyone here (the finding this guards against)', () => {
    const path = join(tempDir(), 'plain.db');
    new Database(path).close();
    expect(modeOf(path)).toBe(0o644);
  });

  it('creates a new store 0600 (with its -wal and -shm) in a folder it creates 0700', () => {
    const dataDir = join(tempDir(), 'new', 'ESG Sync Agent');
    const path = join(dataDir, 'esg-sync.db');
    const db = openDatabase(path);
    try {
      db.prepare("INSERT INTO settings (key, value) VALUES ('x', '1')").run();
      expect(modeOf(dataDir)).toBe(0o700);
      expect(modeOf(join(dataDir, '..'))).toBe(0o700); // every folder it created
      expect(modeOf(path)).toBe(0o600);
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(modeOf(`${path}-wal`)).toBe(0o600);
      expect(modeOf(`${path}-shm`)).toBe(0o600);
    } finally {
      db.close();
    }
  });

  it('tightens a store written 0644 by an older version, and the -wal and -shm a killed process left', () => {
    const dataDir = tempDir();
    const path = join(dataDir, 'esg-sync.db');
    openDatabase(path).close();
    // An older version's files, still open in another connection so the -wal and -shm stay.
    const other = new Database(path);
    other.prepare("INSERT INTO settings (key, value) VALUES ('y', '2')").run();
    for (const f of [path, `${path}-wal`, `${path}-shm`]) chmodSync(f, 0o644);
    try {
      const db = openDatabase(path);
      expect(modeOf(path)).toBe(0o600);
      expect(modeOf(`${path}-wal`)).toBe(0o600);
      expect(modeOf(`${path}-shm`)).toBe(0o600);
      expect(db.prepare("SELECT value FROM settings WHERE key = 'y'").pluck().get()).toBe('2');
      db.close();
    } finally {
      other.close();
    }
  });

  it('keeps the mode of a data folder the operator made, and opens read-only without creating anything', () => {
    const dataDir = join(tempDir(), 'chosen');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    expect(() => openDatabase(join(dataDir, 'missing.db'), { readonly: true })).toThrow();
    expect(readdirSync(dataDir)).toEqual([]);
    openDatabase(join(dataDir, 'esg-sync.db')).close();
    expect(modeOf(dataDir)).toBe(0o755);
    expect(modeOf(join(dataDir, 'esg-sync.db'))).toBe(0o600);
  });

  it('a damaged store is tightened but otherwise left as it is', () => {
    const path = join(tempDir(), 'esg-sync.db');
    writeFileSync(path, 'not a database '.repeat(400), { mode: 0o644 });
    expect(() => openDatabase(path)).toThrow(/damaged/);
    expect(modeOf(path)).toBe(0o600);
    expect(statSync(path).size).toBe(6000);
  });

  it('the engine creates its data folder and logs folder 0700, its store and agent.log 0600', async () => {
    const dataDir = join(tempDir(), 'data');
    const engine = Engine.open({ dataDir, mode: 'headless' });
    try {
      expect(modeOf(dataDir)).toBe(0o700);
      expect(modeOf(join(dataDir, 'logs'))).toBe(0o700);
      expect(modeOf(join(dataDir, 'logs', 'agent.log'))).toBe(0o600); // "engine started" was written
      expect(modeOf(join(dataDir, 'esg-sync.db'))).toBe(0o600);
      expect(modeOf(join(dataDir, 'esg-sync.db-wal'))).toBe(0o600);
    } finally {
      await engine.stop();
    }
  });

  it('the engine takes the group and others off a data folder the operator made beforehand (0755)', async () => {
    const dataDir = join(tempDir(), 'var-lib-esg-sync');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const engine = Engine.open({ dataDir, mode: 'headless' });
    try {
      expect(modeOf(dataDir)).toBe(0o700);
      expect(readFileSync(join(dataDir, 'logs', 'agent.log'), 'utf8')).toContain('the data folder was readable by other users; it is now readable by its owner only');
    } finally {
      await engine.stop();
    }
  });

  it('agent.log and its rotated files are 0600, including those an older version wrote 0644', () => {
    const logDir = join(tempDir(), 'logs');
    mkdirSync(logDir);
    const file = join(logDir, 'agent.log');
    writeFileSync(file, 'old line\n', { mode: 0o644 });
    writeFileSync(`${file}.1`, 'older line\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    chmodSync(`${file}.1`, 0o644);
    const s = new RotatingFileStream({ file, maxBytes: 1024, keepFiles: 3 });
    s.write('new line\n');
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(`${file}.1`)).toBe(0o600);
    for (let i = 0; i < 40; i++) s.write(`${JSON.stringify({ i, pad: 'x'.repeat(90) })}\n`);
    s.end();
    expect(readdirSync(logDir).sort()).toEqual(['agent.log', 'agent.log.1', 'agent.log.2', 'agent.log.3']);
    for (const f of readdirSync(logDir)) expect(modeOf(join(logDir, f)), f).toBe(0o600);
  });

  it('createLogger creates a missing logs folder 0700', () => {
    const logDir = join(tempDir(), 'a', 'logs');
    const logger = createLogger({ logDir });
    logger.info('hello');
    logger.flush();
    expect(modeOf(logDir)).toBe(0o700);
    expect(modeOf(join(logDir, 'agent.log'))).toBe(0o600);
  });
});
