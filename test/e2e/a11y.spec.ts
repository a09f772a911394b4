/**
 * Accessibility of every screen, in light and dark: axe-core (WCAG 2.1 A/AA rules) on each page
 * and each mapping-wizard step of the real UI served by the built headless agent, with real data
 * from the sandbox tour. Zero serious or critical violations allowed. Every page is also written
 * as a screenshot to test-results/screens/a11y-<page>-<scheme>.png for a person to look at.
 * Needs a Secret Service for the sandbox secret: run through `npm run test:e2e` (with-keyring.sh).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

type Scheme = 'light' | 'dark';
interface Finding {
  page: string;
  scheme: Scheme;
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

const SERVICE = `esg-sync-agent-e2e-a11y-${process.pid}-${randomBytes(4).toString('hex')}`;
const shots = join(ROOT, 'test-results', 'screens');
const findings: Finding[] = [];
const checked: string[] = [];
let agent: RunningAgent;
let skipReason: string | null = null;

// Not serial: a violation on one page must not hide what the other tests would find.

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

/** Runs axe on what is on screen now, records serious and critical findings, and takes the screenshot. */
async function audit(page: Page, name: string, scheme: Scheme): Promise<void> {
  // Let transitions and live data settle so contrast is measured on the final colours.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  for (const v of result.violations) {
    if (v.impact !== 'serious' && v.impact !== 'critical') continue;
    findings.push({ page: name, scheme, rule: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) });
  }
  checked.push(`${name} (${scheme})`);
  await page.screenshot({ path: join(shots, `a11y-${name}-${scheme}.png`), fullPage: true });
}

async function openPage(scheme: Scheme, path = '/'): Promise<Page> {
  const browserContext = await browserRef!.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 860 } });
  const page = await browserContext.newPage();
  await page.goto(agent.launchUrl);
  await expect(page).not.toHaveURL(/token=/);
  if (path !== '/') await go(page, path);
  return page;
}

/** Client-side navigation inside the app (the page already took the token from its address). */
async function go(page: Page, path: string): Promise<void> {
  await page.evaluate((hash) => (window.location.hash = hash), `#${path}`);
}

let browserRef: import('@playwright/test').Browser | null = null;

test.beforeAll(async ({ browser }) => {
  browserRef = browser;
  mkdirSync(shots, { recursive: true });
  agent = await startAgent({ env: { ESG_SYNC_KEYCHAIN_SERVICE: SERVICE } });
  const status = await rpc<{ secretStore: { available: boolean; message: string | null } }>('engine.status');
  if (!status.secretStore.available) skipReason = `no OS keychain for the agent (${status.secretStore.message ?? 'unavailable'}); run through scripts/with-keyring.sh`;
});

test.afterAll(async () => {
  await rpc('demo.remove').catch(() => undefined);
  expect(await agent.stop()).toBe(0);
  removeDir(agent.dataDir);
  writeFileSync(join(ROOT, 'test-results', 'a11y-report.json'), JSON.stringify({ checked, findings }, null, 2));
});

function expectNoFindings(from: number): void {
  const mine = findings.slice(from);
  const summary = mine.map((f) => `${f.page} (${f.scheme}): ${f.impact} ${f.rule} — ${f.help} — ${f.targets.join(' | ')}`).join('\n');
  expect(mine, `serious or critical accessibility violations:\n${summary}`).toEqual([]);
}

const h1 = (page: Page, name: string | RegExp) => expect(page.getByRole('heading', { level: 1, name })).toBeVisible();

test('the empty agent: dashboard and every list page', async () => {
  const from = findings.length;
  for (const scheme of ['light', 'dark'] as const) {
    const page = await openPage(scheme);
    await expect(page.getByRole('heading', { name: 'Get your sustainability data flowing' })).toBeVisible();
    await audit(page, 'dashboard-empty', scheme);
    for (const [path, title] of [
      ['/connections', 'Connections'],
      ['/sources', 'Sources'],
      ['/mappings', 'Mappings'],
      ['/jobs', 'Jobs'],
      ['/history', 'History'],
    ] as const) {
      await go(page, path);
      await h1(page, title);
      await audit(page, `${title.toLowerCase()}-empty`, scheme);
    }
    await page.context().close();
  }
  expectNoFindings(from);
});

