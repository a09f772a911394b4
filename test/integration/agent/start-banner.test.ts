/**
 * What `esg-sync agent` prints at start. Under systemd its stdout is the journal, kept long and
 * read by more people than the agent's user: the access token is printed only to a terminal, and
 * otherwise the address comes without it, with the command that gives it. Built CLI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMessage } from '../../../main/agent/commands/agent';
import { startControlServer } from '../../../main/agent/control-server';
import { EngineEvents } from '../../../main/engine/events';
import { CLI, removeDir } from '../../helpers/agent-process';

/** Starts the agent with stdout on a pipe (as under a service manager), returns what it printed and its token. */
async function startOutput(json: boolean): Promise<{ stdout: string; token: string; url: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'esg-banner-'));
  const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, ...(json ? ['--json'] : []), 'agent', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent did not start: ${stderr}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (json ? stdout.trimEnd().endsWith('}') : stdout.includes('Press Ctrl+C')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`agent exited with ${code}: ${stderr}`)));
    });
    const { token, url } = JSON.parse(readFileSync(join(dataDir, 'agent.json'), 'utf8')) as { token: string; url: string };
    return { stdout, token, url };
  } finally {
    await new Promise((r) => {
      child.once('exit', r);
      child.kill('SIGTERM');
    });
    removeDir(dataDir);
  }
}

describe('the address printed at start', () => {
  it('leaves the token out when stdout is not a terminal, and says how to get it', async () => {
    const { stdout, token, url } = await startOutput(false);
    expect(stdout).not.toContain(token);
    expect(stdout).not.toContain('token=');
    expect(stdout).toContain(`The UI is at ${url}`);
    expect(stdout).toMatch(/`esg-sync --data-dir .+ ui` on this computer prints the address with it/);
  }, 30_000);

  it('leaves it out of --json too', async () => {
    const { stdout, token, url } = await startOutput(true);
    expect(stdout).not.toContain(token);
    expect(JSON.parse(stdout)).toMatchObject({ url });
  }, 30_000);

  it('gives a person at a terminal the address to open as it is', () => {
    const info = { version: '1.2.3', url: 'http://127.0.0.1:4790/', launchUrl: 'http://127.0.0.1:4790/#token=abc', dataDir: '/srv/esg' };
    expect(startMessage(info, true)).toContain('Open the UI: http://127.0.0.1:4790/#token=abc');
    expect(startMessage(info, false)).not.toContain('abc');
  });

  it('carries the token in the fragment of that address, which the browser never sends to a server', async () => {
    const server = await startControlServer({ port: 0, dispatch: async () => ({ ok: true, result: null }), events: new EngineEvents(), staticDir: null });
    try {
      expect(server.launchUrl).toBe(`${server.url}#token=${server.token}`);
      expect(new URL(server.launchUrl).search).toBe('');
    } finally {
      await server.close();
    }
  });
});
