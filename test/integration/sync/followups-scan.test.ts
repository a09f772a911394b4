import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanReadyFiles } from '../../../main/engine/sources/folder';

let dir: string;
let root: string;

function put(rel: string, text = 'a,b\n1,2\n', ageMs = 60_000): string {
  const p = join(root, rel);
  writeFileSync(p, text);
  const t = new Date(Date.now() - ageMs);
  utimesSync(p, t, t);
  return p;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esg-scan-'));
  root = join(dir, 'drop');
  mkdirSync(join(root, 'processed'), { recursive: true });
  mkdirSync(join(root, 'sub'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('scanReadyFiles (Run now on a folder job)', () => {
  it('takes only settled, included files inside the folder: no temp files, outcome folders, symlinks or fresh writes', async () => {
    put('a.csv');
    put('b.CSV', 'x\n');
    put('notes.txt');
    put('~$open.csv');
    put('half.csv.part');
    put('.hidden.csv');
    put('processed/old.csv');
    put('sub/deep.csv', 'deep\n');
    put('fresh.csv', 'new\n', 0);
    writeFileSync(join(dir, 'outside.csv'), 'secret\n');
    symlinkSync(join(dir, 'outside.csv'), join(root, 'link.csv'));

    const flat = await scanReadyFiles({ path: root, include: ['*.csv'], stableMs: 2000 });
    expect(flat.map((f) => f.relPath).sort()).toEqual(['a.csv', 'b.CSV']);
    expect(flat[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);

    const deep = await scanReadyFiles({ path: root, include: ['*.csv'], recursive: true, stableMs: 2000 });
    expect(deep.map((f) => f.relPath).sort()).toEqual(['a.csv', 'b.CSV', 'sub/deep.csv']);
  });

  it('finds nothing in a folder that is not there', async () => {
    expect(await scanReadyFiles({ path: join(dir, 'unplugged') })).toEqual([]);
  });
});

describe('Run now on a folder that keeps its files', () => {
  it('does not read again a file seen at the same path, size and modification time; a changed one it does', async () => {
    const { openDatabase, Store } = await import('../../../main/engine/store');
    const { takeWaitingFiles } = await import('../../../main/engine/sync/waiting-files');
    const { statSync } = await import('node:fs');
    const store = new Store(openDatabase(':memory:'));
    try {
      const source = { id: 'src1', name: 'Kept files', kind: 'folder' as const, config: { path: root, include: ['*.csv'], stableMs: 1000 }, paused: false, sandbox: false, status: 'watching', statusMessage: null, createdAt: '2026-01-01T00:00:00Z' };
      store.sources.insert(source);
      const kept = put('bills.csv', 'Site,Value\nLON,1\n');
      const now = () => '2026-01-01T00:00:00Z';
      const first = await takeWaitingFiles(store, source, { now });
      expect(first.map((f) => f.relPath)).toEqual(['bills.csv']);
      // The run processed it and left it in place.
      store.sources.recordFile(source.id, { path: kept, sha256: first[0]!.sha256, size: first[0]!.size, seenAt: now(), status: 'processed', runId: 1 });

      // Known content at an unchanged path: recognised without reading (a wrong stored hash proves it was not re-read).
      store.db.prepare('UPDATE source_files SET sha256 = ? WHERE path = ?').run('f'.repeat(64), kept);
      const seen: string[] = [];
      const again = await scanReadyFiles({ path: root, include: ['*.csv'], stableMs: 1000, knownHash: (f) => (seen.push(f.path), store.sources.knownHash(source.id, f.path, f.size, f.mtimeMs)) });
      expect(seen).toEqual([kept]);
      expect(again.map((f) => f.sha256)).toEqual(['f'.repeat(64)]);
      expect(await takeWaitingFiles(store, source, { now })).toEqual([]);

      // Same size, edited in place (new mtime): read again and taken as new content.
      put('bills.csv', 'Site,Value\nLON,2\n', 30_000);
      expect(statSync(kept).size).toBe(first[0]!.size);
      const edited = await takeWaitingFiles(store, source, { now });
      expect(edited.map((f) => f.relPath)).toEqual(['bills.csv']);
      expect(edited[0]!.sha256).not.toBe(first[0]!.sha256);
      expect(edited[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      store.db.close();
    }
  });
});
