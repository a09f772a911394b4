/**
 * The control server under hostile input, beyond the access rules proven in
 * test/integration/agent/control-server.test.ts: non-loopback binds through the CLI, Host and
 * Origin spellings, bodies that are huge, empty, truncated or not JSON objects, oversized and
 * malformed WebSocket frames, and path traversal on the UI files. Each is refused with the right
 * status, and the agent answers normally afterwards.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cli } from '../reliability/harness';
import { removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let agent: RunningAgent;
beforeAll(async () => {
  agent = await startAgent();
});
afterAll(async () => {
  await agent.stop();
  removeDir(agent.dataDir);
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: agent.port, path, method: opts.method ?? 'GET', headers: opts.headers, setHost: !opts.headers?.Host }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

const auth = () => ({ Authorization: `Bearer ${agent.token}` });
const post = (body: string | Buffer, headers: Record<string, string> = {}) => send('/api/call', { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth(), ...headers }, body });

/** The status line the agent answers a hand-written request with (5 s at most). */
function rawStatus(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(agent.port, '127.0.0.1', () => socket.write(text));
    let got = '';
    socket.on('data', (d) => {
      got += d.toString();
      if (got.includes('\r\n')) {
        resolve(got.split('\r\n')[0]!);
        socket.destroy();
      }
    });
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      resolve('no answer');
    }, 5000);
  });
}

async function stillAnswers(): Promise<void> {
  const r = await post(JSON.stringify({ method: 'engine.status', params: {} }));
  expect(r.status).toBe(200);
  expect(agent.child.exitCode).toBeNull();
}

