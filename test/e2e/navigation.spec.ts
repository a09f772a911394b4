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
    // The page takes the token from its address and removes it from the address bar.
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
  // An empty agent has nothing to pause (its dashboard shows the first-run choices): give it a source.
  const folder = join(agent.dataDir, 'exports');
  mkdirSync(folder, { recursive: true });
  const res = await fetch(new URL('/api/call', agent.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method: 'sources.addFolder', params: { name: 'ERP exports', path: folder } }),
  });
  expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
  await page.goto(agent.launchUrl);
  await page.getByRole('button', { name: 'Pause syncs for 1 hour' }).click();
  await expect(page.getByText(/Syncs are paused until/)).toBeVisible();
  await page.getByRole('button', { name: 'Resume syncs' }).click();
  await expect(page.getByText(/Syncs are paused/)).toHaveCount(0);
});

test('the sidebar works from the keyboard, shows where focus is, and stays in view on a long page', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 420 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  // First Tab: the skip link appears; Enter moves focus to the page content.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  expect((await skip.boundingBox())!.x).toBeGreaterThanOrEqual(0);

  // Tab on through the sidebar: each link shows a visible focus ring, Enter opens the page.
  const nav = page.getByRole('navigation', { name: 'Main' });
  await page.keyboard.press('Tab');
  await expect(nav.getByRole('link', { name: 'Dashboard' })).toBeFocused();
  for (const name of ['Connections', 'Sources', 'Mappings', 'Jobs']) {
    await page.keyboard.press('Tab');
    const link = nav.getByRole('link', { name });
    await expect(link).toBeFocused();
    const ring = await link.evaluate((el) => {
      const s = getComputedStyle(el);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    expect(ring.style).not.toBe('none');
    expect(ring.width).toBeGreaterThanOrEqual(2);
  }
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Jobs' })).toHaveAttribute('aria-current', 'page');

  // A page taller than the window: scrolled to the bottom, the sidebar still fills the window.
  await nav.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  const scrollable = await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
  expect(scrollable).toBeGreaterThan(100);
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  const box = (await nav.boundingBox())!;
  // Within a pixel: a page whose height has a fraction of a pixel ends at a scroll offset Chromium
  // rounds, which moves the sticky sidebar up by that fraction.
  expect(Math.abs(box.y)).toBeLessThan(1);
  expect(box.height).toBe(420);
  await expect(nav.getByRole('link', { name: 'Dashboard' })).toBeInViewport();
  await page.screenshot({ path: join(ROOT, 'test-results', 'screens', 'sidebar-scrolled-light.png') });
  await context.close();
});