test('every step of the mapping wizard, on the sandbox tour sample', async () => {
  test.skip(skipReason !== null, skipReason ?? '');
  const from = findings.length;
  const demo = await rpc<{ firstSourceId: string; connectionId: string; firstFile: string }>('demo.start');
  const query = new URLSearchParams({ sourceId: demo.firstSourceId, connectionId: demo.connectionId, file: demo.firstFile });
  for (const scheme of ['light', 'dark'] as const) {
    const page = await openPage(scheme, `/mappings/new?${query}`);
    await h1(page, 'New mapping');
    await audit(page, 'wizard-1-before-sample', scheme);
    await page.getByRole('button', { name: 'Read the sample' }).click();
    await expect(page.getByText(/^Sample:/)).toBeVisible({ timeout: 20_000 });
    for (let step = 1; step <= 7; step++) {
      await expect(page.getByRole('heading', { name: new RegExp(`Step ${step} of 7`) })).toBeVisible({ timeout: 20_000 });
      const label = (await page.locator('#wizard-step-heading').innerText()).replace(/^Step \d of 7:\s*/, '');
      await audit(page, `wizard-${step}-${label.toLowerCase().replace(/[^a-z]+/g, '-').replace(/-$/, '')}`, scheme);
      if (label === 'Preview') {
        await page.getByRole('button', { name: 'Run the preview' }).click();
        await expect(page.getByRole('table', { name: 'Values that would be sent' })).toBeVisible({ timeout: 20_000 });
        await audit(page, 'wizard-6-preview-results', scheme);
      }
      const next = page.getByRole('button', { name: /^Next:/ });
      if ((await next.count()) === 0) break;
      await next.click();
    }
    await page.context().close();
  }
  expectNoFindings(from);
});

test('every page with data: dashboard, lists, run detail, settings, and the removal dialog', async () => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(120_000);
  const from = findings.length;
  const demo = await rpc<{ firstSourceId: string; connectionId: string; firstFile: string }>('demo.start');
  const suggested = await rpc<{ draft: Record<string, unknown> }>('mappings.suggest', { sourceId: demo.firstSourceId, connectionId: demo.connectionId, file: demo.firstFile });
  await rpc('mappings.save', { profile: { ...suggested.draft, name: 'Monthly electricity by site' } });
  await rpc('demo.dropNext');
  let runs: { id: number; status: string }[] = [];
  await expect
    .poll(async () => {
      runs = await rpc<{ id: number; status: string }[]>('history.list', { limit: 10 });
      return runs.filter((r) => r.status === 'succeeded').length;
    }, { timeout: 30_000 })
    .toBe(2);

  for (const scheme of ['light', 'dark'] as const) {
    const page = await openPage(scheme);
    await expect(page.getByRole('region', { name: 'Latest runs' }).getByRole('listitem')).toHaveCount(2);
    await audit(page, 'dashboard', scheme);
    for (const [path, title, name] of [
      ['/connections', 'Connections', 'connections'],
      ['/sources', 'Sources', 'sources'],
      ['/mappings', 'Mappings', 'mappings'],
      ['/jobs', 'Jobs', 'jobs'],
      ['/history', 'History', 'history'],
      [`/history/${runs[0]!.id}`, /Run #?\d+|run/i, 'run-detail'],
      ['/settings', 'Settings', 'settings'],
    ] as const) {
      await go(page, path);
      await h1(page, title);
      await audit(page, name, scheme);
    }
    // The confirmation dialog of "Remove sandbox data", open.
    await go(page, '/');
    await page.getByRole('region', { name: /Sandbox tour/ }).getByRole('button', { name: 'Remove sandbox data' }).click();
    await expect(page.getByRole('dialog', { name: 'Remove all sandbox data?' })).toBeVisible();
    await audit(page, 'remove-sandbox-dialog', scheme);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.context().close();
  }
  expectNoFindings(from);
});
