/**
 * `esg-sync pause` / `esg-sync resume`: against a running agent process (the pause must reach the
 * agent that owns the scheduler, not a private engine), and in-process with no agent (the pause is
 * saved in the data folder, so the next agent starts paused).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../main/engine/engine';
import { runCliInProcess } from '../../helpers/cli-in-process';
import { CLI, removeDir, startAgent, type RunningAgent } from '../../helpers/agent-process';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'esg-pause-'));
  cleanup.push(() => removeDir(dir));
  return dir;
}

/** The built CLI in its own process, asynchronously (so this process keeps serving nothing it must). */
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function agentStatus(agent: RunningAgent): Promise<{ pausedUntil: string | null }> {
  const res = await fetch(new URL('/api/call', agent.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method: 'engine.status', params: {} }),
  });
  const body = (await res.json()) as { ok: boolean; result: { pausedUntil: string | null } };
  expect(body.ok).toBe(true);
  return body.result;
}

/** Runs the CLI inside this process and captures what it prints. */
const inProcess = (...argv: string[]) => runCliInProcess(argv);

async function savedPause(dataDir: string): Promise<string | null> {
  const engine = Engine.open({ dataDir, mode: 'headless', fileLogs: false });
  try {
    return engine.status().pausedUntil;
  } finally {
    await engine.stop();
  }
}

describe('esg-sync pause / resume against a running agent', () => {
  it('pauses the running agent for N minutes, until resumed, and resumes it', async () => {
    const dataDir = tempDir();
    const agent = await startAgent({ dataDir });
    cleanup.push(async () => void (await agent.stop()));
    expect((await agentStatus(agent)).pausedUntil).toBeNull();

    const before = Date.now();
    const timed = await cli('--data-dir', dataDir, '--json', 'pause', '--minutes', '45');
    expect(timed.stderr).toBe('');
    expect(timed.status).toBe(0);
    const printed = JSON.parse(timed.stdout) as { pausedUntil: string };
    const until = Date.parse(printed.pausedUntil);
    expect(until).toBeGreaterThanOrEqual(before + 45 * 60_000 - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 45 * 60_000 + 1000);
    // The agent itself is paused: the CLI did not open a private engine (the agent holds the lock).
    expect((await agentStatus(agent)).pausedUntil).toBe(printed.pausedUntil);

    const forever = await cli('--data-dir', dataDir, 'pause', '--until-resumed');
    expect(forever.status).toBe(0);
    expect(forever.stdout).toMatch(/paused until you run `esg-sync resume`/);
    expect((await agentStatus(agent)).pausedUntil).toBe('forever');

    const resumed = await cli('--data-dir', dataDir, '--json', 'resume');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ pausedUntil: null });
    expect((await agentStatus(agent)).pausedUntil).toBeNull();
  });

  it('refuses bad options with exit code 2 and a sentence that says what to use', async () => {
    const dataDir = tempDir();
    const both = await cli('--data-dir', dataDir, 'pause', '--minutes', '5', '--until-resumed');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/either --minutes N or --until-resumed/);
    const zero = await cli('--data-dir', dataDir, 'pause', '--minutes', '0');
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/between 1 and 43200/);
    const words = await cli('--data-dir', dataDir, 'pause', '--minutes', 'an hour');
    expect(words.status).toBe(2);
    expect(words.stderr).toMatch(/whole number of minutes/);
    expect(await savedPause(dataDir)).toBeNull();
  });
});

describe('esg-sync pause / resume with no agent running (in-process)', () => {
  it('saves the pause in the data folder, and the next agent starts paused', async () => {
    const dataDir = tempDir();
    const paused = await inProcess('--data-dir', dataDir, 'pause');
    expect(paused.stderr).toBe('');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/All syncs are paused until you run `esg-sync resume`/);
    expect(await savedPause(dataDir)).toBe('forever');

    const agent = await startAgent({ dataDir });
    try {
      expect((await agentStatus(agent)).pausedUntil).toBe('forever');
    } finally {
      expect(await agent.stop()).toBe(0);
    }

    const resumed = await inProcess('--data-dir', dataDir, '--json', 'resume');
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ pausedUntil: null });
    expect(await savedPause(dataDir)).toBeNull();
  });

  it('a timed pause is saved as an instant and ends by itself', async () => {
    const dataDir = tempDir();
    const r = await inProcess('--data-dir', dataDir, '--json', 'pause', '--minutes', '10');
    expect(r.code).toBe(0);
    const until = (JSON.parse(r.stdout) as { pausedUntil: string }).pausedUntil;
    expect(Math.abs(Date.parse(until) - (Date.now() + 10 * 60_000))).toBeLessThan(5000);

    // Eleven minutes later (a clock that has moved on) the engine is no longer paused.
    const later = { now: () => new Date(Date.now() + 11 * 60_000) };
    const engine = Engine.open({ dataDir, mode: 'headless', fileLogs: false, clock: later });
    try {
      expect(engine.status().pausedUntil).toBeNull();
      expect(engine.isPaused()).toBe(false);
    } finally {
      await engine.stop();
    }
  });
});
