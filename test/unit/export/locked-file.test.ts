/**
 * A file another program holds open (Excel on Windows locks the files it has open) cannot be
 * replaced: the export says so in words, and the file as it was stays. The refusal is made by
 * the operating system, which this Linux machine cannot be made to give to root: rename is made
 * to fail as Windows fails it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    rename: async (from: string, to: string) => {
      if (to.endsWith('locked.csv')) throw Object.assign(new Error(`EPERM: operation not permitted, rename '${from}' -> '${to}'`), { code: 'EPERM' });
      return real.rename(from, to);
    },
  };
});

const { AtomicFile, cannotWriteIn } = await import('../../../main/engine/sync/export/writers/atomic-file');
const dir = mkdtempSync(join(tmpdir(), 'esg-locked-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('says a file open in another program could not be replaced, and leaves it as it was', async () => {
  writeFileSync(join(dir, 'locked.csv'), 'old\n');
  const f = await AtomicFile.create(dir, 'locked.csv', { replace: true });
  await f.write('new\n');
  await expect(f.commit()).rejects.toThrow('locked.csv in ' + dir + ' could not be replaced (EPERM): it is probably open in another program, such as Excel, or read-only. Close it (or make it writable) and run the export again; the file as it was is unchanged.');
  expect(readFileSync(join(dir, 'locked.csv'), 'utf8')).toBe('old\n');
});

it('says why a folder cannot take a file, without the temporary file name', () => {
  const e = (code: string) => Object.assign(new Error(code), { code });
  expect(cannotWriteIn('/mnt/share', e('EROFS'))).toBe('The export folder /mnt/share cannot take a new file: it is on a read-only drive or share (EROFS). Make it writable for the agent, or choose another folder.');
  expect(cannotWriteIn('/mnt/share', e('EACCES'))).toContain('the agent may not write into it (EACCES)');
  expect(cannotWriteIn('/mnt/share', e('ENOSPC'))).toContain('its drive is full');
});
