/**
 * The age-based clean-up of processed/ and failed/ (Settings: keep folder files N days), on real
 * folders and a real store: what goes (old regular files directly in those two folders of a known
 * folder source), and everything that must stay — newer files, the watched folder's own files,
 * subfolders, symlinks and what they point at, other folders, files whose held values are not
 * sent yet, a kept file's errors.csv, files a run is moving right now — and that a file that
 * cannot be removed stops nothing else.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { cleanUpFolderFiles } from '../../../main/engine/sources/folder/cleanup';
import { Store } from '../../../main/engine/store';
import { openDatabase } from '../../../main/engine/store/database';

const DAY = 86_400_000;
const KEEP = 30;
let root: string;
let store: Store;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'esg-folder-cleanup-'));
  store = new Store(openDatabase(join(root, 'esg-sync.db')));
});
afterEach(() => {
  store.close();
  rmSync(root, { recursive: true, force: true });
});

/** Writes a file (and its folders) last modified `daysAgo` days ago. */
function put(path: string, daysAgo: number, text = 'Site code,Month,Electricity (kWh)\r\nLON-01,2026-01,1\r\n'): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  age(path, daysAgo);
  return path;
}
function age(path: string, daysAgo: number): void {
  const t = new Date(Date.now() - daysAgo * DAY);
  utimesSync(path, t, t);
}

function addFolderSource(id: string, folder: string): void {
  mkdirSync(folder, { recursive: true });
  store.sources.insert({ id, name: id, kind: 'folder', config: { path: folder, include: ['*.csv'] }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: new Date().toISOString() });
}

/** A connection and an ingest job on the source, for runs to belong to. */
function addJob(id: string, sourceId: string): void {
  const at = new Date().toISOString();
  if (!store.connections.get('c')) {
    store.connections.insert({ id: 'c', name: 'P', kind: 'esg-api', baseUrl: 'http://127.0.0.1:9', authUrl: null, clientId: 'x', scopes: [], sandbox: true, createdAt: at, lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
  }
  store.jobs.insert({ id, name: id, type: 'ingest', connectionId: 'c', sourceId, mappingId: null, config: {}, paused: false, cursor: null, createdAt: at });
}

/** A finished file run of the job, as the runner leaves it: the file moved to `path` and recorded there. */
function fileRun(jobId: string, sourceId: string, o: { read: string; path: string; sha256: string; held: number; recordedDaysAgo?: number }): number {
  const at = new Date(Date.now() - (o.recordedDaysAgo ?? 40) * DAY).toISOString();
  const run = store.runs.create({ jobId, jobName: jobId, trigger: 'file', startedAt: at, file: o.read, fileSha256: o.sha256 });
  store.runs.update(run.id, { status: o.held ? 'succeeded_with_rejections' : 'succeeded', held: o.held, finishedAt: at });
  store.sources.recordFile(sourceId, { path: o.path, sha256: o.sha256, size: 10, seenAt: at, status: 'processed', runId: run.id });
  return run.id;
}

function capture() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk)) as (typeof lines)[number]), cb()) }));
  return { logger, lines };
}

const clean = (keepDays: number | null = KEEP, logger?: pino.Logger) => cleanUpFolderFiles({ sources: store.sources, keepDays, now: new Date(), logger });
const names = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

