import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'bin/esg-sync.js');

export interface RunningAgent {
  url: string;
  launchUrl: string;
  token: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the built `esg-sync agent` on a temp data folder and an ephemeral port. */
export async function startAgent(opts: { dataDir?: string; env?: Record<string, string>; args?: string[] } = {}): Promise<RunningAgent> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'esg-agent-'));
  const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, '--json', 'agent', '--port', '0', ...(opts.args ?? [])], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const info = await new Promise<{ url: string; port: number }>((resolveInfo, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start in 20 s: ${stderr}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      try {
        const parsed = JSON.parse(stdout) as { url: string; port: number };
        clearTimeout(timer);
        resolveInfo(parsed);
      } catch {
        /* not complete yet */
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code}: ${stderr}`));
    });
  });
  // Not on stdout (not a terminal here): the agent prints the token only to a person at one.
  const { token } = JSON.parse(readFileSync(join(dataDir, 'agent.json'), 'utf8')) as { token: string };
  return {
    ...info,
    // The token rides in the fragment, which the browser never sends to a server.
    launchUrl: `${info.url}#token=${token}`,
    token,
    dataDir,
    child,
    stop(signal = 'SIGTERM') {
      return new Promise((resolveStop) => {
        if (child.exitCode !== null) return resolveStop(child.exitCode);
        child.once('exit', (code) => resolveStop(code));
        child.kill(signal);
      });
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
