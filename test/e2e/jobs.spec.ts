/**
 * The Jobs page end to end, through the built headless agent and the sandbox platform: a job is
 * created through the form (the cron editor describes the schedule and lists the next runs), run
 * from the list while its progress bar goes to the finished run, found in History with exact
 * counts, edited and removed. Needs a Secret Service for the connection's secret: run through
 * `npm run test:e2e` (scripts/with-keyring.sh); where none answers the tests skip and say why.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEsgApiAdapter } from '../../main/engine/platforms/esg-api';
import { SEED_ENTITIES, startSandbox, type RunningSandbox } from '../../main/sandbox';
import type { SubmissionOp } from '../../shared/domain';
import { ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

const SERVICE = `esg-sync-agent-e2e-jobs-${process.pid}-${randomBytes(4).toString('hex')}`;
const JOB = 'Submissions to CSV';
const SUBMISSIONS = 25;
const shots = join(ROOT, 'test-results', 'screens');

let sandbox: RunningSandbox;
let agent: RunningAgent;
let outDir: string;
let skipReason: string | null = null;

test.describe.configure({ mode: 'serial' });

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const res = await fetch(new URL('/api/call', agent.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method, params }),
  });
  const body = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result as T;
}

/** Puts submissions on the sandbox platform the way an agent would, so an export has rows to bring back. */
async function seedSubmissions(count: number): Promise<void> {
  const adapter = createEsgApiAdapter({ id: 'seed', kind: 'esg-api', baseUrl: sandbox.url, authUrl: null, clientId: 'sandbox-client', clientSecret: 'sandbox-secret', scopes: [] });
  const facilities = SEED_ENTITIES.filter((e) => e.type === 'facility');
  try {
    const ops: SubmissionOp[] = Array.from({ length: count }, (_, n) => {
      const month = String((n % 12) + 1).padStart(2, '0');
      const year = 2024 + Math.floor(n / 12);
      return {
        op: 'create',
        key: `seed-${n}`,
        record: { metricId: 'met_elec_cons', entityId: facilities[n % facilities.length]!.id, periodStart: `${year}-${month}-01`, periodEnd: `${year}-${month}-28`, value: 1000 + n, unit: 'kWh', comment: null, evidence: null },
      };
    });
    const results = await adapter.ingestRecords(ops, `e2e-jobs-seed-${count}`);
    expect(results.filter((r) => r.status === 'created')).toHaveLength(count);
  } finally {
    await adapter.close();
  }
}

test.beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  agent = await startAgent({ env: { ESG_SYNC_KEYCHAIN_SERVICE: SERVICE } });
  const status = await rpc<{ secretStore: { available: boolean; message: string | null } }>('engine.status', {});
  if (!status.secretStore.available) {
    skipReason = `no OS keychain for the connection's client secret (${status.secretStore.message ?? 'unavailable'}); run through scripts/with-keyring.sh`;
    return;
  }
  const added = await rpc<{ saved: boolean; test: { message: string } }>('connections.add', {
    kind: 'esg-api',
    name: 'Sandbox platform',
    baseUrl: sandbox.url,
    clientId: 'sandbox-client',
    clientSecret: 'sandbox-secret',
  });
  if (!added.saved) throw new Error(`connection not saved: ${added.test.message}`);
  await seedSubmissions(SUBMISSIONS);
  outDir = mkdtempSync(join(tmpdir(), 'esg-e2e-jobs-out-'));
  mkdirSync(shots, { recursive: true });
});

test.afterAll(async () => {
  for (const c of await rpc<{ id: string }[]>('connections.list', {}).catch(() => [])) {
    await rpc('connections.remove', { id: c.id, force: true }).catch(() => undefined);
  }
  if (agent) {
    expect(await agent.stop()).toBe(0);
    removeDir(agent.dataDir);
  }
  if (outDir) removeDir(outDir);
  if (sandbox) await sandbox.close();
});

async function openJobs(browser: Browser, scheme: 'light' | 'dark'): Promise<Page> {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  return page;
}

/** The job form's choice for scheduled runs missed while the computer was off or asleep. */
const missedRuns = (page: Page) => page.getByRole('group', { name: 'If a scheduled run was missed (computer off or asleep)' });

