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
