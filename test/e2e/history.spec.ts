/**
 * History end to end: the built agent (own process, own keychain service) syncing to the sandbox
 * platform started in this test process, driven through the real UI in Chromium.
 * - a failing run (sandbox fault injection: every API call answers 500) raises the RunAlerts
 *   banner, which opens the run; with "Notify me" off it stays quiet; a job's banners go by
 *   themselves once a later run of that job went through (another job's success leaves them);
 * - History filters by job, status, trigger and date range;
 * - run detail shows the timeline, the row-error table with its CSV download, and the platform
 *   requests table (token call, retries with their status);
 * - Settings validates the retention limits; the Connections form asks Altruistiq for the upload e-mail.
 * Needs a Secret Service: run through `npm run test:e2e` (scripts/with-keyring.sh).
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headerFingerprint } from '../../shared/mapping';
import { startSandbox, type RunningSandbox } from '../../main/sandbox';
import { ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

const SERVICE = `esg-sync-agent-e2e-history-${process.pid}-${randomBytes(4).toString('hex')}`;
const shots = join(ROOT, 'test-results', 'screens');

let sandbox: RunningSandbox;
let work: string;
let agent: RunningAgent;
let skipReason: string | null = null;
const ids = { good: '', broken: '', fileRun: 0, failedRun: 0 };

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

interface Run {
  id: number;
  status: string;
  trigger: string;
  jobName: string;
  rejected: number;
  requests: number;
  retries: number;
}

async function waitForRuns(predicate: (runs: Run[]) => boolean, timeoutMs = 30_000): Promise<Run[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const runs = await rpc<Run[]>('history.list', { limit: 100 });
    if (predicate(runs)) return runs;
    if (Date.now() > until) throw new Error(`runs never matched; have ${JSON.stringify(runs.map((r) => [r.id, r.jobName, r.trigger, r.status]))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'esg-e2e-history-'));
  sandbox = await startSandbox({ port: 0, dbPath: join(work, 'sandbox.db') });
  agent = await startAgent({ env: { ESG_SYNC_KEYCHAIN_SERVICE: SERVICE } });
  mkdirSync(shots, { recursive: true });
  const status = await rpc<{ secretStore: { available: boolean; message: string | null } }>('engine.status', {});
  if (!status.secretStore.available) {
    skipReason = `no OS keychain for the agent (${status.secretStore.message ?? 'unavailable'}); run through scripts/with-keyring.sh`;
    return;
  }
  await rpc('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  const [conn] = await rpc<{ id: string }[]>('connections.list', {});
  const folder = join(work, 'drop');
  mkdirSync(folder);
  const source = await rpc<{ id: string }>('sources.addFolder', { name: 'Utility bills', path: folder, stableMs: 300, usePolling: true, pollIntervalMs: 250 });
  const profile = (name: string) => ({
    schemaVersion: 1,
    name,
    sourceId: source.id,
    connectionId: conn!.id,
    shape: { kind: 'long', valueColumn: 'Electricity kWh' },
    metric: { kind: 'fixed', metricId: 'met_elec_cons' },
    entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
    period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
    headerFingerprint: headerFingerprint(['Site', 'Month', 'Electricity kWh'], { orderInsensitive: true }),
  });
  const mapping = await rpc<{ id: string }>('mappings.save', { profile: profile('Site electricity') });
  ids.good = (await rpc<{ id: string }>('jobs.add', { name: 'Bills to platform', type: 'ingest', connectionId: conn!.id, sourceId: source.id, mappingId: mapping.id, config: {} })).id;
  // A second job on the same mapping that is only ever run by hand (it is paused for files).
  ids.broken = (await rpc<{ id: string }>('jobs.add', { name: 'Nightly resend', type: 'ingest', connectionId: conn!.id, sourceId: source.id, mappingId: mapping.id, config: {} })).id;
  await rpc('jobs.pause', { jobId: ids.broken });

  // 1. A file arrives: two good rows, an unknown site and a value that is not a number (found
  // while reading), and a negative value the platform refuses (found last, listed first: line 2);
  // two more values that are not numbers, so the errors group into three kinds.
  writeFileSync(join(folder, 'bills-jan.csv'), 'Site,Month,Electricity kWh\nLYO-01,2024-01,-3\nLON-01,2024-01,1200\nXXX-99,2024-01,5\nMAN-02,2024-01,lots\nBER-01,2024-01,700\nLON-01,2024-02,lots\nBER-01,2024-02,tbc\n');
  const runs = await waitForRuns((rs) => rs.some((r) => r.trigger === 'file' && r.status !== 'running'));
  const fileRun = runs.find((r) => r.trigger === 'file')!;
  expect(fileRun.status).toBe('succeeded_with_rejections');
  expect(fileRun.rejected).toBe(5);
  ids.fileRun = fileRun.id;
  // 2. A manual run of the same job that succeeds.
  const manual = await rpc<{ run: Run }>('jobs.run', { jobId: ids.good, wait: true });
  expect(manual.run.status).toBe('succeeded');
});

test.afterAll(async () => {
  for (const c of await rpc<{ id: string }[]>('connections.list', {}).catch(() => [])) {
    await rpc('connections.remove', { id: c.id, force: true }).catch(() => undefined);
  }
  expect(await agent.stop()).toBe(0);
  removeDir(agent.dataDir);
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
});

async function open(browser: Browser, scheme: 'light' | 'dark', route = ''): Promise<Page> {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  // The first load of the built UI can be slow on a loaded machine.
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible({ timeout: 20_000 });
  if (route) await page.evaluate((r) => (window.location.hash = r), route);
  return page;
}

test('a failed run raises a banner that opens the run, and none when notifications are off', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const page = await open(browser, 'light');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  // Every API call of the platform answers 500 (the token endpoint still works): the run retries, then fails.
  sandbox.setFaults({ error500: 1, faultTokenEndpoint: false });
  const failed = await rpc<{ run: Run }>('jobs.run', { jobId: ids.broken, wait: true });
  expect(failed.run.status).toBe('failed');
  ids.failedRun = failed.run.id;
  const alert = page.getByRole('region', { name: 'Run alerts' }).getByRole('alert');
  await expect(alert).toHaveCount(1);
  await expect(alert).toContainText('Run of Nightly resend failed —');
  await expect(alert).toContainText(/500/);
  await page.screenshot({ path: join(shots, 'run-alert-light.png') });

  // With "Notify me" off, the next failure is recorded but raises no banner.
  await alert.getByRole('button', { name: /Dismiss the alert for run/ }).click();
  await expect(page.getByRole('region', { name: 'Run alerts' })).toHaveCount(0);
  await rpc('settings.update', { notifyOnFailure: false });
  const quiet = await rpc<{ run: Run }>('jobs.run', { jobId: ids.broken, wait: true });
  expect(quiet.run.status).toBe('failed');
  await page.waitForTimeout(1000);
  await expect(page.getByRole('region', { name: 'Run alerts' })).toHaveCount(0);
  await rpc('settings.update', { notifyOnFailure: true });

  // Back on: a third failure shows again, and "Open run" leads to its detail page.
  const third = await rpc<{ run: Run }>('jobs.run', { jobId: ids.broken, wait: true });
  sandbox.setFaults({});
  await expect(alert).toHaveCount(1);
  await alert.getByRole('link', { name: 'Open run' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Run #${third.run.id} — Nightly resend` })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Run alerts' })).toHaveCount(0);

  // Its platform requests: the token call, then each attempt at the metric library with its 500.
  const requests = page.getByRole('table', { name: 'Platform requests' });
  await expect(requests.getByRole('row', { name: /\/oauth\/token/ })).toContainText('token');
  const metricRows = requests.getByRole('row').filter({ hasText: '/v1/metrics' });
  await expect(metricRows).toHaveCount(5);
  await expect(metricRows.nth(0)).toContainText('500');
  await expect(metricRows.nth(0)).toContainText('1st');
  await expect(metricRows.nth(4)).toContainText('retry 4');
  await expect(page.getByText(/4 of them retries/)).toBeVisible();
  await page.context().close();
});

test('History filters by job, status, trigger and date range', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const page = await open(browser, 'light', '#/history');
  await expect(page.getByRole('heading', { level: 1, name: 'History' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Runs' });
  const rows = table.getByRole('row').filter({ has: page.getByRole('cell') });
  await expect(rows).toHaveCount(5); // file run, manual run, three failed runs
  const filters = page.getByRole('form', { name: 'Filter runs' });

  await filters.getByLabel('Job').selectOption({ label: 'Bills to platform' });
  await expect(rows).toHaveCount(2);
  await expect(table).not.toContainText('Nightly resend');

  // The triggers in words, as the run's page says them, not the stored codes.
  await expect(filters.getByLabel('Trigger').getByRole('option')).toHaveText(['Any trigger', 'Schedule', 'New file', 'By hand', 'Missed schedule', 'Resumed after a stop', 'Held rows']);
  await filters.getByLabel('Trigger').selectOption({ label: 'New file' });
  await expect(rows).toHaveCount(1);
  await expect(page.getByText(/^Showing \d/)).toHaveText('Showing 1 run');
  await expect(rows.first()).toContainText(`#${ids.fileRun}`);
  await expect(rows.first()).toContainText('Succeeded with rejected rows');

  await filters.getByRole('button', { name: 'Clear filters' }).click();
  await expect(rows).toHaveCount(5);
  await expect(page.getByText(/^Showing \d/)).toHaveText('Showing 5 runs');
  await filters.getByLabel('Status').selectOption({ label: 'Failed' });
  await expect(rows).toHaveCount(3);
  for (let i = 0; i < 3; i++) await expect(rows.nth(i)).toContainText('Nightly resend');
  await filters.getByRole('button', { name: 'Clear filters' }).click();

  // Date range, in the browser's calendar days: today holds every run, yesterday none.
  const day = (offset: number) => {
    const d = new Date(Date.now() + offset * 86_400_000);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  };
  await filters.getByLabel('From', { exact: true }).fill(day(0));
  await filters.getByLabel('To', { exact: true }).fill(day(0));
  await expect(rows).toHaveCount(5);
  await filters.getByLabel('From', { exact: true }).fill(day(-1));
  await filters.getByLabel('To', { exact: true }).fill(day(-1));
  await expect(page.getByText('No runs match these filters')).toBeVisible();
  await filters.getByLabel('To', { exact: true }).fill(day(-3));
  await expect(page.getByRole('alert')).toContainText('“To” date is before the “From” date');
  await filters.getByRole('button', { name: 'Clear filters' }).click();
  await expect(rows).toHaveCount(5);
  await page.screenshot({ path: join(shots, 'history-light.png'), fullPage: true });
  await page.context().close();

  const dark = await open(browser, 'dark', '#/history');
  await expect(dark.getByRole('table', { name: 'Runs' }).getByRole('row')).toHaveCount(6);
  await dark.screenshot({ path: join(shots, 'history-dark.png'), fullPage: true });
  await dark.context().close();
});

test('run detail: timeline, row errors with CSV download, and platform requests', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  for (const scheme of ['light', 'dark'] as const) {
    const page = await open(browser, scheme, '#/history');
    await page.getByRole('link', { name: `#${ids.fileRun}` }).click();
    await expect(page.getByRole('heading', { level: 1, name: `Run #${ids.fileRun} — Bills to platform` })).toBeVisible();
    await expect(page.getByText('Succeeded with rejected rows').first()).toBeVisible();

    await expect(page.locator('.facts')).toContainText('MappingSite electricity, version 1');
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await expect(timeline.getByRole('listitem').first()).toContainText('Run started (file) as service account sandbox-client');
    await expect(timeline).toContainText('Reading bills-jan.csv');
    await expect(timeline).toContainText('Run finished: succeeded with rejections.');

    // In line order, as in the file — not in the order they were found.
    // By kind first: three values that are not numbers (two of them 'lots'), then the others.
    const kinds = page.getByRole('region', { name: 'Row errors by kind (3 kinds)' }).getByRole('listitem');
    await expect(kinds).toHaveCount(3);
    await expect(kinds.nth(0)).toContainText('3 rows');
    await expect(kinds.nth(0)).toContainText('Column “Electricity kWh”: \'lots\' is not a number');
    await expect(kinds.nth(0)).toContainText('Values lots (2), tbc (1) · between lines 5 and 8');
    await expect(kinds.nth(1)).toContainText(/1 row.*The platform rejected this value.*line 2/s);
    await expect(kinds.nth(2)).toContainText(/1 row.*XXX-99.*line 4/s);

    const errors = page.getByRole('region', { name: 'Row errors (5)' });
    const errorRows = errors.getByRole('row').filter({ has: page.getByRole('cell') });
    await expect(errorRows).toHaveCount(5);
    // A file's rows are named by their line, as before (a database's by their key).
    await expect(errors.getByRole('columnheader').first()).toHaveText('Line');
    await expect(errorRows.nth(0).getByRole('cell').first()).toHaveText('2');
    await expect(errorRows.nth(0)).toContainText('The platform rejected this value');
    await expect(errorRows.nth(1).getByRole('cell').first()).toHaveText('4');
    await expect(errorRows.nth(1)).toContainText('XXX-99');
    await expect(errorRows.nth(2)).toContainText('lots');
    await expect(errorRows.nth(2)).toContainText('Enter a number like 1234.5.');

    const requests = page.getByRole('table', { name: 'Platform requests' });
    await expect(requests.getByRole('row', { name: /\/oauth\/token/ })).toContainText('200');
    await expect(requests.getByRole('row').filter({ hasText: '/v1/submissions:batch' })).toHaveCount(1);
    await expect(requests.getByRole('row').filter({ hasText: '/v1/submissions:batch' })).toContainText('POST');
    await expect(requests).not.toContainText(/Bearer|sandbox-secret/);

    if (scheme === 'light') {
      // "Show these rows" narrows the table and its CSV to one kind, and "Show every kind" undoes it.
      await kinds.nth(0).getByRole('button', { name: /Show only these 3 rows/ }).click();
      const oneKind = page.getByRole('region', { name: 'Row errors of one kind (3 of 5)' });
      await expect(oneKind).toContainText('Only column “Electricity kWh”: \'lots\' is not a number');
      const kindRows = oneKind.getByRole('row').filter({ has: page.getByRole('cell') });
      await expect(kindRows).toHaveCount(3);
      await expect(kindRows.getByRole('cell').first()).toHaveText('5');
      await expect(oneKind).not.toContainText('XXX-99');
      await page.screenshot({ path: join(shots, 'run-detail-one-kind.png'), fullPage: true });
      const [kindDownload] = await Promise.all([page.waitForEvent('download'), oneKind.getByRole('link', { name: 'Download these as CSV' }).click()]);
      expect(kindDownload.suggestedFilename()).toMatch(new RegExp(`^run-${ids.fileRun}-errors-[0-9a-f]{6}\\.csv$`));
      const kindCsv = readFileSync((await kindDownload.path())!, 'utf8').trim().split(/\r?\n/);
      expect(kindCsv).toHaveLength(4);
      expect(kindCsv.slice(1).every((l) => /^\d+,Electricity kWh,(lots|tbc),/.test(l))).toBe(true);
      await oneKind.getByRole('button', { name: 'Show every kind' }).click();
      await expect(errors.getByRole('row').filter({ has: page.getByRole('cell') })).toHaveCount(5);

      const [download] = await Promise.all([page.waitForEvent('download'), errors.getByRole('link', { name: 'Download all as CSV' }).click()]);
      expect(download.suggestedFilename()).toBe(`run-${ids.fileRun}-errors.csv`);
      const csv = readFileSync((await download.path())!, 'utf8');
      const lines = csv.trim().split(/\r?\n/);
      expect(lines[0]).toBe('line,column,value,reason');
      expect(lines).toHaveLength(6);
      expect(lines[1]).toMatch(/^2,Electricity kWh,-3,The platform rejected this value/);
      expect(lines[2]).toMatch(/^4,Site,XXX-99,/);
      expect(lines[3]).toMatch(/^5,Electricity kWh,lots,/);
    }
    await page.screenshot({ path: join(shots, `run-detail-${scheme}.png`), fullPage: true });

    // A failed run's detail: the 500s and their retries.
    await page.evaluate((id) => (window.location.hash = `#/history/${id}`), ids.failedRun);
    await expect(page.getByRole('heading', { level: 1, name: `Run #${ids.failedRun} — Nightly resend` })).toBeVisible();
    await expect(page.getByRole('alert').first()).toContainText(/500/);
    await expect(page.getByRole('table', { name: 'Platform requests' }).getByRole('row').filter({ hasText: 'retry 4' })).toHaveCount(1);
    await page.screenshot({ path: join(shots, `run-detail-failed-${scheme}.png`), fullPage: true });
    await page.context().close();
  }
});

test('Settings validates the retention limits and saves them', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const page = await open(browser, 'light', '#/settings');
  const form = page.getByRole('form', { name: 'Settings' });
  const days = form.getByLabel('Keep run history for (days)');
  const runs = form.getByLabel('Keep at most this many runs');
  await expect(days).toHaveValue('365');
  // A headless agent has no desktop app to update or start at login: said, not offered.
  await expect(form.getByTestId('desktop-only-note')).toContainText('This agent runs headless');
  await expect(form.getByLabel(/Start when I log in/)).toHaveCount(0);
  await expect(form.getByLabel(/Install updates automatically/)).toHaveCount(0);
  await days.fill('0');
  await runs.fill('12.5');
  await form.getByRole('button', { name: 'Save settings' }).click();
  await expect(form.getByText('Keep at least 1 days.')).toBeVisible();
  await expect(form.getByText('Enter a whole number of runs, without decimals or separators.')).toBeVisible();
  await expect(days).toHaveAttribute('aria-invalid', 'true');
  await expect(days).toBeFocused();
  await page.screenshot({ path: join(shots, 'settings-invalid-light.png'), fullPage: true });
  expect((await rpc<{ retentionDays: number }>('settings.get', {})).retentionDays).toBe(365);

  await days.fill('90');
  await runs.fill('5000');
  await form.getByRole('button', { name: 'Save settings' }).click();
  await expect(form.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  expect(await rpc('settings.get', {})).toMatchObject({ retentionDays: 90, retentionRuns: 5000 });
  await expect(days).not.toHaveAttribute('aria-invalid', 'true');

  await form.getByRole('button', { name: 'Apply saved limits now' }).click();
  await expect(form.getByText('Nothing is older than the limits.')).toBeVisible();
  await page.screenshot({ path: join(shots, 'settings-light.png'), fullPage: true });
  await page.context().close();

  const dark = await open(browser, 'dark', '#/settings');
  await expect(dark.getByLabel('Keep run history for (days)')).toHaveValue('90');
  await dark.screenshot({ path: join(shots, 'settings-dark.png'), fullPage: true });
  await dark.context().close();
});

test('the Connections form asks Altruistiq for the upload user e-mail, and checks it', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const page = await open(browser, 'light', '#/connections');
  await page.getByRole('button', { name: 'Add connection' }).first().click();
  const form = page.getByRole('form', { name: 'Add connection' });
  await expect(form.getByLabel('Altruistiq user e-mail')).toHaveCount(0);
  await form.getByLabel('Platform').selectOption({ label: 'Altruistiq' });
  const email = form.getByLabel('Altruistiq user e-mail');
  await expect(email).toBeVisible();
  await expect(email).toHaveAttribute('required', '');
  await form.getByLabel('Name').fill('Altruistiq');
  await form.getByLabel('Base URL').fill('https://app.altruistiq.example');
  await form.getByLabel('Client ID').fill('aq-client');
  await form.getByLabel('Client secret').fill('aq-secret');
  await email.fill('ops-at-example');
  await form.getByRole('button', { name: 'Test and save' }).click();
  // The browser refuses the form; nothing was sent to the agent.
  expect(await email.evaluate((el: HTMLInputElement) => el.validity.typeMismatch)).toBe(true);
  await expect(form).toBeVisible();
  await page.screenshot({ path: join(shots, 'connections-altruistiq-email-light.png'), fullPage: true });
  expect((await rpc<unknown[]>('connections.list', {})).length).toBe(1);
  await page.context().close();
});

/** A watched folder, a mapping that holds unknown site codes (Site, Month, one value column) and an ingest job on file arrival. */
async function heldFolderJob(dir: string, name: string, valueColumn: string, jobName: string) {
  const [conn] = await rpc<{ id: string }[]>('connections.list', {});
  const folder = join(work, dir);
  mkdirSync(folder);
  const source = await rpc<{ id: string }>('sources.addFolder', { name, path: folder, stableMs: 300, usePolling: true, pollIntervalMs: 250 });
  const profile = {
    schemaVersion: 1,
    name,
    sourceId: source.id,
    connectionId: conn!.id,
    shape: { kind: 'long', valueColumn },
    metric: { kind: 'fixed', metricId: 'met_elec_cons' },
    entity: { kind: 'column', column: 'Site', unknownEntity: 'hold' },
    period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
    headerFingerprint: headerFingerprint(['Site', 'Month', valueColumn], { orderInsensitive: true }),
  };
  const mapping = await rpc<{ id: string }>('mappings.save', { profile });
  const job = await rpc<{ id: string }>('jobs.add', { name: jobName, type: 'ingest', connectionId: conn!.id, sourceId: source.id, mappingId: mapping.id, config: {} });
  return { folder, mapping, job };
}

