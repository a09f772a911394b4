/**
 * A small window (1024 × 700), through the built headless agent and the sandbox platform:
 * - the Jobs, History, Sources and Dashboard pages fit the window's width (no sideways page
 *   scroll), and every job's Run now / Pause / Edit / Remove buttons are in view without one;
 * - a job's next run is shown in the job's own time zone, named, when it differs from the
 *   browser's (the browser here is in UTC, the job in Europe/Berlin).
 * Needs a Secret Service for the connection's secret: run through scripts/with-keyring.sh.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headerFingerprint } from '../../shared/mapping';
import { startSandbox, type RunningSandbox } from '../../main/sandbox';
import { ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

const SERVICE = `esg-sync-agent-e2e-narrow-${process.pid}-${randomBytes(4).toString('hex')}`;
const shots = join(ROOT, 'test-results', 'screens');
const WINDOW = { width: 1024, height: 700 };
const BERLIN_JOB = 'Quarterly utility bills from the shared finance drive to the platform';

let sandbox: RunningSandbox;
let agent: RunningAgent;
let work: string;
let skipReason: string | null = null;

test.describe.configure({ mode: 'serial' });

async function rpc<T = unknown>(method: string, params: unknown): Promise<T> {
  const res = await fetch(new URL('/api/call', agent.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method, params }),
  });
  const body = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result as T;
}

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'esg-e2e-narrow-'));
  sandbox = await startSandbox({ port: 0, dbPath: join(work, 'sandbox.db') });
  agent = await startAgent({ env: { ESG_SYNC_KEYCHAIN_SERVICE: SERVICE } });
  mkdirSync(shots, { recursive: true });
  const status = await rpc<{ secretStore: { available: boolean; message: string | null } }>('engine.status', {});
  if (!status.secretStore.available) {
    skipReason = `no OS keychain for the agent (${status.secretStore.message ?? 'unavailable'}); run through scripts/with-keyring.sh`;
    return;
  }
  await rpc('connections.add', { kind: 'esg-api', name: 'Sandbox platform', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  const [conn] = await rpc<{ id: string }[]>('connections.list', {});

  // Long, unbreakable paths: the widest things these tables hold.
  const folder = join(work, 'shared-finance-drive', 'sustainability-reporting', 'utility-bills-by-site-and-month');
  mkdirSync(folder, { recursive: true });
  const source = await rpc<{ id: string }>('sources.addFolder', { name: 'Utility bills', path: folder, stableMs: 300, usePolling: true, pollIntervalMs: 250 });
  const dbFile = join(work, 'plant-meter-readings-warehouse-export.sqlite');
  const db = new Database(dbFile);
  db.exec('CREATE TABLE readings (Site TEXT, Month TEXT, "Electricity kWh" REAL, updated_at TEXT)');
  db.prepare('INSERT INTO readings VALUES (?, ?, ?, ?)').run('LON-01', '2024-01', 1200, '2024-02-01T00:00:00Z');
  db.close();
  await rpc('sources.addDatabase', { name: 'Plant meters', kind: 'sqlite', file: dbFile, table: 'readings', watermarkColumn: 'updated_at' });

  const mapping = await rpc<{ id: string }>('mappings.save', {
    profile: {
      schemaVersion: 1,
      name: 'Site electricity',
      sourceId: source.id,
      connectionId: conn!.id,
      shape: { kind: 'long', valueColumn: 'Electricity kWh' },
      metric: { kind: 'fixed', metricId: 'met_elec_cons' },
      entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
      period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
      headerFingerprint: headerFingerprint(['Site', 'Month', 'Electricity kWh'], { orderInsensitive: true }),
    },
  });
  const berlin = await rpc<{ id: string }>('jobs.add', {
    name: BERLIN_JOB,
    type: 'ingest',
    connectionId: conn!.id,
    sourceId: source.id,
    mappingId: mapping.id,
    config: { schedule: '30 7 1 1 *', timezone: 'Europe/Berlin', onFileArrival: true, catchUp: 'skip' },
  });
  // An export job's folder must exist when the job is made.
  mkdirSync(join(work, 'platform-exports', 'submissions-for-the-business-intelligence-team'), { recursive: true });
  await rpc('jobs.add', {
    name: 'Submissions to CSV',
    type: 'export',
    connectionId: conn!.id,
    config: {
      schedule: '0 6 1 1 *',
      timezone: 'UTC',
      export: { dataset: 'submissions', destination: { kind: 'folder', path: join(work, 'platform-exports', 'submissions-for-the-business-intelligence-team'), format: 'csv' } },
    },
  });
  // A file, so History and the Dashboard have a run to show (with rejected rows: the widest status).
  writeFileSync(join(folder, 'bills-january-2024-all-sites.csv'), 'Site,Month,Electricity kWh\nLON-01,2024-01,1200\nXXX-99,2024-01,5\n');
  const until = Date.now() + 30_000;
  while (!(await rpc<{ jobId: string; status: string }[]>('history.list', {})).some((r) => r.jobId === berlin.id && r.status !== 'running')) {
    if (Date.now() > until) throw new Error('the file run never finished');
    await new Promise((r) => setTimeout(r, 250));
  }
});

test.afterAll(async () => {
  for (const c of await rpc<{ id: string }[]>('connections.list', {}).catch(() => [])) {
    await rpc('connections.remove', { id: c.id, force: true }).catch(() => undefined);
  }
  if (agent) {
    expect(await agent.stop()).toBe(0);
    removeDir(agent.dataDir);
  }
  if (sandbox) await sandbox.close();
  if (work) removeDir(work);
});

async function open(browser: Browser, route: string, viewport = WINDOW): Promise<Page> {
  const context = await browser.newContext({ viewport, timezoneId: 'UTC', locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible({ timeout: 20_000 });
  await page.evaluate((r) => (window.location.hash = r), route);
  return page;
}

/** How far the page reaches past the window's right edge, in CSS px (0: no sideways scroll). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** Tables wider than their card (sticking into its padding or past its border), with by how much. */
const cardsOverflowing = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('main .card table')].flatMap((t) => {
      const card = t.closest<HTMLElement>('.card')!;
      const over = t.getBoundingClientRect().right - (card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight) - card.clientLeft);
      return over > 0.5 ? [`${t.getAttribute('aria-label') ?? t.className}: ${Math.round(over)}px`] : [];
    }),
  );

