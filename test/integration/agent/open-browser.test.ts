/**
 * `esg-sync ui --open` and `esg-sync agent --open` start the system's opener (xdg-open here), whose
 * command line every local user can read in `ps`. It must name an owner-only page that leads to
 * the address with the token, never the token itself. A stand-in xdg-open first on PATH records
 * the arguments it was given. Built CLI (`npm run build` first).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderIdentity } from '../../../main/agent/agent-lock';
import { AGENT_PROOF, startControlServer } from '../../../main/agent/control-server';
import { EngineEvents } from '../../../main/engine/events';
import { APP_VERSION } from '../../../main/engine/version';
import { removeDir, startAgent } from '../../helpers/agent-process';
import { cli } from '../../reliability/harness';

let binDir: string;
let argsFile: string;
let env: Record<string, string>;

beforeAll(() => {
  binDir = mkdtempSync(join(tmpdir(), 'esg-fake-opener-'));
  argsFile = join(binDir, 'args.txt');
  const opener = join(binDir, 'xdg-open');
  writeFileSync(opener, `#!/bin/sh\nprintf '%s\\n' "$@" > "${argsFile}.tmp" && mv "${argsFile}.tmp" "${argsFile}"\n`);
  chmodSync(opener, 0o755);
  env = { PATH: `${binDir}:${process.env.PATH ?? ''}` };
});
afterAll(() => removeDir(binDir));

/** The opener runs detached: wait for what it recorded. */
async function openerArgs(): Promise<string[]> {
  const until = Date.now() + 10_000;
  while (!existsSync(argsFile)) {
    if (Date.now() > until) throw new Error('the opener was not started');
    await new Promise((r) => setTimeout(r, 50));
  }
  const args = readFileSync(argsFile, 'utf8').trimEnd().split('\n');
  removeDir(argsFile);
  return args;
}

function writeAgentFile(dataDir: string, url: string, port: number, token: string): void {
  writeFileSync(join(dataDir, 'agent.json'), JSON.stringify({ pid: process.pid, url, port, token, version: APP_VERSION, dataDir: folderIdentity(dataDir), proof: AGENT_PROOF }), { mode: 0o600 });
}

function expectLaunchPage(args: string[], token: string, launchUrl: string): void {
  expect(args.join(' ')).not.toContain(token);
  expect(args).toHaveLength(1);
  const page = args[0]!;
  expect(statSync(page).mode & 0o777).toBe(0o600);
  const html = readFileSync(page, 'utf8');
  expect(html).toContain(`<meta http-equiv="refresh" content="0;url=${launchUrl}">`);
  expect(html).toContain(`location.replace(${JSON.stringify(launchUrl)})`);
}

describe('opening the UI in a browser', () => {
  it('`ui --open` gives the opener an owner-only page, not the address with the token', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'esg-ui-open-'));
    const token = 'tok-' + 'x'.repeat(40);
    // Stands in for the agent (it answers the proof `ui --open` asks for before opening anything).
    const server = await startControlServer({ port: 0, token, dispatch: async () => ({ ok: true, result: null }), events: new EngineEvents(), staticDir: null });
    try {
      // A live pid (this test process).
      writeAgentFile(dataDir, server.url, server.port, token);
      const r = await cli(dataDir, ['ui', '--open'], { env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // The token rides in the fragment, which the browser never sends to a server or a proxy log.
      expect(r.stdout.split('\n')[0]).toBe(`${server.url}#token=${token}`);
      expectLaunchPage(await openerArgs(), token, `${server.url}#token=${token}`);
    } finally {
      await server.close();
      removeDir(dataDir);
    }
  });

  it('`ui --open` opens nothing when what answers on the port cannot prove it is the agent', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'esg-ui-open-'));
    const token = 'tok-' + 'y'.repeat(40);
    // Another program on the agent's old port (the agent crashed, agent.json stayed behind).
    const other = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const port = (other.address() as AddressInfo).port;
    try {
      writeAgentFile(dataDir, `http://127.0.0.1:${port}/`, port, token);
      const r = await cli(dataDir, ['ui', '--open'], { env });
      expect(r.code).toBe(2);
      expect(r.stdout).not.toContain(token);
      expect(r.stderr).toContain(`Something other than the agent of ${dataDir} answers on the agent's port ${port}`);
      await new Promise((w) => setTimeout(w, 500));
      expect(existsSync(argsFile)).toBe(false);
    } finally {
      await new Promise((r) => other.close(r));
      removeDir(dataDir);
    }
  });

  it('`ui --open` on a server without a browser says so, with the tunnel to use, and leaves no page with the token behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'esg-ui-open-'));
    const token = 'tok-' + 'z'.repeat(40);
    // xdg-open on a machine with no display: "no method available", exit code 3.
    const failingBin = mkdtempSync(join(tmpdir(), 'esg-failing-opener-'));
    writeFileSync(join(failingBin, 'xdg-open'), `#!/bin/sh\necho "xdg-open: no method available for opening '$1'" >&2\nexit 3\n`);
    chmodSync(join(failingBin, 'xdg-open'), 0o755);
    const server = await startControlServer({ port: 0, token, dispatch: async () => ({ ok: true, result: null }), events: new EngineEvents(), staticDir: null });
    try {
      writeAgentFile(dataDir, server.url, server.port, token);
      const r = await cli(dataDir, ['ui', '--open'], { env: { PATH: `${failingBin}:${process.env.PATH ?? ''}`, DISPLAY: '' } });
      expect(r.code).toBe(2);
      // The address is still printed, for the person to open through a tunnel.
      expect(r.stdout.split('\n')[0]).toBe(`${server.url}#token=${token}`);
      expect(r.stderr).toContain('No browser could be opened here (xdg-open exited with code 3');
      expect(r.stderr).toContain(`ssh -L ${server.port}:127.0.0.1:${server.port} <user>@<this server>`);
      expect(readdirSync(join(dataDir, 'ui-launch'))).toEqual([]);
    } finally {
      await server.close();
      removeDir(failingBin);
      removeDir(dataDir);
    }
  });

  it('`agent --open` does the same, and its page leads to the running agent', async () => {
    const agent = await startAgent({ args: ['--open'], env });
    try {
      expectLaunchPage(await openerArgs(), agent.token, agent.launchUrl);
      expect(agent.launchUrl).toContain('#token=');
    } finally {
      await agent.stop();
      removeDir(agent.dataDir);
    }
  });
});
