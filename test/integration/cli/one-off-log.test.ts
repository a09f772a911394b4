/**
 * A command run with no agent opens the engine for itself: agent.log says so, by command, so an
 * operator reading the log does not take each `esg-sync job list` from cron for an agent restart.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { removeDir } from '../../helpers/agent-process';
import { runCliInProcess } from '../../helpers/cli-in-process';

const dataDir = mkdtempSync(join(tmpdir(), 'esg-one-off-log-'));
afterAll(() => removeDir(dataDir));

it('logs "opened for one command" with the command, not "engine started"', async () => {
  expect((await runCliInProcess(['--data-dir', dataDir, 'job', 'list'])).code).toBe(0);
  const lines = readFileSync(join(dataDir, 'logs', 'agent.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; command?: string });
  expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['engine opened for one command (no agent was running)', 'engine closing after the command']));
  expect(lines.find((l) => l.msg.startsWith('engine opened'))!.command).toBe('jobs.list');
  expect(lines.map((l) => l.msg)).not.toContain('engine started');
});

it('warns in agent.log when the agent runs as root, and not for a one-off command', async () => {
  const { Engine } = await import('../../../main/engine/engine');
  const dir = mkdtempSync(join(tmpdir(), 'esg-root-log-'));
  const realGetuid = process.getuid;
  try {
    for (const uid of [0, 1000]) {
      process.getuid = () => uid;
      const engine = Engine.open({ dataDir: dir, mode: 'headless' });
      await engine.stop();
    }
    const msgs = readFileSync(join(dir, 'logs', 'agent.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; level: number });
    const warnings = msgs.filter((m) => m.msg.startsWith('running as root'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40);
  } finally {
    process.getuid = realGetuid;
    removeDir(dir);
  }
  expect(readFileSync(join(dataDir, 'logs', 'agent.log'), 'utf8')).not.toContain('running as root');
});
