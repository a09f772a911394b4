/**
 * The Sources page end to end, in the browser against the built headless agent: a watched
 * folder added through the form (the browser's path field, checked by the agent), watched once a
 * job takes its files, a real file dropped into it and found in the files view with its run; a
 * SQLite database tested (sample rows) and added; pause, resume and remove. The watched-folder
 * test needs a Secret Service for the job's connection (run through scripts/with-keyring.sh);
 * where none answers it skips and says why.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { headerFingerprint } from '../../shared/mapping';
import { startSandbox, type RunningSandbox } from '../../main/sandbox';
import { ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

const SERVICE = `esg-sync-sources-e2e-${process.pid}-${randomBytes(4).toString('hex')}`;
const shots = join(ROOT, 'test-results', 'screens');

let sandbox: RunningSandbox;
let agent: RunningAgent;
let work: string;
let noKeychain: string | null = null;

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

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'esg-e2e-sources-'));
  sandbox = await startSandbox({ port: 0 });
  agent = await startAgent({ env: { ESG_SYNC_KEYCHAIN_SERVICE: SERVICE } });
  const status = await rpc<{ secretStore: { available: boolean; message: string | null } }>('engine.status', {});
  if (!status.secretStore.available) noKeychain = `no OS keychain for the job's connection (${status.secretStore.message ?? 'unavailable'}); run through scripts/with-keyring.sh`;
  mkdirSync(shots, { recursive: true });
});

test.afterAll(async () => {
  for (const c of await rpc<{ id: string }[]>('connections.list', {}).catch(() => [])) await rpc('connections.remove', { id: c.id, force: true }).catch(() => undefined);
  if (agent) expect(await agent.stop()).toBe(0);
  if (agent) removeDir(agent.dataDir);
  if (sandbox) await sandbox.close();
  if (work) removeDir(work);
});

async function open(browser: Browser, scheme: 'light' | 'dark'): Promise<Page> {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sources' })).toBeVisible();
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

test('the add-folder form checks the path in the agent; the folder is watched once a job takes its files; a dropped file shows with its run', async ({ browser }) => {
  test.skip(noKeychain !== null, noKeychain ?? '');
  const folder = join(work, 'Utility bills drop');
  mkdirSync(folder);
  const page = await open(browser, 'light');
  await expect(page.getByText('No sources yet')).toBeVisible();
  await shot(page, 'sources-empty-light');

  await page.getByRole('button', { name: 'Add folder' }).first().click();
  const form = page.getByRole('form', { name: 'Add a watched folder' });
  await expect(form.getByLabel('Name', { exact: true })).toBeFocused();
  // In a browser there is no native picker: a path field, checked by the agent when left.
  await expect(form.getByRole('button', { name: 'Choose folder…' })).toHaveCount(0);
  await form.getByLabel('Name', { exact: true }).fill('Utility bills');
  await form.getByLabel('Folder', { exact: true }).fill(join(work, 'not-there'));
  await form.getByLabel('Take files matching').click();
  await expect(form.getByRole('alert')).toContainText('does not exist');
  await expect(form.getByLabel('Folder', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await form.getByLabel('Folder', { exact: true }).fill(folder);
  await form.getByLabel('Take files matching').click();
  await expect(form.getByText(`✓ The folder ${folder} exists and is readable.`)).toBeVisible();
  await form.getByLabel('Take files matching').fill('*.csv;*.xlsx');
  await form.getByLabel('Ignore files matching (optional)').fill('draft*');
  await form.getByLabel('Stability threshold (seconds)').fill('0.5');
  await form.getByLabel(/Check the folder by polling/).check();
  await form.getByLabel('Polling interval (seconds)').fill('0.5');
  await form.getByLabel('Leave it where it is').check();
  await shot(page, 'sources-add-folder-light');
  await form.getByRole('button', { name: 'Add folder' }).click();

  const row = page.getByRole('row', { name: /Utility bills/ });
  await expect(row).toContainText('Watched folder');
  await expect(row.getByTestId('source-status')).toContainText('Not watched');
  await expect(page.getByText('“Utility bills” added.')).toBeVisible();
  const [source] = await rpc<{ id: string; folder: unknown }[]>('sources.list', {});
  expect(source!.folder).toEqual({ recursive: false, include: ['*.csv', '*.xlsx'], exclude: ['draft*'], stableMs: 500, usePolling: true, pollIntervalMs: 500, afterRun: 'leave' });

  // A job that takes the folder's files as they arrive (set up through the API: the Jobs page is not under test here).
  await rpc('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  const [conn] = await rpc<{ id: string }[]>('connections.list', {});
  const mapping = await rpc<{ id: string }>('mappings.save', {
    profile: {
      schemaVersion: 1,
      name: 'Site electricity',
      sourceId: source!.id,
      connectionId: conn!.id,
      shape: { kind: 'long', valueColumn: 'Electricity kWh' },
      metric: { kind: 'fixed', metricId: 'met_elec_cons' },
      entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
      period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
      headerFingerprint: headerFingerprint(['Site', 'Month', 'Electricity kWh'], { orderInsensitive: true }),
    },
  });
  await rpc('jobs.add', { name: 'Bills to platform', type: 'ingest', connectionId: conn!.id, sourceId: source!.id, mappingId: mapping.id, config: {} });
  await expect(row.getByTestId('source-status')).toContainText('Polling', { timeout: 15_000 });
  await expect(row.getByTestId('source-status')).toContainText('Checked every 0.5 s');

  const content = 'Site,Month,Electricity kWh\nLON-01,2024-01,1200\nMAN-02,2024-01,3400\n';
  writeFileSync(join(folder, 'bills-jan.csv'), content);
  await row.getByRole('button', { name: 'Files of Utility bills' }).click();
  const files = page.getByRole('table', { name: 'Files of Utility bills' });
  const fileRow = files.getByRole('row', { name: /^bills-jan\.csv/ });
  await expect(fileRow.getByText('Processed')).toBeVisible({ timeout: 20_000 });
  const sha = createHash('sha256').update(content).digest('hex');
  await expect(fileRow.locator('code')).toHaveText(sha.slice(0, 12));
  await expect(row).toContainText('bills-jan.csv');
  await expect(page.getByText('After its run')).toBeVisible();
  // "Leave it where it is": the file stays, no processed/ folder appears.
  expect(existsSync(join(folder, 'bills-jan.csv'))).toBe(true);
  expect(existsSync(join(folder, 'processed'))).toBe(false);

  // The same content under another name is a duplicate, not a second sync.
  writeFileSync(join(folder, 'copy of bills-jan.csv'), content);
  const copyRow = files.getByRole('row', { name: /copy of bills-jan\.csv/ });
  await expect(copyRow.getByText('Duplicate')).toBeVisible({ timeout: 20_000 });
  await expect(copyRow).toContainText('same content as bills-jan.csv; not synced again');
  // The original keeps its outcome and run: a duplicate never replaces it.
  await expect(fileRow.getByText('Processed')).toBeVisible();
  await expect(copyRow.getByRole('link', { name: /Run #\d+/ })).toHaveText((await fileRow.getByRole('link', { name: /Run #\d+/ }).textContent())!);
  await expect(row).toContainText('2'); // files seen
  await shot(page, 'sources-files-light');

  const runLink = fileRow.getByRole('link', { name: /Run #\d+/ });
  const runId = (await runLink.textContent())!.replace(/\D/g, '');
  await runLink.click();
  await expect(page).toHaveURL(new RegExp(`#/history/${runId}$`));
  await page.context().close();
});

test('a SQLite database is tested (first rows shown) before it is saved, and its rows can be looked at', async ({ browser }) => {
  const file = join(work, 'meters.db');
  const db = new Database(file);
  db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, site TEXT NOT NULL, kwh REAL NOT NULL, updated_at TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO readings (site, kwh, updated_at) VALUES (?, ?, ?)');
  for (let i = 1; i <= 25; i++) insert.run(i % 2 ? 'LON-01' : 'MAN-02', 1000 + i, `2024-01-${String(i).padStart(2, '0')}T00:00:00Z`);
  db.close();

  const page = await open(browser, 'light');
  await page.getByRole('button', { name: 'Add database' }).first().click();
  const form = page.getByRole('form', { name: 'Add a database' });
  await expect(form.getByLabel('Name', { exact: true })).toBeFocused();
  await form.getByLabel('Name', { exact: true }).fill('Meter readings');
  await form.getByLabel('Database', { exact: true }).selectOption('sqlite');
  await form.getByLabel('Database file').fill(file);
  await form.getByRole('textbox', { name: 'Table or view', exact: true }).fill('readingz');
  await form.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(form.getByText('The test failed.')).toBeVisible();
  await expect(form.getByRole('status')).toContainText('readingz');

  await form.getByRole('textbox', { name: 'Table or view', exact: true }).fill('readings');
  await form.getByLabel('Watermark column (optional)').fill('updated_at');
  await form.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(form.getByText('Connected.')).toBeVisible();
  await expect(form.getByRole('status')).toContainText('Read the first 10 rows');
  const sample = form.getByRole('region', { name: 'First rows of the database source' });
  await expect(sample.getByRole('columnheader')).toHaveText(['id', 'site', 'kwh', 'updated_at']);
  await expect(sample.getByRole('row')).toHaveCount(11);
  await expect(sample.getByRole('row').nth(1)).toContainText('LON-01');
  expect(await rpc<{ name: string }[]>('sources.list', {}).then((l) => l.map((s) => s.name))).not.toContain('Meter readings');
  await shot(page, 'sources-add-database-light');

  await form.getByRole('button', { name: 'Test and save' }).click();
  const row = page.getByRole('row', { name: /Meter readings/ });
  await expect(row).toContainText('SQLite');
  await expect(row).toContainText('nothing read yet');
  await expect(row.getByTestId('source-status')).toContainText('Not used yet');
  // Counted when it was tested and saved; the list itself never asks the database.
  await expect(row.getByTestId('source-row-count')).toHaveText(/^25 rows\s*counted just now$/);
  const more = new Database(file);
  const add = more.prepare('INSERT INTO readings (site, kwh, updated_at) VALUES (?, ?, ?)');
  for (let i = 26; i <= 1030; i++) add.run('LON-01', 1000 + i, `2024-02-01T00:00:${String(i % 60).padStart(2, '0')}Z`);
  more.close();
  await page.waitForTimeout(4500); // one list refresh: the count must not change by itself
  await expect(row.getByTestId('source-row-count')).toContainText('25 rows');
  await row.getByRole('button', { name: 'Count rows of Meter readings' }).click();
  await expect(page.getByText('“Meter readings” has 1,030 rows.')).toBeVisible();
  await expect(row.getByTestId('source-row-count')).toContainText('1,030 rows');
  await row.getByRole('button', { name: 'Rows of Meter readings', exact: true }).click();
  await expect(page.getByRole('region', { name: 'First rows of Meter readings' }).getByRole('row')).toHaveCount(21);
  await shot(page, 'sources-list-light');
  await page.context().close();
});

test('pause, resume and remove (with confirmation), in dark mode', async ({ browser }) => {
  const page = await open(browser, 'dark');
  const row = page.getByRole('row', { name: /Meter readings/ });
  await expect(row.getByTestId('source-row-count')).toContainText('1,030 rows');
  await row.getByRole('button', { name: 'Pause Meter readings' }).click();
  await expect(row.getByTestId('source-status')).toContainText('Paused');
  await expect(page.getByText('“Meter readings” is paused')).toBeVisible();
  await shot(page, 'sources-list-dark');
  await row.getByRole('button', { name: 'Resume Meter readings' }).click();
  await expect(row.getByTestId('source-status')).toContainText('Not used yet');

  // A source a job reads cannot be removed: the dialog names the job.
  if (!noKeychain) {
    await page.getByRole('button', { name: 'Remove Utility bills' }).click();
    const refuse = page.getByRole('dialog', { name: 'Remove “Utility bills”?' });
    await expect(refuse).toContainText('“Bills to platform”');
    await expect(refuse.getByRole('button', { name: 'Remove source' })).toBeDisabled();
    await refuse.getByRole('button', { name: 'Cancel' }).click();
  }

  await row.getByRole('button', { name: 'Remove Meter readings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove “Meter readings”?' });
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: 'Remove Meter readings' }).click();
  await page.getByRole('dialog', { name: 'Remove “Meter readings”?' }).getByRole('button', { name: 'Remove source' }).click();
  await expect(page.getByText('“Meter readings” removed.')).toBeVisible();
  await expect(page.getByRole('row', { name: /Meter readings/ })).toHaveCount(0);
  expect((await rpc<{ name: string }[]>('sources.list', {})).map((s) => s.name)).not.toContain('Meter readings');

  await page.getByRole('button', { name: 'Add folder' }).click();
  await shot(page, 'sources-add-folder-dark');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Add database' }).click();
  await page.getByRole('form', { name: 'Add a database' }).getByLabel('Password (optional)').fill('not-kept-in-the-page');
  await shot(page, 'sources-add-database-dark');
  await page.context().close();
});

for (const scheme of ['light', 'dark'] as const) {
  test(`a wrong folder path, then fixed: one click on Add folder saves it and the old error goes (${scheme})`, async ({ browser }) => {
    const name = `Fixed path ${scheme}`;
    const folder = join(work, name);
    mkdirSync(folder);
    const page = await open(browser, scheme);
    await page.getByRole('button', { name: 'Add folder' }).first().click();
    const form = page.getByRole('form', { name: 'Add a watched folder' });
    const path = form.getByLabel('Folder', { exact: true });
    const submit = form.getByRole('button', { name: 'Add folder' });
    await form.getByLabel('Name', { exact: true }).fill(name);
    await path.fill(join(work, 'not-there'));
    await submit.click();
    const saveError = form.locator('.state-error');
    await expect(saveError).toContainText('does not exist');
    await shot(page, `sources-add-folder-save-error-${scheme}`);

    // Fixing the path clears the old error; then a single real click (no blur before it) saves.
    await path.fill(folder);
    await expect(saveError).toHaveCount(0);
    await submit.click();
    await expect(page.getByText(`“${name}” added.`)).toBeVisible();
    await expect(page.getByText('Something went wrong.')).toHaveCount(0);
    const added = (await rpc<{ id: string; name: string }[]>('sources.list', {})).find((s) => s.name === name);
    expect(added).toBeDefined();

    // The path check's status line ("Checking the folder…", then its answer) never moves the button.
    await page.getByRole('button', { name: 'Add folder' }).first().click();
    await form.getByLabel('Name', { exact: true }).fill('Not saved');
    await path.fill(folder);
    const before = await submit.boundingBox();
    await form.getByLabel('Take files matching').focus();
    await expect(form.getByText(`✓ The folder ${folder} exists and is readable.`)).toBeVisible();
    expect((await submit.boundingBox())?.y).toBe(before?.y);
    await form.locator('.folder-check').screenshot({ path: join(shots, `sources-add-folder-check-${scheme}.png`) });
    await shot(page, `sources-add-folder-checked-${scheme}`);
    await form.getByRole('button', { name: 'Cancel' }).click();

    await rpc('sources.remove', { sourceId: added!.id });
    await page.context().close();
  });
}
