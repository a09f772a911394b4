/**
 * First run in two minutes, in the browser UI of the built headless agent: from an empty data
 * folder, "Try it with the sandbox platform" → mapping wizard on the first sample file → save →
 * "Drop the next sample file" → a live run appears → "Remove sandbox data" leaves an empty agent.
 * Needs a Secret Service for the demo secret: run through `npm run test:e2e` (with-keyring.sh).
 */
import { expect, test, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

const SERVICE = `esg-sync-agent-e2e-firstrun-${process.pid}-${randomBytes(4).toString('hex')}`;
const shots = join(ROOT, 'test-results', 'screens');
let agent: RunningAgent;
let skipReason: string | null = null;

test.beforeAll(async () => {
  agent = await startAgent({ env: { ESG_SYNC_KEYCHAIN_SERVICE: SERVICE } });
  const res = await fetch(new URL('/api/call', agent.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method: 'engine.status', params: {} }),
  });
  const status = (await res.json()) as { result: { secretStore: { available: boolean; message: string | null } } };
  if (!status.result.secretStore.available) skipReason = `no OS keychain for the agent (${status.result.secretStore.message ?? 'unavailable'}); run through scripts/with-keyring.sh`;
  mkdirSync(shots, { recursive: true });
});

test.afterAll(async () => {
  expect(await agent.stop()).toBe(0);
  removeDir(agent.dataDir);
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

test('"Connect to your platform" on the empty dashboard opens the add-connection form', async ({ page }) => {
  await page.goto(agent.launchUrl);
  await page.getByRole('link', { name: 'Connect to your platform' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Connections' })).toBeVisible();
  await expect(page.getByRole('form', { name: 'Add connection' })).toBeVisible();
});

test('from an empty agent to a live run on the sandbox, then back to empty in one click', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(120_000);
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);

  // 1. The empty dashboard offers the two ways in.
  await expect(page.getByRole('heading', { name: 'Get your sustainability data flowing' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Connect to your platform' })).toHaveAttribute('href', '#/connections?add=1');
  await shot(page, 'first-run-1-empty-light');
  await page.getByRole('button', { name: 'Try it with the sandbox platform' }).click();

  // 2. The wizard opens on the first sample, with the sandbox connection and source chosen.
  await expect(page.getByRole('heading', { level: 1, name: 'New mapping' })).toBeVisible({ timeout: 20_000 });
  const tour = page.getByRole('region', { name: /Sandbox tour/ });
  await expect(tour).toContainText('step 2 of 3');
  await expect(page.getByLabel('Platform connection')).toHaveValue('sandbox-platform');
  await expect(page.locator('select').nth(1)).toHaveValue('sandbox-electricity-reports');
  await expect(page.getByLabel('Sample file in the folder')).toHaveValue(/electricity-reports[\\/]electricity-report-\d{4}-\d{2}\.csv$/);
  await page.getByRole('button', { name: 'Read the sample' }).click();
  await expect(page.getByText(/^Sample:/)).toBeVisible({ timeout: 20_000 });
  await shot(page, 'first-run-2-wizard-light');

  // Walk the steps with the wizard's suggestions, then save.
  for (let i = 0; i < 10; i++) {
    const next = page.getByRole('button', { name: /^Next:/ });
    if ((await next.count()) === 0) break;
    await next.click();
    await expect(page.getByRole('alert').filter({ hasText: 'Before you continue' })).toHaveCount(0);
    if (await page.getByRole('button', { name: 'Run the preview' }).isVisible()) {
      // What would be sent: 4 sites × 2 metrics, before anything is.
      await page.getByRole('button', { name: 'Run the preview' }).click();
      await expect(page.getByRole('table', { name: 'Values that would be sent' }).getByRole('row')).toHaveCount(9, { timeout: 20_000 });
      await shot(page, 'first-run-2b-preview-light');
    }
  }
  await expect(page.getByRole('heading', { name: /Step 7 of 7/ })).toBeVisible();
  await page.getByLabel('Name of the mapping').fill('Monthly electricity by site');
  await page.getByRole('button', { name: 'Save mapping' }).click();

  // 3. After the wizard: drop the next sample file and watch the live run.
  await expect(tour).toContainText('step 3 of 3', { timeout: 20_000 });
  await expect(tour).toContainText('Your mapping is saved');
  await shot(page, 'first-run-3-drop-light');
  await tour.getByRole('button', { name: 'Drop the next sample file' }).click();
  const live = tour.getByRole('listitem').filter({ hasText: /electricity-report-\d{4}-\d{2}\.csv/ });
  await expect(live).toHaveCount(2, { timeout: 30_000 });
  await expect(live.filter({ hasText: 'Succeeded' })).toHaveCount(2, { timeout: 30_000 });
  await expect(live.first()).toContainText('4 rows read, 8 values created');
  await shot(page, 'first-run-4-live-run-light');

  // Sandbox data is labelled where it appears.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
  const connectionsCard = page.getByRole('region', { name: 'Platform connections' });
  await expect(connectionsCard.getByText('Sandbox platform')).toBeVisible();
  await expect(connectionsCard.getByText('Sandbox', { exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Sources' }).getByText('Sandbox', { exact: true })).toHaveCount(3);
  await expect(page.getByRole('region', { name: 'Latest runs' }).getByText('Sandbox', { exact: true })).toHaveCount(2);
  await expect(page.getByRole('region', { name: 'Next runs' })).toContainText('On the next new file');
  await shot(page, 'first-run-5-dashboard-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'first-run-5-dashboard-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // The run itself.
  await tour.getByRole('link', { name: 'See the run' }).first().click();
  await expect(page).toHaveURL(/#\/history\/\d+$/);

  // 4. Remove sandbox data: one click, one confirmation, an empty agent again.
  await tour.getByRole('button', { name: 'Remove sandbox data' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove all sandbox data?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('3 sandbox sources');
  // What goes is named, as a mapping or job made on the sandbox by hand would go too.
  await expect(dialog).toContainText(/1 mapping made for the sandbox: “[^”]+”/);
  await expect(dialog).toContainText(/1 job on the sandbox, with its run history: “Sandbox: electricity reports to the platform”/);
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await shot(page, 'first-run-6-remove-light');
  await dialog.getByRole('button', { name: 'Remove sandbox data' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Sandbox data removed: 1 connection, 3 sources, 1 mapping, 1 job and 2 runs' })).toBeVisible({
    timeout: 20_000,
  });
  await expect(page.getByRole('heading', { name: 'Get your sustainability data flowing' })).toBeVisible();
  await expect(page.getByRole('region', { name: /Sandbox tour/ })).toHaveCount(0);
  expect(existsSync(join(agent.dataDir, 'sandbox-demo'))).toBe(false);
  await shot(page, 'first-run-7-removed-light');
  await context.close();
});

async function rpc<T = unknown>(method: string, params: unknown = {}): Promise<T> {
  const res = await fetch(new URL('/api/call', agent.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method, params }),
  });
  const body = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result as T;
}

test('the dashboard puts what needs a person first, in plain words', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const demo = await rpc<{ firstSourceId: string; connectionId: string; firstFile: string; folder: string }>('demo.start');
  const suggested = await rpc<{ draft: Record<string, unknown> }>('mappings.suggest', { sourceId: demo.firstSourceId, connectionId: demo.connectionId, file: demo.firstFile });
  await rpc('mappings.save', { profile: { ...suggested.draft, name: 'Monthly electricity by site' } });
  await rpc('demo.dropNext');
  await expect.poll(async () => (await rpc<{ status: string }[]>('history.list', { limit: 10 })).filter((r) => r.status === 'succeeded').length, { timeout: 30_000 }).toBe(2);

  // Someone saves the fuel card export into the electricity reports folder by mistake.
  const fuelDir = join(demo.folder, 'fuel-card-exports');
  const fuel = readdirSync(fuelDir).find((f) => f.endsWith('.csv'))!;
  copyFileSync(join(fuelDir, fuel), join(demo.folder, 'electricity-reports', fuel));
  await expect.poll(async () => (await rpc<{ status: string }[]>('history.list', { limit: 10 })).map((r) => r.status), { timeout: 30_000 }).toContain('needs_attention');

  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  const attention = page.getByRole('region', { name: 'Needs your attention (1)' });
  await expect(attention).toContainText('The last run of Sandbox: electricity reports to the platform is waiting for your decision');
  await expect(attention.getByRole('link', { name: 'See what happened' })).toHaveAttribute('href', /#\/history\/\d+$/);
  // First on the page: above the health of connections and sources.
  const a = (await attention.boundingBox())!;
  const health = (await page.getByRole('region', { name: 'Platform connections' }).boundingBox())!;
  expect(a.y).toBeLessThan(health.y);
  await expect(page.getByText('All clear')).toHaveCount(0);
  await shot(page, 'dashboard-attention-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'dashboard-attention-dark');

  // A colleague's next file goes through after it: the file still waiting stays on the list.
  const firstProcessed = join(demo.folder, 'electricity-reports', 'processed', basename(demo.firstFile));
  const lines = readFileSync(firstProcessed, 'utf8').split('\n');
  lines[1] = lines[1]!.replace(/\d(?=\D*$)/, (d) => String((Number(d) + 1) % 10));
  writeFileSync(join(demo.folder, 'electricity-reports', 'electricity-corrected.csv'), lines.join('\n'));
  await expect.poll(async () => (await rpc<{ status: string; file: string | null }[]>('history.list', { limit: 10 }))[0], { timeout: 30_000 }).toMatchObject({ status: 'succeeded', file: expect.stringContaining('electricity-corrected.csv') });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.reload();
  const waiting = page.getByRole('region', { name: 'Needs your attention (1)' });
  await expect(waiting).toContainText(`${fuel} is waiting in Sandbox: electricity reports: nothing of it was sent.`);
  await expect(waiting.getByRole('link', { name: /^See run #\d+$/ })).toHaveAttribute('href', /#\/history\/\d+$/);
  await shot(page, 'dashboard-file-waiting-light');

  // The sandbox connection removed by hand on the Connections page: what is left can still go in one click.
  await rpc('connections.remove', { id: demo.connectionId, force: true });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.reload();
  const leftovers = page.getByRole('region', { name: 'Sandbox data is still here' });
  await expect(leftovers).toContainText('3 sandbox sources, 1 mapping and 0 jobs remain');
  await shot(page, 'dashboard-sandbox-leftovers-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'dashboard-sandbox-leftovers-dark');
  await leftovers.getByRole('button', { name: 'Remove sandbox data' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove sandbox data' }).click();
  await expect(page.getByRole('heading', { name: 'Get your sustainability data flowing' })).toBeVisible({ timeout: 20_000 });
  expect(await rpc('sources.list')).toEqual([]);
  await context.close();
});
