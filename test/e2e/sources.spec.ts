/**
 * The Sources page end to end, in the browser against the built headless agent: a watched
 * folder added through the form (the browser's path field, checked by the agent), watched once a
 * job takes its files, a real file dropped into it and found in the files view with its run; a
 * SQLite database tested (sample rows) and added; pause, resume and remove; a folder and a
 * database source edited in place (and an edit cancelled). The watched-folder test needs a Secret
 * Service for the job's connection (run through scripts/with-keyring.sh); where none answers it
 * skips and says why.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { headerFingerprint } from '../../shared/mapping';
import { startSandbox, type RunningSandbox } from '../../main/sandbox';
import { ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

const SERVICE = `esg-sync-sources-e2e-${process.pid}-${randomBytes(4).toString('hex')}`;
const shots = join(ROOT, 'test-results', 'screens');
/** The PostgreSQL server the kept-password test uses when one answers (as the integration tests do). */
const PG_URL = process.env.ESG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

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

/** `updates` collects the params of every `sources.update` the page sends over its bridge (a WebSocket). */
async function open(browser: Browser, scheme: 'light' | 'dark', updates?: unknown[]): Promise<Page> {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  if (updates) {
    page.on('websocket', (ws) =>
      ws.on('framesent', ({ payload }) => {
        const frame = JSON.parse(String(payload)) as { method?: string; params?: unknown };
        if (frame.method === 'sources.update') updates.push(frame.params);
      }),
    );
  }
  await page.goto(agent.launchUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sources' })).toBeVisible();
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

/** Axe (WCAG 2.1 A/AA) on what is on screen: no serious or critical violation, as a11y.spec.ts asks of every page. */
async function expectAccessible(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  expect(bad, `accessibility violations on ${what}`).toEqual([]);
}

/** The job's connection to the sandbox platform: the one the first test added, or a new one. */
async function sandboxConnection(): Promise<string> {
  const existing = (await rpc<{ id: string; name: string }[]>('connections.list', {})).find((c) => c.name === 'Sandbox');
  if (existing) return existing.id;
  await rpc('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  return (await rpc<{ id: string; name: string }[]>('connections.list', {})).find((c) => c.name === 'Sandbox')!.id;
}

/** A mapping of a source's Site, Month and Electricity kWh columns to the sandbox's electricity metric. */
const electricityMapping = (name: string, sourceId: string, connectionId: string, columns: string[]) =>
  rpc<{ id: string }>('mappings.save', {
    profile: {
      schemaVersion: 1,
      name,
      sourceId,
      connectionId,
      shape: { kind: 'long', valueColumn: 'Electricity kWh' },
      metric: { kind: 'fixed', metricId: 'met_elec_cons' },
      entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
      period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
      headerFingerprint: headerFingerprint(columns, { orderInsensitive: true }),
    },
  });

/** "Save changes" on an open edit form: the form closes and the notice says the source was saved (returned, with its notes). */
async function saveChanges(page: Page, form: Locator, name: string): Promise<Locator> {
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(form).toHaveCount(0);
  const notice = page.getByRole('status').filter({ hasText: `“${name}” saved.` });
  await expect(notice).toBeVisible();
  return notice;
}

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
  // The next step is a mapping for this source (a job needs one), not the Jobs page; the link opens the wizard on it.
  const added = page.getByRole('status').filter({ hasText: '“Utility bills” added.' });
  await expect(added).toContainText('Next, make a mapping for it');
  await expect(added).not.toContainText('Jobs page');
  const toWizard = `#/mappings/new?sourceId=${encodeURIComponent(source!.id)}`;
  await expect(added.getByRole('link', { name: 'Make a mapping for “Utility bills”' })).toHaveAttribute('href', toWizard);
  await expect(row.getByRole('link', { name: 'Make a mapping for “Utility bills”' })).toHaveAttribute('href', toWizard);
  await shot(page, 'sources-added-next-step-light');

  // A job that takes the folder's files as they arrive (set up through the API: the Jobs page is not under test here).
  const connectionId = await sandboxConnection();
  const mapping = await electricityMapping('Site electricity', source!.id, connectionId, ['Site', 'Month', 'Electricity kWh']);
  // With a mapping, the next step is a job (the page is opened again: it reads the mappings when it opens).
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mappings' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources' }).click();
  await expect(row.getByRole('link', { name: 'Create a job for “Utility bills”' })).toHaveAttribute('href', '#/jobs/new');
  await expect(row.getByRole('link', { name: /Make a mapping/ })).toHaveCount(0);
  await rpc('jobs.add', { name: 'Bills to platform', type: 'ingest', connectionId, sourceId: source!.id, mappingId: mapping.id, config: {} });
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
  await expect(form.getByText(/^Connected \((SQLite|PostgreSQL|MySQL\/MariaDB) .*\)\.$/)).toBeVisible();
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

test('a watched folder is edited in place: new patterns and another folder show in the table and when Edit is opened again; Cancel changes nothing', async ({ browser }) => {
  const first = join(work, 'Site exports');
  const moved = join(work, 'Site exports (new share)');
  mkdirSync(first);
  mkdirSync(moved);
  const source = await rpc<{ id: string }>('sources.addFolder', { name: 'Site exports', path: first, include: ['*.csv'] });
  const updates: unknown[] = [];
  const page = await open(browser, 'light', updates);
  const row = page.getByRole('row', { name: /Site exports/ });
  const edit = row.getByRole('button', { name: 'Edit Site exports' });
  await edit.click();
  const form = page.getByRole('form', { name: 'Edit source “Site exports”' });
  await expect(page.getByRole('heading', { level: 2, name: 'Edit source “Site exports”' })).toBeVisible();
  await expect(form.getByLabel('Name', { exact: true })).toBeFocused();
  await expect(form.getByLabel('Name', { exact: true })).toHaveValue('Site exports');
  await expect(form.getByLabel('Folder', { exact: true })).toHaveValue(first);
  await expect(form.getByLabel('Take files matching')).toHaveValue('*.csv');
  await expect(form.getByLabel('Stability threshold (seconds)')).toHaveValue('2');
  await expect(form.getByLabel('Move it to processed/ or failed/')).toBeChecked();
  await expect(edit).toHaveAttribute('aria-expanded', 'true');
  // One form at a time: adding waits until the edit is saved or cancelled.
  await expect(page.getByRole('button', { name: 'Add folder' })).toBeDisabled();

  // Nothing changed: nothing is sent, and the form says so.
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(form.getByRole('alert')).toContainText('Nothing has changed yet');

  await form.getByLabel('Take files matching').fill('*.csv;*.xlsx');
  await form.getByLabel('Folder', { exact: true }).fill(moved);
  await form.getByLabel('Take files matching').focus();
  await expect(form.getByText(`✓ The folder ${moved} exists and is readable.`)).toBeVisible();
  await expectAccessible(page, 'the folder edit form (light)');
  await shot(page, 'sources-edit-folder-light');
  const notice = await saveChanges(page, form, 'Site exports');
  await expect(notice.getByRole('list', { name: 'What the change means' })).toContainText(`Files already in ${moved}`);
  // Only what changed was sent: the fields left alone stay as they are.
  expect(updates).toEqual([{ sourceId: source.id, folder: { path: moved, include: ['*.csv', '*.xlsx'] } }]);
  await expect(row.getByRole('cell').nth(2)).toHaveText(moved);
  await expect(edit).toBeFocused();
  const settings = await rpc<{ folder: Record<string, unknown> }>('sources.settings', { sourceId: source.id });
  expect(settings.folder).toMatchObject({ path: moved, include: ['*.csv', '*.xlsx'], exclude: [], stableMs: 2000, usePolling: false, afterRun: 'move' });
  await shot(page, 'sources-edit-folder-saved-light');

  // Opened again: the form starts from the new values.
  await edit.click();
  await expect(form.getByLabel('Folder', { exact: true })).toHaveValue(moved);
  await expect(form.getByLabel('Take files matching')).toHaveValue('*.csv;*.xlsx');

  // Cancel: nothing is changed, and focus goes back to the row's Edit button.
  await form.getByLabel('Name', { exact: true }).fill('Renamed, then cancelled');
  await form.getByLabel('Leave it where it is').check();
  await form.getByRole('button', { name: 'Cancel' }).click();
  await expect(form).toHaveCount(0);
  await expect(edit).toBeFocused();
  await expect(page.getByRole('row', { name: /Renamed, then cancelled/ })).toHaveCount(0);
  expect(await rpc('sources.settings', { sourceId: source.id })).toEqual(settings);
  expect(updates).toHaveLength(1);
  await page.context().close();

  const dark = await open(browser, 'dark');
  await dark.getByRole('button', { name: 'Edit Site exports' }).click();
  await expect(dark.getByRole('form', { name: 'Edit source “Site exports”' }).getByLabel('Folder', { exact: true })).toHaveValue(moved);
  await expectAccessible(dark, 'the folder edit form (dark)');
  await shot(dark, 'sources-edit-folder-dark');
  await dark.context().close();
  await rpc('sources.remove', { sourceId: source.id });
});

test('a database source is edited: a table that does not exist is refused and nothing changes; another table is saved and the note says the next run reads every row again', async ({ browser }) => {
  const file = join(work, 'plant.db');
  const db = new Database(file);
  for (const table of ['readings', 'readings_2024']) {
    db.exec(`CREATE TABLE ${table} ("Site" TEXT NOT NULL, "Month" TEXT NOT NULL, "Electricity kWh" REAL NOT NULL, updated_at TEXT NOT NULL)`);
    const insert = db.prepare(`INSERT INTO ${table} VALUES (?, ?, ?, ?)`);
    insert.run('LON-01', '2024-01', 1200, '2024-02-01T00:00:00Z');
    insert.run('MAN-02', '2024-01', 3400, '2024-02-02T00:00:00Z');
  }
  db.close();
  const source = await rpc<{ id: string }>('sources.addDatabase', { name: 'Plant meters', kind: 'sqlite', file, table: 'readings', watermarkColumn: 'updated_at' });

  // With a job that has read the table (so it has a watermark), changing the table clears it.
  let jobId: string | null = null;
  if (!noKeychain) {
    const connectionId = await sandboxConnection();
    const mapping = await electricityMapping('Plant electricity', source.id, connectionId, ['Site', 'Month', 'Electricity kWh', 'updated_at']);
    jobId = (await rpc<{ id: string }>('jobs.add', { name: 'Plant meters to platform', type: 'ingest', connectionId, sourceId: source.id, mappingId: mapping.id, config: {} })).id;
    const { run } = await rpc<{ run: { status: string } }>('jobs.run', { jobId, wait: true });
    expect(run.status).toBe('succeeded');
  }

  const updates: unknown[] = [];
  const page = await open(browser, 'light', updates);
  const row = page.getByRole('row', { name: /Plant meters/ });
  await row.getByRole('button', { name: 'Edit Plant meters' }).click();
  const form = page.getByRole('form', { name: 'Edit source “Plant meters”' });
  await expect(form.getByLabel('Name', { exact: true })).toBeFocused();
  // The kind is shown but cannot change; a SQLite file has no password.
  await expect(form.getByLabel('Database', { exact: true })).toBeDisabled();
  await expect(form.getByLabel('Database', { exact: true })).toHaveValue('sqlite');
  await expect(form.getByLabel('Database file')).toHaveValue(file);
  await expect(form.getByRole('textbox', { name: 'Table or view', exact: true })).toHaveValue('readings');
  await expect(form.getByLabel('Watermark column (optional)')).toHaveValue('updated_at');
  await expect(form.getByLabel('Password (optional)')).toHaveCount(0);

  // "Test" tries the edited settings; "Save changes" tests them too and saves nothing when that fails.
  await form.getByRole('textbox', { name: 'Table or view', exact: true }).fill('readings_2023');
  await form.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(form.getByText('The test failed.')).toBeVisible();
  await expect(form.getByRole('status')).toContainText('readings_2023');
  await form.getByRole('button', { name: 'Save changes' }).click();
  const saveError = form.locator('.state-error');
  await expect(saveError).toContainText('The database source was not changed');
  await expect(saveError).toContainText('readings_2023');
  await expect(form.getByRole('textbox', { name: 'Table or view', exact: true })).toHaveValue('readings_2023');
  await expect(form.getByLabel('Watermark column (optional)')).toHaveValue('updated_at');
  expect((await rpc<{ database: { table: string } }>('sources.settings', { sourceId: source.id })).database.table).toBe('readings');
  await expect(row.getByRole('cell').nth(2)).toHaveText(`sqlite:${file} (table readings)`);
  await shot(page, 'sources-edit-database-error-light');

  await form.getByRole('textbox', { name: 'Table or view', exact: true }).fill('readings_2024');
  await form.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(form.getByText(/^Connected \((SQLite|PostgreSQL|MySQL\/MariaDB) .*\)\.$/)).toBeVisible();
  await expect(form.getByRole('region', { name: 'First rows of the database source' }).getByRole('row')).toHaveCount(3);
  await expectAccessible(page, 'the database edit form (light)');
  await shot(page, 'sources-edit-database-light');
  const notice = await saveChanges(page, form, 'Plant meters');
  await expect(row.getByRole('cell').nth(2)).toHaveText(`sqlite:${file} (table readings_2024)`);
  expect((await rpc<{ database: { table: string; watermarkColumn: string } }>('sources.settings', { sourceId: source.id })).database).toMatchObject({ table: 'readings_2024', watermarkColumn: 'updated_at' });
  expect(updates).toEqual([
    { sourceId: source.id, database: { table: 'readings_2023' } },
    { sourceId: source.id, database: { table: 'readings_2024' } },
  ]);
  if (jobId) {
    await expect(notice.getByRole('list', { name: 'What the change means' })).toContainText('"Plant meters to platform"');
    await expect(notice).toContainText('the next run reads every row of the source again');
    await expect(row).toContainText('nothing read yet');
  }
  await shot(page, 'sources-edit-database-saved-light');
  await page.context().close();

  const dark = await open(browser, 'dark');
  await dark.getByRole('button', { name: 'Edit Plant meters' }).click();
  const darkForm = dark.getByRole('form', { name: 'Edit source “Plant meters”' });
  await expect(darkForm.getByRole('textbox', { name: 'Table or view', exact: true })).toHaveValue('readings_2024');
  await expectAccessible(dark, 'the database edit form (dark)');
  await shot(dark, 'sources-edit-database-dark');
  await darkForm.getByRole('button', { name: 'Cancel' }).click();
  await dark.context().close();
  if (jobId) await rpc('jobs.remove', { jobId });
  await rpc('sources.remove', { sourceId: source.id });
});

test('a PostgreSQL source with a kept password: never shown, Test says it must be typed again, a new one is tested, and it can be removed', async ({ browser }) => {
  test.skip(noKeychain !== null, noKeychain ?? '');
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  const down = await client.connect().then(
    () => null,
    (err: Error) => err.message,
  );
  test.skip(down !== null, `no PostgreSQL server at ${PG_URL} (${down}); set ESG_TEST_PG_URL`);
  const table = `e2e_edit_${process.pid}`;
  await client.query(`CREATE TABLE ${table} (site text NOT NULL, kwh real NOT NULL)`);
  try {
    await client.query(`INSERT INTO ${table} VALUES ('LON-01', 1200), ('MAN-02', 3400)`);
    const url = new URL(PG_URL);
    const source = await rpc<{ id: string }>('sources.addDatabase', {
      name: 'Warehouse meters',
      kind: 'postgres',
      host: url.hostname,
      port: Number(url.port || 5432),
      database: url.pathname.slice(1),
      user: decodeURIComponent(url.username),
      password: 'kept-in-the-keychain',
      table,
    });
    const updates: unknown[] = [];
    const page = await open(browser, 'light', updates);
    await page.getByRole('button', { name: 'Edit Warehouse meters' }).click();
    const form = page.getByRole('form', { name: 'Edit source “Warehouse meters”' });
    await expect(form.getByLabel('Database', { exact: true })).toBeDisabled();
    await expect(form.getByLabel('Database', { exact: true })).toHaveValue('postgres');
    await expect(form.getByLabel('Host')).toHaveValue(url.hostname);
    const password = form.getByLabel('Password (optional)');
    await expect(password).toHaveValue('');
    await expect(password).toHaveAccessibleDescription(/Kept in the keychain — leave empty to keep it/);
    const remove = form.getByRole('checkbox', { name: 'Remove the saved password' });
    await expect(remove).not.toBeChecked();
    expect(await page.content()).not.toContain('kept-in-the-keychain');

    // The kept password never comes back out of the keychain, so Test cannot use it: it says so.
    await form.getByRole('button', { name: 'Test', exact: true }).click();
    await expect(form.getByRole('status')).toContainText('Save changes tests the connection with the kept password');
    await expect(form.getByText('The test failed.')).toHaveCount(0);
    await expectAccessible(page, 'the database edit form with a kept password (light)');
    await shot(page, 'sources-edit-database-password-light');
    // A new password typed in is what Test uses.
    await password.fill('a-new-password');
    await form.getByRole('button', { name: 'Test', exact: true }).click();
    await expect(form.getByText(/^Connected \((SQLite|PostgreSQL|MySQL\/MariaDB) .*\)\.$/)).toBeVisible();

    // Removing it: the field is cleared and disabled, and only the removal is sent.
    await remove.check();
    await expect(password).toBeDisabled();
    await expect(password).toHaveValue('');
    await saveChanges(page, form, 'Warehouse meters');
    expect(updates).toEqual([{ sourceId: source.id, database: { password: null } }]);
    expect((await rpc<{ database: { passwordInKeychain: boolean } }>('sources.settings', { sourceId: source.id })).database.passwordInKeychain).toBe(false);

    // With no password kept, the hint and the checkbox are gone.
    await page.getByRole('button', { name: 'Edit Warehouse meters' }).click();
    await expect(form.getByRole('checkbox', { name: 'Remove the saved password' })).toHaveCount(0);
    await expect(form.getByLabel('Password (optional)')).toHaveAccessibleDescription(/never in the agent’s database or logs/);
    await form.getByRole('button', { name: 'Cancel' }).click();
    await page.context().close();

    const dark = await open(browser, 'dark');
    await rpc('sources.update', { sourceId: source.id, database: { password: 'kept-again' } });
    await dark.getByRole('button', { name: 'Edit Warehouse meters' }).click();
    await expect(dark.getByRole('checkbox', { name: 'Remove the saved password' })).toBeVisible();
    await dark.getByRole('button', { name: 'Test', exact: true }).click();
    await expect(dark.getByRole('form', { name: 'Edit source “Warehouse meters”' }).getByRole('status')).toContainText('kept password');
    await expectAccessible(dark, 'the database edit form with a kept password (dark)');
    await shot(dark, 'sources-edit-database-password-dark');
    await dark.context().close();
    await rpc('sources.remove', { sourceId: source.id });
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  }
});

test('a database source’s re-read look-back: proposed with a watermark column, saved, changed on its own, refused when not a number, and cleared', async ({ browser }) => {
  const file = join(work, 'lookback.db');
  const db = new Database(file);
  db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, site TEXT NOT NULL, kwh REAL NOT NULL, updated_at TEXT NOT NULL)');
  db.prepare('INSERT INTO readings (site, kwh, updated_at) VALUES (?, ?, ?)').run('LON-01', 1200, '2024-02-01T00:00:00Z');
  db.close();

  const updates: unknown[] = [];
  const page = await open(browser, 'light', updates);
  await page.getByRole('button', { name: 'Add database' }).first().click();
  const add = page.getByRole('form', { name: 'Add a database' });
  await add.getByLabel('Name', { exact: true }).fill('Late meters');
  await add.getByLabel('Database', { exact: true }).selectOption('sqlite');
  await add.getByLabel('Database file').fill(file);
  await add.getByRole('textbox', { name: 'Table or view', exact: true }).fill('readings');
  // Only a source with a watermark column reads incrementally, so only then is there a look-back.
  await expect(add.getByLabel('Re-read look-back (seconds)')).toHaveCount(0);
  await add.getByLabel('Watermark column (optional)').fill('updated_at');
  const seconds = add.getByLabel('Re-read look-back (seconds)');
  await expect(seconds).toHaveValue('300');
  await expect(seconds).toHaveAccessibleDescription(/a row whose transaction committed late, with an older value, is still read\. Rows read again are found unchanged and not sent twice/);
  await expect(add.getByLabel('Re-read look-back (ids)')).toHaveValue('0');
  await expectAccessible(page, 'the add-database form with the look-back (light)');
  await shot(page, 'sources-add-database-lookback-light');
  await add.getByRole('button', { name: 'Test and save' }).click();
  await expect(add).toHaveCount(0);
  const source = (await rpc<{ id: string; name: string }[]>('sources.list', {})).find((s) => s.name === 'Late meters')!;
  expect((await rpc<{ database: Record<string, unknown> }>('sources.settings', { sourceId: source.id })).database).toMatchObject({ watermarkLookbackSeconds: 300, watermarkLookbackIds: 0 });

  await page.getByRole('button', { name: 'Edit Late meters' }).click();
  const form = page.getByRole('form', { name: 'Edit source “Late meters”' });
  await expect(form.getByLabel('Re-read look-back (seconds)')).toHaveValue('300');
  await form.getByLabel('Re-read look-back (seconds)').fill('soon');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(form.getByRole('alert')).toHaveText('The re-read look-back in seconds is a whole number from 0 (off) to 2,592,000.');
  await form.getByLabel('Re-read look-back (seconds)').fill('900');
  await saveChanges(page, form, 'Late meters');
  expect((await rpc<{ database: Record<string, unknown> }>('sources.settings', { sourceId: source.id })).database).toMatchObject({ watermarkLookbackSeconds: 900 });

  await page.getByRole('button', { name: 'Edit Late meters' }).click();
  await expect(form.getByLabel('Re-read look-back (seconds)')).toHaveValue('900');
  await form.getByLabel('Re-read look-back (seconds)').fill('');
  await saveChanges(page, form, 'Late meters');
  expect((await rpc<{ database: Record<string, unknown> }>('sources.settings', { sourceId: source.id })).database).not.toHaveProperty('watermarkLookbackSeconds');
  // Only the look-back was sent each time: nothing else changed, and the jobs keep their watermarks.
  expect(updates).toEqual([
    { sourceId: source.id, database: { watermarkLookbackSeconds: 900 } },
    { sourceId: source.id, database: { watermarkLookbackSeconds: null } },
  ]);
  await page.getByRole('button', { name: 'Edit Late meters' }).click();
  await expect(form.getByLabel('Re-read look-back (seconds)')).toHaveValue('');
  await expect(form.getByLabel('Re-read look-back (seconds)')).toHaveAttribute('placeholder', 'off');
  await form.getByRole('button', { name: 'Cancel' }).click();
  await page.context().close();
  await rpc('sources.remove', { sourceId: source.id });
});

