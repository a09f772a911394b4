import type { SourceRow, CellValue } from '../../../../shared/domain';
import { SourceFileError, displayName } from '../errors';
import { inputPath, openByteSource, type ByteInput } from './byte-source';
import { decodeText, detectEncoding } from './encoding';
import type { BaseReadOptions, ReaderInfo, TabularReader } from './types';

/**
 * JSON arrays are streamed with a small hand-written scanner rather than a streaming-JSON
 * package: to find the elements of one array we only need string/escape state and bracket
 * depth, so ~150 lines replace a dependency, and each element is then handed to JSON.parse
 * (fast, strict). Memory is bounded by the largest single element, not the file.
 */
export interface JsonReadOptions extends BaseReadOptions {
  /**
   * RFC 6901 pointer to the array of records, e.g. "/data/items". Default: the root when it is
   * an array, else the first array-valued property of the root object.
   */
  pointer?: string;
  /** 'ndjson' forces one-object-per-line; default decides from the content. */
  format?: 'json' | 'ndjson';
  fileName?: string;
  /** Records sampled to list the headers. Default 100. */
  headerSample?: number;
  /** Largest single record in characters. Default 64 M. */
  maxRecordChars?: number;
}

export function parsePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  if (!pointer.startsWith('/')) pointer = '/' + pointer;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Nested objects become dotted keys; arrays become JSON text (a cell holds one value). */
export function flattenRecord(value: unknown, prefix = '', out: Record<string, CellValue> = {}): Record<string, CellValue> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = null;
    for (const [k, v] of entries) flattenRecord(v, prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  const key = prefix || 'value';
  if (Array.isArray(value)) out[key] = JSON.stringify(value);
  else if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  else out[key] = String(value);
  return out;
}

interface Frame {
  kind: 'obj' | 'arr';
  /** Still on the way to the pointer: keys matter here. */
  relevant: boolean;
  expectKey: boolean;
  key: string | null;
  index: number;
  target: boolean;
}