test('a run that held values for a new site code offers to send them once the code is mapped', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(90_000);
  const { folder, mapping, job } = await heldFolderJob('meters', 'Meter readings', 'Gas kWh', 'Meters to platform');
  writeFileSync(join(folder, 'meters-march.csv'), 'Site,Month,Gas kWh\nLON-01,2024-03,410\nNEW-07,2024-03,95\nNEW-07,2024-04,88\n');
  const runs = await waitForRuns((rs) => rs.some((r) => r.jobName === 'Meters to platform' && r.status !== 'running'));
  const held = runs.find((r) => r.jobName === 'Meters to platform')!;

  const page = await open(browser, 'light', `#/history/${held.id}`);
  const notice = page.getByRole('region', { name: 'Held rows' });
  await expect(notice).toContainText('2 rows were held: their site or metric code is not mapped to the platform yet');
  await expect(notice.getByRole('link', { name: 'Map the codes' })).toHaveAttribute('href', `#/mappings/${encodeURIComponent(mapping.id)}/edit?run=${held.id}&step=sites`);
  await page.screenshot({ path: join(shots, 'run-held-values-light.png'), fullPage: true });

  // Sending before the code is mapped holds them again; after mapping, they are sent.
  await notice.getByRole('button', { name: 'Send the held rows' }).click();
  await expect(notice.getByRole('status')).toContainText(/Run #\d+ finished: succeeded with rejections\./);
  // "Map the codes": the wizard opens on the run's file, where the new code is listed; saved,
  // the Mappings page offers to send the held rows.
  await notice.getByRole('link', { name: 'Map the codes' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Edit mapping/ })).toBeVisible({ timeout: 20_000 });
  // It opens on the step where codes are mapped.
  await expect(page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Sites & periods/ })).toHaveAttribute('aria-current', 'step');
  const code = page.getByRole('combobox', { name: 'Platform value for ‘NEW-07’' });
  await code.fill('Lyon Warehouse');
  await page.getByRole('option', { name: /^Lyon Warehouse/ }).first().click();
  await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Save/ }).click();
  await page.getByRole('button', { name: 'Save new version' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mappings' })).toBeVisible();
  const offer = page.locator('.banner-info').filter({ hasText: `Run #${held.id} held values` });
  await offer.getByRole('button', { name: `Send the held rows of run #${held.id}` }).click();
  await expect(offer.getByRole('status')).toContainText(/Run #\d+ finished: succeeded\./);
  await page.screenshot({ path: join(shots, 'mappings-send-held-light.png'), fullPage: true });
  await offer.getByRole('link', { name: /Open run #\d+/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Run #\d+ — Meters to platform/ })).toBeVisible();
  await expect(page.locator('.stat').filter({ hasText: 'Created' })).toContainText('2');
  await expect(page.getByRole('region', { name: 'Held rows' })).toHaveCount(0);
  const sentBy = Number(/#\/history\/(\d+)$/.exec(page.url())![1]);
  // The sending run's timeline links back to the run whose rows it sent; that run now says who
  // sent what it held, and offers nothing more to send.
  await page.locator('.timeline').getByRole('link', { name: `run #${held.id}`, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: new RegExp(`Run #${held.id} —`) })).toBeVisible();
  const settled = page.getByRole('region', { name: 'Held rows' });
  await expect(settled).toHaveText(`The 2 rows this run held were read again by run #${sentBy} once the codes were mapped; its page says what was sent.`);
  await expect(settled.getByRole('button')).toHaveCount(0);
  await rpc('jobs.remove', { jobId: job.id });
  await page.context().close();
});

test('a run that held values of a month not over yet says the agent sends them on its own', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(90_000);
  const { folder, job } = await heldFolderJob('early', 'Early readings', 'kWh', 'Early to platform');
  const thisMonth = new Date().toISOString().slice(0, 7);
  writeFileSync(join(folder, 'early.csv'), `Site,Month,kWh\nLON-01,2024-05,410\nLON-01,${thisMonth},95\n`);
  const runs = await waitForRuns((rs) => rs.some((r) => r.jobName === 'Early to platform' && r.status !== 'running'));
  const run = runs.find((r) => r.jobName === 'Early to platform')!;
  expect(run).toMatchObject({ status: 'succeeded', held: 1 });

  const page = await open(browser, 'light', `#/history/${run.id}`);
  const notice = page.getByRole('region', { name: 'Held rows' });
  await expect(notice).toContainText('1 row is for a period that had not ended when this run read the file (the last ends on');
  await expect(notice).toContainText('The agent sends it on its own the day after; nothing else is needed.');
  await expect(notice.getByRole('link', { name: 'Map the codes' })).toHaveCount(0);
  await expect(page.getByRole('cell', { name: /has not ended yet/ })).toContainText('so this value is held: the agent sends it on its own once the period is over');
  await page.screenshot({ path: join(shots, 'run-held-period-light.png'), fullPage: true });
  await rpc('jobs.remove', { jobId: job.id });
  await page.context().close();
});

test('a file written with decimal commas for a decimal-point mapping waits, and its page and the Files view say so', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(90_000);
  const { folder, mapping, job } = await heldFolderJob('decimals', 'Decimal readings', 'kWh', 'Decimals to platform');
  writeFileSync(join(folder, 'eu.csv'), 'Site,Month,kWh\nLON-01,2024-05,"12.500,5"\nLON-01,2024-06,98.001\nLON-01,2024-07,"812,4"\n');
  const runs = await waitForRuns((rs) => rs.some((r) => r.jobName === 'Decimals to platform' && r.status !== 'running'));
  const run = runs.find((r) => r.jobName === 'Decimals to platform')!;
  expect(run.status).toBe('needs_attention');

  const page = await open(browser, 'light', `#/history/${run.id}`);
  await expect(page.getByRole('alert').filter({ hasText: "written with ',' as the decimal separator" })).toContainText("'98.001' (line 3) would have been sent as 98.001 instead of 98001, so nothing was sent.");
  await expect(page.getByRole('link', { name: 'Update mapping' })).toHaveAttribute('href', `#/mappings/${encodeURIComponent(mapping.id)}/edit?run=${run.id}`);
  await expect(page.getByRole('button', { name: 'Send the file again' })).toBeVisible();
  await page.screenshot({ path: join(shots, 'run-number-format-light.png'), fullPage: true });

  await page.evaluate(() => (window.location.hash = '#/sources'));
  await page.getByRole('button', { name: 'Files of Decimal readings' }).click();
  const fileRow = page.getByRole('table', { name: 'Files of Decimal readings' }).getByRole('row', { name: /^eu\.csv/ });
  await expect(fileRow).toContainText('Waiting for your decision');
  await page.screenshot({ path: join(shots, 'sources-files-waiting-light.png'), fullPage: true });
  await rpc('jobs.remove', { jobId: job.id });
  await page.context().close();
});

test("a job's failure banners go by themselves once a later run of that job went through, not another job's", async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(120_000);
  const context = await browser.newContext({ viewport: { width: 1024, height: 700 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible({ timeout: 20_000 });
  await page.evaluate(() => (window.location.hash = '#/jobs'));
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  const region = page.getByRole('region', { name: 'Run alerts' });
  const banners = region.getByRole('alert');

  // Two failures of "Nightly resend" (every platform call answers 500): two banners, on every page.
  sandbox.setFaults({ error500: 1, faultTokenEndpoint: false });
  const failures: number[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const { run } = await rpc<{ run: Run }>('jobs.run', { jobId: ids.broken, wait: true });
      expect(run.status).toBe('failed');
      failures.push(run.id);
    }
  } finally {
    sandbox.setFaults({});
  }
  await expect(banners).toHaveCount(2);
  for (const id of failures) await expect(region.locator(`[data-run-id="${id}"]`)).toContainText('Run of Nightly resend failed');
  await page.screenshot({ path: join(shots, 'run-alerts-two-failures-1024.png') });

  // Another job going through says nothing about this one: the banners stay.
  const other = await rpc<{ run: Run }>('jobs.run', { jobId: ids.good, wait: true });
  expect(other.run.status).toMatch(/^succeeded/);
  // The page has heard of that run (its row links to it) before the banners are counted again.
  await expect(page.getByRole('row', { name: 'Bills to platform', exact: true }).getByRole('link', { name: /Succeeded/ })).toHaveAttribute('href', `#/history/${other.run.id}`);
  await expect(banners).toHaveCount(2);

  // The problem is fixed and the same job runs again, successfully: both of its banners go, without a click.
  const fixed = await rpc<{ run: Run }>('jobs.run', { jobId: ids.broken, wait: true });
  expect(['succeeded', 'succeeded_with_rejections']).toContain(fixed.run.status);
  expect(fixed.run.id).toBeGreaterThan(Math.max(...failures));
  await expect(region).toHaveCount(0);
  await page.evaluate(() => (window.location.hash = '#/history'));
  await expect(page.getByRole('heading', { level: 1, name: 'History' })).toBeVisible();
  await expect(region).toHaveCount(0);
  await page.screenshot({ path: join(shots, 'run-alerts-settled-1024.png') });
  await context.close();
});

test('a run with rejected rows offers to send its file again once the cause is fixed', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const page = await open(browser, 'light', `#/history/${ids.fileRun}`);
  const notice = page.locator('.resend-notice');
  await expect(notice).toContainText('Once the cause of the rejected rows is fixed in the mapping or on the platform, send the file again');

  // What a person does in the wizard: the unknown site code XXX-99 is the Madrid depot.
  const job = (await rpc<{ id: string; mappingId: string }[]>('jobs.list', {})).find((j) => j.id === ids.good)!;
  const { profile } = await rpc<{ profile: { entity: Record<string, unknown> } }>('mappings.get', { mappingId: job.mappingId });
  await rpc('mappings.save', { id: job.mappingId, profile: { ...profile, entity: { ...profile.entity, valueMap: { 'XXX-99': 'ent_mad03' } } } });

  await notice.getByRole('button', { name: 'Send the file again' }).click();
  await expect(notice.getByRole('status')).toContainText(/Run #\d+ finished: succeeded with rejections\./);
  await page.screenshot({ path: join(shots, 'run-resend-file-light.png'), fullPage: true });
  await notice.getByRole('link', { name: /Open run #\d+/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Run #\d+ — Bills to platform/ })).toBeVisible();
  // Only the row that now maps is new; the two sent before are unchanged; the rest are rejected again.
  await expect(page.locator('.stat').filter({ hasText: 'Created' })).toContainText('1');
  await expect(page.locator('.stat').filter({ hasText: 'Unchanged' })).toContainText('2');
  await expect(page.locator('.stat').filter({ hasText: 'Rejected' })).toContainText('4');
  await expect(page.locator('.facts')).toContainText('MappingSite electricity, version 2');
  await page.context().close();
});
