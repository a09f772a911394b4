import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_SAMPLE_BYTES, SampleError, SampleStore } from '../engine/mapping/samples';
import type { Logger } from '../engine/log';

/**
 * POST /api/uploads/sample?name=FILE — a sample file dropped on the mapping wizard in the
 * browser, streamed to the engine's sample area (size-limited, checked to be a readable table,
 * never executed or served back). The control server has already checked Host, Origin and the
 * token; this route also insists on application/octet-stream, which no cross-site form can send
 * without a preflight. Answers like /api/call: { ok, result } or { ok: false, error }.
 */
export function createUploads(dataDir: string, logger?: Logger) {
  const samples = new SampleStore(dataDir);
  return async (req: IncomingMessage, res: ServerResponse, path: string, headers: Record<string, string>): Promise<boolean> => {
    const url = new URL(path, 'http://127.0.0.1');
    if (url.pathname !== '/api/uploads/sample') return false;
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      // A refused body may still be arriving: close the connection rather than read it.
      res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...(status >= 400 ? { Connection: 'close' } : {}) });
      res.end(text);
    };
    const fail = (status: number, code: string, message: string) => send(status, { ok: false, error: { code, message } });
    if (req.method !== 'POST') return (fail(405, 'invalid_params', 'Use POST.'), true);
    if (!(req.headers['content-type'] ?? '').startsWith('application/octet-stream')) {
      return (fail(415, 'invalid_params', 'Send the file as application/octet-stream.'), true);
    }
    const name = url.searchParams.get('name');
    if (!name) return (fail(400, 'invalid_params', 'Give the file name as ?name=.'), true);
    const declared = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : undefined;
    if (declared !== undefined && (!Number.isFinite(declared) || declared > MAX_SAMPLE_BYTES)) {
      return (fail(413, 'invalid_params', `The file is larger than ${MAX_SAMPLE_BYTES / 1024 / 1024} MB. A sample needs only the first rows: save a shorter extract and drop that.`), true);
    }
    try {
      const stored = await samples.save(name, req, declared);
      logger?.info({ uploadId: stored.uploadId, size: stored.size }, 'wizard sample stored');
      send(200, { ok: true, result: stored });
    } catch (err) {
      if (!(err instanceof SampleError)) throw err;
      fail(err.code === 'too_large' ? 413 : err.code === 'not_found' ? 404 : 400, err.code === 'not_found' ? 'not_found' : 'invalid_params', err.message);
    }
    return true;
  };
}