const shot = (page: Page, name: string, scheme: 'light' | 'dark') => page.screenshot({ path: join(shots, `jobs-${name}-${scheme}.png`), fullPage: true, animations: 'disabled' });

/** axe (WCAG 2.1 A/AA) on what is on screen: serious and critical findings fail the test, named. */
async function audit(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} @ ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad).toEqual([]);
}

test('a job is created through the form: the cron editor describes the schedule, checks it and lists the next 5 runs', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const page = await openJobs(browser, 'light');
  await expect(page.getByRole('heading', { name: 'No jobs yet' })).toBeVisible();
  await shot(page, 'empty', 'light');
  await page.getByRole('link', { name: 'New job' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'New job' })).toBeVisible();

  // Saving an empty form names what is missing, next to each field.
  await page.getByRole('button', { name: 'Add job' }).click();
  await expect(page.getByText('Give the job a name')).toBeVisible();
  await expect(page.getByLabel('Name', { exact: true })).toBeFocused();

  await page.getByLabel('Name', { exact: true }).fill(JOB);
  await page.getByLabel(/^Export: bring platform data back/).check();
  await expect(page.getByLabel('Platform connection')).toHaveValue(/.+/); // the only connection is chosen
  // A table is keyed as the dataset's rows are identified: the key follows the dataset until a person types one.
  await page.getByLabel(/^A database table/).check();
  const keys = page.getByLabel('Key columns');
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'Portfolio metrics (aggregated per entity, metric and period)' });
  await expect(keys).toHaveValue('entity_id, metric_id, period');
  await expect(page.getByText('Rows of this dataset are identified by entity_id, metric_id, period.')).toBeVisible();
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'Raw submissions' });
  await expect(keys).toHaveValue('id');
  await keys.fill('id, metric_id');
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'Portfolio metrics (aggregated per entity, metric and period)' });
  await expect(keys).toHaveValue('id, metric_id');
  await page.getByLabel('Dataset', { exact: true }).selectOption({ label: 'Raw submissions' });
  await page.getByLabel('Files in a folder').check();
  // The PACT footprint hint is for PACT connections only; this one is not.
  await expect(page.getByLabel('Nested fields')).toBeVisible();
  await expect(page.getByText('For fields that hold a list or a group of values')).toBeVisible();
  await expect(page.getByText(/PACT/)).toHaveCount(0);
  await page.getByLabel('Folder', { exact: true }).fill(outDir);
  await expect(page.getByText(/A run now would write submissions-\d{8}-\d{6}\.csv/)).toBeVisible();
  // For Excel in a decimal-comma language: semicolons between columns, 12,5 for numbers. Only CSV has a layout.
  const layout = page.getByLabel('CSV layout');
  await expect(layout).toHaveValue('comma');
  await layout.selectOption({ label: 'Semicolon, decimal comma (Excel in most of Europe)' });
  await page.getByLabel('Format', { exact: true }).selectOption('xlsx');
  await expect(page.getByLabel('CSV layout')).toHaveCount(0);
  await page.getByLabel('Format', { exact: true }).selectOption('csv');
  await expect(layout).toHaveValue('semicolon');

  const summary = page.getByRole('status', { name: 'Schedule summary' });
  await page.getByLabel('Runs', { exact: true }).selectOption({ label: 'Every week on…' });
  await page.getByLabel('Day of the week').selectOption({ label: 'Monday' });
  await page.getByLabel('At (hh:mm)').fill('06:30');
  await page.getByLabel('Time zone', { exact: true }).selectOption('Europe/London');
  await expect(summary).toContainText('At 06:30, only on Monday');
  await expect(summary).toContainText('Europe/London');
  const next = summary.getByRole('list', { name: 'Next 5 runs' }).getByRole('listitem');
  await expect(next).toHaveCount(5);
  for (const item of await next.all()) await expect(item).toContainText(/Mon.*\b6:30/);

  // A raw expression is read back in words, and a wrong one says why it cannot run.
  await page.getByLabel('Runs', { exact: true }).selectOption({ label: 'Custom (cron expression)' });
  const cron = page.getByLabel('Cron expression');
  await expect(cron).toHaveValue('30 6 * * 1');
  await cron.fill('*/15 7-19 * * 1-5');
  await expect(summary).toContainText('Every 15 minutes, between 07:00 and 19:59, Monday through Friday');
  await expect(next).toHaveCount(5);
  await cron.fill('61 * * * *');
  await expect(summary.getByRole('alert')).toContainText('not a schedule the agent can run');
  await expect(next).toHaveCount(0);
  await audit(page);
  await cron.fill('30 6 * * 1');
  await expect(summary).toContainText('At 06:30, only on Monday');
  await shot(page, 'form-export', 'light');

  await page.getByRole('button', { name: 'Add job' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: `Added “${JOB}”` })).toBeVisible();
  const row = page.getByRole('row', { name: JOB, exact: true });
  await expect(row).toContainText('Sandbox platform: Raw submissions');
  await expect(row).toContainText(`CSV files (semicolons, decimal commas) in ${outDir}`);
  await expect(row).toContainText('At 06:30, only on Monday (Europe/London)');
  await expect(row).toContainText('Never');
  const saved = (await rpc<{ name: string; nextRunAt: string | null; schedule: string | null }[]>('jobs.list', {})).find((j) => j.name === JOB)!;
  expect(saved.schedule).toBe('30 6 * * 1');
  expect(saved.nextRunAt).not.toBeNull();
  const savedDetail = (await rpc<{ name: string; config: { export: { destination: { csvStyle?: string } } } }[]>('jobs.details', {})).find((j) => j.name === JOB)!;
  expect(savedDetail.config.export.destination.csvStyle).toBe('semicolon');
  await page.context().close();
});

