/**
 * A workbook that unpacks far beyond its size on disk (a ZIP bomb in xl/sharedStrings.xml, which
 * exceljs would cache whole) is refused before it is read, quickly and in bounded memory, whether
 * its directory tells the truth about the size or understates it; a normal workbook still reads.
 */
import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { Open } from 'unzipper';
import { afterAll, describe, expect, it } from 'vitest';
import { openReader } from '../../../main/engine/sources/readers';

const dir = mkdtempSync(join(tmpdir(), 'esg-xlsx-bomb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Part {
  name: string;
  packed: Buffer;
  crc: number;
  size: number;
  /** What the ZIP headers claim the part unpacks to. */
  declared?: number;
  /** Written, but left out of the central directory (a streaming reader still finds it). */
  unlisted?: boolean;
}

/** A ZIP of deflated parts, with the sizes the parts declare (no data descriptors). */
function zip(parts: Part[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const name = Buffer.from(p.name);
    const size = p.declared ?? p.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(p.crc >>> 0, 14);
    local.writeUInt32LE(p.packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(p.crc >>> 0, 16);
    central.writeUInt32LE(p.packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, p.packed);
    if (!p.unlisted) centrals.push(central, name);
    offset += 30 + name.length + p.packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const listed = parts.filter((p) => !p.unlisted).length;
  end.writeUInt16LE(listed, 8);
  end.writeUInt16LE(listed, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A real exceljs workbook's parts, to swap one of them for a bomb. */
async function normalParts(): Promise<Part[]> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Energy');
  ws.addRow(['Site', 'Month', 'kWh']);
  ws.addRow(['LON-01', '2024-01', 100]);
  ws.addRow(['MAN-02', '2024-01', 200]);
  const d = await Open.buffer(Buffer.from(await wb.xlsx.writeBuffer()));
  const parts: Part[] = [];
  for (const f of d.files) {
    if (f.type !== 'File') continue;
    const data = await f.buffer();
    parts.push({ name: f.path, packed: deflateRawSync(data), crc: crc32(data), size: data.length });
  }
  return parts;
}

/** `mb` megabytes of shared strings, deflated as they are made (never held unpacked). */
async function sharedStringsBomb(mb: number): Promise<Omit<Part, 'name'>> {
  const open = Buffer.from('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">');
  const block = Buffer.from('<si><t>Site LON-01 monthly meter reading</t></si>'.repeat(Math.floor((1024 * 1024) / 48)));
  const close = Buffer.from('</sst>');
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((res) => deflate.on('end', res));
  let crc = crc32(open);
  let size = open.length;
  deflate.write(open);
  for (let i = 0; i < mb; i++) {
    crc = crc32(block, crc);
    size += block.length;
    if (!deflate.write(block)) await new Promise((res) => deflate.once('drain', res));
  }
  crc = crc32(close, crc);
  size += close.length;
  deflate.end(close);
  await done;
  return { packed: Buffer.concat(out), crc, size };
}

/** Peak growth of the heap and buffers while `fn` runs, sampled every 5 ms. */
async function peakGrowth(fn: () => Promise<unknown>): Promise<{ result: PromiseSettledResult<unknown>; mb: number; ms: number }> {
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const base = used();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, used())), 5);
  const started = Date.now();
  const [result] = await Promise.allSettled([fn()]);
  clearInterval(timer);
  peak = Math.max(peak, used());
  return { result, mb: (peak - base) / (1024 * 1024), ms: Date.now() - started };
}

async function withBomb(file: string, declared: (real: number) => number): Promise<string> {
  const bomb = await sharedStringsBomb(320);
  const parts = (await normalParts()).map((p) => (p.name === 'xl/sharedStrings.xml' ? { ...p, ...bomb, declared: declared(bomb.size) } : p));
  expect(parts.some((p) => p.name === 'xl/sharedStrings.xml')).toBe(true);
  const path = join(dir, file);
  writeFileSync(path, zip(parts));
  return path;
}

const REFUSED = /"[^"]+\.xlsx" was not read: its part xl\/sharedStrings\.xml unpacks to .*more than the agent reads from a workbook.*save the sheet as CSV/;

describe('a workbook that unpacks far beyond its size', () => {
  it('is refused from its declared size before anything is unpacked', async () => {
    const path = await withBomb('declared-bomb.xlsx', (real) => real);
    const { result, mb, ms } = await peakGrowth(() => openReader(path));
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'WORKBOOK_TOO_LARGE', message: expect.stringMatching(REFUSED) });
    expect((result as PromiseRejectedResult).reason.message).toMatch(/"declared-bomb\.xlsx" was not read: its part xl\/sharedStrings\.xml unpacks to 3\d\d MB from \d+ KB in the file/);
    expect(ms).toBeLessThan(5000);
    expect(mb).toBeLessThan(64);
  }, 60_000);

  it('is refused as it unpacks when its directory understates the size, without holding it', async () => {
    const path = await withBomb('lying-bomb.xlsx', () => 4096);
    const { result, mb, ms } = await peakGrowth(() => openReader(path));
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'WORKBOOK_TOO_LARGE', message: expect.stringMatching(REFUSED) });
    expect((result as PromiseRejectedResult).reason.message).toMatch(/"lying-bomb\.xlsx" was not read: its part xl\/sharedStrings\.xml unpacks to more than \d+ MB from \d+ KB in the file/);
    expect(ms).toBeLessThan(5000);
    expect(mb).toBeLessThan(64);
  }, 60_000);

  it('is refused when the bomb is an entry its directory does not list', async () => {
    const hidden = { name: 'xl/sharedStrings.xml', ...(await sharedStringsBomb(320)), unlisted: true };
    const path = join(dir, 'hidden-bomb.xlsx');
    writeFileSync(path, zip([hidden, ...(await normalParts())]));
    const { result, mb } = await peakGrowth(() => openReader(path));
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason.message).toMatch(/"hidden-bomb\.xlsx" was not read: it holds \d+ KB of data its directory does not list, more than the agent reads from a workbook.*save the sheet as CSV/);
    expect(mb).toBeLessThan(64);
  }, 60_000);

  it('still reads a normal workbook', async () => {
    const path = join(dir, 'normal.xlsx');
    writeFileSync(path, zip(await normalParts()));
    const reader = await openReader(path);
    const rows = [];
    for await (const row of reader.rows()) rows.push(row.cells);
    expect(rows).toEqual([
      { Site: 'LON-01', Month: '2024-01', kWh: 100 },
      { Site: 'MAN-02', Month: '2024-01', kWh: 200 },
    ]);
  });
});
