/**
 * `esg-sync connection ...` while an agent runs on the data folder: the built CLI (`npm run
 * build:main` first) hands each command to the agent (callEngine), so the agent's own API sees a
 * connection added, rotated or removed at once, with no restart. Real keychain
 * (scripts/with-keyring.sh), the sandbox on a loopback port, the agent as a child process.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { KeychainSecretStore } from '../../../main/engine/secrets';
import { ALL_SCOPES, startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { upsertAccounts } from '../../../main/sandbox/auth';
import { CLI, startAgent, type RunningAgent } from '../../helpers/agent-process';
import { apiOk } from '../../reliability/harness';
import { folderKeychain, keychainOrSkipReason, storeIdOf, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';

const probe = await keychainOrSkipReason();
const SECRET = `agent-cli-secret-${randomBytes(16).toString('hex')}`;
const NEXT_SECRET = `agent-cli-next-${randomBytes(16).toString('hex')}`;
const env = { ESG_SYNC_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE };

let sandbox: RunningSandbox;
let agent: RunningAgent;
let ws: WebSocket;
/** What the agent pushed to its UI clients since the test began. */
const events: { event: string; payload: { connectionId?: string; ok?: boolean; message?: string } }[] = [];

/** Waits for the agent to announce a connection's status, as the Connections page would see it. */
async function statusEvent(connectionId: string, ok: boolean, message?: string): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    const hit = events.find((e) => e.event === 'connection.status' && e.payload.connectionId === connectionId && e.payload.ok === ok && (message === undefined || e.payload.message === message));
    if (hit) return;
    if (Date.now() > until) throw new Error(`no connection.status event for ${connectionId} (ok ${ok}); got ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Asynchronous: the sandbox answers from this process, so a blocking spawn would deadlock. */
function cli(dataDir: string, args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.end(stdin);
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** One call to the running agent's API, as the UI in a browser makes it. */
const agentCall = <T>(method: string, params: unknown = {}): Promise<T> => apiOk<T>(agent, method, params);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe.skipIf(!probe.ok)('esg-sync connection beside a running agent', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, accounts: [{ clientId: 'agent-cli', clientSecret: SECRET, name: 'Agent CLI', scopes: [...ALL_SCOPES] }] });
    agent = await startAgent({ env });
    ws = new WebSocket(`ws://127.0.0.1:${agent.port}/api/ws`, { headers: { Authorization: `Bearer ${agent.token}` } });
    ws.on('message', (d) => {
      const frame = JSON.parse(d.toString()) as (typeof events)[number];
      if (frame.event) events.push(frame);
    });
    await new Promise((r) => ws.once('open', r));
  });
  afterAll(async () => {
    ws?.close();
    await agent?.stop();
    await new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE }).delete('through-agent').catch(() => undefined);
    await sandbox?.close();
    if (agent) rmSync(agent.dataDir, { recursive: true, force: true });
  });

  it('adds, tests, rotates and removes through the agent, which sees each change at once', { timeout: 120_000 }, async () => {
    const add = ['connection', 'add', '--name', 'Through agent', '--kind', 'esg-api', '--base-url', sandbox.url, '--client-id', 'agent-cli'];
    expect(await agentCall('connections.list')).toEqual([]);

    const refused = await cli(agent.dataDir, [...add, '--client-secret-stdin'], 'not-the-secret\n');
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(/401 invalid_client/);
    expect(await agentCall('connections.list')).toEqual([]);

    const added = await cli(agent.dataDir, ['--json', ...add, '--client-secret-stdin'], `${SECRET}\n`);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ saved: true, connection: { id: 'through-agent', userEmail: null }, test: { ok: true } });
    // The agent made the change itself: it announced it to its UI clients, and its API lists it.
    await statusEvent('through-agent', true);
    expect(await agentCall('connections.list')).toEqual([expect.objectContaining({ id: 'through-agent', name: 'Through agent', lastTestOk: true, usedByJobs: [] })]);
    expect(await folderKeychain(() => storeIdOf(agent.dataDir)).get('through-agent')).toBe(SECRET);

    const listed = await cli(agent.dataDir, ['--json', 'connection', 'list']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: 'through-agent', userEmail: null })]);
    expect((await cli(agent.dataDir, ['connection', 'test', 'Through agent'])).code).toBe(0);

    // Rotation: a wrong secret leaves the old one in use (exit 3); the right one replaces it.
    const badRotate = await cli(agent.dataDir, ['connection', 'rotate', 'through-agent', '--client-secret-stdin'], 'still-wrong');
    expect(badRotate.code).toBe(3);
    expect(await folderKeychain(() => storeIdOf(agent.dataDir)).get('through-agent')).toBe(SECRET);
    upsertAccounts(sandbox.db, [{ clientId: 'agent-cli', clientSecret: NEXT_SECRET, name: 'Agent CLI', scopes: [...ALL_SCOPES] }], new Date().toISOString());
    const rotated = await cli(agent.dataDir, ['--json', 'connection', 'rotate', 'through-agent', '--client-secret-stdin'], NEXT_SECRET);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ rotated: true });
    expect(await folderKeychain(() => storeIdOf(agent.dataDir)).get('through-agent')).toBe(NEXT_SECRET);

    const removed = await cli(agent.dataDir, ['connection', 'remove', 'through-agent']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/Removed the connection "Through agent" and its secret in the keychain/);
    await statusEvent('through-agent', false, 'removed');
    expect(await agentCall('connections.list')).toEqual([]);
    expect(await folderKeychain(() => storeIdOf(agent.dataDir)).get('through-agent')).toBeNull();

    const gone = await cli(agent.dataDir, ['connection', 'test', 'through-agent']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/through-agent/);

    // The secrets went to the agent in request bodies only: nothing in its data folder holds them.
    await agent.stop();
    for (const file of filesUnder(agent.dataDir)) {
      const text = readFileSync(file).toString('latin1');
      expect(text.includes(SECRET) || text.includes(NEXT_SECRET), file).toBe(false);
    }
  });

  it('says which agent did not answer, and changes nothing, when agent.json points at a dead address', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'esg-agent-gone-'));
    try {
      // A live pid (this test process) with a port nothing listens on: an agent that hangs or is going away.
      writeFileSync(join(dataDir, 'agent.json'), JSON.stringify({ pid: process.pid, url: 'http://127.0.0.1:9/', token: 'x' }));
      const r = await cli(dataDir, ['connection', 'list']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/The agent running on .* \(http:\/\/127\.0\.0\.1:9\/\) did not answer/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