test('Run now: the progress bar reaches the finished run, and History shows it with exact counts', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const page = await openJobs(browser, 'light');
  // Every state the bar shows is recorded: while the run says "running" it must not read 100%.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { barStates: string[] }).barStates = seen;
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[role="progressbar"]')) seen.push(`${el.getAttribute('aria-valuenow')}|${el.getAttribute('aria-valuetext')}`);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow', 'aria-valuetext'] });
  });
  await page.getByRole('button', { name: `Run ${JOB} now` }).click();
  const bar = page.getByRole('progressbar', { name: `Run progress of ${JOB}` });
  await expect(bar).toBeVisible();
  await expect(bar).toHaveAttribute('aria-valuenow', '100', { timeout: 30_000 });
  const states = await page.evaluate(() => (window as unknown as { barStates: string[] }).barStates);
  expect(states.filter((s) => s.startsWith('100|') && s.endsWith('running'))).toEqual([]);
  await expect(bar).toHaveAttribute('aria-valuetext', /^Run #\d+ finished: Succeeded$/);
  const runId = Number((await bar.getAttribute('aria-valuetext'))!.match(/#(\d+)/)![1]);
  const outcome = page.locator('.run-progress').filter({ hasText: `Run #${runId} finished` });
  // An export's finished line counts rows written, never values created or updated.
  await expect(outcome).toContainText(`finished: ${SUBMISSIONS} rows written.`);
  await expect(outcome).not.toContainText(/created|updated|unchanged/);
  await expect(page.getByRole('row', { name: JOB, exact: true })).toContainText('Succeeded');
  await shot(page, 'list-finished', 'light');

  // The file holds every submission (header + one line each).
  const files = readdirSync(outDir).filter((f) => f.endsWith('.csv'));
  expect(files).toHaveLength(1);
  const written = readFileSync(join(outDir, files[0]!), 'utf8').trimEnd().split('\n');
  expect(written).toHaveLength(SUBMISSIONS + 1);
  // The layout chosen in the form: semicolons between the columns.
  expect(written[0]).toMatch(/^\uFEFF?[a-z_]+;[a-z_]+;/);

  // The finished bar links to the run; the History list has it with its counts.
  await page.getByRole('link', { name: 'Open in History' }).click();
  await expect(page).toHaveURL(new RegExp(`#/history/${runId}$`));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'History' })).toBeVisible();
  const historyRow = page.getByRole('row').filter({ hasText: JOB });
  await expect(historyRow).toHaveCount(1);
  await expect(historyRow).toContainText('Succeeded');
  const run = await rpc<{ run: { read: number; created: number; updated: number; deleted: number; unchanged: number; rejected: number; trigger: string } }>('history.get', { runId });
  expect(run.run).toMatchObject({ read: SUBMISSIONS, created: SUBMISSIONS, updated: 0, deleted: 0, unchanged: 0, rejected: 0, trigger: 'manual' });
  const cells = historyRow.getByRole('cell');
  // An export's rows are its Read; it sends nothing, so Sent shows a dash rather than the rows written.
  await expect(cells.filter({ hasText: new RegExp(`^${SUBMISSIONS} written$`) })).toHaveCount(1);
  // Nor does it compare values with the platform: Unchanged is a dash too; Rejected counts skipped footprints.
  await expect(cells.filter({ hasText: /^—$/ })).toHaveCount(2);
  await expect(cells.filter({ hasText: /^0$/ })).toHaveCount(1);

  // The run's page says what an export did: it wrote a file, it sent nothing; its cursor is a time.
  await page.evaluate((id) => (window.location.hash = `#/history/${id}`), runId);
  await expect(page.getByRole('heading', { level: 1, name: `Run #${runId} — ${JOB}` })).toBeVisible();
  const facts = page.locator('dl.facts');
  await expect(facts.locator('dt').filter({ hasText: /^File written$/ })).toBeVisible();
  await expect(facts).toContainText(join(outDir, files[0]!));
  await expect(facts.locator('dt').filter({ hasText: /^Data written$/ })).toBeVisible();
  await expect(facts).not.toContainText('Data read');
  const range = facts.locator('dt:text-is("Rows after / up to") + dd');
  // To the second: two runs a minute apart must not read the same.
  await expect(range).toHaveText(/^start → [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2}\s?[AP]M$/);
  await expect(range).not.toHaveText(/\d{4}-\d{2}-\d{2}T/);
  await expect(page.getByText(/^An export writes rows, it sends nothing\. Rows written counts every row this run wrote/)).toBeVisible();
  // Its figures are rows written, not values created or updated on the platform.
  const stats = page.locator('.stats .stat');
  await expect(stats.filter({ hasText: 'Rows written' })).toContainText(String(SUBMISSIONS));
  await expect(stats.filter({ hasText: 'Deleted on the platform' })).toContainText('0');
  await expect(stats.filter({ hasText: /Created|Updated|Unchanged|Rows read/ })).toHaveCount(0);
  await shot(page, 'run-detail-export', 'light');

  // The Dashboard's latest runs count the rows exported, not values sent.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
  const latest = page.getByRole('region', { name: 'Latest runs' }).getByRole('listitem').filter({ hasText: JOB });
  await expect(latest).toContainText(`${SUBMISSIONS} rows exported`);
  await expect(latest).not.toContainText(/sent|rows read/);
  await page.getByRole('region', { name: 'Latest runs' }).screenshot({ path: join(shots, 'dashboard-latest-runs-export-light.png') });

  await page.context().close();
});

