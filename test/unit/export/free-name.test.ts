/**
 * The free-name picker shared by exports and the folder source's processed/ and failed/ moves:
 * numbered candidates, one atomic claim per name (link()/O_EXCL), never replacing a file, and
 * every one of many concurrent claims of one name ending at its own file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimFreeName, moveExclusive, numberedNames, splitExtension } from '../../../main/engine/fs-exclusive';
import { CsvWriter, JsonWriter } from '../../../main/engine/sync/export/writers';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esg-free-name-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const take = <T>(it: Iterable<T>, n: number): T[] => {
  const out: T[] = [];
  for (const v of it) {
    if (out.length === n) break;
    out.push(v);
  }
  return out;
};

describe('numberedNames', () => {
  it('numbers before the extension, or at the end of a name without one', () => {
    expect(take(numberedNames('portfolio-metrics-2026-12-07.xlsx'), 3)).toEqual(['portfolio-metrics-2026-12-07.xlsx', 'portfolio-metrics-2026-12-07 (2).xlsx', 'portfolio-metrics-2026-12-07 (3).xlsx']);
    expect(take(numberedNames('report'), 3)).toEqual(['report', 'report (2)', 'report (3)']);
    expect(take(numberedNames('a.b.c.csv'), 2)).toEqual(['a.b.c.csv', 'a.b.c (2).csv']);
  });

  it('stops at its limit', () => {
    expect([...numberedNames('x.csv', 3)]).toEqual(['x.csv', 'x (2).csv', 'x (3).csv']);
  });

  it('splitExtension keeps the last extension only', () => {
    expect(splitExtension('a.tar.gz')).toEqual({ stem: 'a.tar', ext: '.gz' });
    expect(splitExtension('plain')).toEqual({ stem: 'plain', ext: '' });
  });
});

describe('claimFreeName with moveExclusive', () => {
  const move = (src: string) => (dest: string) => moveExclusive(src, dest);

  it('takes the name when it is free and moves the file there', async () => {
    writeFileSync(join(dir, '.tmp'), 'new');
    const path = await claimFreeName(dir, numberedNames('out.csv'), move(join(dir, '.tmp')));
    expect(path).toBe(join(dir, 'out.csv'));
    expect(readdirSync(dir)).toEqual(['out.csv']);
  });

  for (const name of ['out.csv', 'out']) {
    it(`never replaces an existing "${name}": the next free number is taken`, async () => {
      const { stem, ext } = splitExtension(name);
      writeFileSync(join(dir, name), 'first');
      writeFileSync(join(dir, `${stem} (2)${ext}`), 'second');
      writeFileSync(join(dir, '.tmp'), 'third');
      const path = await claimFreeName(dir, numberedNames(name), move(join(dir, '.tmp')));
      expect(basename(path)).toBe(`${stem} (3)${ext}`);
      expect(readFileSync(join(dir, name), 'utf8')).toBe('first');
      expect(readFileSync(join(dir, `${stem} (2)${ext}`), 'utf8')).toBe('second');
      expect(readFileSync(path, 'utf8')).toBe('third');
      expect(readdirSync(dir)).not.toContain('.tmp');
    });
  }

  it('passes over a symlink at the name instead of writing through it', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'esg-free-name-outside-'));
    try {
      writeFileSync(join(outside, 'victim'), 'untouched');
      symlinkSync(join(outside, 'victim'), join(dir, 'out.csv'));
      writeFileSync(join(dir, '.tmp'), 'new');
      const path = await claimFreeName(dir, numberedNames('out.csv'), move(join(dir, '.tmp')));
      expect(basename(path)).toBe('out (2).csv');
      expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('untouched');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('gives each of many concurrent claims of one name its own file', async () => {
    writeFileSync(join(dir, 'out.csv'), 'existing');
    const n = 25;
    for (let i = 0; i < n; i++) writeFileSync(join(dir, `.tmp${i}`), `content ${i}`);
    const paths = await Promise.all(Array.from({ length: n }, (_, i) => claimFreeName(dir, numberedNames('out.csv'), move(join(dir, `.tmp${i}`)))));
    expect(new Set(paths).size).toBe(n);
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toBe('existing');
    expect(paths.map((p) => readFileSync(p, 'utf8')).sort()).toEqual(Array.from({ length: n }, (_, i) => `content ${i}`).sort());
    expect(readdirSync(dir).sort()).toEqual(['out.csv', ...Array.from({ length: n }, (_, i) => `out (${i + 2}).csv`)].sort());
  });

  it('works the same with an O_EXCL write as the attempt', async () => {
    const paths = await Promise.all(Array.from({ length: 5 }, (_, i) => claimFreeName(dir, numberedNames('e.csv'), (dest) => Promise.resolve(writeFileSync(dest, String(i), { flag: 'wx' })))));
    expect(paths.map((p) => basename(p)).sort()).toEqual(['e (2).csv', 'e (3).csv', 'e (4).csv', 'e (5).csv', 'e.csv']);
  });

  it('says so when every candidate is taken, and stops at any error other than "exists"', async () => {
    writeFileSync(join(dir, 'x.csv'), '1');
    writeFileSync(join(dir, 'x (2).csv'), '2');
    writeFileSync(join(dir, '.tmp'), 'new');
    await expect(claimFreeName(dir, numberedNames('x.csv', 2), move(join(dir, '.tmp')))).rejects.toThrow(/No free name for x\.csv/);
    expect(readFileSync(join(dir, 'x.csv'), 'utf8')).toBe('1');
    await expect(claimFreeName(dir, numberedNames('y.csv'), move(join(dir, '.missing')))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('export writers under a taken name', () => {
  it('a CSV and a JSON writer finishing after an earlier file of their name each take the next free one', async () => {
    writeFileSync(join(dir, 'same.csv'), 'earlier');
    const csv = await CsvWriter.create(dir, 'same.csv');
    await csv.write({ id: 1 });
    const one = await csv.finish();
    const again = await CsvWriter.create(dir, 'same.csv');
    await again.write({ id: 2 });
    const two = await again.finish();
    const json = await JsonWriter.create(dir, 'same', 'json');
    writeFileSync(join(dir, 'same'), 'appeared while the export ran');
    await json.write({ id: 3 });
    const three = await json.finish();
    expect([one, two, three].map((o) => basename(o.path))).toEqual(['same (2).csv', 'same (3).csv', 'same (2)']);
    expect([one, two, three].every((o) => o.written)).toBe(true);
    expect(readFileSync(join(dir, 'same.csv'), 'utf8')).toBe('earlier');
    expect(readFileSync(join(dir, 'same'), 'utf8')).toBe('appeared while the export ran');
    expect(readFileSync(two.path, 'utf8')).toBe('\uFEFFid\n2\n');
    expect(two.bytes).toBe(readFileSync(two.path).length);
  });
});
