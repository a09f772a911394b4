/**
 * The browser's way to give the wizard a sample: POST /api/uploads/sample on the agent's control
 * server, behind the same Host, Origin and token checks as every other call.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer, type ControlServer } from '../../../main/agent/control-server';
import { createUploads } from '../../../main/agent/uploads';
import { EngineEvents } from '../../../main/engine/events';
import { MAX_SAMPLE_BYTES } from '../../../main/engine/mapping/samples';

let dir: string;
let server: ControlServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-upload-route-'));
  server = await startControlServer({ port: 0, dispatch: async () => ({ ok: true, result: null }), events: new EngineEvents(), staticDir: null, uploads: createUploads(dir) });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function post(path: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; json: { ok: boolean; result?: { uploadId: string; name: string; size: number }; error?: { code: string; message: string } } }> {
  return fetch(`${server.url.replace(/\/$/, '')}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) }).then(async (r) => ({ status: r.status, json: await r.json() }));
}
const auth = () => ({ authorization: `Bearer ${server.token}`, 'content-type': 'application/octet-stream' });

describe('POST /api/uploads/sample', () => {
  it('stores a CSV under the data folder and answers with its id', async () => {
    const csv = 'Site,Month,kWh\nLON-01,2024-01,5\n';
    const r = await post('/api/uploads/sample?name=' + encodeURIComponent('june bills.csv'), csv, auth());
    expect(r.status).toBe(200);
    expect(r.json.result).toMatchObject({ name: 'june bills.csv', size: csv.length });
    expect(readFileSync(join(dir, 'samples', r.json.result!.uploadId, 'june bills.csv'), 'utf8')).toBe(csv);
  });

  it('refuses without the token, from another site, with another content type, a name or a table', async () => {
    const body = 'a,b\n1,2\n';
    expect((await post('/api/uploads/sample?name=a.csv', body, { 'content-type': 'application/octet-stream' })).status).toBe(401);
    expect((await post('/api/uploads/sample?name=a.csv', body, { ...auth(), origin: 'https://evil.example' })).status).toBe(403);
    const form = await post('/api/uploads/sample?name=a.csv', body, { ...auth(), 'content-type': 'text/plain' });
    expect(form.status).toBe(415);
    expect((await post('/api/uploads/sample', body, auth())).json.error?.message).toMatch(/file name/);
    const script = await post('/api/uploads/sample?name=run.sh', '#!/bin/sh\n', auth());
    expect(script.status).toBe(400);
    expect(script.json.error?.message).toMatch(/not a file the wizard can read/);
    const get = await fetch(`${server.url}api/uploads/sample?name=a.csv`, { headers: auth() });
    expect(get.status).toBe(405);
  });

  it('answers 413 to a declared size over the limit without storing anything', async () => {
    const before = existsSync(join(dir, 'samples')) ? readdirSync(join(dir, 'samples')).length : 0;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}api/uploads/sample?name=big.csv`, { method: 'POST', headers: { ...auth(), 'content-length': String(MAX_SAMPLE_BYTES + 1) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('a,b\n');
    });
    expect(status).toBe(413);
    expect(readdirSync(join(dir, 'samples')).length).toBe(before);
  });
});
