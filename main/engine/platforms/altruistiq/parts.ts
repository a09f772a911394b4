/**
 * Splitting a file for Altruistiq's multipart upload and encoding one part as multipart/form-data.
 * The spec: parts < 100 MB, and > 5 MB when there is more than one (the last may be smaller).
 * "MB" is not defined, so the limits are chosen to satisfy both decimal and binary readings.
 */
import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';

export const MIN_PART_BYTES = 5 * 1024 * 1024; // ≥ 5 MiB > 5 MB
export const MAX_PART_BYTES = 95 * 1024 * 1024; // 95 MiB < 100 MB
export const DEFAULT_PART_BYTES = 16 * 1024 * 1024;

export function clampPartSize(requested: number | undefined): number {
  const n = Number.isFinite(requested) && requested !== undefined ? Math.floor(requested) : DEFAULT_PART_BYTES;
  return Math.min(MAX_PART_BYTES, Math.max(MIN_PART_BYTES, n));
}

export interface PartPlan {
  partNo: number;
  start: number;
  /** Exclusive. */
  end: number;
}

/** Byte ranges of each part; an empty file is one empty part (the API needs at least one). */
export function planParts(size: number, partSize: number): PartPlan[] {
  if (size <= 0) return [{ partNo: 1, start: 0, end: 0 }];
  const parts: PartPlan[] = [];
  for (let start = 0, n = 1; start < size; start += partSize, n++) {
    parts.push({ partNo: n, start, end: Math.min(size, start + partSize) });
  }
  return parts;
}

export interface MultipartBody {
  contentType: string;
  contentLength: number;
  /** Re-creatable for retries: each call re-opens the file range. */
  open: () => AsyncIterable<Uint8Array>;
}

/** multipart/form-data with `file` (the byte range), `uploadId` and `partNo`, streamed from disk. */
export function partBody(args: {
  filePath: string;
  fileName: string;
  range: PartPlan;
  uploadId: string;
  boundary?: string;
}): MultipartBody {
  const boundary = args.boundary ?? `----esg-sync-${randomBytes(12).toString('hex')}`;
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field('uploadId', args.uploadId) +
      field('partNo', String(args.range.partNo)) +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoteFileName(args.fileName)}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  const bytes = args.range.end - args.range.start;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: head.length + bytes + tail.length,
    open: () => concat(head, args.filePath, args.range, tail),
  };
}

async function* concat(head: Buffer, filePath: string, range: PartPlan, tail: Buffer): AsyncIterable<Uint8Array> {
  yield head;
  if (range.end > range.start) {
    const rs: Readable = createReadStream(filePath, { start: range.start, end: range.end - 1, highWaterMark: 256 * 1024 });
    for await (const chunk of rs) yield chunk as Buffer;
  }
  yield tail;
}

function quoteFileName(name: string): string {
  return name.replace(/["\\\r\n]/g, '_');
}
