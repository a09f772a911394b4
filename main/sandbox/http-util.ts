/**
 * Small HTTP helpers for the sandbox server: bounded body reading, RFC 9457 problem replies,
 * and a "reply" value that can be held back so a fault can strike after the work is done.
 */
import type { IncomingMessage } from 'node:http';

export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export class BodyTooLargeError extends Error {
  readonly code = 'body_too_large';
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(`Body of ${declared} bytes exceeds ${limit}.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(`Body exceeds ${limit} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** RFC 9457 problem details. `type` names the problem so clients can branch without parsing `detail`. */
export function problem(status: number, type: string, detail: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify({ type: `https://esg-sandbox.local/problems/${type}`, title: TITLES[status] ?? 'Error', status, detail, ...extra }),
  };
}