describe('folder clean-up', () => {
  it('removes old files from processed/ and failed/, and nothing newer, nothing else', async () => {
    const bills = join(root, 'Bills');
    addFolderSource('bills', bills);
    put(join(bills, 'processed', 'jan.csv'), 40);
    put(join(bills, 'processed', 'nov.csv'), 10);
    put(join(bills, 'processed', 'just-in-time.csv'), KEEP - 0.01);
    put(join(bills, 'failed', 'bad.csv'), 40);
    put(join(bills, 'failed', 'bad.csv.errors.csv'), 40);
    // The watched folder itself, a folder inside processed/, a dot file, and a folder no source watches.
    put(join(bills, 'waiting.csv'), 400);
    put(join(bills, 'archive', 'processed', 'old.csv'), 400);
    put(join(bills, 'processed', '2025', 'dec.csv'), 400);
    put(join(bills, 'processed', '.sync-state'), 400);
    put(join(root, 'Not watched', 'processed', 'old.csv'), 400);
    const { logger, lines } = capture();

    const r = await clean(KEEP, logger);

    expect(r).toEqual({ removed: 3, failed: 0 });
    expect(names(join(bills, 'processed'))).toEqual(['.sync-state', '2025', 'just-in-time.csv', 'nov.csv']);
    expect(names(join(bills, 'failed'))).toEqual([]);
    expect(existsSync(join(bills, 'failed'))).toBe(true);
    expect(names(bills)).toEqual(['archive', 'failed', 'processed', 'waiting.csv']);
    expect(names(join(bills, 'processed', '2025'))).toEqual(['dec.csv']);
    expect(names(join(bills, 'archive', 'processed'))).toEqual(['old.csv']);
    expect(names(join(root, 'Not watched', 'processed'))).toEqual(['old.csv']);
    const info = lines.filter((l) => l.level === 30);
    expect(info).toHaveLength(1);
    expect(info[0]!.msg).toBe(`folder clean-up removed 3 files older than 30 days from processed/ and failed/ of ${bills} (Settings: keep files in processed/ and failed/ for 30 days)`);

    // A second pass finds nothing, and says nothing.
    lines.length = 0;
    expect(await clean(KEEP, logger)).toEqual({ removed: 0, failed: 0 });
    expect(lines.filter((l) => l.level >= 30)).toEqual([]);
  });

  it('removes nothing while the setting keeps files forever (the default)', async () => {
    const bills = join(root, 'Bills');
    addFolderSource('bills', bills);
    put(join(bills, 'processed', 'ancient.csv'), 3000);
    put(join(bills, 'failed', 'ancient.csv'), 3000);
    put(join(bills, 'failed', 'ancient.csv.errors.csv'), 3000);

    expect(store.settings.get().keepFolderFilesDays).toBeNull();
    expect(await clean(store.settings.get().keepFolderFilesDays)).toEqual({ removed: 0, failed: 0 });
    expect(names(join(bills, 'processed'))).toEqual(['ancient.csv']);
    expect(names(join(bills, 'failed'))).toEqual(['ancient.csv', 'ancient.csv.errors.csv']);
  });

  it('never follows a symlink: neither one in processed/ nor a processed/ that is one', async () => {
    const outside = join(root, 'outside');
    const precious = put(join(outside, 'precious.csv'), 400, 'keep me');
    put(join(outside, 'nested', 'deep.csv'), 400, 'keep me too');
    const bills = join(root, 'Bills');
    addFolderSource('bills', bills);
    mkdirSync(join(bills, 'processed'));
    symlinkSync(precious, join(bills, 'processed', 'link.csv'));
    symlinkSync(join(outside, 'nested'), join(bills, 'processed', 'linked-folder'));
    // A whole processed/ planted as a symlink to a folder outside.
    const meters = join(root, 'Meters');
    addFolderSource('meters', meters);
    symlinkSync(outside, join(meters, 'processed'));
    const { logger, lines } = capture();

    expect(await clean(KEEP, logger)).toEqual({ removed: 0, failed: 0 });

    expect(readFileSync(precious, 'utf8')).toBe('keep me');
    expect(readFileSync(join(outside, 'nested', 'deep.csv'), 'utf8')).toBe('keep me too');
    expect(names(outside)).toEqual(['nested', 'precious.csv']);
    expect(lstatSync(join(bills, 'processed', 'link.csv')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(bills, 'processed', 'linked-folder')).isSymbolicLink()).toBe(true);
    expect(lines.find((l) => l.level === 40)?.msg).toBe(`${join(meters, 'processed')} is a symbolic link, so nothing in it was removed. Replace it with a plain folder named "processed".`);
  });

  it('keeps a file whose held values are not sent yet, with its errors.csv, until a later run sent them', async () => {
    const bills = join(root, 'Bills');
    addFolderSource('bills', bills);
    addJob('bills-job', 'bills');
    const held = put(join(bills, 'processed', 'december.csv'), 400);
    const heldReport = put(join(bills, 'processed', 'december.csv.errors.csv'), 400);
    const heldRun = fileRun('bills-job', 'bills', { read: join(bills, 'december.csv'), path: held, sha256: 'a'.repeat(64), held: 3 });
    // Held once, sent since by a later run of the same content: nothing waits for it.
    const sent = put(join(bills, 'processed', 'november.csv'), 400);
    fileRun('bills-job', 'bills', { read: join(bills, 'november.csv'), path: sent, sha256: 'b'.repeat(64), held: 2 });
    fileRun('bills-job', 'bills', { read: sent, path: sent, sha256: 'b'.repeat(64), held: 0 });
    // A file the run could not finish with for a reason outside it, recorded as waiting to be tried again.
    const waiting = put(join(bills, 'failed', 'retry-me.csv'), 400);
    store.sources.recordFile('bills', { path: waiting, sha256: 'c'.repeat(64), size: 10, seenAt: new Date(Date.now() - 400 * DAY).toISOString(), status: 'pending' });

    expect(await clean()).toEqual({ removed: 1, failed: 0 });
    expect(names(join(bills, 'processed'))).toEqual(['december.csv', 'december.csv.errors.csv']);
    expect(names(join(bills, 'failed'))).toEqual(['retry-me.csv']);

    // The held values are sent (the agent read the file again from processed/): now it goes, report and all.
    const resend = store.runs.create({ jobId: 'bills-job', jobName: 'bills-job', trigger: 'held', startedAt: new Date().toISOString(), file: held, fileSha256: 'a'.repeat(64) });
    expect(await clean()).toEqual({ removed: 0, failed: 0 }); // that run is still in progress
    store.runs.update(resend.id, { status: 'succeeded', held: 0, finishedAt: new Date().toISOString() });
    expect(store.runs.heldSentBy(heldRun)).toBe(resend.id);
    expect(await clean()).toEqual({ removed: 2, failed: 0 });
    expect(existsSync(held) || existsSync(heldReport)).toBe(false);
  });

  it('counts a file’s age from when it was put there, and keeps a kept file’s errors.csv', async () => {
    const bills = join(root, 'Bills');
    addFolderSource('bills', bills);
    addJob('bills-job', 'bills');
    // Exported (mtime) long ago, but taken and moved by the agent yesterday.
    const movedYesterday = put(join(bills, 'processed', 'erp-export.csv'), 400);
    fileRun('bills-job', 'bills', { read: join(bills, 'erp-export.csv'), path: movedYesterday, sha256: 'd'.repeat(64), held: 0, recordedDaysAgo: 1 });
    // Its report stays as long as it does, however old it looks (copied back from a backup, say).
    put(join(bills, 'processed', 'erp-export.csv.errors.csv'), 400);
    // Moved to failed/ by a version that recorded nothing about it: its report was written at the move.
    put(join(bills, 'failed', 'old-export.csv'), 400);
    put(join(bills, 'failed', 'old-export.csv.errors.csv'), 2);
    // A second report (the first name was taken), for a file that is old in every way: both go.
    put(join(bills, 'failed', 'gone.csv'), 60);
    put(join(bills, 'failed', 'gone.csv.errors.csv'), 60);
    put(join(bills, 'failed', 'gone.csv.errors.20260101T000000Z.csv'), 59);
    // A report whose file a person already deleted: it ages on its own.
    put(join(bills, 'failed', 'deleted-by-hand.csv.errors.csv'), 60);
    put(join(bills, 'failed', 'recent-orphan.csv.errors.csv'), 5);

    expect(await clean()).toEqual({ removed: 4, failed: 0 });
    expect(names(join(bills, 'processed'))).toEqual(['erp-export.csv', 'erp-export.csv.errors.csv']);
    expect(names(join(bills, 'failed'))).toEqual(['old-export.csv', 'old-export.csv.errors.csv', 'recent-orphan.csv.errors.csv']);
  });

  it('leaves a folder alone while one of its runs is in progress (the file it moves is not recorded yet)', async () => {
    const bills = join(root, 'Bills');
    addFolderSource('bills', bills);
    addJob('bills-job', 'bills');
    put(join(bills, 'processed', 'moved-a-moment-ago.csv'), 400);
    const run = store.runs.create({ jobId: 'bills-job', jobName: 'bills-job', trigger: 'file', startedAt: new Date().toISOString(), file: join(bills, 'moved-a-moment-ago.csv') });
    expect(await clean()).toEqual({ removed: 0, failed: 0 });
    store.runs.update(run.id, { status: 'succeeded', finishedAt: new Date().toISOString() });
    expect(await clean()).toEqual({ removed: 1, failed: 0 });
  });

  it('cleans a folder that two sources watch once, with what either recorded', async () => {
    const bills = join(root, 'Bills');
    addFolderSource('bills', bills);
    store.sources.insert({ id: 'bills-2', name: 'bills-2', kind: 'folder', config: { path: `${bills}/` }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: new Date().toISOString() });
    addJob('second', 'bills-2');
    put(join(bills, 'processed', 'old.csv'), 400);
    const recent = put(join(bills, 'processed', 'recent.csv'), 400);
    fileRun('second', 'bills-2', { read: join(bills, 'recent.csv'), path: recent, sha256: 'e'.repeat(64), held: 0, recordedDaysAgo: 3 });
    expect(await clean()).toEqual({ removed: 1, failed: 0 });
    expect(names(join(bills, 'processed'))).toEqual(['recent.csv']);
  });

  it('logs a file it cannot remove and goes on with the others', async (ctx) => {
    const bills = join(root, 'Bills');
    addFolderSource('bills', bills);
    const stuck = put(join(bills, 'failed', 'locked.csv'), 400);
    put(join(bills, 'processed', 'a.csv'), 400);
    put(join(bills, 'processed', 'b.csv'), 400);
    const unlock = undeletable(stuck);
    if (!unlock) return ctx.skip();
    const { logger, lines } = capture();
    try {
      const r = await clean(KEEP, logger);
      expect(r).toEqual({ removed: 2, failed: 1 });
      expect(names(join(bills, 'processed'))).toEqual([]);
      expect(existsSync(stuck)).toBe(true);
      const warn = lines.find((l) => l.level === 40);
      expect(warn?.msg).toMatch(new RegExp(`^could not remove the old file ${stuck.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\((EACCES|EPERM)\\); it is tried again at the next daily clean-up\\.`));
      expect(lines.find((l) => l.level === 30)?.msg).toMatch(/^folder clean-up removed 2 files older than 30 days/);
    } finally {
      unlock();
    }
  });
});

