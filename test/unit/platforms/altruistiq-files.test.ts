import { describe, expect, it } from 'vitest';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clampPartSize, planParts, MIN_PART_BYTES, MAX_PART_BYTES, parseExportFile } from '../../../main/engine/platforms/altruistiq';
import { partBody } from '../../../main/engine/platforms/altruistiq/parts';

async function rows(chunks: Buffer[], compression: Parameters<typeof parseExportFile>[1] = 'auto') {
  const out: Record<string, unknown>[] = [];
  async function* src() {
    for (const c of chunks) yield c;
  }
  for await (const r of parseExportFile(src(), compression, 'test file')) out.push(r);
  return out;
}

describe('part planning', () => {
  it('clamps the part size to the spec limits', () => {
    expect(clampPartSize(1)).toBe(MIN_PART_BYTES);
    expect(clampPartSize(10 ** 12)).toBe(MAX_PART_BYTES);
    expect(clampPartSize(8 * 1024 * 1024)).toBe(8 * 1024 * 1024);
    expect(MAX_PART_BYTES).toBeLessThan(100_000_000); // "< 100 MB" under either reading
    expect(MIN_PART_BYTES).toBeGreaterThan(5_000_000); // "> 5 MB"
  });
  it('covers the file exactly; only the last part may be small', () => {
    const size = 3 * MIN_PART_BYTES + 7;
    const parts = planParts(size, MIN_PART_BYTES);
    expect(parts.map((p) => p.partNo)).toEqual([1, 2, 3, 4]);
    expect(parts[0]).toEqual({ partNo: 1, start: 0, end: MIN_PART_BYTES });
    expect(parts.at(-1)).toEqual({ partNo: 4, start: 3 * MIN_PART_BYTES, end: size });
    expect(planParts(0, MIN_PART_BYTES)).toEqual([{ partNo: 1, start: 0, end: 0 }]);
    expect(planParts(MIN_PART_BYTES, MIN_PART_BYTES)).toHaveLength(1);
  });
  it('encodes a part as multipart with the right length, re-openable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aq-part-'));
    try {
      const path = join(dir, 'f.csv');
      await writeFile(path, 'abcdefghij');
      const body = partBody({ filePath: path, fileName: 'f"1.csv', range: { partNo: 2, start: 3, end: 7 }, uploadId: 'U', boundary: 'B' });
      const read = async () => {
        const cs: Buffer[] = [];
        for await (const c of body.open()) cs.push(Buffer.from(c));
        return Buffer.concat(cs).toString();
      };
      const text = await read();
      expect(text).toBe(
        '--B\r\nContent-Disposition: form-data; name="uploadId"\r\n\r\nU\r\n' +
          '--B\r\nContent-Disposition: form-data; name="partNo"\r\n\r\n2\r\n' +
          '--B\r\nContent-Disposition: form-data; name="file"; filename="f_1.csv"\r\nContent-Type: application/octet-stream\r\n\r\ndefg\r\n--B--\r\n',
      );
      expect(Buffer.byteLength(text)).toBe(body.contentLength);
      expect(await read()).toBe(text);
      expect(body.contentType).toBe('multipart/form-data; boundary=B');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('export file parsing', () => {
  const nd = '{"a":1}\n\n{"a":2,"b":"x"}\r\n';
  it('reads NDJSON, gzip-sniffed, split across odd chunk boundaries', async () => {
    const gz = gzipSync(Buffer.from(nd));
    expect(await rows([gz.subarray(0, 1), gz.subarray(1, 5), gz.subarray(5)], 'gzip')).toEqual([{ a: 1 }, { a: 2, b: 'x' }]);
    expect(await rows([Buffer.from(nd)])).toEqual([{ a: 1 }, { a: 2, b: 'x' }]);
  });
  it('reads brotli when that compression was requested', async () => {
    expect(await rows([brotliCompressSync(Buffer.from(nd))], 'brotli')).toHaveLength(2);
  });
  it('reads a JSON array and CSV with BOM and quoted newlines', async () => {
    expect(await rows([Buffer.from('[{"x":1},{"x":2}]')])).toEqual([{ x: 1 }, { x: 2 }]);
    expect(await rows([Buffer.from('\uFEFFid,note\r\n1,"two\nlines"\r\n')])).toEqual([{ id: '1', note: 'two\nlines' }]);
  });
  it('says what is wrong with a bad line or a Parquet file', async () => {
    await expect(rows([Buffer.from('{"a":1}\n{oops}\n')])).rejects.toThrow(/test file, line 2: not valid JSON/);
    await expect(rows([Buffer.from('PAR1\0\0\0\0')])).rejects.toThrow(/Parquet/);
  });
  it('an empty file has no rows', async () => {
    expect(await rows([])).toEqual([]);
  });
});