test('a PostgreSQL source’s lock wait: offered on the add form (not for SQLite), changed on the Edit form on its own, refused out of range, and back to the default', async ({ browser }) => {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  const down = await client.connect().then(
    () => null,
    (err: Error) => err.message,
  );
  test.skip(down !== null, `no PostgreSQL server at ${PG_URL} (${down}); set ESG_TEST_PG_URL`);
  const table = `e2e_lock_${process.pid}`;
  await client.query(`CREATE TABLE ${table} (site text NOT NULL, kwh real NOT NULL)`);
  try {
    await client.query(`INSERT INTO ${table} VALUES ('LON-01', 1200)`);
    const updates: unknown[] = [];
    const page = await open(browser, 'light', updates);

    // The add form: a server database has the field (empty: the default), a SQLite file has none.
    await page.getByRole('button', { name: 'Add database' }).first().click();
    const add = page.getByRole('form', { name: 'Add a database' });
    await expect(add.getByLabel('Lock wait (seconds)')).toHaveValue('');
    await expect(add.getByLabel('Lock wait (seconds)')).toHaveAttribute('placeholder', '60');
    await add.getByLabel('Database', { exact: true }).selectOption('sqlite');
    await expect(add.getByLabel('Lock wait (seconds)')).toHaveCount(0);
    await add.getByRole('button', { name: 'Cancel' }).click();

    const url = new URL(PG_URL);
    const source = await rpc<{ id: string }>('sources.addDatabase', {
      name: 'Nightly loads',
      kind: 'postgres',
      host: url.hostname,
      port: Number(url.port || 5432),
      database: url.pathname.slice(1),
      user: decodeURIComponent(url.username),
      table,
    });
    await page.getByRole('button', { name: 'Edit Nightly loads' }).click();
    const form = page.getByRole('form', { name: 'Edit source “Nightly loads”' });
    const wait = form.getByLabel('Lock wait (seconds)');
    await expect(wait).toHaveValue('');
    await expect(wait).toHaveAttribute('placeholder', '60');
    await expect(wait).toHaveAccessibleDescription(/How long a read waits for a table locked by another session \(a nightly batch load, say\) before the run gives up and says so\. Default 60 s/);
    await wait.fill('0');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect(form.getByRole('alert')).toHaveText('The lock wait is a whole number of seconds from 1 to 86,400 (a day).');
    await wait.fill('900');
    await expectAccessible(page, 'the database edit form with the lock wait (light)');
    await shot(page, 'sources-edit-database-lock-wait-light');
    await saveChanges(page, form, 'Nightly loads');
    expect((await rpc<{ database: Record<string, unknown> }>('sources.settings', { sourceId: source.id })).database).toMatchObject({ lockTimeoutSeconds: 900 });

    await page.getByRole('button', { name: 'Edit Nightly loads' }).click();
    await expect(form.getByLabel('Lock wait (seconds)')).toHaveValue('900');
    await form.getByLabel('Lock wait (seconds)').fill('');
    await saveChanges(page, form, 'Nightly loads');
    expect((await rpc<{ database: Record<string, unknown> }>('sources.settings', { sourceId: source.id })).database).not.toHaveProperty('lockTimeoutSeconds');
    // Only the lock wait was sent each time.
    expect(updates).toEqual([
      { sourceId: source.id, database: { lockTimeoutSeconds: 900 } },
      { sourceId: source.id, database: { lockTimeoutSeconds: null } },
    ]);
    await page.context().close();
    await rpc('sources.remove', { sourceId: source.id });
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  }
});
