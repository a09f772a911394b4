import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openReader } from '../../../main/engine/sources/readers';

const dir = mkdtempSync(join(tmpdir(), 'bytes-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readers say how far through the file they are', () => {
  it.each([
    ['csv', 'Site,Value\n' + Array.from({ length: 40_000 }, (_, i) => `S${i},${i}`).join('\n') + '\n'],
    ['json', JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ Site: `S${i}`, Value: i })))],
  ])('%s: bytesRead grows while rows are read and ends at the file size', async (ext, text) => {
    const file = join(dir, `big.${ext}`);
    writeFileSync(file, text);
    const reader = await openReader(file, {});
    const seen: number[] = [];
    let rows = 0;
    for await (const _row of reader.rows()) if (++rows % 5000 === 0) seen.push(reader.bytesRead!());
    await reader.close();
    expect(seen.length).toBeGreaterThan(2);
    expect(seen[0]!).toBeLessThan(Buffer.byteLength(text));
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(reader.bytesRead!()).toBe(Buffer.byteLength(text));
  });
});