/** Yields each element of the array at `pointer` as parsed JSON with its starting line. */
export async function* scanJsonArray(
  chunks: AsyncIterable<string>,
  pointer: string | undefined,
  ctx: { file?: string; maxRecordChars: number; onTarget?: (pointer: string) => void },
): AsyncGenerator<{ line: number; value: unknown }> {
  const want = pointer === undefined ? null : parsePointer(pointer);
  const stack: Frame[] = [];
  const path: string[] = [];
  let line = 1;
  let inString = false;
  let escape = false;
  let keyBuf: string[] | null = null; // capturing a key string
  let capture: string[] | null = null; // capturing an element
  let captureLen = 0;
  let captureDepth = 0;
  let captureLine = 0;
  let captureScalar = false;
  let chunkCaptureStart: number;
  let rootSeen = false;
  let targetDone = false;
  let targetFound = false;
  const fail = (msg: string): SourceFileError => new SourceFileError('INVALID_JSON', `${displayName(ctx.file)} is not valid JSON: ${msg} (line ${line}).`, { file: ctx.file, line });

  const isTargetPath = (p: string[]): boolean => {
    if (want) return p.length === want.length && p.every((s, i) => s === want[i]);
    // Auto: the root array, or the first array directly under a root object.
    return p.length === 0 || p.length === 1;
  };
  const isPrefix = (p: string[]): boolean => (want ? p.length < want.length && p.every((s, i) => s === want[i]) : p.length === 0);

  const finishElement = (text: string): { line: number; value: unknown } => {
    try {
      return { line: captureLine, value: JSON.parse(text) };
    } catch (e) {
      throw new SourceFileError('INVALID_JSON', `The record starting at line ${captureLine} of ${displayName(ctx.file)} is not valid JSON: ${(e as Error).message}.`, {
        file: ctx.file,
        line: captureLine,
      });
    }
  };

  for await (const chunk of chunks) {
    const out: Array<{ line: number; value: unknown }> = [];
    chunkCaptureStart = capture ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i]!;
      if (ch === '\n') line++;
      if (inString) {
        if (escape) escape = false;
        else if (ch === '\\') escape = true;
        else if (ch === '"') {
          inString = false;
          if (keyBuf) {
            const raw = keyBuf.join('');
            keyBuf = null;
            const top = stack[stack.length - 1]!;
            try {
              top.key = JSON.parse('"' + raw + '"') as string;
            } catch {
              throw fail('a property name is malformed');
            }
            top.expectKey = false;
          }
          continue;
        }
        if (keyBuf) {
          keyBuf.push(ch);
          if (keyBuf.length > 1_000_000) throw fail('a property name is longer than 1 MB');
        }
        continue;
      }
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\uFEFF') continue;
      const top = stack[stack.length - 1];

      // Start of an element of the target array?
      if (!capture && top?.target && ch !== ']' && ch !== ',') {
        capture = [];
        captureLen = 0;
        chunkCaptureStart = i;
        captureDepth = stack.length;
        captureLine = line;
        captureScalar = ch !== '{' && ch !== '[';
      }

      if (ch === '"') {
        inString = true;
        if (!capture && top?.kind === 'obj' && top.expectKey) keyBuf = top.relevant ? [] : null;
        if (top?.kind === 'obj' && top.expectKey && !top.relevant) top.expectKey = false;
        continue;
      }
      if (ch === '{' || ch === '[') {
        if (!rootSeen) rootSeen = true;
        const segment = top ? (top.kind === 'obj' ? (top.key ?? '') : String(top.index)) : null;
        const parentRelevant = top ? top.relevant : true;
        const myPath = segment === null ? [] : [...path, segment];
        const onTheWay = parentRelevant && !capture;
        const isTarget = onTheWay && !targetFound && isTargetPath(myPath);
        if (isTarget && ch === '{' && want && myPath.length === want.length) {
          throw new SourceFileError(
            'NOT_AN_ARRAY',
            `The value at "${pointer || '/'}" in ${displayName(ctx.file)} is an object, not an array of records. Point to the array that holds the records (for example "/data").`,
            { file: ctx.file },
          );
        }
        const target = isTarget && ch === '[';
        if (target) {
          targetFound = true;
          ctx.onTarget?.(myPath.length === 0 ? '' : '/' + myPath.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/'));
        }
        if (segment !== null) path.push(segment);
        stack.push({ kind: ch === '{' ? 'obj' : 'arr', relevant: onTheWay && (target || isPrefix(myPath)), expectKey: ch === '{', key: null, index: 0, target });
        continue;
      }
      if (ch === '}' || ch === ']') {
        const closed = stack.pop();
        if (!closed || (closed.kind === 'obj') !== (ch === '}')) throw fail(`unexpected "${ch}"`);
        if (stack.length > 0 || path.length > 0) path.pop();
        if (capture && captureScalar && stack.length + 1 === captureDepth) {
          // "]" ends a scalar element of the target array.
          capture.push(chunk.slice(chunkCaptureStart, i));
          out.push(finishElement(capture.join('')));
          capture = null;
        } else if (capture && stack.length + 1 === captureDepth + 1 && stack.length === captureDepth) {
          capture.push(chunk.slice(chunkCaptureStart, i + 1));
          out.push(finishElement(capture.join('')));
          capture = null;
        }
        if (closed.target) {
          targetDone = true;
          break;
        }
        continue;
      }
      if (ch === ',') {
        if (capture && captureScalar && stack.length === captureDepth) {
          capture.push(chunk.slice(chunkCaptureStart, i));
          out.push(finishElement(capture.join('')));
          capture = null;
        }
        if (top?.kind === 'obj') top.expectKey = true;
        else if (top) top.index++;
        continue;
      }
      if (ch === ':') continue;
      if (!rootSeen) {
        throw new SourceFileError('NOT_AN_ARRAY', `${displayName(ctx.file)} holds a single value, not an array of records.`, { file: ctx.file });
      }
      // Scalars outside a capture need no handling: their characters are skipped.
    }
    if (capture && chunkCaptureStart !== -1) {
      const part = chunk.slice(chunkCaptureStart);
      capture.push(part);
      captureLen += part.length;
      if (captureLen > ctx.maxRecordChars) {
        throw new SourceFileError('RECORD_TOO_LARGE', `The record starting at line ${captureLine} of ${displayName(ctx.file)} is larger than ${ctx.maxRecordChars} characters.`, {
          file: ctx.file,
          line: captureLine,
        });
      }
    }
    for (const o of out) yield o;
    if (targetDone) return;
  }
  if (!rootSeen) throw new SourceFileError('EMPTY_FILE', `${displayName(ctx.file)} contains no JSON data.`, { file: ctx.file });
  if (inString || stack.length > 0 || capture) throw fail('the file ends in the middle of a value — it may be cut off');
  if (!targetFound) {
    throw new SourceFileError(
      want ? 'POINTER_NOT_FOUND' : 'NOT_AN_ARRAY',
      want
        ? `${displayName(ctx.file)} has no array at "${pointer}". Check the JSON pointer to the records.`
        : `${displayName(ctx.file)} has no array of records at its top level. Give the JSON pointer to the records (for example "/data/items").`,
      { file: ctx.file },
    );
  }
}

