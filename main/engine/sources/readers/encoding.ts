import iconv from 'iconv-lite';
import { SourceFileError, displayName } from '../errors';

export interface DetectedEncoding {
  /** Name understood by iconv-lite / TextDecoder. */
  encoding: string;
  /** 'bom' | 'nul-pattern' | 'valid-utf8' | 'fallback' — why it was chosen. */
  reason: 'bom' | 'nul-pattern' | 'valid-utf8' | 'not-utf8' | 'override';
}

const MAGIC: Array<{ bytes: number[]; what: string; code: 'NOT_TEXT' | 'LEGACY_XLS' }> = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (an .xlsx workbook is one)', code: 'NOT_TEXT' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old Excel .xls workbook', code: 'LEGACY_XLS' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document', code: 'NOT_TEXT' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image', code: 'NOT_TEXT' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image', code: 'NOT_TEXT' },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive', code: 'NOT_TEXT' },
];

export function startsWith(buf: Uint8Array, bytes: number[]): boolean {
  return bytes.length <= buf.length && bytes.every((b, i) => buf[i] === b);
}

/** Recognises well-known binary formats by their first bytes. */
export function binaryKind(head: Uint8Array): { what: string; code: 'NOT_TEXT' | 'LEGACY_XLS' } | null {
  for (const m of MAGIC) if (startsWith(head, m.bytes)) return { what: m.what, code: m.code };
  return null;
}

/**
 * Picks the encoding from the first bytes: a BOM wins; otherwise a NUL byte in every other
 * position means UTF-16 without BOM; otherwise bytes that are valid UTF-8 are UTF-8 and
 * anything else is Windows-1252 (a superset of Latin-1 for printable text, which is what
 * Excel on Windows writes for "CSV").
 */
export function detectEncoding(head: Uint8Array, complete = false): DetectedEncoding {
  if (startsWith(head, [0xef, 0xbb, 0xbf])) return { encoding: 'utf-8', reason: 'bom' };
  if (startsWith(head, [0xff, 0xfe])) return { encoding: 'utf-16le', reason: 'bom' };
  if (startsWith(head, [0xfe, 0xff])) return { encoding: 'utf-16be', reason: 'bom' };
  const n = Math.min(head.length - (head.length % 2), 1024);
  if (n >= 4) {
    let evenNul = 0;
    let oddNul = 0;
    for (let i = 0; i < n; i += 2) {
      if (head[i] === 0) evenNul++;
      if (head[i + 1] === 0) oddNul++;
    }
    const pairs = n / 2;
    if (oddNul > pairs * 0.3 && evenNul < pairs * 0.05) return { encoding: 'utf-16le', reason: 'nul-pattern' };
    if (evenNul > pairs * 0.3 && oddNul < pairs * 0.05) return { encoding: 'utf-16be', reason: 'nul-pattern' };
  }
  try {
    // stream: true tolerates a multi-byte character cut off at the end of a partial sample.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !complete });
    return { encoding: 'utf-8', reason: 'valid-utf8' };
  } catch {
    return { encoding: 'windows-1252', reason: 'not-utf8' };
  }
}

export function normaliseEncodingName(name: string, file?: string): string {
  const lower = name.trim().toLowerCase();
  const alias: Record<string, string> = {
    utf8: 'utf-8',
    'utf-8-bom': 'utf-8',
    utf16le: 'utf-16le',
    utf16be: 'utf-16be',
    'utf-16': 'utf-16le',
    cp1252: 'windows-1252',
    'win-1252': 'windows-1252',
    latin1: 'latin1',
    'iso-8859-1': 'latin1',
  };
  const resolved = alias[lower] ?? lower;
  if (resolved !== 'utf-8' && !iconv.encodingExists(resolved)) {
    throw new SourceFileError(
      'UNKNOWN_ENCODING',
      `The encoding "${name}" chosen for ${displayName(file)} is not known. Use one of UTF-8, UTF-16LE, UTF-16BE, Windows-1252 or ISO-8859-1.`,
      { file },
    );
  }
  return resolved;
}

/**
 * Decodes a byte stream to text with all line endings (CRLF, CR, LF) turned into LF, so
 * line counting downstream is one rule. UTF-8 is decoded strictly: bytes that are not UTF-8
 * later in a file whose start looked like UTF-8 stop the read with the line where it happened,
 * instead of silently turning into replacement characters.
 */
export async function* decodeText(
  source: AsyncIterable<Uint8Array>,
  encoding: string,
  ctx: { file?: string; detected: boolean },
): AsyncGenerator<string> {
  let linesSoFar = 1;
  let pendingCR = false;
  const normalise = (s: string): string => {
    if (pendingCR) {
      s = '\r' + s;
      pendingCR = false;
    }
    if (s.endsWith('\r')) {
      pendingCR = true;
      s = s.slice(0, -1);
    }
    s = s.replace(/\r\n?/g, '\n');
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) linesSoFar++;
    return s;
  };
  const mismatch = (): SourceFileError =>
    new SourceFileError(
      'ENCODING_MISMATCH',
      `Line ${linesSoFar} of ${displayName(ctx.file)} contains bytes that are not valid UTF-8` +
        (ctx.detected
          ? ', although the start of the file looked like UTF-8. Choose the file\'s encoding explicitly (for example Windows-1252 for files saved by Excel on Windows).'
          : ', the encoding chosen for this source. Choose the encoding the file was saved in (for example Windows-1252).'),
      { file: ctx.file, line: linesSoFar },
    );
  if (encoding === 'utf-8') {
    const dec = new TextDecoder('utf-8', { fatal: true });
    for await (const chunk of source) {
      let text: string;
      try {
        text = dec.decode(chunk, { stream: true });
      } catch {
        // Point at the line of the first bad byte, not the start of this chunk.
        linesSoFar += lineBreaksBefore(chunk, firstInvalidUtf8(chunk));
        throw mismatch();
      }
      if (text) yield normalise(text);
    }
    let tail: string;
    try {
      tail = dec.decode();
    } catch {
      throw mismatch();
    }
    const last = normalise(tail) + (pendingCR ? '\n' : '');
    if (last) yield last;
    return;
  }
  const dec = iconv.getDecoder(encoding);
  for await (const chunk of source) {
    const text = dec.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (text) yield normalise(text);
  }
  const tail = dec.end() ?? '';
  const last = normalise(tail) + (pendingCR ? '\n' : '');
  if (last) yield last;
}

/** Decodes a whole (small) sample leniently: used for sniffing only. */
export function decodeSample(head: Uint8Array, encoding: string): string {
  const text =
    encoding === 'utf-8'
      ? new TextDecoder('utf-8').decode(head, { stream: true })
      : iconv.decode(Buffer.from(head.buffer, head.byteOffset, head.byteLength), encoding);
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/**
 * True when decoded text looks like binary data: NUL bytes or many control characters.
 * Checked on the sample so that a renamed image or archive gets a clear error.
 */
export function looksBinary(text: string): boolean {
  const n = Math.min(text.length, 4096);
  if (n === 0) return false;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
    else if (c === 0xfffd) control++;
  }
  return control / n > 0.05;
}

/** Offset of the first byte that breaks UTF-8 in `buf` (buf.length when none). */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= buf.length) return buf.length; // cut at the end: not an error yet
      if ((buf[i + k]! & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return buf.length;
}

function lineBreaksBefore(buf: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) {
    if (buf[i] === 0x0a) n++;
    else if (buf[i] === 0x0d && buf[i + 1] !== 0x0a) n++;
  }
  return n;
}
