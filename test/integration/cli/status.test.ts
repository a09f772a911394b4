/**
 * `esg-sync status` on a server: the dashboard's "needs your attention" list in the terminal, with
 * the command to look further, and an exit code a cron job or a monitoring check can act on.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCliInProcess } from '../../helpers/cli-in-process';
import { billsFolderJob, energyCsv, onSandboxEachTest, runDroppedFile } from '../mappings-api/helpers';

const t = onSandboxEachTest('esg-cli-status-');
const status = (...extra: string[]) => runCliInProcess(['--data-dir', join(t.root, 'data'), ...extra, 'status']);

it('says nothing needs anyone, exit 0, when every run went through', async () => {
  const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
  writeFileSync(join(folder, 'bills.csv'), energyCsv());
  expect((await runDroppedFile(t.engine, 'bills', join(folder, 'bills.csv'))).status).toBe('succeeded');
  const r = await status();
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('no agent is running on this data folder, so nothing is watched or scheduled. Start one with `esg-sync agent`.');
  expect(r.stdout).toContain('Syncs are not paused (they run while an agent runs).');
  expect(r.stdout).toContain('1 connection (1 signed in), 1 source (0 files waiting), 1 job.');
  expect(r.stdout).toContain("Nothing needs you: every job's last run went through");
});

it('lists a file still waiting for a decision after later files went through, with where to look, exit 1', async () => {
  const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
  writeFileSync(join(folder, 'renamed.csv'), 'Site,Month,Electricity (kWh)\r\nLON-01,2024-01,10\r\n');
  const waiting = await runDroppedFile(t.engine, 'bills', join(folder, 'renamed.csv'));
  expect(waiting.status).toBe('needs_attention');
  writeFileSync(join(folder, 'bills.csv'), energyCsv());
  expect((await runDroppedFile(t.engine, 'bills', join(folder, 'bills.csv'))).status).toBe('succeeded');

  const r = await status();
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('Needs your attention (1):');
  expect(r.stdout).toContain(`  [File waiting] renamed.csv is waiting in Bills: nothing of it was sent. See: esg-sync history show ${waiting.id}`);
  expect(r.stdout).toContain("The file's columns changed since the mapping was saved");

  const json = await status('--json');
  expect(json.code).toBe(1);
  const body = JSON.parse(json.stdout) as { agent: { running: boolean }; attention: { label: string; runId: number }[] };
  expect(body.agent.running).toBe(false);
  expect(body.attention).toEqual([expect.objectContaining({ label: 'File waiting', runId: waiting.id })]);
});

it('says, first and with exit 1, that no agent runs a job that should run on its own', async () => {
  await billsFolderJob(t.engine, t.ok, t.root, { onFileArrival: true });
  const r = await status();
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('Needs your attention (1):');
  expect(r.stdout).toContain(`  [Agent not running] No agent runs on this data folder, so 1 job with a schedule or a watched folder does not run. See: esg-sync agent --help`);
  expect(r.stdout).toContain(`Start it with \`esg-sync agent --data-dir ${join(t.root, 'data')}\``);
});

it('says, with exit 1, that syncs are paused until someone resumes them, and names paused jobs; a timed pause needs no one', async () => {
  const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
  writeFileSync(join(folder, 'bills.csv'), energyCsv());
  expect((await runDroppedFile(t.engine, 'bills', join(folder, 'bills.csv'))).status).toBe('succeeded');
  t.engine.pause(null);
  const paused = await status();
  expect(paused.code).toBe(1);
  expect(paused.stdout).toContain('  [Syncs paused] All syncs are paused until someone resumes them: no schedule runs and no dropped file is taken. See: esg-sync resume --help');
  t.engine.pause(60);
  expect((await status()).code).toBe(0);
  t.engine.resume();
  const job = t.engine.store.jobs.list()[0]!;
  t.engine.store.jobs.setPaused(job.id, true);
  expect((await status()).stdout).toContain(`Paused job: ${job.name}.`);
});
