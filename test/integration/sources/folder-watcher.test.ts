import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watch } from 'chokidar';
import { FolderWatcher, InMemoryFileLedger, type ReadyFile, type FolderStatus } from '../../../main/engine/sources/folder';

const STABLE = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 15000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

let dir: string;
let outside: string;
const watchers: FolderWatcher[] = [];

function collect(w: FolderWatcher) {
  const ready: ReadyFile[] = [];
  const dups: ReadyFile[] = [];
  const statuses: FolderStatus[] = [];
  w.on('file-ready', (f) => ready.push(f));
  w.on('file-duplicate', (f) => dups.push(f));
  w.on('status', (s) => statuses.push(s));
  return { ready, dups, statuses };
}

function make(opts: Partial<ConstructorParameters<typeof FolderWatcher>[0]> = {}, ledger = new InMemoryFileLedger()) {
  const w = new FolderWatcher({ path: dir, stableMs: STABLE, folderCheckMs: 150, ...opts }, { ledger });
  watchers.push(w);
  return w;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'esg-watch-'));
  outside = await mkdtemp(join(tmpdir(), 'esg-outside-'));
});

afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.stop()));
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('FolderWatcher (real file-system events)', () => {
  it('finds a file that was there before start (initial scan)', async () => {
    await writeFile(join(dir, 'before.csv'), 'a,b\n1,2\n');
    const w = make();
    const got = collect(w);
    await w.start();
    await until(() => got.ready.length === 1, 10000, 'initial file');
    expect(got.ready[0]!.relPath).toBe('before.csv');
    expect(got.ready[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(w.status).toBe('watching');
  });

  it('takes a slow writer once, only after it has finished', async () => {
    // A wider threshold than the others: the writer's pauses must stay well under it on a busy machine.
    const w = make({ stableMs: 900 });
    const got = collect(w);
    await w.start();
    const file = join(dir, 'slow.csv');
    await writeFile(file, 'site,kwh\n');
    const started = Date.now();
    let lines = 0;
    while (Date.now() - started < 5000) {
      await appendFile(file, `S${lines},${lines}\n`);
      lines++;
      await sleep(50);
      expect(got.ready, 'a file still being written must not be taken').toHaveLength(0);
    }
    const finishedAt = Date.now();
    await until(() => got.ready.length === 1, 10000, 'slow file');
    await sleep(STABLE * 3);
    expect(got.ready).toHaveLength(1);
    const content = await readFile(file, 'utf8');
    expect(got.ready[0]!.size).toBe(Buffer.byteLength(content));
    expect(content.trim().split('\n')).toHaveLength(lines + 1);
    expect(finishedAt - started).toBeGreaterThanOrEqual(5000);
  }, 30000);

  it('takes 200 files dropped at once, each exactly once', async () => {
    const w = make({ include: ['*.csv'] });
    const got = collect(w);
    await w.start();
    await Promise.all(Array.from({ length: 200 }, (_, i) => writeFile(join(dir, `f${i}.csv`), `id\n${i}\n`)));
    await until(() => got.ready.length >= 200, 20000, '200 files');
    await sleep(STABLE * 3);
    const names = got.ready.map((f) => f.relPath).sort();
    expect(names).toHaveLength(200);
    expect(new Set(names).size).toBe(200);
    expect(got.dups).toHaveLength(0);
  }, 40000);

  it('reports the same content as a duplicate, and a changed file as new', async () => {
    const ledger = new InMemoryFileLedger();
    const w = make({}, ledger);
    const got = collect(w);
    await w.start();
    await writeFile(join(dir, 'jan.csv'), 'a\n1\n');
    await until(() => got.ready.length === 1);
    const moved = await w.disposeFile(got.ready[0]!.path, 'processed', 'move');
    expect(moved.path).toBe(join(dir, 'processed', 'jan.csv'));
    expect(ledger.size).toBe(1);

    await writeFile(join(dir, 'jan-copy.csv'), 'a\n1\n');
    await until(() => got.dups.length === 1, 10000, 'duplicate');
    expect(got.dups[0]!.relPath).toBe('jan-copy.csv');
    expect(got.ready).toHaveLength(1);

    await writeFile(join(dir, 'jan.csv'), 'a\n2\n'); // same name, new content
    await until(() => got.ready.length === 2, 10000, 'new version');
    expect(got.ready[1]!.sha256).not.toBe(got.ready[0]!.sha256);
    // processed/ is never watched: the moved file was not announced again
    expect(got.ready.map((f) => f.relPath)).toEqual(['jan.csv', 'jan.csv']);
  }, 30000);

  it('ignores temp and lock files, dotfiles, excluded names, processed/failed folders and its own .errors.csv files', async () => {
    await mkdir(join(dir, 'processed'));
    await mkdir(join(dir, 'failed'));
    await mkdir(join(dir, 'sub'));
    const w = make({ recursive: true, include: ['*.csv', '*.xlsx'], exclude: ['*draft*'] });
    const got = collect(w);
    await w.start();
    for (const name of ['~$book.xlsx', '.~lock.data.csv#', 'x.csv.tmp', 'y.part', 'z.crdownload', '.hidden.csv', 'notes.txt', 'draft-1.csv', 'processed/p.csv', 'failed/f.csv', 'bills.csv.errors.csv', 'March.ERRORS.CSV']) {
      await writeFile(join(dir, name), 'a\n1\n' + name);
    }
    await writeFile(join(dir, 'sub', 'real.csv'), 'a\n1\n');
    await until(() => got.ready.length === 1);
    await sleep(STABLE * 3);
    expect(got.ready.map((f) => f.relPath)).toEqual(['sub/real.csv']);
  }, 20000);

  it('never follows a symlink out of the folder', async () => {
    await writeFile(join(outside, 'secret.csv'), 'a\n1\n');
    await mkdir(join(outside, 'dir'));
    await writeFile(join(outside, 'dir', 'inner.csv'), 'a\n2\n');
    await symlink(join(outside, 'secret.csv'), join(dir, 'link.csv'));
    await symlink(join(outside, 'dir'), join(dir, 'linkdir'));
    const w = make({ recursive: true });
    const got = collect(w);
    await w.start();
    await writeFile(join(dir, 'own.csv'), 'a\n3\n');
    await until(() => got.ready.length === 1);
    await sleep(STABLE * 3);
    expect(got.ready.map((f) => f.relPath)).toEqual(['own.csv']);
  }, 20000);

  it('reports a folder that disappears as missing and re-arms when it returns', async () => {
    const w = make();
    const got = collect(w);
    await w.start();
    await until(() => w.status === 'watching');
    await rm(dir, { recursive: true, force: true });
    await until(() => w.status === 'missing', 10000, 'missing');
    await mkdir(dir);
    await until(() => w.status === 'watching', 10000, 're-armed');
    await writeFile(join(dir, 'back.csv'), 'a\n1\n');
    await until(() => got.ready.length === 1, 10000, 'file after re-arm');
    expect(got.statuses).toEqual(['starting', 'watching', 'missing', 'watching']);
  }, 30000);

  it('reports missing at start for a folder that does not exist yet', async () => {
    const w = new FolderWatcher({ path: join(dir, 'later'), stableMs: STABLE, folderCheckMs: 100 });
    watchers.push(w);
    const got = collect(w);
    await w.start();
    expect(w.status).toBe('missing');
    await mkdir(join(dir, 'later'));
    await writeFile(join(dir, 'later', 'early.csv'), 'a\n1\n');
    await until(() => got.ready.length === 1, 10000, 'file found when folder appeared');
  }, 20000);

  it('works in polling mode (network drives)', async () => {
    const w = make({ usePolling: true, pollIntervalMs: 100 });
    const got = collect(w);
    await w.start();
    await writeFile(join(dir, 'polled.csv'), 'a\n1\n');
    await until(() => got.ready.length === 1, 10000, 'polled file');
    expect(got.ready[0]!.relPath).toBe('polled.csv');
  }, 20000);

  it('takes a file written while the watcher was starting, before its first poll could see it', async () => {
    // A poll interval far beyond the test: only the look the watcher takes once ready can find it.
    const w = make({ usePolling: true, pollIntervalMs: 60_000, recursive: true });
    const got = collect(w);
    await mkdir(join(dir, 'sub'));
    w.on('status', (s) => {
      // Written after chokidar's first listing and the poller's baseline, as a colleague's copy might be.
      if (s === 'watching') {
        writeFileSync(join(dir, 'during-start.csv'), 'a\n1\n');
        writeFileSync(join(dir, 'sub', 'nested.csv'), 'a\n2\n');
      }
    });
    await w.start();
    await until(() => got.ready.length === 2, 10000, 'files written during start-up');
    expect(got.ready.map((f) => f.relPath).sort()).toEqual(['during-start.csv', 'sub/nested.csv']);
  }, 20000);

  it('finds a file no event came for when it next lists the folder', async () => {
    // No poll for a minute: only the periodic listing can see the file.
    const w = make({ usePolling: true, pollIntervalMs: 60_000, folderCheckMs: 100, reconcileMs: 300 });
    const got = collect(w);
    await w.start();
    await sleep(200);
    await writeFile(join(dir, 'quiet.csv'), 'a\n1\n');
    await until(() => got.ready.length === 1, 10000, 'file found by the periodic listing');
    expect(got.ready[0]!.relPath).toBe('quiet.csv');
    await sleep(1000);
    expect(got.ready).toHaveLength(1); // listed again and again, announced once
  }, 20000);

  it('does not take a file renamed into place twice', async () => {
    const w = make({ include: ['*.csv'] });
    const got = collect(w);
    await w.start();
    await writeFile(join(dir, 'upload.csv.part'), 'a\n1\n');
    await rename(join(dir, 'upload.csv.part'), join(dir, 'upload.csv'));
    await until(() => got.ready.length === 1);
    await sleep(STABLE * 3);
    expect(got.ready.map((f) => f.relPath)).toEqual(['upload.csv']);
  }, 20000);
});

describe('disposeFile', () => {
  it('moves into failed/ without overwriting and writes a neutralised errors CSV', async () => {
    const w = make();
    await w.start();
    await mkdir(join(dir, 'failed'));
    await writeFile(join(dir, 'failed', 'bad.csv'), 'older');
    await writeFile(join(dir, 'bad.csv'), 'site,kwh\nA,=1+2\n');
    const res = await w.disposeFile(join(dir, 'bad.csv'), 'failed', 'move', [
      { line: 2, column: 'kwh', value: '=1+2', reason: 'Not a number' },
      { line: null, column: null, value: null, reason: '@risk, "quoted"' },
    ]);
    expect(existsSync(join(dir, 'bad.csv'))).toBe(false);
    expect(await readFile(join(dir, 'failed', 'bad.csv'), 'utf8')).toBe('older');
    expect(res.path).toMatch(/failed[\\/]bad\.\d{8}T\d{6}Z\.csv$/);
    expect(await readFile(res.path!, 'utf8')).toBe('site,kwh\nA,=1+2\n');
    const csv = (await readFile(res.errorsCsv!, 'utf8')).replace(/^\uFEFF/, '');
    expect(csv).toBe('line,column,value,reason\n2,kwh,\'=1+2,Not a number\n,,,"\'@risk, ""quoted"""\n');
    expect(res.errorsCsv).toBe(`${res.path}.errors.csv`);
    const files = await readdir(join(dir, 'failed'));
    expect(files).toHaveLength(3);
  });

  it('deletes after success with the delete policy, but keeps a failed file', async () => {
    const w = make();
    await w.start();
    await writeFile(join(dir, 'ok.csv'), 'a\n1\n');
    await writeFile(join(dir, 'ko.csv'), 'a\n2\n');
    const ok = await w.disposeFile(join(dir, 'ok.csv'), 'processed', 'delete');
    const ko = await w.disposeFile(join(dir, 'ko.csv'), 'failed', 'delete', []);
    expect(ok.path).toBeNull();
    expect(existsSync(join(dir, 'ok.csv'))).toBe(false);
    expect(ko.path).toBe(join(dir, 'failed', 'ko.csv'));
    const left = await w.disposeFile(join(dir, 'failed', 'ko.csv'), 'failed', 'leave', []);
    expect(left.path).toBe(join(dir, 'failed', 'ko.csv'));
  });
});

describe('FolderWatcher when chokidar never reports ready', () => {
  // A real chokidar watcher whose 'ready' is swallowed: what an unbalanced first scan looks like.
  const neverReady: typeof watch = (paths, options) => {
    const w = watch(paths, options);
    const emit = w.emit.bind(w);
    w.emit = ((event: string, ...args: unknown[]) => (event === 'ready' ? false : emit(event, ...args))) as typeof w.emit;
    return w;
  };

  it('watches anyway after readyTimeoutMs: a file already there and one written later are both taken', async () => {
    await writeFile(join(dir, 'before.csv'), 'a\n1\n');
    const w = new FolderWatcher({ path: dir, stableMs: STABLE, folderCheckMs: 150, readyTimeoutMs: 300 }, { ledger: new InMemoryFileLedger(), watch: neverReady });
    watchers.push(w);
    const got = collect(w);
    await w.start();
    expect(w.status).toBe('watching');
    await until(() => got.ready.length === 1, 10000, 'the file that was there before start');
    await writeFile(join(dir, 'after.csv'), 'a\n2\n');
    await until(() => got.ready.length === 2, 10000, 'the file written after start');
    expect(got.ready.map((f) => f.relPath).sort()).toEqual(['after.csv', 'before.csv']);
  });

  it('stops at once while still waiting for the first scan', async () => {
    const w = new FolderWatcher({ path: dir, stableMs: STABLE, folderCheckMs: 150 }, { ledger: new InMemoryFileLedger(), watch: neverReady });
    const starting = w.start();
    await until(() => w.status === 'starting', 2000, 'the watcher to be starting');
    await sleep(200);
    const t0 = Date.now();
    await w.stop();
    await starting;
    expect(Date.now() - t0).toBeLessThan(5000); // without a way out it would wait for good (default 60 s)
    expect(w.status).toBe('stopped');
  });
});
