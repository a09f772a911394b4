import type { CentralDirectory } from 'unzipper';
import { loadSaxes, loadUnzipper } from '../../runtime/lazy-modules';
import { open } from 'node:fs/promises';
import { SourceFileError, displayName } from '../errors';
import { inputPath, toFsError } from './byte-source';
import { PinnedFile } from './pinned-file';
import { assertDeclaredSizes, assertInflatedSizes } from './xlsx-limits';
import { startsWith } from './encoding';

/**
 * What exceljs' streaming reader does not expose: sheet names/order, merged ranges and
 * hidden rows. Read by random access to the ZIP (central directory), with a SAX pass over
 * the chosen sheet's XML — nothing is held but the merges and hidden row numbers.
 */
export interface SheetEntry {
  name: string;
  /** Path inside the ZIP, e.g. xl/worksheets/sheet1.xml. */
  entry: string;
  state: 'visible' | 'hidden' | 'veryHidden';
}

export interface MergeRange {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export interface SheetLayout {
  merges: MergeRange[];
  hiddenRows: Set<number>;
}

function notSpreadsheet(file: string, why: string): SourceFileError {
  return new SourceFileError('NOT_A_SPREADSHEET', `${displayName(file)} is not an Excel workbook (${why}). Save it from Excel as .xlsx, or export it as CSV.`, { file });
}

/** A workbook by path, or a taken file's open descriptor (read only through it). */
export type WorkbookInput = string | PinnedFile;

export async function assertZipSpreadsheet(input: WorkbookInput): Promise<void> {
  const file = inputPath(input)!;
  let head: Buffer;
  try {
    const fh = input instanceof PinnedFile ? input.handle : await open(file, 'r');
    try {
      head = Buffer.alloc(8);
      const { bytesRead } = await fh.read(head, 0, 8, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      if (!(input instanceof PinnedFile)) await fh.close();
    }
  } catch (err) {
    throw toFsError(err, file);
  }
  if (head.length === 0) throw new SourceFileError('EMPTY_FILE', `${displayName(file)} is empty (0 bytes). Check that it finished saving.`, { file });
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0])) {
    throw new SourceFileError('LEGACY_XLS', `${displayName(file)} is an old Excel .xls workbook, which is not supported. Open it in Excel and save it as .xlsx.`, { file });
  }
  if (!startsWith(head, [0x50, 0x4b, 0x03, 0x04])) throw notSpreadsheet(file, 'it is not a ZIP-based .xlsx file');
}

async function openZip(input: WorkbookInput): Promise<CentralDirectory> {
  const file = inputPath(input)!;
  await assertZipSpreadsheet(input);
  const zip = await openDirectory(input, file);
  // Before exceljs unpacks anything: its reader caches the shared strings whole.
  assertDeclaredSizes(file, zip);
  await assertInflatedSizes(file, zip).catch((err: unknown) => {
    throw err instanceof SourceFileError ? err : notSpreadsheet(file, 'a part of it cannot be unpacked');
  });
  return zip;
}

async function openDirectory(input: WorkbookInput, file: string): Promise<CentralDirectory> {
  try {
    const { Open } = await loadUnzipper();
    if (!(input instanceof PinnedFile)) return await Open.file(file);
    // The same byte ranges unzipper's own Open.file asks for (end = offset + length, inclusive).
    return await Open.custom({
      size: async () => input.size,
      stream: (offset, length) => input.stream({ start: offset, end: length ? offset + length : undefined }),
    });
  } catch {
    throw notSpreadsheet(file, 'the ZIP structure is damaged or incomplete');
  }
}

async function saxOver(entry: { stream(): NodeJS.ReadableStream }, onOpen: (name: string, attrs: Record<string, string>) => void): Promise<void> {
  const { SaxesParser } = await loadSaxes();
  const parser = new SaxesParser();
  let failure: Error | undefined;
  parser.on('error', (e) => {
    failure = e;
  });
  parser.on('opentag', (tag) => onOpen(tag.name, tag.attributes as Record<string, string>));
  for await (const chunk of entry.stream() as AsyncIterable<Buffer>) {
    parser.write(chunk.toString('utf8'));
    if (failure) throw failure;
  }
  parser.close();
  if (failure) throw failure;
}

export async function readWorkbookSheets(input: WorkbookInput): Promise<{ sheets: SheetEntry[]; zip: CentralDirectory }> {
  const file = inputPath(input)!;
  const zip = await openZip(input);
  const wb = zip.files.find((f) => f.path === 'xl/workbook.xml');
  const rels = zip.files.find((f) => f.path === 'xl/_rels/workbook.xml.rels');
  if (!wb || !rels) throw notSpreadsheet(file, 'it has no workbook inside');
  const targets = new Map<string, string>();
  const raw: Array<{ name: string; rid: string; state: string }> = [];
  try {
    await saxOver(rels, (name, a) => {
      if (name === 'Relationship' && a.Id && a.Target) targets.set(a.Id, a.Target);
    });
    await saxOver(wb, (name, a) => {
      if (name === 'sheet') raw.push({ name: a.name ?? '', rid: a['r:id'] ?? '', state: a.state ?? 'visible' });
    });
  } catch {
    throw notSpreadsheet(file, 'its workbook description is not valid XML');
  }
  const sheets: SheetEntry[] = raw.map((s) => {
    const target = targets.get(s.rid) ?? '';
    const entry = target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
    return { name: s.name, entry, state: s.state === 'hidden' || s.state === 'veryHidden' ? s.state : 'visible' };
  });
  return { sheets, zip };
}

/** "B2:D3" → range; "C4" → single cell. */
export function decodeRange(ref: string): MergeRange | null {
  const m = /^\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$/i.exec(ref.trim());
  if (!m) return null;
  const col = (s: string): number => [...s.toUpperCase()].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
  const left = col(m[1]!);
  const top = Number(m[2]);
  const right = m[3] ? col(m[3]) : left;
  const bottom = m[4] ? Number(m[4]) : top;
  return { top: Math.min(top, bottom), bottom: Math.max(top, bottom), left: Math.min(left, right), right: Math.max(left, right) };
}

export async function readSheetLayout(file: string, zip: CentralDirectory, sheet: SheetEntry): Promise<SheetLayout> {
  const entry = zip.files.find((f) => f.path === sheet.entry);
  if (!entry) throw notSpreadsheet(file, `the sheet "${sheet.name}" is missing from the file`);
  const layout: SheetLayout = { merges: [], hiddenRows: new Set() };
  try {
    await saxOver(entry, (name, a) => {
      if (name === 'row' && (a.hidden === '1' || a.hidden === 'true') && a.r) layout.hiddenRows.add(Number(a.r));
      else if (name === 'mergeCell' && a.ref) {
        const r = decodeRange(a.ref);
        if (r) layout.merges.push(r);
      }
    });
  } catch {
    throw notSpreadsheet(file, `the sheet "${sheet.name}" is not valid XML`);
  }
  return layout;
}