test('a job is edited (the form opens with its settings), paused and resumed, and removed after confirmation', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const page = await openJobs(browser, 'light');
  await page.getByRole('button', { name: `Edit ${JOB}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Edit “${JOB}”` })).toBeVisible();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(JOB);
  await expect(page.getByLabel('Folder', { exact: true })).toHaveValue(outDir);
  await expect(page.getByLabel('Runs', { exact: true })).toHaveValue('weekly');
  await expect(page.getByLabel('Time zone', { exact: true })).toHaveValue('Europe/London');
  await page.getByLabel('Runs', { exact: true }).selectOption({ label: 'Every hour' });
  // A minute far from now: a slot falling due while the test runs would add a run to History.
  const minute = Math.abs(new Date().getMinutes() - 15) < 5 ? 45 : 15;
  await page.getByLabel('Minutes past the hour').fill(String(minute));
  await expect(page.getByRole('status', { name: 'Schedule summary' })).toContainText(`At ${minute} minutes past the hour`);
  await page.getByLabel('Format', { exact: true }).selectOption('ndjson');
  // A job made before it chose follows the agent's setting, and the form says what that is.
  await expect(missedRuns(page).getByLabel("Use the agent's setting (currently: run once)")).toBeChecked();
  await missedRuns(page).getByLabel('Skip it').check();
  await page.getByRole('button', { name: 'Save changes' }).click();
  // The destination changed, so the cursor is reset and the form says so.
  await expect(page.getByRole('status').filter({ hasText: `Saved “${JOB}”` })).toContainText('exports everything again');
  const row = page.getByRole('row', { name: JOB, exact: true });
  await expect(row).toContainText(`At ${minute} minutes past the hour (Europe/London)`);
  await expect(row).toContainText(`NDJSON files in ${outDir}`);
  await expect(row).toContainText('Skips runs missed while off');
  const jobId = (await rpc<{ id: string; name: string }[]>('jobs.list', {})).find((j) => j.name === JOB)!.id;
  expect((await rpc<{ config: { catchUp: string } }>('jobs.get', { jobId })).config.catchUp).toBe('skip');

  // Reopened, the form shows the job's own choice.
  await page.getByRole('button', { name: `Edit ${JOB}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Edit “${JOB}”` })).toBeVisible();
  await expect(missedRuns(page).getByLabel('Skip it')).toBeChecked();
  await expect(missedRuns(page).getByLabel('Run once when the agent is back')).not.toBeChecked();
  await expect(page.getByRole('status', { name: 'Schedule summary' }).getByRole('listitem')).toHaveCount(5);
  await shot(page, 'form-missed-runs-kept', 'light');
  await audit(page);
  await page.getByRole('link', { name: 'Cancel' }).click();
  await expect(row).toBeVisible();

  await page.getByRole('button', { name: `Pause ${JOB}` }).click();
  await expect(row.getByText('Paused').first()).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: `Paused “${JOB}”` })).toBeVisible();
  expect((await rpc<{ name: string; paused: boolean; nextRunAt: string | null }[]>('jobs.list', {})).find((j) => j.name === JOB)).toMatchObject({ paused: true, nextRunAt: null });
  await page.getByRole('button', { name: `Resume ${JOB}` }).click();
  await expect(page.getByRole('status').filter({ hasText: `Resumed “${JOB}”` })).toBeVisible();

  // Remove: Cancel keeps it; confirming removes it and keeps its history.
  await page.getByRole('button', { name: `Remove ${JOB}` }).click();
  const dialog = page.getByRole('dialog', { name: `Remove “${JOB}”?` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await audit(page);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toBeVisible();
  await page.getByRole('button', { name: `Remove ${JOB}` }).click();
  await dialog.getByRole('button', { name: 'Remove job' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Removed “${JOB}”. Its runs stay in History.` })).toBeVisible();
  await expect(page.getByRole('row', { name: JOB, exact: true })).toHaveCount(0);
  expect(await rpc<unknown[]>('jobs.list', {})).toEqual([]);
  expect((await rpc<unknown[]>('history.list', {})).length).toBe(1);
  await page.context().close();
});

test('an ingest job made in the form runs when a file arrives: its progress bar reaches the finished run with exact counts', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const connectionId = (await rpc<{ id: string }[]>('connections.list', {}))[0]!.id;
  const drop = mkdtempSync(join(tmpdir(), 'esg-e2e-jobs-drop-'));
  try {
    const source = await rpc<{ id: string }>('sources.addFolder', { name: 'Utility bills', path: drop, include: ['*.csv'], stableMs: 300 });
    await rpc('mappings.save', {
      profile: {
        schemaVersion: 1,
        name: 'Site electricity',
        sourceId: source.id,
        connectionId,
        shape: { kind: 'long', valueColumn: 'Electricity kWh' },
        metric: { kind: 'fixed', metricId: 'met_elec_cons' },
        entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
        period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
      },
    });
    const page = await openJobs(browser, 'light');
    await page.getByRole('link', { name: 'New job' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('Bills to platform');
    await page.getByLabel('Source', { exact: true }).selectOption({ label: 'Utility bills (folder)' });
    // The folder's only mapping is chosen with it.
    await expect(page.getByLabel('Mapping', { exact: true }).locator('option:checked')).toHaveText('Site electricity (version 1)');
    await expect(page.getByLabel('Platform connection')).toHaveValue(connectionId); // the mapping's own connection
    await page.getByLabel('Runs', { exact: true }).selectOption({ label: 'No schedule (on file arrival or by hand)' });
    await expect(page.getByRole('status', { name: 'Schedule summary' })).toContainText('Runs only when a file arrives');
    await expect(missedRuns(page)).toHaveCount(0); // nothing scheduled, so nothing can be missed
    await expect(page.getByLabel(/Also run as soon as a file arrives in “Utility bills”/)).toBeChecked();
    await page.getByLabel(/^Mirror:/).check();
    await expect(page.getByLabel('Stop and ask before deleting more than (%)')).toHaveValue('50');
    await shot(page, 'form-ingest', 'light');
    await page.getByRole('button', { name: 'Add job' }).click();
    const row = page.getByRole('row', { name: 'Bills to platform', exact: true });
    await expect(row).toContainText(/Ingest: Utility bills→ through Site electricity→ to Sandbox platform/);
    await expect(row).toContainText('When a file arrives');

    // 4 sites × 3 months, one of them for a site the platform does not know.
    const lines = ['Site,Month,Electricity kWh'];
    for (const site of ['LON-01', 'MAN-02', 'BER-01', 'XXX-99']) for (const m of ['2024-01', '2024-02', '2024-03']) lines.push(`${site},${m},${1000 + lines.length}`);
    writeFileSync(join(drop, 'bills-q1.csv'), lines.join('\n') + '\n');

    const bar = page.getByRole('progressbar', { name: 'Run progress of Bills to platform' });
    await expect(bar).toHaveAttribute('aria-valuenow', '100', { timeout: 30_000 });
    await expect(bar).toHaveAttribute('aria-valuetext', /finished: Succeeded with rejected rows$/);
    const runId = Number((await bar.getAttribute('aria-valuetext'))!.match(/#(\d+)/)![1]);
    await expect(page.locator('.run-progress').filter({ hasText: `Run #${runId} finished` })).toContainText('12 read, 9 created, 0 updated, 0 deleted, 0 unchanged, 3 rejected');
    const run = await rpc<{ run: { trigger: string; read: number; created: number; rejected: number; file: string } }>('history.get', { runId });
    expect(run.run).toMatchObject({ trigger: 'file', read: 12, created: 9, rejected: 3 });
    expect(run.run.file).toContain('bills-q1.csv');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
    const historyRow = page.getByRole('row').filter({ hasText: 'Bills to platform' });
    await expect(historyRow).toHaveCount(1);
    await expect(historyRow.getByRole('cell').filter({ hasText: /^12$/ })).toHaveCount(1);
    await expect(historyRow.getByRole('cell').filter({ hasText: /^9$/ })).toHaveCount(1);
    await expect(historyRow.getByRole('cell').filter({ hasText: /^3$/ })).toHaveCount(1);

    const job = (await rpc<{ id: string; name: string }[]>('jobs.list', {})).find((j) => j.name === 'Bills to platform')!;
    await rpc('jobs.remove', { jobId: job.id });
    await page.context().close();
  } finally {
    removeDir(drop);
  }
});

test('an export made on request has no schedule: the form shows it as such (not as "Every hour") and saves it so', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const job = await rpc<{ id: string }>('jobs.add', {
    name: 'Month-end export',
    type: 'export',
    connectionId: (await rpc<{ id: string }[]>('connections.list', {}))[0]!.id,
    config: { schedule: null, timezone: 'UTC', export: { dataset: 'submissions', destination: { kind: 'folder', path: outDir, format: 'csv' } } },
  });
  try {
    const page = await openJobs(browser, 'light');
    await page.getByRole('button', { name: 'Edit Month-end export' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Edit “Month-end export”' })).toBeVisible();
    const runs = page.getByLabel('Runs', { exact: true });
    await expect(runs).toHaveValue('none');
    await expect(runs.locator('option:checked')).toHaveText('No schedule (by hand only)');
    await expect(page.getByRole('status', { name: 'Schedule summary' })).toContainText('Runs only when you press Run now');
    await expect(page.getByText('when a file arrives')).toHaveCount(0);
    await shot(page, 'export-no-schedule', 'light');
    await page.getByRole('button', { name: 'Save changes', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
    expect((await rpc<{ config: { schedule: string | null } }>('jobs.get', { jobId: job.id })).config.schedule).toBeNull();
    await page.context().close();
  } finally {
    await rpc('jobs.remove', { jobId: job.id }).catch(() => undefined);
  }
});

test('screens: the Jobs page and the job form, light and dark', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  await rpc('jobs.add', {
    name: 'Submissions to BI',
    type: 'export',
    connectionId: (await rpc<{ id: string }[]>('connections.list', {}))[0]!.id,
    config: {
      schedule: '0 6 * * *',
      timezone: 'Europe/London',
      catchUp: 'run-once',
      export: { dataset: 'submissions', destination: { kind: 'database', database: 'sqlite', file: join(outDir, 'bi.sqlite'), table: 'esg_submissions', keyColumns: ['id'] } },
    },
  });
  for (const scheme of ['light', 'dark'] as const) {
    const page = await openJobs(browser, scheme);
    await expect(page.getByRole('row', { name: 'Submissions to BI', exact: true })).toBeVisible();
    await shot(page, 'list', scheme);
    await audit(page);
    // Pause every sync for an hour from the page; the banner says until when and resumes them.
    // Choosing the duration does nothing by itself: keyboard users change a select with the arrows.
    const duration = page.getByLabel('Pause all syncs');
    const pauseButton = page.getByRole('button', { name: 'Pause', exact: true });
    const banner = page.getByRole('status').filter({ hasText: 'All syncs are paused until' });
    await duration.focus();
    await page.keyboard.press('ArrowDown');
    await expect(duration).toHaveValue('240');
    await page.keyboard.press('ArrowUp');
    await expect(duration).toHaveValue('60');
    await expect(pauseButton).toBeVisible();
    await expect(banner).toHaveCount(0);
    expect((await rpc<{ pausedUntil: string | null }>('engine.status', {})).pausedUntil).toBeNull();
    await page.locator('.pause-control').screenshot({ path: join(shots, `jobs-pause-control-${scheme}.png`) });
    // The Pause button acts; focus then moves to the control that replaces it.
    await page.keyboard.press('Tab');
    await expect(pauseButton).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(banner).toBeVisible();
    await expect(banner.getByRole('button', { name: 'Resume syncs' })).toBeFocused();
    expect(Date.parse((await rpc<{ pausedUntil: string }>('engine.status', {})).pausedUntil) - Date.now()).toBeGreaterThan(58 * 60_000);
    await shot(page, 'list-paused', scheme);
    await audit(page);
    await page.locator('.pause-status').screenshot({ path: join(shots, `jobs-paused-banner-${scheme}.png`) });
    await banner.getByRole('button', { name: 'Resume syncs' }).click();
    await expect(banner).toBeHidden();
    // Resuming says so, and focus lands on the Pause button that is back, not on the page.
    await expect(page.getByRole('status').filter({ hasText: 'All syncs resumed' })).toBeVisible();
    await expect(pauseButton).toBeFocused();
    expect((await rpc<{ pausedUntil: string | null }>('engine.status', {})).pausedUntil).toBeNull();
    await shot(page, 'list-resumed', scheme);
    await page.locator('.jobs-header-actions').screenshot({ path: join(shots, `jobs-header-actions-${scheme}.png`) });
    await page.getByRole('button', { name: 'Edit Submissions to BI' }).click();
    await expect(page.getByLabel('Table', { exact: true })).toHaveValue('esg_submissions');
    await expect(page.getByRole('status', { name: 'Schedule summary' }).getByRole('listitem')).toHaveCount(5);
    await expect(missedRuns(page).getByLabel('Run once when the agent is back')).toBeChecked();
    await shot(page, 'form-database', scheme);
    await missedRuns(page).screenshot({ path: join(shots, `jobs-form-missed-runs-${scheme}.png`), animations: 'disabled' });
    await audit(page);
    if (scheme === 'light') {
      // The destination is checked as a run would open it, before the job is saved.
      const file = page.getByLabel('Database file');
      await file.fill(join(outDir, 'no-such-folder', 'bi.sqlite'));
      await page.getByRole('button', { name: 'Save changes' }).click();
      const refused = page.getByRole('alert').filter({ hasText: 'The job was not saved.' });
      await expect(refused).toContainText(`the folder ${join(outDir, 'no-such-folder')} does not exist or the agent cannot write into it. Create the folder, or choose another path in the destination settings.`);
      await shot(page, 'form-database-refused', scheme);
      await file.fill(join(outDir, 'bi.sqlite'));
    }
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByRole('link', { name: 'New job' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Bills to platform');
    await page.getByRole('button', { name: 'Add job' }).click();
    await expect(page.getByText('Choose the folder or database the job reads.')).toBeVisible();
    await shot(page, 'form-ingest-errors', scheme);
    await audit(page);
    await page.context().close();
  }
});