describe('control server under hostile input', () => {
  it('refuses to listen anywhere but loopback, from the command line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'esg-bind-'));
    try {
      for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
        const r = await cli(dataDir, ['agent', '--port', '0', '--host', host], { timeoutMs: 30_000 });
        expect(r.code, host).toBe(2);
        expect(r.stderr).toMatch(/only listens on this computer \(127\.0\.0\.1\)/);
        expect(r.stderr).toContain(`"${host}" was refused`);
      }
    } finally {
      removeDir(dataDir);
    }
  });

  it('checks Host and Origin however they are spelled', async () => {
    const call = (headers: Record<string, string>) => post(JSON.stringify({ method: 'engine.status', params: {} }), headers);
    expect((await call({ Host: `localhost:${agent.port}` })).status).toBe(200);
    expect((await call({ Host: `LOCALHOST:${agent.port}` })).status).toBe(200);
    expect((await call({ Host: `127.0.0.1.attacker.test:${agent.port}` })).status).toBe(421);
    expect((await call({ Host: `localhost.:${agent.port}` })).status).toBe(421);
    expect((await call({ Host: `127.0.0.2:${agent.port}` })).status).toBe(421);
    for (const head of [`Host: \r\n`, '']) {
      // No Host at all (or an empty one) is refused before any check of the token.
      expect(await rawStatus(`POST /api/call HTTP/1.1\r\n${head}Authorization: Bearer ${agent.token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`)).toMatch(/^HTTP\/1\.1 (400|421)/);
    }
    expect((await call({ Origin: 'null' })).status).toBe(403);
    expect((await call({ Origin: `https://127.0.0.1:${agent.port}` })).status).toBe(403);
    expect((await call({ Origin: `http://127.0.0.1:${agent.port + 1}` })).status).toBe(403);
    expect((await call({ Origin: `http://127.0.0.1:${agent.port}.evil.test` })).status).toBe(403);
    expect((await call({ Origin: 'not a url' })).status).toBe(403);
    await stillAnswers();
  });

  it('refuses bodies that are too large, empty, truncated, or not a call', async () => {
    expect((await post(Buffer.alloc(1024 * 1024 + 1, 0x20))).status).toBe(413);
    expect((await post('')).status).toBe(400);
    expect((await post('{"method":"engine.status","params":')).status).toBe(400);
    expect((await post('\u0000\u0001binary')).status).toBe(400);
    for (const body of ['null', '[]', '"engine.status"', '42', '{"params":{}}', '{"method":7,"params":{}}', `{"method":"${'x'.repeat(101)}","params":{}}`]) {
      const r = await post(body);
      expect(r.status, body).toBe(400);
      expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    }
    expect((await post('{}', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await send('/api/call', { headers: auth() })).status).toBe(405);
    expect((await send('/api/nothing-here', { headers: auth() })).status).toBe(404);
    await stillAnswers();
  });

  it('answers a request that declares a huge body and sends none, without waiting for it', async () => {
    const status = await rawStatus(
      `POST /api/call HTTP/1.1\r\nHost: 127.0.0.1:${agent.port}\r\nAuthorization: Bearer ${agent.token}\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n`,
    );
    expect(status).toMatch(/^HTTP\/1\.1 413/);
    await stillAnswers();
  });

  it('closes a WebSocket that sends an oversized frame, answers malformed ones, and keeps serving', async () => {
    const url = `ws://127.0.0.1:${agent.port}/api/ws`;
    const big = new WebSocket(url, { headers: auth() });
    await new Promise((r) => big.once('open', r));
    const closed = new Promise<number>((r) => big.once('close', (code) => r(code)));
    big.on('error', () => undefined);
    const answered: unknown[] = [];
    big.on('message', (d) => answered.push(d.toString()));
    big.send(JSON.stringify({ id: 1, method: 'engine.status', params: { pad: 'x'.repeat(2 * 1024 * 1024) } }));
    // The server closes with 1009 ("message too big") as soon as it reads the frame's length. The
    // client is still writing the 2 MB then, so on a loaded machine its side can see the reset
    // before the close frame (1006). Either way the connection ends and the message is not answered.
    expect([1006, 1009]).toContain(await closed);
    expect(answered).toEqual([]);

    const ws = new WebSocket(url, { headers: auth() });
    await new Promise((r) => ws.once('open', r));
    const replies: unknown[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(d.toString())));
    for (const frame of ['{', 'null', '[]', '{"id":"1","method":"engine.status"}', '{"id":1.5,"method":"engine.status"}', '{"id":1}']) ws.send(frame);
    const deadline = Date.now() + 5000;
    while (replies.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(replies).toHaveLength(6);
    for (const r of replies) expect(r).toMatchObject({ id: -1, ok: false, error: { code: 'invalid_params' } });
    ws.close();

    const wrongHost = await new Promise<number>((resolve) => {
      const s = new WebSocket(url, { headers: { ...auth(), Host: `evil.test:${agent.port}` } });
      s.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      s.on('open', () => resolve(101));
      s.on('error', () => undefined);
    });
    expect(wrongHost).toBe(421);
    const otherPath = await new Promise<number>((resolve) => {
      const s = new WebSocket(`ws://127.0.0.1:${agent.port}/api/other`, { headers: auth() });
      s.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      s.on('open', () => resolve(101));
      s.on('error', () => undefined);
    });
    expect(otherPath).toBe(404);
    await stillAnswers();
  });

  it('takes the token from a WebSocket protocol offer only with the right Origin and Host, and never echoes it', async () => {
    const url = `ws://127.0.0.1:${agent.port}/api/ws`;
    const offer = (protocols: string[], headers: Record<string, string>) =>
      new Promise<{ status: number; protocol?: string }>((resolve) => {
        const s = new WebSocket(url, protocols, { headers });
        s.on('unexpected-response', (_q, res) => resolve({ status: res.statusCode ?? 0 }));
        s.on('open', () => {
          resolve({ status: 101, protocol: s.protocol });
          s.close();
        });
        s.on('error', () => undefined);
      });
    const good = ['esg-sync', `esg-sync.token.${agent.token}`];
    expect((await offer(good, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await offer(good, { Origin: `http://127.0.0.1:${agent.port + 1}` })).status).toBe(403);
    expect((await offer(good, { Host: `evil.test:${agent.port}` })).status).toBe(421);
    expect((await offer(['esg-sync', 'esg-sync.token.', 'esg-sync.token'], {})).status).toBe(401);
    expect((await offer(['esg-sync', `esg-sync.token.${agent.token.slice(0, -1)}`], {})).status).toBe(401);
    expect((await offer(['esg-sync', `esg-sync.token.${agent.token}x`], {})).status).toBe(401);
    const ok = await offer(good, { Origin: `http://localhost:${agent.port}` });
    expect(ok).toEqual({ status: 101, protocol: 'esg-sync' });
    await stillAnswers();
  });

  it('never sets a cookie, and keeps download tickets single-use, bound to one address and few', async () => {
    for (const [path, headers] of [
      ['/', {}],
      ['/#token=x', {}],
      [`/?token=${agent.token}`, {}],
      ['/history/1', {}],
      ['/api/call', auth()],
      ['/api/session', auth()],
      ['/api/session', {}],
    ] as const) {
      expect((await send(path, { headers })).headers['set-cookie'], path).toBeUndefined();
    }
    const ticketFor = async (path: string) => {
      const r = await send('/api/download-ticket', { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth() }, body: JSON.stringify({ path }) });
      return (JSON.parse(r.body) as { result: { ticket: string } }).result.ticket;
    };
    expect((await send('/api/runs/1/errors.csv?ticket=made-up')).status).toBe(401);
    expect((await send('/api/runs/1/errors.csv?ticket=')).status).toBe(401);
    // A flood of tickets nobody uses: the oldest are dropped, so memory stays bounded.
    const first = await ticketFor('/api/runs/1/errors.csv');
    for (let i = 0; i < 70; i++) await ticketFor(`/api/runs/${i + 2}/errors.csv`);
    expect((await send(`/api/runs/1/errors.csv?ticket=${first}`)).status).toBe(401);
    // A ticket is not a token: it does not open the contract or the WebSocket.
    const t = await ticketFor('/api/session');
    expect((await send(`/api/call?ticket=${t}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"method":"engine.status","params":{}}' })).status).toBe(401);
    const ws = await new Promise<number>((resolve) => {
      const s = new WebSocket(`ws://127.0.0.1:${agent.port}/api/ws?ticket=${t}`);
      s.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      s.on('open', () => resolve(101));
      s.on('error', () => undefined);
    });
    expect(ws).toBe(401);
    await stillAnswers();
  });

  it('never serves a file from outside the UI folder', async () => {
    // The UI's files are served without the token: only the UI folder's, whatever the path says.
    for (const path of ['/../../../../etc/passwd', '/..%2f..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/assets/../../package.json', '/..\\..\\package.json']) {
      const r = await send(path);
      expect(r.body, path).not.toMatch(/root:x:0:0|"name": "esg-sync-agent"/);
      expect([200, 302, 400, 404, 503], path).toContain(r.status);
      // A redirect stays on this agent.
      if (r.status === 302) expect(String(r.headers.location), path).toMatch(/^\/(?!\/)/);
    }
    await stillAnswers();
  });

  it('answers a broken %-escape in the path as a bad request and ignores a cookie, without logging an error', async () => {
    const path = await send('/%E0%A4%A', { headers: auth() });
    expect(path.status).toBe(400);
    expect(path.body).toContain('broken %-escape');
    // Cookies are not read at all: a broken one changes nothing.
    const cookie = await send('/api/call', { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: 'esg_sync_token=%E0%A4%A' }, body: '{"method":"engine.status","params":{}}' });
    expect(cookie.status).toBe(401);
    expect((await send('/', { headers: { Cookie: 'esg_sync_token=%E0%A4%A' } })).status).toBe(200);
    await stillAnswers();
    // The log is written as it goes; give a failure's line the time to land.
    await new Promise((r) => setTimeout(r, 300));
    const log = join(agent.dataDir, 'logs', 'agent.log');
    const lines = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    expect(lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50)).toEqual([]);
  });
});
