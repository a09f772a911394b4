import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { removeDir, startAgent, type RunningAgent } from '../../helpers/agent-process';
import { errorKind } from '../../../shared/mapping/error-groups';
import { agentProof } from '../../../main/agent/control-server';
import { WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../../shared/rpc';

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

/** Raw HTTP so the Host and Origin headers are exactly what an attacker would send. */
function send(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
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

const call = (method: string, params: unknown, headers: Record<string, string> = {}) =>
  send('/api/call', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${agent.token}`, ...headers },
    body: JSON.stringify({ method, params }),
  });

describe('control server access rules', () => {
  it('proves it holds the token to a /healthz challenge, without a token, and refuses a malformed challenge', async () => {
    const challenge = 'c'.repeat(43);
    const r = await send(`/healthz?challenge=${challenge}`);
    expect(r.status).toBe(200);
    expect(r.body).toBe(agentProof(agent.token, challenge));
    expect(r.body).not.toContain(agent.token);
    expect((await send('/healthz?challenge=short')).status).toBe(400);
    // Service managers' liveness probe is unchanged.
    expect((await send('/healthz')).body).toBe('ok');
  });

  it('answers a call with the right token', async () => {
    const r = await call('engine.status', {});
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as { ok: boolean; result: { dataDir: string } };
    expect(body.ok).toBe(true);
    expect(body.result.dataDir).toBe(agent.dataDir);
  });

  it('refuses a missing token', async () => {
    const r = await send('/api/call', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"method":"engine.status","params":{}}' });
    expect(r.status).toBe(401);
    expect(r.body).toMatch(/Missing access token/);
    expect(r.body).toContain('#token=');
  });

  it('refuses a wrong token in the header, and the token in a query or a cookie', async () => {
    expect((await call('engine.status', {}, { Authorization: 'Bearer nope' })).status).toBe(401);
    const body = '{"method":"engine.status","params":{}}';
    const json = { 'Content-Type': 'application/json' };
    expect((await send(`/api/call?token=${agent.token}`, { method: 'POST', headers: json, body })).status).toBe(401);
    // The cookie older agents set: the browser sends it to every server on 127.0.0.1, so it is no
    // longer a way in, even with the right token in it.
    const cookie = await send('/api/call', { method: 'POST', headers: { ...json, Cookie: `esg_sync_token=${agent.token}` }, body });
    expect(cookie.status).toBe(401);
    expect(cookie.body).toMatch(/Missing access token/);
    expect((await send(`/api/runs/1/errors.csv`, { headers: { Cookie: `esg_sync_token=${agent.token}` } })).status).toBe(401);
  });

  it('refuses a foreign Origin even with the right token', async () => {
    const r = await call('engine.status', {}, { Origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    const samePortOtherHost = await call('engine.status', {}, { Origin: `http://attacker.test:${agent.port}` });
    expect(samePortOtherHost.status).toBe(403);
    const ok = await call('engine.status', {}, { Origin: `http://127.0.0.1:${agent.port}` });
    expect(ok.status).toBe(200);
  });

  it('refuses a Host other than loopback (DNS rebinding)', async () => {
    const r = await call('engine.status', {}, { Host: `rebind.attacker.test:${agent.port}` });
    expect(r.status).toBe(421);
    // Another port (an SSH tunnel with another local port) is refused, saying how to tunnel.
    const wrongPort = await call('engine.status', {}, { Host: '127.0.0.1:1' });
    expect(wrongPort.status).toBe(421);
    expect(wrongPort.body).toContain(`This agent listens on port ${agent.port}, but the request was addressed to port 1. Through an SSH tunnel, use the same port on both ends (ssh -L ${agent.port}:127.0.0.1:${agent.port} SERVER), or start the agent with --port 1.`);
  });

  it('serves the UI shell without the token, and never sets a cookie', async () => {
    // The page and its assets hold no data; the page takes the token from its own address.
    for (const path of ['/', `/?token=${agent.token}`, '/?token=nope', '/index.html']) {
      const page = await send(path, { headers: { Cookie: 'esg_sync_token=stale' } });
      expect(page.status, path).toBe(200);
      expect(page.headers['set-cookie'], path).toBeUndefined();
      expect(page.body).toContain('<div id="root">');
      expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(page.headers['x-frame-options']).toBe('DENY');
    }
    // The Host and Origin checks still apply to the page.
    expect((await send('/', { headers: { Host: `rebind.attacker.test:${agent.port}` } })).status).toBe(421);
    expect((await send('/', { headers: { Origin: 'https://evil.example' } })).status).toBe(403);
    // No answer of the API sets one either.
    expect((await call('engine.status', {})).headers['set-cookie']).toBeUndefined();
    expect((await send('/api/session', { headers: { Authorization: `Bearer ${agent.token}` } })).status).toBe(200);
    expect((await send('/api/session')).status).toBe(401);
  });

  it('sends a pasted page address to its in-app route and answers a missing asset with 404', async () => {
    const deep = await send('/history/12');
    expect(deep.status).toBe(302);
    expect(deep.headers.location).toBe('/#/history/12');
    const odd = await send('/jobs/%3Cscript%3E/');
    expect(odd.headers.location).toBe('/#/jobs/script');
    const asset = await send('/assets/missing-1234.js');
    expect(asset.status).toBe(404);
    const shell = await send('/index.html');
    expect(shell.status).toBe(200);
  });

  it('rejects malformed JSON, oversized bodies and unknown methods without crashing', async () => {
    const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${agent.token}` };
    expect((await send('/api/call', { method: 'POST', headers, body: '{not json' })).status).toBe(400);
    expect((await send('/api/call', { method: 'POST', headers, body: JSON.stringify({ method: 'x', params: 'a'.repeat(2 * 1024 * 1024) }) })).status).toBe(413);
    const unknown = await call('engine.format_disk', {});
    expect(JSON.parse(unknown.body).error.code).toBe('unknown_method');
    const bad = await call('history.list', { limit: 'lots' });
    expect(JSON.parse(bad.body).error.code).toBe('invalid_params');
    expect((await call('engine.status', {})).status).toBe(200);
  });

  it('speaks the contract over WebSocket and refuses sockets without the token or from other sites', async () => {
    const url = `ws://127.0.0.1:${agent.port}/api/ws`;
    const refused = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
    expect(await refused({})).toBe(401);
    expect(await refused({ Authorization: `Bearer ${agent.token}`, Origin: 'https://evil.example' })).toBe(403);
    expect(await refused({ Cookie: `esg_sync_token=${agent.token}` })).toBe(401);

    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${agent.token}` } });
    await new Promise((r) => ws.once('open', r));
    const reply = new Promise<{ id: number; ok: boolean; result: unknown }>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));
    ws.send(JSON.stringify({ id: 7, method: 'history.list', params: { limit: 5 } }));
    expect(await reply).toEqual({ id: 7, ok: true, result: [] });
    const event = new Promise<{ event: string }>((r) =>
      ws.on('message', (d) => {
        const f = JSON.parse(d.toString());
        if (f.event) r(f);
      }),
    );
    await call('engine.pause', { minutes: 5 });
    expect((await event).event).toBe('engine.changed');
    await call('engine.resume', {});
    ws.close();
  });

  it("takes a browser's token from the WebSocket subprotocol offer and echoes only the protocol name", async () => {
    const url = `ws://127.0.0.1:${agent.port}/api/ws`;
    const origin = `http://127.0.0.1:${agent.port}`;
    const attempt = (protocols: string[]) =>
      new Promise<{ status: number; protocol?: string; ws?: WebSocket }>((resolve) => {
        const ws = new WebSocket(url, protocols, { headers: { Origin: origin } });
        ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
        ws.on('open', () => resolve({ status: 101, protocol: ws.protocol, ws }));
        ws.on('error', () => undefined);
      });
    expect((await attempt([WS_PROTOCOL])).status).toBe(401);
    expect((await attempt([WS_PROTOCOL, `${WS_TOKEN_PREFIX}nope`])).status).toBe(401);
    const ok = await attempt([WS_PROTOCOL, `${WS_TOKEN_PREFIX}${agent.token}`]);
    expect(ok.status).toBe(101);
    expect(ok.protocol).toBe(WS_PROTOCOL);
    const reply = new Promise<{ id: number; ok: boolean }>((r) => ok.ws!.once('message', (d) => r(JSON.parse(d.toString()))));
    ok.ws!.send(JSON.stringify({ id: 3, method: 'history.list', params: { limit: 1 } }));
    expect(await reply).toMatchObject({ id: 3, ok: true });
    ok.ws!.close();
  });

  it("streams a run's row errors as a CSV download with formula cells neutralised", async () => {
    const Database = (await import('better-sqlite3')).default;
    const { join } = await import('node:path');
    const db = new Database(join(agent.dataDir, 'esg-sync.db'));
    db.pragma('busy_timeout = 5000');
    const runId = Number(
      db.prepare("INSERT INTO runs (job_name, trigger, status, started_at) VALUES ('Bills', 'file', 'succeeded_with_rejections', '2026-01-01T00:00:00Z')").run().lastInsertRowid,
    );
    db.prepare('INSERT INTO row_errors (run_id, line, column_name, value, reason) VALUES (?, ?, ?, ?, ?)').run(runId, 7, 'Site', '=HYPERLINK("x")', 'unknown site');
    db.prepare('INSERT INTO row_errors (run_id, line, column_name, value, reason) VALUES (?, ?, ?, ?, ?)').run(runId, 9, 'Unit', 'kWhh', "Line 9, column 'Unit': 'kWhh' is not a known unit.");
    db.close();
    const auth = { Authorization: `Bearer ${agent.token}` };
    const r = await send(`/api/runs/${runId}/errors.csv`, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/csv/);
    expect(r.body).toContain('line,column,value,reason');
    expect(r.body).toContain(`7,Site,"'=HYPERLINK(""x"")",unknown site`);
    expect(r.body).toContain('9,Unit,kWhh,');
    // ?kind= keeps one kind of error (history.errorGroups names it); a malformed kind is refused.
    const kind = errorKind({ line: 9, column: 'Unit', value: 'kWhh', reason: "Line 9, column 'Unit': 'kWhh' is not a known unit." });
    const one = await send(`/api/runs/${runId}/errors.csv?kind=${kind}`, { headers: auth });
    expect(one.status).toBe(200);
    expect(one.headers['content-disposition']).toBe(`attachment; filename="run-${runId}-errors-${kind.slice(0, 6)}.csv"`);
    expect(one.body.trim().split(/\r?\n/).slice(1)).toEqual([`9,Unit,kWhh,"Line 9, column 'Unit': 'kWhh' is not a known unit."`]);
    expect((await send(`/api/runs/${runId}/errors.csv`, { headers: auth })).body.trim().split(/\r?\n/)).toHaveLength(3);
    const bad = await send(`/api/runs/${runId}/errors.csv?kind=nope`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('"nope" is not a kind of row error');
    expect((await send('/api/runs/999999/errors.csv', { headers: auth })).status).toBe(404);
    expect((await send(`/api/runs/${runId}/errors.csv`)).status).toBe(401);
  });

  it('opens a download once with a short-lived ticket asked for with the token', async () => {
    const runId = JSON.parse((await call('history.list', { limit: 1 })).body).result[0]?.id as number;
    expect(runId).toBeGreaterThan(0);
    const ticketFor = async (path: string, headers: Record<string, string> = { Authorization: `Bearer ${agent.token}` }) =>
      send('/api/download-ticket', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ path }) });
    expect((await ticketFor(`/api/runs/${runId}/errors.csv`, {})).status).toBe(401);
    expect((await ticketFor(`/api/runs/${runId}/errors.csv`, { Cookie: `esg_sync_token=${agent.token}` })).status).toBe(401);
    expect((await ticketFor('/index.html')).status).toBe(400);
    const issued = await ticketFor(`/api/runs/${runId}/errors.csv`);
    expect(issued.status).toBe(200);
    const { ticket } = JSON.parse(issued.body).result as { ticket: string };
    expect(ticket).not.toContain(agent.token);
    // Only for the address it was asked for: another run's (or kind's) address burns it.
    const other = await ticketFor(`/api/runs/${runId}/errors.csv`);
    const otherTicket = (JSON.parse(other.body).result as { ticket: string }).ticket;
    expect((await send(`/api/runs/${runId}/errors.csv?kind=abc&ticket=${otherTicket}`)).status).toBe(401);
    expect((await send(`/api/runs/${runId}/errors.csv?ticket=${otherTicket}`)).status).toBe(401);
    const csv = await send(`/api/runs/${runId}/errors.csv?ticket=${ticket}`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.headers['set-cookie']).toBeUndefined();
    expect(csv.body).toContain('line,column,value,reason');
    const again = await send(`/api/runs/${runId}/errors.csv?ticket=${ticket}`);
    expect(again.status).toBe(401);
    expect(again.body).toContain('expired or was already used');
    // A ticket opens downloads only, not the contract.
    const t3 = (JSON.parse((await ticketFor('/api/call')).body).result as { ticket: string }).ticket;
    expect((await send(`/api/call?ticket=${t3}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"method":"engine.status","params":{}}' })).status).toBe(401);
  });

  it('only ever listens on loopback', async () => {
    const { startControlServer } = await import('../../../main/agent/control-server');
    const { EngineEvents } = await import('../../../main/engine/events');
    await expect(
      startControlServer({ port: 0, host: '0.0.0.0', dispatch: async () => ({ ok: true, result: null }), events: new EngineEvents(), staticDir: null }),
    ).rejects.toThrow(/only listens on this computer/);
  });
});
