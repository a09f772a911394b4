/**
 * Another local user on the port of a crashed agent. agent.json outlives a kill -9 with the old
 * pid, port and token; once something else listens on that port, the CLI must not hand it the
 * token or a secret. Two guards, each proven alone:
 * - a pid that now belongs to another process (its start time differs) means no agent runs, and
 *   the command works in-process without asking the port anything;
 * - a pid that still looks right (or a system without /proc) leaves the challenge: a server that
 *   cannot prove it holds the token gets no token and no secret, and the CLI says what answers.
 * Built CLI (`npm run build` first); the real agent's side is in test/integration/agent and
 * test/integration/connections/cli-agent.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { folderIdentity, processIdentity } from '../../main/agent/agent-lock';
import { AGENT_PROOF } from '../../main/agent/control-server';
import { APP_VERSION } from '../../main/engine/version';
import { removeDir } from '../helpers/agent-process';
import { cli } from '../reliability/harness';

const TOKEN = `stale-token-${randomBytes(12).toString('hex')}`;
const SECRET = 'NEW-ROTATED-SECRET-42';
/** No keychain needed for the in-process fallback: nothing here stores a secret. */
const env = { ESG_SYNC_ALLOW_ENV_SECRETS: '1' };

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let squatter: Server;
let port: number;
let seen: Seen[];
let sleeper: ChildProcess;
let dataDir: string;

beforeAll(async () => {
  // Answers everything with 200, as the reviewer's stand-in did, and keeps what it was sent.
  squatter = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('latin1')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, result: null }));
    });
  });
  squatter.on('upgrade', (req, socket) => {
    seen.push({ method: 'UPGRADE', url: req.url ?? '', headers: req.headers, body: '' });
    socket.destroy();
  });
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
  port = (squatter.address() as AddressInfo).port;
  // A live process that is not the agent, holding the pid agent.json names.
  sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
});

afterAll(async () => {
  sleeper.kill('SIGKILL');
  squatter.closeAllConnections();
  await new Promise((r) => squatter.close(r));
});

beforeEach(() => {
  seen = [];
  dataDir = mkdtempSync(join(tmpdir(), 'esg-impersonation-'));
});
afterEach(() => removeDir(dataDir));

function writeAgentJson(fields: { identity: string | null; proof?: string }): void {
  writeFileSync(
    join(dataDir, 'agent.json'),
    JSON.stringify({ pid: sleeper.pid, identity: fields.identity, url: `http://127.0.0.1:${port}/`, port, token: TOKEN, version: APP_VERSION, dataDir: folderIdentity(dataDir), ...(fields.proof ? { proof: fields.proof } : {}) }),
    { mode: 0o600 },
  );
}

/** Nothing the squatter received carries the token or the secret. */
function expectNothingLeaked(): void {
  const everything = JSON.stringify(seen);
  expect(everything).not.toContain(TOKEN);
  expect(everything).not.toContain(SECRET);
  for (const s of seen) expect(s.headers.authorization).toBeUndefined();
}

describe('agent.json left by a crashed agent', () => {
  it('whose pid now belongs to another process means no agent: the port is not asked anything', async () => {
    const real = processIdentity(sleeper.pid!);
    expect(real).not.toBeNull();
    // The same pid, started at another time: what pid reuse after the crash looks like.
    writeAgentJson({ identity: `${real!.split('/')[0]}/1`, proof: AGENT_PROOF });
    const r = await cli(dataDir, ['connection', 'list'], { env });
    expect(seen).toEqual([]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No connections yet');
  });

  it('whose pid still looks alive: a server that cannot prove it is the agent gets no token and no secret', async () => {
    writeAgentJson({ identity: processIdentity(sleeper.pid!), proof: AGENT_PROOF });
    const rotate = await cli(dataDir, ['connection', 'rotate', 'Sandbox', '--client-secret-stdin'], { env, stdin: `${SECRET}\n` });
    expect(rotate.code).toBe(2);
    expect(rotate.stderr).toContain(`Something other than the agent of ${dataDir} answers on the agent's port ${port}`);
    expect(rotate.stderr).toContain('nothing was sent to it');
    expect(rotate.stderr).toContain('agent.json');
    expect(rotate.stderr).not.toContain('Internal error');
    // It was asked, and only asked: the challenge went out, nothing else.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.method === 'GET' && s.url.startsWith('/healthz?challenge='))).toBe(true);

    // `run --wait` listens to the agent's events on a WebSocket that carries the token too.
    const run = await cli(dataDir, ['job', 'run', 'Nightly', '--wait'], { env });
    expect(run.code).toBe(2);
    expect(seen.some((s) => s.method === 'UPGRADE' || s.url.startsWith('/api/'))).toBe(false);
    expectNothingLeaked();
  });

  it('written by an agent from before proofs: nothing is sent blind, and it says to restart the agent', async () => {
    writeAgentJson({ identity: processIdentity(sleeper.pid!) });
    const r = await cli(dataDir, ['connection', 'rotate', 'Sandbox', '--client-secret-stdin'], { env, stdin: `${SECRET}\n` });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot prove it is this data folder');
    expect(r.stderr).toContain('restart the agent');
    expectNothingLeaked();
  });
});