/**
 * Makes a file impossible to delete for this process, without mocking the file system: a folder
 * without write permission (not binding root), else the immutable attribute (root on ext4 and
 * similar). Returns the undo, or null where neither works.
 */
function undeletable(path: string): (() => void) | null {
  const dir = join(path, '..');
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o755);
  }
  try {
    execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
    return () => execFileSync('chattr', ['-i', path], { stdio: 'ignore' });
  } catch {
    return null;
  }
}

describe('folder clean-up in the daily maintenance', () => {
  it('runs with history retention once turned on, and history.prune reports what it removed', async () => {
    const dataDir = join(root, 'data');
    const { logger, lines } = capture();
    const engine = Engine.open({ dataDir, mode: 'headless', fileLogs: false, logger });
    try {
      const call = createDispatcher(createEngineApi(engine));
      const bills = join(root, 'Bills');
      mkdirSync(bills);
      const added = await call('sources.addFolder', { name: 'Bills', path: bills });
      expect(added.ok).toBe(true);
      put(join(bills, 'processed', 'old.csv'), 400);
      put(join(bills, 'failed', 'new.csv'), 1);

      // Off (the default): nothing goes.
      const off = await call('history.prune', {});
      expect(off.ok && off.result).toMatchObject({ runs: 0, folderFiles: 0 });
      expect(names(join(bills, 'processed'))).toEqual(['old.csv']);

      const on = await call('settings.update', { keepFolderFilesDays: 30 });
      expect(on.ok && on.result).toMatchObject({ keepFolderFilesDays: 30 });
      const pruned = await call('history.prune', {});
      expect(pruned.ok && pruned.result).toMatchObject({ folderFiles: 1 });
      expect(names(join(bills, 'processed'))).toEqual([]);
      expect(names(join(bills, 'failed'))).toEqual(['new.csv']);
      expect(lines.filter((l) => l.level === 30 && /^folder clean-up removed/.test(l.msg)).map((l) => l.msg)).toEqual([
        `folder clean-up removed 1 file older than 30 days from processed/ and failed/ of ${bills} (Settings: keep files in processed/ and failed/ for 30 days)`,
      ]);
      const again = await call('history.prune', {});
      expect(again.ok && again.result).toMatchObject({ folderFiles: 0 });
    } finally {
      await engine.stop();
    }
  });
});
