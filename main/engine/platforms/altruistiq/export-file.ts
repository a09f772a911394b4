/**
 * Reads one downloaded Altruistiq export file into rows, streaming.
 *
 * The spec lets the client pick a compression (`format.type`), and describes JSON and PARQUET
 * files; we request JSON so the agent needs no Parquet reader. The content is sniffed rather
 * than trusted: gzip by its magic bytes, then NDJSON (`{`), a JSON array (`[`), or CSV
 * (anything else, via csv-parse) — so a platform-side switch to CSV or plain JSON still works.
 */
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';

export type ExportCompression = 'auto' | 'gzip' | 'deflate' | 'raw_deflate' | 'brotli' | 'none';

export class ExportFileError extends Error {
  readonly code = 'bad_export_file';
  constructor(message: string) {
    super(message);
    this.name = 'ExportFileError';
  }
}

export async function* parseExportFile(
  source: AsyncIterable<Uint8Array>,
  compression: ExportCompression,
  label: string,
): AsyncGenerator<Record<string, unknown>> {
  let stream = await peekable(source);
  const magic = stream.head.subarray(0, 4);
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    stream = await peekable(Readable.from(stream.body).pipe(createGunzip()));
  } else if (compression === 'brotli' || compression === 'deflate' || compression === 'raw_deflate') {
    const z = compression === 'brotli' ? createBrotliDecompress() : compression === 'deflate' ? createInflate() : createInflateRaw();
    stream = await peekable(Readable.from(stream.body).pipe(z));
  }
  const head = stream.head;
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') {
    throw new ExportFileError(`${label} is a Parquet file, which the agent does not read. Create the export with a JSON format (the agent does this by default).`);
  }
  const first = firstNonSpace(head);
  if (first === '{') {
    yield* ndjson(stream.body, label);
  } else if (first === '[') {
    yield* jsonArray(stream.body, label);
  } else if (first !== null) {
    const parser = Readable.from(stream.body).pipe(parseCsv({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: false }));
    for await (const rec of parser) yield rec as Record<string, unknown>;
  }
}

interface Peeked {
  head: Buffer;
  body: AsyncIterable<Uint8Array>;
}

/** Reads the first chunk(s) (≥ 16 bytes when available) and gives back a stream that still starts with them. */
async function peekable(source: AsyncIterable<Uint8Array>): Promise<Peeked> {
  const it = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < 16) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = Buffer.from(r.value);
    chunks.push(b);
    len += b.length;
  }
  const head = Buffer.concat(chunks);
  async function* body(): AsyncGenerator<Uint8Array> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, body: body() };
}

function firstNonSpace(b: Buffer): string | null {
  // Skip a UTF-8 BOM and whitespace.
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  for (; i < b.length; i++) {
    const c = String.fromCharCode(b[i]!);
    if (!/\s/.test(c)) return c;
  }
  return null;
}

async function* ndjson(body: AsyncIterable<Uint8Array>, label: string): AsyncGenerator<Record<string, unknown>> {
  const rl = createInterface({ input: Readable.from(body), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    const t = line === 1 ? text.replace(/^\uFEFF/, '').trim() : text.trim();
    if (t === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      throw new ExportFileError(`${label}, line ${line}: not valid JSON. The export file is damaged or in an unexpected format; run the export again.`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new ExportFileError(`${label}, line ${line}: expected one JSON object per line.`);
    }
    yield v as Record<string, unknown>;
  }
}

async function* jsonArray(body: AsyncIterable<Uint8Array>, label: string): AsyncGenerator<Record<string, unknown>> {
  // A single JSON array has to be read whole; exports of this shape are the small, unpartitioned ones.
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    throw new ExportFileError(`${label}: not valid JSON. Run the export again.`);
  }
  if (!Array.isArray(v)) throw new ExportFileError(`${label}: expected a JSON array of records.`);
  for (const item of v) {
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) yield item as Record<string, unknown>;
    else throw new ExportFileError(`${label}: the array holds something other than records.`);
  }
}