async function* ndjsonLines(
  chunks: AsyncIterable<string>,
  ctx: { file?: string; maxRecordChars: number },
): AsyncGenerator<{ line: number; value: unknown }> {
  let carry = '';
  let line = 0;
  const handle = (text: string): { line: number; value: unknown } | null => {
    line++;
    const t = text.trim();
    if (t === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch (e) {
      throw new SourceFileError('INVALID_JSON', `Line ${line} of ${displayName(ctx.file)} is not valid JSON (${(e as Error).message}). Each line must hold one JSON object.`, {
        file: ctx.file,
        line,
      });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new SourceFileError('INVALID_JSON', `Line ${line} of ${displayName(ctx.file)} is not a JSON object. Each line must hold one object like {"site": "A", "kWh": 10}.`, {
        file: ctx.file,
        line,
      });
    }
    return { line, value };
  };
  for await (const chunk of chunks) {
    carry += chunk;
    let nl: number;
    while ((nl = carry.indexOf('\n')) !== -1) {
      const r = handle(carry.slice(0, nl));
      carry = carry.slice(nl + 1);
      if (r) yield r;
    }
    if (carry.length > ctx.maxRecordChars) {
      throw new SourceFileError('RECORD_TOO_LARGE', `Line ${line + 1} of ${displayName(ctx.file)} is longer than ${ctx.maxRecordChars} characters.`, { file: ctx.file, line: line + 1 });
    }
  }
  const r = handle(carry);
  if (r) yield r;
}

/** NDJSON when the first two non-blank lines each hold a complete JSON value. */
export function looksLikeNdjson(sample: string): boolean {
  const lines = sample.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length < 2 || !lines[0]!.startsWith('{')) return false;
  try {
    JSON.parse(lines[0]!);
    JSON.parse(lines[1]!);
    return true;
  } catch {
    return false;
  }
}

function format0(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export async function readJson(input: ByteInput, opts: JsonReadOptions = {}): Promise<TabularReader> {
  const file = inputPath(input) ?? opts.fileName;
  const src = await openByteSource(input, file);
  const maxRecordChars = opts.maxRecordChars ?? 64 * 1024 * 1024;
  const head = await src.head(64 * 1024);
  if (head.bytes.byteLength === 0) {
    await src.close();
    throw new SourceFileError('EMPTY_FILE', `${displayName(file)} is empty (0 bytes).`, { file });
  }
  const enc = detectEncoding(head.bytes).encoding;
  const encoding = enc === 'windows-1252' ? 'utf-8' : enc; // JSON is Unicode; a bad byte is reported as such
  const sampleText = new TextDecoder(encoding).decode(head.bytes, { stream: true }).replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const first = sampleText.trimStart()[0];
  if (first !== undefined && /[-0-9"tfn]/.test(first) && format0(sampleText)) {
    await src.close();
    throw new SourceFileError('NOT_AN_ARRAY', `${displayName(file)} holds a single JSON value, not an array of records.`, { file });
  }
  if (first !== undefined && first !== '{' && first !== '[') {
    await src.close();
    throw new SourceFileError('INVALID_JSON', `${displayName(file)} does not start with JSON ("[" or "{"). Check that it is a JSON export.`, { file, line: 1 });
  }
  const format = opts.format ?? (looksLikeNdjson(sampleText) ? 'ndjson' : 'json');
  const info: ReaderInfo = { format, encoding, headerRow: null, headers: [], warnings: [] };
  let chosenPointer = opts.pointer;
  const records = (source: AsyncIterable<Uint8Array>): AsyncGenerator<{ line: number; value: unknown }> => {
    const text = decodeText(source, encoding, { file, detected: true });
    return format === 'ndjson'
      ? ndjsonLines(text, { file, maxRecordChars })
      : scanJsonArray(text, opts.pointer, {
          file,
          maxRecordChars,
          onTarget: (p) => {
            chosenPointer = p;
          },
        });
  };
  const toRow = (r: { line: number; value: unknown }): SourceRow => {
    if (r.value === null || typeof r.value !== 'object' || Array.isArray(r.value)) {
      return { line: r.line, cells: { value: Array.isArray(r.value) ? JSON.stringify(r.value) : (r.value as CellValue) } };
    }
    return { line: r.line, cells: flattenRecord(r.value) };
  };

  // Header: union of keys over the first records, in order of appearance. A file path is
  // re-read for the rows; a stream's sampled records are replayed.
  const headerSample = opts.headerSample ?? 100;
  const sampled: SourceRow[] = [];
  const keys = new Set<string>();
  const isFile = inputPath(input) !== undefined;
  const sampleSource = isFile ? await openByteSource(input) : src;
  const sampleIt = records(sampleSource.all());
  try {
    for (;;) {
      if (sampled.length >= headerSample) break;
      const r = await sampleIt.next();
      if (r.done) break;
      const row = toRow(r.value);
      for (const k of Object.keys(row.cells)) keys.add(k);
      sampled.push(row);
    }
  } catch (err) {
    await sampleIt.return(undefined);
    await src.close();
    throw err;
  }
  if (isFile) await sampleIt.return(undefined);
  info.headers = [...keys];
  if (format === 'json') info.pointer = chosenPointer ?? '';

  let started = false;
  async function* rows(): AsyncGenerator<SourceRow, void, undefined> {
    if (!isFile) {
      if (started) throw new SourceFileError('STREAM_ALREADY_CONSUMED', 'This input stream was already read once; open the source again.');
      started = true;
      yield* sampled.splice(0);
      for await (const r of { [Symbol.asyncIterator]: () => sampleIt }) yield toRow(r);
      return;
    }
    for await (const r of records(src.all())) yield toRow(r);
  }
  return { info, rows, [Symbol.asyncIterator]: () => rows(), close: () => src.close(), bytesRead: () => src.bytesRead() };
}