/** Where a page's overflow went wrong, in words: [] when the page fits the window and every table its card. */
async function fits(page: Page): Promise<string[]> {
  const page_ = await overflow(page);
  return [...(page_ > 0 ? [`page: ${page_}px wider than the window`] : []), ...(await cardsOverflowing(page))];
}

const go = (page: Page, route: string) => page.evaluate((r) => (window.location.hash = r), route);

test('at 1024 × 700 the Jobs, History, Sources and Dashboard pages fit the width, and every job action is in view', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const page = await open(browser, '#/jobs');
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  await expect(page.getByRole('row', { name: BERLIN_JOB, exact: true })).toContainText('Succeeded with rejected rows');
  expect(await fits(page)).toEqual([]);
  for (const name of ['Submissions to CSV', BERLIN_JOB]) {
    for (const action of [`Run ${name} now`, `Pause ${name}`, `Edit ${name}`, `Remove ${name}`]) {
      await expect(page.getByRole('button', { name: action, exact: true })).toBeInViewport({ ratio: 1 });
    }
  }
  await page.screenshot({ path: join(shots, 'narrow-jobs.png') });

  await go(page, '#/history');
  await expect(page.getByRole('heading', { level: 1, name: 'History' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({ hasText: BERLIN_JOB })).toHaveCount(1);
  expect(await fits(page)).toEqual([]);
  await page.screenshot({ path: join(shots, 'narrow-history.png') });

  await go(page, '#/sources');
  await expect(page.getByRole('table', { name: 'Sources' }).getByRole('row')).toHaveCount(3);
  expect(await fits(page)).toEqual([]);
  for (const name of ['Utility bills', 'Plant meters']) await expect(page.getByRole('button', { name: `Remove ${name}`, exact: true })).toBeInViewport({ ratio: 1 });
  await page.screenshot({ path: join(shots, 'narrow-sources.png') });

  await go(page, '#/');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Latest runs' })).toContainText(BERLIN_JOB);
  expect(await fits(page)).toEqual([]);
  await page.screenshot({ path: join(shots, 'narrow-dashboard.png'), fullPage: true });
  await page.context().close();

  // A wide window keeps the one-line layout: every action of a job side by side.
  const wide = await open(browser, '#/jobs', { width: 1360, height: 900 });
  const row = wide.getByRole('row', { name: BERLIN_JOB, exact: true });
  await expect(row).toBeVisible();
  expect(await fits(wide)).toEqual([]);
  const tops = await Promise.all(['Run', 'Pause', 'Edit', 'Remove'].map(async (a) => (await row.getByRole('button', { name: new RegExp(`^${a} `) }).boundingBox())!.y));
  expect(new Set(tops).size).toBe(1);
  await wide.screenshot({ path: join(shots, 'wide-jobs.png') });
  await wide.context().close();
});

test("a job's next run is shown in its own time zone, named when it is not the browser's", async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  // The browser is in UTC; the job runs at 07:30 in Berlin, which is 06:30 UTC in January.
  const page = await open(browser, '#/jobs');
  const nextRun = (name: string) => page.getByRole('row', { name, exact: true }).getByRole('cell').nth(3);
  await expect(nextRun(BERLIN_JOB)).toContainText(/^Jan 1, \d{4}, 7:30\sAM \(Europe\/Berlin\)in \d+ days$/);
  // A job in the browser's own zone names none.
  await expect(nextRun('Submissions to CSV')).toContainText(/^Jan 1, \d{4}, 6:00\sAMin \d+ days$/);

  await go(page, '#/');
  const next = page.getByRole('region', { name: 'Next runs' }).getByRole('listitem');
  await expect(next.filter({ hasText: BERLIN_JOB })).toContainText(/Jan 1, \d{4}, 7:30\sAM \(Europe\/Berlin\) · /);
  await expect(next.filter({ hasText: 'Submissions to CSV' })).toContainText(/Jan 1, \d{4}, 6:00\sAM · /);
  await page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Next runs' }) }).screenshot({ path: join(shots, 'dashboard-next-runs-zone.png') });
  await page.context().close();

  // Seen from Berlin, the same job's time needs no zone.
  const context = await browser.newContext({ viewport: WINDOW, timezoneId: 'Europe/Berlin', locale: 'en-US' });
  const berlin = await context.newPage();
  await berlin.goto(agent.launchUrl);
  await go(berlin, '#/jobs');
  const cell = berlin.getByRole('row', { name: BERLIN_JOB, exact: true }).getByRole('cell').nth(3);
  await expect(cell).toContainText(/^Jan 1, \d{4}, 7:30\sAMin \d+ days$/);
  await context.close();
});
