import type { CentralDirectory, CentralDirectoryFile } from 'unzipper';
import { SourceFileError, displayName } from '../errors';

/**
 * How much a workbook may unpack to before it is read. exceljs holds every shared string (and
 * the styles) in memory, so those parts decide the agent's memory: a 2.4 MB workbook whose
 * sharedStrings.xml unpacks 700:1 took the agent to 1.7 GB, and a bigger one killed it. Real
 * workbooks unpack at 3–20:1 (XML of mostly distinct text), so a part held in memory may take
 * up to 100 times its packed size once above 16 MB (small parts are harmless whatever their
 * ratio), and never more than 256 MB — a shared-string table that size already means millions
 * of distinct cells, which a CSV carries better. Worksheets stream row by row and are bounded
 * only by the whole: 8 GB unpacked is more than a full Excel sheet.
 */
export const HELD_PART_MAX = 256 * 1024 * 1024;
export const HELD_PART_FREE = 16 * 1024 * 1024;
export const HELD_PART_RATIO = 100;
export const WORKBOOK_MAX = 8 * 1024 * 1024 * 1024;
/**
 * Bytes before the central directory that no listed entry accounts for: a streaming reader
 * (exceljs) would still unpack an entry hidden there, so a bomb could sit outside the checks.
 * 64 KB cannot hold one that matters (deflate unpacks at most ~1,030:1).
 */
const UNLISTED_MAX = 64 * 1024;

/** Parts exceljs' streaming reader keeps whole in memory (worksheets it streams). */
function isHeldPart(path: string): boolean {
  return !/^xl\/worksheets\/[^/]+\.xml$/i.test(path) && path.toLowerCase().startsWith('xl/') && path.toLowerCase().endsWith('.xml');
}

function mb(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
}

function heldLimit(f: CentralDirectoryFile): number {
  return Math.min(HELD_PART_MAX, Math.max(HELD_PART_FREE, HELD_PART_RATIO * f.compressedSize));
}

function tooBig(file: string, what: string): SourceFileError {
  return new SourceFileError(
    'WORKBOOK_TOO_LARGE',
    `${displayName(file)} was not read: ${what}, more than the agent reads from a workbook (it would need too much memory; a file built this way is damaged or made to exhaust memory). If it is a genuine workbook, open it in Excel and save the sheet as CSV (File › Save As › CSV UTF-8), then drop the CSV instead.`,
    { file },
  );
}

/** Refuses a workbook from what its ZIP directory declares, before any part is unpacked. */
export function assertDeclaredSizes(file: string, zip: CentralDirectory & { offsetToStartOfCentralDirectory?: number }): void {
  let total = 0;
  let listed = 0;
  for (const f of zip.files) {
    total += f.uncompressedSize;
    // Local header (30 bytes), name, extra field (the directory's, plus room for a differing
    // local one) and data descriptor (up to 24 bytes) around the packed data.
    listed += 30 + Buffer.byteLength(f.path) + (f.extraFieldLength ?? 0) + 64 + 24 + f.compressedSize;
    if (isHeldPart(f.path) && f.uncompressedSize > heldLimit(f)) {
      throw tooBig(file, `its part ${f.path} unpacks to ${mb(f.uncompressedSize)} from ${mb(f.compressedSize)} in the file`);
    }
  }
  if (total > WORKBOOK_MAX) throw tooBig(file, `it unpacks to ${mb(total)}`);
  const start = zip.offsetToStartOfCentralDirectory;
  if (typeof start === 'number' && start - listed > UNLISTED_MAX) {
    throw tooBig(file, `it holds ${mb(start - listed)} of data its directory does not list`);
  }
}

/**
 * Unpacks each part held in memory once, counting bytes and stopping at its limit, so a part
 * whose header understates its size is refused before exceljs caches it. Streams: nothing is kept.
 */
export async function assertInflatedSizes(file: string, zip: CentralDirectory): Promise<void> {
  for (const f of zip.files) {
    if (f.type !== 'File' || !isHeldPart(f.path) || f.compressedSize === 0) continue;
    const limit = heldLimit(f);
    let seen = 0;
    const stream = f.stream();
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        seen += chunk.byteLength;
        if (seen > limit) throw tooBig(file, `its part ${f.path} unpacks to more than ${mb(limit)} from ${mb(f.compressedSize)} in the file`);
      }
    } finally {
      stream.destroy();
    }
  }
}
