/**
 * The UI's access token changes every time the agent starts. A page left open across a restart
 * says so, and how to get back in (instead of "Reconnecting…" forever); `esg-sync ui` prints the
 * current address, which opens the UI again.
 */
import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

const env = { ESG_SYNC_KEYCHAIN_SERVICE: `esg-sync-agent-e2e-restart-${process.pid}-${randomBytes(4).toString('hex')}` };
const shots = join(ROOT, 'test-results', 'screens');
let agents: RunningAgent[] = [];

test.afterAll(async () => {
  for (const a of agents) await a.stop();
  if (agents[0]) removeDir(agents[0].dataDir);
});

test('a page open across an agent restart says its access ended and how to get the new address', async ({ page }) => {
  test.setTimeout(60_000);
  mkdirSync(shots, { recursive: true });
  const first = await startAgent({ env });
  agents = [first];
  await page.goto(first.launchUrl);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  expect(await first.stop()).toBe(0);
  const second = await startAgent({ env, dataDir: first.dataDir, args: ['--port', String(first.port)] });
  agents = [first, second];
  expect(second.token).not.toBe(first.token);

  await expect(page.getByRole('alert').filter({ hasText: 'The agent was restarted' })).toContainText('run esg-sync ui on the computer it runs on', { timeout: 30_000 });
  await page.screenshot({ path: join(shots, 'agent-restarted-light.png'), fullPage: true });

  // `esg-sync ui` gives the address with the current token, which opens the UI again.
  const ui = spawnSync(process.execPath, [CLI, '--data-dir', first.dataDir, 'ui'], { encoding: 'utf8', env: { ...process.env, ...env } });
  expect(ui.status).toBe(0);
  expect(ui.stdout.split('\n')[0]).toBe(second.launchUrl);
  await page.goto(second.launchUrl);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'The agent was restarted' })).toHaveCount(0);

  // Without a running agent it says how to start one, and exits 2 (as a configuration error, in the README's exit codes).
  await second.stop();
  agents = [first];
  const none = spawnSync(process.execPath, [CLI, '--data-dir', first.dataDir, 'ui'], { encoding: 'utf8', env: { ...process.env, ...env } });
  expect(none.status).toBe(2);
  expect(none.stderr).toContain(`No agent is running on ${first.dataDir}. Start it (`);
});

test('an address whose token was cut off when copied says so, not that the agent restarted', async ({ page }) => {
  const agent = await startAgent({ env });
  agents = [agent];
  await page.goto(agent.launchUrl.slice(0, -6));
  const alert = page.getByRole('alert').filter({ hasText: 'is not the agent’s current one' });
  await expect(alert).toContainText('it may have been cut off when it was copied', { timeout: 30_000 });
  await expect(alert).toContainText('open the whole address it prints');
  await expect(page.getByText('The agent was restarted')).toHaveCount(0);
  await page.screenshot({ path: join(shots, 'agent-wrong-token-light.png'), fullPage: true });
});
