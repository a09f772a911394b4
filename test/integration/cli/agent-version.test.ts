/**
 * A CLI talking to an agent of another version: the agent's answer is checked against this CLI's
 * contract, so a changed shape is said in words (restart the agent) instead of failing later on a
 * missing field. A stand-in agent on loopback answers every call with an unexpected shape.
 * Also: with --json, a usage error is JSON on stdout like any other error.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_PROOF, agentProof } from '../../../main/agent/control-server';
import { APP_VERSION } from '../../../main/engine/version';
import { runCliInProcess } from '../../helpers/cli-in-process';

let server: Server;
let url: string;
let dataDir: string;

beforeAll(async () => {
  // An older agent: jobs.list answered with what it once was, an object instead of a list.
  server = createServer((req, res) => {
    // It is the agent (it holds agent.json's token), so it passes the CLI's challenge.
    const challenge = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('challenge');
    if (challenge !== null) return res.end(agentProof('t', challenge));
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, result: { jobs: [] } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  dataDir = mkdtempSync(join(tmpdir(), 'esg-cli-version-'));
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

function agentJson(version?: string): void {
  writeFileSync(join(dataDir, 'agent.json'), JSON.stringify({ pid: process.pid, url, token: 't', proof: AGENT_PROOF, ...(version ? { version } : {}) }));
}

describe('CLI and an agent of another version', () => {
  it('names both versions and says to restart the agent', async () => {
    agentJson('0.0.1');
    const r = await runCliInProcess(['--data-dir', dataDir, 'job', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`It is version 0.0.1 and this esg-sync is ${APP_VERSION}`);
    expect(r.stderr).toContain(`restart the agent`);
    expect(r.stderr).not.toMatch(/TypeError|undefined/);
  });

  it('says an agent that does not record its version is older', async () => {
    agentJson();
    const r = await runCliInProcess(['--data-dir', dataDir, 'job', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`It is older than this esg-sync (${APP_VERSION})`);
  });

  it('says a same-numbered agent is likely another build', async () => {
    agentJson(APP_VERSION);
    const r = await runCliInProcess(['--data-dir', dataDir, 'job', 'list', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`It reports version ${APP_VERSION} like this esg-sync, so it is likely an older build of it`);
  });
});

describe('--json usage errors', () => {
  it('prints the usage error as JSON on stdout too', async () => {
    const r = await runCliInProcess(['--data-dir', dataDir, '--json', 'job', 'list', '--no-such-option']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: "unknown option '--no-such-option'", exitCode: 2 });
  });

  it('prints an engine error as JSON when --json comes from the arguments given', async () => {
    agentJson('0.0.1');
    const r = await runCliInProcess(['--data-dir', dataDir, '--json', 'job', 'list']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 2 });
  });
});

describe('a data folder copied with its agent.json', () => {
  it('is not handed to the agent of the folder it was copied from', async () => {
    // The stand-in answers every call; a copy's command must not reach it.
    writeFileSync(join(dataDir, 'agent.json'), JSON.stringify({ pid: process.pid, url, token: 't', version: APP_VERSION, dataDir: '/srv/esg-sync/original' }));
    const r = await runCliInProcess(['--data-dir', dataDir, 'job', 'list']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No jobs yet.');
  });
});

describe('an agent that does not answer', () => {
  it('is given up on after a few seconds, with what to do, not waited for forever', async () => {
    // Accepts connections and never answers, like a stopped (SIGSTOP) agent.
    const hung = createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    try {
      const hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/`;
      writeFileSync(join(dataDir, 'agent.json'), JSON.stringify({ pid: process.pid, url: hungUrl, token: 't', version: APP_VERSION }));
      const started = Date.now();
      const r = await runCliInProcess(['--data-dir', dataDir, 'job', 'list']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/did not answer: no answer within 10 s \(it may be hung or stopped\)\. It may have begun before it stopped: check `esg-sync history`/);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      hung.closeAllConnections();
      await new Promise((r) => hung.close(r));
    }
  }, 30_000);
});
