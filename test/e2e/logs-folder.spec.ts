/**
 * "Logs" in Settings: in a browser the agent's logs folder is shown with a copy button; in the
 * desktop app (simulated here by a preload-shaped bridge that forwards calls to the agent) the
 * button asks the shell to open the folder. Screenshots in light and dark go to test-results/.
 */
import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { removeDir, ROOT, startAgent, type RunningAgent } from '../helpers/agent-process';
import { openUi } from '../helpers/open-ui';

let agent: RunningAgent;
test.beforeAll(async () => {
  agent = await startAgent();
});
test.afterAll(async () => {
  await agent.stop();
  removeDir(agent.dataDir);
});

const shots = join(ROOT, 'test-results', 'screenshots');
const logsDir = () => join(agent.dataDir, 'logs');

for (const scheme of ['light', 'dark'] as const) {
  test(`browser: shows the logs folder and copies its path (${scheme})`, async ({ browser }) => {
    const context = await browser.newContext({ colorScheme: scheme, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    await openUi(page, agent, '/settings');
    const about = page.getByRole('region', { name: 'About this agent' });
    await expect(about.getByText(logsDir(), { exact: true })).toBeVisible();
    await expect(about.getByRole('button', { name: 'Open logs folder' })).toHaveCount(0);
    await about.getByRole('button', { name: 'Copy path' }).click();
    await expect(about.getByRole('status')).toHaveText('Path copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(logsDir());
    await about.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, `settings-logs-browser-${scheme}.png`), fullPage: true });
    await context.close();
  });
}

test('desktop: the button asks the shell to open the logs folder', async ({ browser }) => {
  const context = await browser.newContext();
  // Open the launch address first (the page keeps the token in this tab's sessionStorage), then
  // reload with a stand-in for the Electron preload's window.esgSync.
  // It offers no saveFile, like an older shell: the page must still load and offer what exists.
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await page.goto('about:blank'); // so the next visit is a fresh load that runs the init script
  await page.addInitScript(() => {
    const w = window as unknown as { esgSync: unknown; opened: string[] };
    w.opened = [];
    w.esgSync = {
      call: (method: string, params: unknown) =>
        fetch('/api/call', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionStorage.getItem('esg-sync.token')}` }, body: JSON.stringify({ method, params }) }).then((r) => r.json()),
      subscribe: () => () => undefined,
      desktop: {
        pickFolder: async () => null,
        openPath: async (kind: string) => void w.opened.push(kind),
      },
    };
  });
  await page.goto(`${new URL(agent.launchUrl).origin}/#/settings`);
  const about = page.getByRole('region', { name: 'About this agent' });
  await expect(about.getByText(logsDir(), { exact: true })).toBeVisible();
  await expect(about.getByRole('button', { name: 'Copy path' })).toHaveCount(0);
  await about.getByRole('button', { name: 'Open logs folder' }).click();
  await expect.poll(() => page.evaluate(() => (window as unknown as { opened: string[] }).opened)).toEqual(['logs']);
  await page.screenshot({ path: join(shots, 'settings-logs-desktop-light.png'), fullPage: true });
  await context.close();
});
