import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent();
});

test.afterAll(async () => {
  expect(await agent.stop()).toBe(0);
  removeDir(agent.dataDir);
});

const pages = [
  { nav: 'Dashboard', heading: 'Dashboard', text: 'Connect to your platform' },
  { nav: 'Connections', heading: 'Connections', text: 'No connections yet' },
  { nav: 'Sources', heading: 'Sources', text: 'No sources yet' },
  { nav: 'Mappings', heading: 'Mappings', text: 'No mappings yet' },
  { nav: 'Jobs', heading: 'Jobs', text: 'No jobs yet' },
  { nav: 'History', heading: 'History', text: 'No runs yet' },
  { nav: 'Settings', heading: 'Settings', text: 'Keep run history for (days)' },
];

for (const scheme of ['light', 'dark'] as const) {
  test(`every page renders live engine state (${scheme})`, async ({ browser }) => {
    const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await page.goto(agent.launchUrl);
    // The token in the address is traded for a cookie and removed from the address bar.
    await expect(page).not.toHaveURL(/token=/);
    const shots = join(ROOT, 'test-results', 'screens');
    mkdirSync(shots, { recursive: true });
    for (const p of pages) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: p.nav }).click();
      await expect(page.getByRole('heading', { level: 1, name: p.heading })).toBeVisible();
      await expect(page.getByText(p.text).first()).toBeVisible();
      await page.screenshot({ path: join(shots, `${p.nav.toLowerCase()}-${scheme}.png`), fullPage: true });
    }
    await context.close();
  });
}

test('the dashboard shows the data folder the agent really uses', async ({ page }) => {
  await page.goto(agent.launchUrl);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByText(agent.dataDir, { exact: true })).toBeVisible();
});

test('settings are saved in the engine and survive a reload', async ({ page }) => {
  await page.goto(agent.launchUrl);
  await page.getByRole('link', { name: 'Settings' }).click();
  const days = page.getByLabel('Keep run history for (days)');
  await days.fill('90');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Keep run history for (days)')).toHaveValue('90');
});

test('pausing syncs from the dashboard is reflected by the engine', async ({ page }) => {
  await page.goto(agent.launchUrl);
  await page.getByRole('button', { name: 'Pause syncs for 1 hour' }).click();
  await expect(page.getByText(/Syncs are paused until/)).toBeVisible();
  await page.getByRole('button', { name: 'Resume syncs' }).click();
  await expect(page.getByText(/Syncs are paused/)).toHaveCount(0);
});
