import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuelCardExport } from '../../main/engine/demo/samples';
import { startSandbox, type RunningSandbox } from '../../main/sandbox';
import { ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

let sandbox: RunningSandbox;
let agent: RunningAgent;
let folder: string;
let skipReason: string | null = null;
const shots = join(ROOT, 'test-results', 'screens');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const YEAR = 2023;

async function api<T>(method: string, params: unknown): Promise<T> {
  const res = await fetch(`${agent.url.replace(/\/$/, '')}/api/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method, params }),
  });
  const body = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result as T;
}

/** A wide monthly utility report as sites export it: a title block, ';', decimal commas, thousands points. */
function messyReport(): string {
  const lines = [
    `Monthly electricity consumption report;;;;;;;;;;;;;`,
    `Acme Holdings plc - reporting year ${YEAR} - exported from UtilityHub;;;;;;;;;;;;;`,
    ['Site code', 'Site name', ...MONTHS].join(';'),
  ];
  const sites: Array<[string, string, number]> = [
    ['LON-01', 'London Head Office', 41_250.5],
    ['MAN-02', 'Manchester Plant', 128_900.25],
    ['BER-01', 'Berlin DC', 63_410.75],
  ];
  for (const [code, name, base] of sites) {
    const cells = MONTHS.map((_, i) => (base + i * 101.5).toFixed(2).replace('.', ',').replace(/\B(?=(\d{3})+(?!\d))/, '.'));
    lines.push([code, name, ...cells].join(';'));
  }
  return `${lines.join('\r\n')}\r\n`;
}

test.beforeAll(async () => {
  sandbox = await startSandbox();
  agent = await startAgent({ env: { ESG_SYNC_KEYCHAIN_SERVICE: `esg-sync-e2e-${Date.now()}` } });
  const status = await api<{ secretStore: { available: boolean; message: string | null } }>('engine.status', {});
  if (!status.secretStore.available) {
    skipReason = `no secret store for the connection's client secret: ${status.secretStore.message ?? 'unavailable'}`;
    return;
  }
  const added = await api<{ saved: boolean; test: { message: string } }>('connections.add', {
    kind: 'esg-api',
    name: 'Sandbox platform',
    baseUrl: sandbox.url,
    clientId: 'sandbox-client',
    clientSecret: 'sandbox-secret',
  });
  if (!added.saved) throw new Error(`connection not saved: ${added.test.message}`);
  folder = mkdtempSync(join(tmpdir(), 'esg-wizard-'));
  writeFileSync(join(folder, `electricity-${YEAR}.csv`), messyReport(), 'utf8');
  await api('sources.addFolder', { name: 'Utility reports', path: folder });
  mkdirSync(shots, { recursive: true });
});

test.afterAll(async () => {
  if (agent) expect(await agent.stop()).toBe(0);
  if (agent) removeDir(agent.dataDir);
  if (folder) removeDir(folder);
  if (sandbox) await sandbox.close();
});

const shot = (page: Page, name: string, scheme: 'light' | 'dark') => page.screenshot({ path: join(shots, `wizard-${name}-${scheme}.png`), fullPage: true });

/** axe-core (WCAG 2.1 A/AA) on what the page shows now: no serious or critical violation. */
async function axe(page: Page, where: string) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${where}: ${v.id} (${v.impact}) ${v.help} @ ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** Both colour schemes of one screen: a screenshot each, and axe on each. */
async function both(page: Page, name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await shot(page, name, scheme);
    await axe(page, `${name} (${scheme})`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function next(page: Page, to: string) {
  await page.getByRole('button', { name: `Next: ${to}` }).click();
  await expect(page.getByRole('heading', { level: 2, name: new RegExp(to.replace(/[&]/g, '\\$&')) })).toBeFocused();
  await expect(page.getByRole('navigation', { name: 'Wizard steps' }).locator('[aria-current="step"]')).toContainText(to);
}

async function pick(page: Page, label: string, text: string) {
  const box = page.getByRole('combobox', { name: label });
  await box.fill(text);
  await page.getByRole('option', { name: new RegExp(`^${text}`) }).first().click();
  await expect(box).toHaveValue(text);
}

test('a messy wide monthly report is mapped through the whole wizard, saved, edited and saved as version 2', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(120_000);
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mappings' }).click();
  await page.getByRole('link', { name: 'New mapping' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'New mapping' })).toBeVisible();

  // 1 Source & sample: the only connection is already chosen, as in the job form.
  await expect(page.getByLabel('Platform connection').locator('option:checked')).toHaveText('Sandbox platform');
  await page.getByRole('combobox', { name: /^Source\b/ }).selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Read the sample' }).click();
  const facts = page.getByRole('region', { name: 'What was read' });
  await expect(facts).toContainText(`electricity-${YEAR}.csv`);
  await expect(facts).toContainText('semicolon');
  await expect(facts).toContainText('line 3');
  await both(page, '1-source');

  // 2 Structure: wide, one column per month
  await next(page, 'Structure');
  await page.getByLabel('Wide: several value columns in each row').check();
  await page.getByLabel('one per month (Jan, Feb, …), all for the same metric').check();
  for (const [i, m] of MONTHS.entries()) {
    await page.getByLabel(`‘${m}’ holds values`).check();
    await page.getByLabel(`Month of column ‘${m}’`).selectOption(String(i + 1));
  }
  for (const c of ['Site code', 'Site name']) await page.getByLabel(`‘${c}’ holds values`).uncheck();
  await both(page, '2-structure');

  // 3 Columns
  await next(page, 'Columns');
  await page.getByLabel('Role of column ‘Site code’').selectOption({ label: 'Site' });
  await page.getByLabel('Role of column ‘Site name’').selectOption({ label: 'Not used' });
  await pick(page, 'Metric of every value column', 'Electricity consumption');
  await both(page, '3-columns');

  // 4 Sites & periods: the codes are the platform's external refs; the year is in the title block
  await next(page, 'Sites & periods');
  const siteMap = page.getByRole('region', { name: /Site codes in/ });
  for (const code of ['LON-01', 'MAN-02', 'BER-01']) await expect(siteMap.getByRole('row', { name: new RegExp(code) })).toBeVisible();
  await expect(siteMap.getByRole('combobox', { name: 'Platform value for ‘MAN-02’' })).toHaveValue('Manchester Plant');
  await page.getByLabel('The reporting period comes from').selectOption('constant-year');
  await page.getByLabel('Year of the month columns').fill(String(YEAR));
  await both(page, '4-sites');

  // 5 Units: kWh is the metric's unit; decimal comma
  await next(page, 'Units');
  await page.getByLabel('the metric’s own unit', { exact: false }).check();
  await page.getByLabel('Decimal separator').selectOption(',');
  await page.getByLabel('Thousands separator').selectOption('.');
  // Written out so a decimal-comma reader cannot take it the wrong way: no grouping, their separator, the parts named.
  const reading = page.getByRole('status').filter({ hasText: 'is read as' });
  await expect(reading).toContainText('is read as the number 41250,5 (whole part 41250, decimals 5).');
  await expect(reading).not.toContainText('41,250.5');
  await both(page, '5-units');

  // 6 Preview
  await next(page, 'Preview');
  await page.getByRole('button', { name: 'Run the preview' }).click();
  const summary = page.getByLabel('Preview summary');
  await expect(summary).toContainText('36');
  await expect(summary.locator('.stat').filter({ hasText: 'Values out' })).toContainText('36');
  await expect(summary.locator('.stat').filter({ hasText: 'Rejected' })).toContainText('0');
  await expect(summary.locator('.stat').filter({ hasText: 'Period range' })).toContainText(String(YEAR));
  await expect(summary.locator('.stat').filter({ hasText: 'Rows in' })).toContainText('3');
  await expect(page.getByRole('table', { name: 'Values that would be sent' })).toContainText('London Head Office');
  await expect(page.getByRole('table', { name: 'Values that would be sent' })).toContainText('Electricity consumption');
  // Values are shown to at most 3 decimals (what is sent keeps every digit).
  const shownValues = await page.getByRole('table', { name: 'Values that would be sent' }).locator('.num').allTextContents();
  expect(shownValues.filter((v) => /kWh/.test(v)).length).toBeGreaterThan(0);
  expect(shownValues.filter((v) => /[.,]\d{4,}/.test(v))).toEqual([]);
  await both(page, '6-preview');
  await page.getByLabel(/Show only rejected rows/).check();
  await expect(page.getByText('No rejected rows.')).toBeVisible();

  // Back and forth keeps everything
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByLabel('Decimal separator')).toHaveValue(',');
  await next(page, 'Preview');
  await expect(summary.locator('.stat').filter({ hasText: 'Values out' })).toContainText('36');

  // A converted value (GJ → kWh) has many decimals: the preview shows three, the tooltip every digit sent.
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByLabel('one unit for every value').check();
  await page.getByLabel('Unit of the values').fill('GJ');
  await next(page, 'Preview');
  await page.getByRole('button', { name: 'Run the preview' }).click();
  const converted = page.getByRole('table', { name: 'Values that would be sent' }).getByText('11,458,472.222 kWh', { exact: true });
  await expect(converted).toBeVisible();
  await expect(converted).toHaveAttribute('title', /^Sent as 11458472\.222\d* kWh$/);
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByLabel('the metric’s own unit', { exact: false }).check();
  await next(page, 'Preview');
  await page.getByRole('button', { name: 'Run the preview' }).click();
  await expect(summary.locator('.stat').filter({ hasText: 'Values out' })).toContainText('36');

  // 7 Save
  await next(page, 'Save');
  await page.getByLabel('Name of the mapping').fill('Monthly electricity by site');
  await both(page, '7-save');
  await page.getByRole('button', { name: 'Save mapping' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mappings' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Saved “Monthly electricity by site” (version 1)' })).toBeVisible();
  const row = page.getByRole('row', { name: /Monthly electricity by site/ });
  await expect(row.getByRole('cell').nth(2)).toHaveText('1');
  await context.close();

  // Edit in the dark theme: change one column, save version 2
  const dark = await browser.newContext({ colorScheme: 'dark', viewport: { width: 1360, height: 900 } });
  const p2 = await dark.newPage();
  await p2.goto(agent.launchUrl);
  await p2.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mappings' }).click();
  await p2.getByRole('link', { name: 'Edit Monthly electricity by site' }).click();
  await expect(p2.getByRole('heading', { level: 1, name: /Edit mapping/ })).toBeVisible();
  await expect(p2.getByRole('region', { name: 'What was read' })).toContainText(`electricity-${YEAR}.csv`);
  await next(p2, 'Structure');
  await next(p2, 'Columns');
  await expect(p2.getByLabel('Role of column ‘Site code’')).toHaveValue('entity');
  await expect(p2.getByRole('combobox', { name: 'Metric of every value column' })).toHaveValue('Electricity consumption');
  await p2.getByLabel('Role of column ‘Site name’').selectOption({ label: 'Comment' });
  await shot(p2, '3-columns', 'dark');
  await next(p2, 'Sites & periods');
  await expect(p2.getByLabel('Year of the month columns')).toHaveValue(String(YEAR));
  await next(p2, 'Units');
  await next(p2, 'Preview');
  await p2.getByRole('button', { name: 'Run the preview' }).click();
  await expect(p2.getByLabel('Preview summary').locator('.stat').filter({ hasText: 'Values out' })).toContainText('36');
  await shot(p2, '6-preview', 'dark');
  await next(p2, 'Save');
  await expect(p2.getByLabel('Name of the mapping')).toHaveValue('Monthly electricity by site');
  await p2.getByRole('button', { name: 'Save new version' }).click();
  await expect(p2.getByRole('status').filter({ hasText: '(version 2)' })).toBeVisible();
  await expect(p2.getByRole('row', { name: /Monthly electricity by site/ }).getByRole('cell').nth(2)).toHaveText('2');
  await shot(p2, 'saved', 'dark');
  await dark.close();
});

async function newMapping(page: Page, sourceLabel: RegExp) {
  await page.goto(agent.launchUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mappings' }).click();
  await page.getByRole('link', { name: 'New mapping' }).first().click();
  await page.getByLabel('Platform connection').selectOption({ label: 'Sandbox platform' });
  const source = page.getByRole('combobox', { name: /^Source\b/ });
  const label = (await source.locator('option').allTextContents()).find((t) => sourceLabel.test(t));
  if (!label) throw new Error(`no source option matches ${sourceLabel}`);
  await source.selectOption({ label });
}

async function workbook(path: string) {
  const wb = new ExcelJS.Workbook();
  const notes = wb.addWorksheet('Notes');
  notes.addRow(['Read me first: figures are in kWh']);
  const data = wb.addWorksheet('Data 2024');
  data.addRow(['Gas by site, 2024']);
  data.addRow([]);
  data.addRow(['Site code', 'Month', 'Gas (kWh)']);
  data.addRow(['LON-01', '2024-01', 1500]);
  data.addRow(['BER-01', '2024-01', 900]);
  await wb.xlsx.writeFile(path);
}

test('structure: choose the header row of a report with title lines, and the sheet of a workbook, each re-read at once', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(90_000);
  const books = mkdtempSync(join(tmpdir(), 'esg-wizard-xlsx-'));
  await workbook(join(books, 'gas-2024.xlsx'));
  await api('sources.addFolder', { name: 'Gas workbooks', path: books });
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();

  // The CSV report: two title lines above the header.
  await newMapping(page, /^Utility reports/);
  await page.getByRole('button', { name: 'Read the sample' }).click();
  await expect(page.getByRole('region', { name: 'What was read' })).toContainText('line 3');
  await next(page, 'Structure');
  const rows = page.getByRole('table', { name: 'First rows of the file' });
  await expect(rows.getByRole('row')).toHaveCount(7); // header + 6 file rows
  await expect(rows).toContainText('Monthly electricity consumption report');
  await expect(page.getByLabel(/Find it automatically/)).toBeChecked();
  await both(page, '2-structure-header-row');
  // Row 2 (the export line) as the header: the columns follow at once.
  await page.getByLabel('Row 2 holds the column names').check();
  await expect(page.getByText('The column names were found on line 2')).toBeVisible();
  await expect(page.getByRole('region', { name: 'First rows of the sample' })).toContainText('Acme Holdings plc');
  // Back to the real header row.
  await page.getByLabel('Row 3 holds the column names').check();
  await expect(page.getByText('The column names were found on line 3')).toBeVisible();
  await expect(page.getByRole('region', { name: 'First rows of the sample' })).toContainText('Site code');
  await expect(page.getByLabel('Row 3 holds the column names')).toBeChecked();

  // The workbook: its first sheet is notes; the data sheet has a title row.
  await newMapping(page, /^Gas workbooks/);
  await page.getByRole('button', { name: 'Read the sample' }).click();
  const facts = page.getByRole('region', { name: 'What was read' });
  await expect(facts).toContainText('Notes');
  await expect(facts).toContainText('Data 2024');
  await next(page, 'Structure');
  await page.getByRole('combobox', { name: /^Sheet\b/ }).selectOption('Data 2024');
  await expect(page.getByText('The column names were found on line 3')).toBeVisible();
  await expect(page.getByText('Sheet “Data 2024”.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'First rows of the sample' })).toContainText('Gas (kWh)');
  await expect(page.getByRole('table', { name: 'First rows of the file' })).toContainText('Gas by site, 2024');
  await both(page, '2-structure-sheet');
  // The choice survives going back and forth, and is what the preview reads.
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(facts).toContainText('Data 2024');
  await next(page, 'Structure');
  await expect(page.getByRole('combobox', { name: /^Sheet\b/ })).toHaveValue('Data 2024');
  await context.close();
  removeDir(books);
});

test('drop a sample file onto the wizard, or choose it with the keyboard', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(60_000);
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await newMapping(page, /^Utility reports/);
  const zone = page.getByRole('group', { name: 'Drop a sample file' });
  await expect(zone).toBeVisible();
  await both(page, '1-source-drop');

  // A real drop: a DataTransfer with a file, dispatched on the zone.
  const csv = 'Site code;Month;Water (m³)\nLON-01;2024-01;12,5\nMAN-02;2024-01;30\n';
  const transfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'water-jan.csv', { type: 'text/csv' }));
    return dt;
  }, csv);
  await zone.dispatchEvent('dragenter', { dataTransfer: transfer });
  await zone.dispatchEvent('drop', { dataTransfer: transfer });
  await expect(page.getByRole('group', { name: 'Dropped sample' })).toContainText('water-jan.csv');
  const facts = page.getByRole('region', { name: 'What was read' });
  await expect(facts).toContainText('water-jan.csv');
  await expect(facts).toContainText('semicolon');
  await expect(facts.getByText('Rows in the sample').locator('xpath=following-sibling::dd[1]')).toHaveText('2');
  await both(page, '1-source-dropped');
  await next(page, 'Structure');
  await expect(page.getByRole('region', { name: 'First rows of the sample' })).toContainText('Water (m³)');
  await page.getByRole('button', { name: 'Back' }).click();

  // The keyboard way: the button opens the file input; a file that is not a table is refused.
  await page.getByRole('button', { name: 'Use a file in the folder instead' }).click();
  await expect(page.getByRole('button', { name: 'Choose a sample file…' })).toBeEnabled();
  await page.getByLabel('Sample file to upload').setInputFiles({ name: 'notes.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ\u0090') });
  await expect(page.getByRole('alert')).toContainText('is not a file the wizard can read');
  await page.getByLabel('Sample file to upload').setInputFiles({ name: 'gas-feb.csv', mimeType: 'text/csv', buffer: Buffer.from('Site code,Month,Gas (kWh)\nBER-01,2024-02,800\n') });
  await expect(facts).toContainText('gas-feb.csv');
  await expect(facts).toContainText('comma');
  await context.close();
});

test('editing a mapping whose folder has no file any more opens the wizard; a chosen sample is read and previewed', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(90_000);
  // A mapping made from a file that is gone (deleted after its run, say), with nothing in processed/ either.
  const dir = mkdtempSync(join(tmpdir(), 'esg-wizard-processed-'));
  const source = await api<{ id: string }>('sources.addFolder', { name: 'Processed meters', path: dir });
  writeFileSync(join(dir, 'mar.csv'), 'Site code,Month,Electricity (kWh)\nLON-01,2024-03,100\nMAN-02,2024-03,200\n');
  const s = await api<{ draft: Record<string, unknown> }>('mappings.suggest', { sourceId: source.id, connectionId: 'Sandbox platform', file: 'mar.csv' });
  await api('mappings.save', { profile: { ...s.draft, name: 'Processed meter readings', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } } });
  mkdirSync(join(dir, 'processed'));
  rmSync(join(dir, 'mar.csv'));

  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mappings' }).click();
  await page.getByRole('link', { name: 'Edit Processed meter readings' }).click();

  // The wizard opens on the saved mapping; step 1 says why there is no sample and offers another.
  await expect(page.getByRole('heading', { level: 1, name: 'Edit mapping: Processed meter readings' })).toBeVisible();
  await expect(page.getByText('Something went wrong')).toHaveCount(0);
  const note = page.locator('.wizard-card').getByRole('alert');
  await expect(note).toContainText('The saved mapping is open, but no sample was read');
  await expect(note).toContainText('has no file matching');
  // Dropping a file into the watched folder would start a sync: the advice is to choose one here.
  await expect(note).toContainText('Choose a sample file to read instead: it is only read, never synced.');
  await expect(note).not.toContainText('Drop a sample file there');
  await expect(page.getByRole('group', { name: 'Drop a sample file' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Choose a sample file…' })).toBeEnabled();
  await both(page, '1-source-edit-no-sample');

  // Steps that need no sample work from the saved header.
  await next(page, 'Structure');
  await expect(page.getByRole('combobox', { name: 'Value column' })).toHaveValue('Electricity (kWh)');
  await next(page, 'Columns');
  await expect(page.getByLabel('Role of column ‘Site code’')).toHaveValue('entity');
  await next(page, 'Sites & periods');
  // Without a sample, the codes the mapping maps are still listed, and can be changed.
  const siteMap = page.getByRole('region', { name: /Site codes in/ });
  await expect(siteMap.getByRole('row', { name: /LON-01 \(saved\)/ })).toBeVisible();
  await expect(siteMap.getByRole('combobox', { name: 'Platform value for ‘MAN-02’' })).toHaveValue('Manchester Plant');
  await expect(siteMap.getByText('No values were seen in the sample.')).toHaveCount(0);
  await both(page, '4-sites-edit-no-sample');
  await next(page, 'Units');
  await next(page, 'Preview');
  // The preview needs a sample: it says so where it happened.
  await page.getByRole('button', { name: 'Run the preview' }).click();
  await expect(page.locator('.wizard-card').getByRole('alert')).toContainText('has no file matching');
  await next(page, 'Save');
  await expect(page.getByLabel('Name of the mapping')).toHaveValue('Processed meter readings');

  // Choose a sample with the file chooser: read at once, and the old note goes.
  await page.getByRole('button', { name: /Source & sample/ }).click();
  await page.getByLabel('Sample file to upload').setInputFiles({
    name: 'apr.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('Site code,Month,Electricity (kWh)\nLON-01,2024-04,110\nMAN-02,2024-04,210\nBER-01,2024-04,90\n'),
  });
  const facts = page.getByRole('region', { name: 'What was read' });
  await expect(facts).toContainText('apr.csv');
  await expect(page.locator('.wizard-card').getByRole('alert')).toHaveCount(0);
  await both(page, '1-source-edit-chosen');

  // The preview reads the chosen sample (by its upload, not its stored path outside the folder); its old error is gone.
  await page.getByRole('button', { name: /Preview/ }).click();
  await expect(page.locator('.wizard-card').getByRole('alert')).toHaveCount(0);
  await page.getByRole('button', { name: 'Run the preview' }).click();
  const summary = page.getByLabel('Preview summary');
  await expect(summary.locator('.stat').filter({ hasText: 'Rows in' })).toContainText('3');
  await expect(summary.locator('.stat').filter({ hasText: 'Values out' })).toContainText('3');
  await expect(page.getByRole('table', { name: 'Values that would be sent' })).toContainText('London Head Office');
  await expect(page.getByText('outside the folder')).toHaveCount(0);
  await both(page, '6-preview-chosen-sample');
  await context.close();
  removeDir(dir);
});

test('editing a mapping whose files were synced reads the newest in processed/, lists every saved site code, and offers no totals row', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(90_000);
  const dir = mkdtempSync(join(tmpdir(), 'esg-wizard-synced-'));
  const source = await api<{ id: string }>('sources.addFolder', { name: 'Synced sites', path: dir });
  // The export has a totals row; the mapping skips it by itself (its skipWhen filter).
  writeFileSync(join(dir, 'may.csv'), 'Site code,Month,Electricity (kWh)\nLON-01,2024-05,100\nMAN-02,2024-05,200\nTotal,2024-05,300\n');
  const s = await api<{ draft: { entity: { kind: string; column: string; valueMap: Record<string, string> }; filters?: { skipWhen: unknown[] } } }>('mappings.suggest', {
    sourceId: source.id,
    connectionId: 'Sandbox platform',
    file: 'may.csv',
  });
  expect(s.draft.filters?.skipWhen).toHaveLength(1);
  // A code of an earlier file, mapped by hand: PAR-09 is now the Madrid depot.
  const entity = { ...s.draft.entity, valueMap: { ...s.draft.entity.valueMap, 'PAR-09': 'ent_mad03' } };
  const saved = await api<{ id: string }>('mappings.save', { profile: { ...s.draft, entity, name: 'Synced site readings', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } } });
  // The run synced the file and moved it: the watched folder is empty.
  mkdirSync(join(dir, 'processed'));
  renameSync(join(dir, 'may.csv'), join(dir, 'processed', 'may.csv'));
  const runsBefore = (await api<unknown[]>('history.list', { limit: 100 })).length;

  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mappings' }).click();
  await page.getByRole('link', { name: 'Edit Synced site readings' }).click();

  // 1: the sample is the synced file, said to be one; nothing to complain about.
  await expect(page.getByRole('heading', { level: 1, name: 'Edit mapping: Synced site readings' })).toBeVisible();
  const facts = page.getByRole('region', { name: 'What was read' });
  await expect(facts.getByRole('heading', { level: 3 })).toContainText(/processed[\\/]may\.csv \(already synced, from processed\/\)/);
  await expect(facts).toContainText('Reading a sample sends nothing.');
  await expect(facts.getByText('Rows in the sample').locator('xpath=following-sibling::dd[1]')).toHaveText('3');
  await expect(page.locator('.wizard-card').getByRole('alert')).toHaveCount(0);
  await both(page, '1-source-edit-processed');

  // 4: the sample's sites and the saved ones it lacks; the totals row is not a site.
  await next(page, 'Structure');
  await next(page, 'Columns');
  await next(page, 'Sites & periods');
  const siteMap = page.getByRole('region', { name: /Site codes in/ });
  await expect(siteMap.getByRole('row')).toHaveCount(4); // header + LON-01, MAN-02, PAR-09
  await expect(siteMap.getByRole('row', { name: /LON-01 \(saved\)/ })).toBeVisible();
  await expect(siteMap.getByRole('row', { name: /PAR-09 \(saved, not in this sample\)/ })).toBeVisible();
  await expect(siteMap.getByRole('combobox', { name: 'Platform value for ‘PAR-09’' })).toHaveValue('Madrid Depot');
  await expect(siteMap.getByRole('row', { name: /Total/ })).toHaveCount(0);
  await expect(siteMap.getByText(/Map all \d+ unmapped/)).toHaveCount(0);
  await expect(siteMap.getByText('Not mapped')).toHaveCount(0);
  await both(page, '4-sites-saved-codes');
  await pick(page, 'Platform value for ‘PAR-09’', 'Lyon Warehouse');

  // 6: the preview says the totals row is skipped.
  await next(page, 'Units');
  await next(page, 'Preview');
  await page.getByRole('button', { name: 'Run the preview' }).click();
  const stat = (label: string) => page.getByLabel('Preview summary').locator('.stat').filter({ hasText: label });
  await expect(stat('Rows in')).toContainText('3');
  await expect(stat('Values out')).toContainText('2');
  await expect(page.getByText('1 row is skipped, as this mapping says (a totals row, a blank row, or a value it is told to skip)')).toBeVisible();
  await both(page, '6-preview-skipped');

  await next(page, 'Save');
  await page.getByRole('button', { name: 'Save new version' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved “Synced site readings” (version 2)' })).toBeVisible();
  const after = await api<{ profile: { entity: { valueMap: Record<string, string> } } }>('mappings.get', { mappingId: saved.id });
  expect(after.profile.entity.valueMap).toMatchObject({ 'PAR-09': 'ent_lyo01', 'LON-01': 'ent_lon01', 'MAN-02': 'ent_man02' });
  expect(Object.keys(after.profile.entity.valueMap)).not.toContain('Total');
  // Reading the synced file as a sample synced nothing and moved nothing.
  expect((await api<unknown[]>('history.list', { limit: 100 })).length).toBe(runsBefore);
  expect(existsSync(join(dir, 'processed', 'may.csv'))).toBe(true);
  await context.close();
  removeDir(dir);
});

test('leaving the wizard with changes asks first (a sidebar link, Back, closing the tab); without changes it does not', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(90_000);
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const sidebar = page.getByRole('navigation', { name: 'Main' });
  const wizardHeading = page.getByRole('heading', { level: 1, name: 'New mapping' });
  const ask = page.getByRole('dialog', { name: 'Leave without saving?' });
  const connection = page.getByLabel('Platform connection');
  const sourcePick = page.getByRole('combobox', { name: /^Source\b/ });
  let unexpected = 0;
  page.on('dialog', (d) => {
    if (d.type() !== 'beforeunload') unexpected++;
  });

  // Nothing changed: the sidebar leaves at once. The only connection, chosen for the person, is no change of theirs.
  await page.goto(agent.launchUrl);
  await sidebar.getByRole('link', { name: 'Mappings' }).click();
  await page.getByRole('link', { name: 'New mapping' }).first().click();
  await expect(wizardHeading).toBeVisible();
  await expect(connection.locator('option:checked')).toHaveText('Sandbox platform');
  await sidebar.getByRole('link', { name: 'Jobs' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  await expect(ask).toHaveCount(0);
  await page.goBack();
  await expect(wizardHeading).toBeVisible();

  // A change: the sidebar asks; Cancel stays, with the work kept.
  await sourcePick.selectOption({ index: 1 });
  const chosen = await sourcePick.inputValue();
  await sidebar.getByRole('link', { name: 'Jobs' }).click();
  await expect(ask).toBeVisible();
  await expect(ask).toContainText('The new mapping has changes that are not saved.');
  await both(page, 'leave-ask');
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await expect(ask).toBeHidden();
  await expect(wizardHeading).toBeVisible();
  await expect(sourcePick).toHaveValue(chosen);

  // Back asks too; the wizard stays as it was.
  await page.goBack();
  await expect(ask).toBeVisible();
  await expect(wizardHeading).toBeVisible();
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await expect(sourcePick).toHaveValue(chosen);

  // Closing (or reloading) the tab gets the browser's own prompt; staying keeps the page.
  const prompt = page.waitForEvent('dialog');
  await page.close({ runBeforeUnload: true });
  const unload = await prompt;
  expect(unload.type()).toBe('beforeunload');
  await unload.dismiss();
  expect(page.isClosed()).toBe(false);
  await expect(sourcePick).toHaveValue(chosen);

  // Back, then leave: the page before the wizard.
  await page.goBack();
  await expect(ask).toBeVisible();
  await ask.getByRole('button', { name: 'Leave and discard changes' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mappings' })).toBeVisible();

  // The sidebar, then leave: that page; Back from it is the wizard (fresh), then the page before, without asking.
  await page.goForward();
  await expect(wizardHeading).toBeVisible();
  await expect(sourcePick).toHaveValue('');
  await sourcePick.selectOption({ index: 1 });
  await sidebar.getByRole('link', { name: 'History' }).click();
  await ask.getByRole('button', { name: 'Leave and discard changes' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'History' })).toBeVisible();
  await page.goBack();
  await expect(wizardHeading).toBeVisible();
  await expect(sourcePick).toHaveValue('');
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'Mappings' })).toBeVisible();
  await expect(ask).toHaveCount(0);

  // Editing a saved mapping: opening it and reading its sample is no change; changing a role is.
  const dir = mkdtempSync(join(tmpdir(), 'esg-wizard-leave-'));
  const source = await api<{ id: string }>('sources.addFolder', { name: 'Leave test', path: dir });
  writeFileSync(join(dir, 'jun.csv'), 'Site code,Month,Electricity (kWh)\nLON-01,2024-06,100\n');
  const s = await api<{ draft: Record<string, unknown> }>('mappings.suggest', { sourceId: source.id, connectionId: 'Sandbox platform', file: 'jun.csv' });
  await api('mappings.save', { profile: { ...s.draft, name: 'Leave test readings', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } } });
  await sidebar.getByRole('link', { name: 'Jobs' }).click();
  await sidebar.getByRole('link', { name: 'Mappings' }).click();
  await page.getByRole('link', { name: 'Edit Leave test readings' }).click();
  await expect(page.getByRole('region', { name: 'What was read' })).toContainText('jun.csv');
  await next(page, 'Structure');
  await next(page, 'Columns');
  await page.getByRole('link', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mappings' })).toBeVisible();
  await expect(ask).toHaveCount(0);
  await page.getByRole('link', { name: 'Edit Leave test readings' }).click();
  await expect(page.getByRole('region', { name: 'What was read' })).toContainText('jun.csv');
  await next(page, 'Structure');
  await next(page, 'Columns');
  await page.getByLabel('Role of column ‘Month’').selectOption({ label: 'Comment' });
  await page.getByRole('link', { name: 'Cancel' }).click();
  await expect(page.getByRole('dialog', { name: 'Leave without saving?' })).toContainText('This mapping has changes that are not saved.');
  await ask.getByRole('button', { name: 'Leave and discard changes' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mappings' })).toBeVisible();
  expect(unexpected).toBe(0);
  await context.close();
  removeDir(dir);
});

test('a chosen sample file is what the preview of a new mapping reads', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(60_000);
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await newMapping(page, /^Utility reports/);
  await page.getByLabel('Sample file to upload').setInputFiles({
    name: 'meters-may.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('Site code,Month,Electricity (kWh)\nLON-01,2024-05,120\nMAN-02,2024-05,220\n'),
  });
  await expect(page.getByRole('region', { name: 'What was read' })).toContainText('meters-may.csv');
  await next(page, 'Structure');
  await next(page, 'Columns');
  await next(page, 'Sites & periods');
  await page.getByLabel('The reporting period comes from').selectOption('date');
  const format = page.getByLabel('Date format');
  if (await format.count()) await format.selectOption('YYYY-MM');
  await next(page, 'Units');
  await next(page, 'Preview');
  await page.getByRole('button', { name: 'Run the preview' }).click();
  await expect(page.getByLabel('Preview summary').locator('.stat').filter({ hasText: 'Values out' })).toContainText('2');
  await expect(page.getByRole('table', { name: 'Values that would be sent' })).toContainText('Manchester Plant');
  await expect(page.getByText('outside the folder')).toHaveCount(0);
  await context.close();
});

test('a fuel card export (a row per fill-up) is reported per day; by month its rows are duplicates and the preview says why, or they are added up', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(90_000);
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await newMapping(page, /^Utility reports/);
  const fuel = fuelCardExport({ year: 2025, month: 10 });
  await page.getByLabel('Sample file to upload').setInputFiles({ name: fuel.name, mimeType: 'text/csv', buffer: Buffer.from(fuel.content) });
  await expect(page.getByRole('region', { name: 'What was read' })).toContainText(fuel.name);
  await next(page, 'Structure');
  await next(page, 'Columns');
  await expect(page.getByRole('list', { name: 'Notes on the suggestions' })).toContainText('each row is reported for its own day');
  await next(page, 'Sites & periods');
  const grain = page.getByLabel('Each row\'s period');
  await expect(grain).toHaveValue('custom');
  await expect(grain.locator('option:checked')).toHaveText('Its own day (one row per transaction or reading)');
  await both(page, '4-sites-per-day');
  await next(page, 'Units');
  await next(page, 'Preview');
  await page.getByRole('button', { name: 'Run the preview' }).click();
  const stat = (label: string) => page.getByLabel('Preview summary').locator('.stat').filter({ hasText: label });
  await expect(stat('Values out')).toContainText('15');
  await expect(stat('Rejected')).toContainText('0');

  // By month, the three fill-ups of a vehicle (and two vans at one site) share a key.
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('button', { name: 'Back' }).click();
  await grain.selectOption('month');
  await next(page, 'Units');
  await next(page, 'Preview');
  await page.getByRole('button', { name: 'Run the preview' }).click();
  await expect(stat('Values out')).toContainText('0');
  await expect(stat('Rejected')).toContainText('15');
  await expect(page.getByRole('note', { name: 'Notes on the preview' })).toContainText('If each row is a separate transaction or reading, report it for its own day');
  await both(page, '6-preview-monthly-duplicates');

  // Or by month, each site's fill-ups of one product added up into one value.
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('radio', { name: /^Add them up into one value/ }).check();
  await both(page, '4-sites-add-up');
  await next(page, 'Units');
  await next(page, 'Preview');
  await page.getByRole('button', { name: 'Run the preview' }).click();
  await expect(stat('Values out')).toContainText('4');
  await expect(stat('Rejected')).toContainText('0');
  await expect(page.getByText('15 rows share a metric, site and period and are added up into 4 values, as this mapping says; each shows its first line.')).toBeVisible();
  await expect(page.getByRole('note', { name: 'Notes on the preview' })).toHaveCount(0);
  await both(page, '6-preview-monthly-added-up');
  await context.close();
});

test('a message about a step goes once what it is about is fixed', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(60_000);
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await newMapping(page, /^Utility reports/);
  await page.getByRole('button', { name: 'Next: Structure' }).click();
  const problems = page.getByRole('alert', { name: 'Before you continue' });
  await expect(problems).toContainText('Load a sample file first.');
  await both(page, '1-source-problem');
  await page.getByRole('button', { name: 'Read the sample' }).click();
  await expect(page.getByRole('region', { name: 'What was read' })).toContainText(`electricity-${YEAR}.csv`);
  await expect(problems).toHaveCount(0);
  await expect(page.getByText('Load a sample file first.')).toHaveCount(0);
  await both(page, '1-source-problem-fixed');
  await next(page, 'Structure');
  await context.close();
});

test('a database source gives its first rows as the sample', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'esg-wizard-db-'));
  const file = join(dir, 'erp.sqlite');
  const db = new Database(file);
  db.exec('CREATE TABLE fuel (site TEXT, day TEXT, litres REAL)');
  for (let d = 1; d <= 5; d++) db.prepare('INSERT INTO fuel VALUES (?, ?, ?)').run('MAN-02', `2024-03-0${d}`, 10 * d);
  db.close();
  await api('sources.addDatabase', { name: 'ERP fuel', kind: 'sqlite', file, table: 'fuel' });
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await newMapping(page, /^ERP fuel/);
  await expect(page.getByText(/first rows of this database source’s table or query/)).toBeVisible();
  await expect(page.getByRole('group', { name: 'Drop a sample file' })).toHaveCount(0);
  await expect(page.getByLabel('Sample file in the folder')).toHaveCount(0);
  await page.getByRole('button', { name: 'Read the sample' }).click();
  const facts = page.getByRole('region', { name: 'What was read' });
  await expect(facts).toContainText('Database table or query');
  await expect(facts).toContainText('first rows of ERP fuel');
  await expect(facts.getByText('Rows in the sample').locator('xpath=following-sibling::dd[1]')).toHaveText('5');
  await both(page, '1-source-database');
  await next(page, 'Structure');
  await expect(page.getByRole('table', { name: 'First rows of the file' })).toHaveCount(0);
  await expect(page.locator('.wizard-sample')).toContainText('MAN-02');
  await both(page, '2-structure-database');
  await context.close();
  removeDir(dir);
});

test('database sources: the proposed name follows the source read, the watermark column is no period, and the wizard speaks of the table and its rows', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(90_000);
  const dir = mkdtempSync(join(tmpdir(), 'esg-wizard-db-'));
  const file = join(dir, 'erp.sqlite');
  const db = new Database(file);
  db.exec('CREATE TABLE meter_readings (site_code TEXT, reading_date TEXT, kwh REAL)');
  db.exec('CREATE TABLE fuel_purchases (site_code TEXT, purchased_on TEXT, fuel TEXT, litres REAL, unit TEXT, modified_at TEXT)');
  for (let d = 1; d <= 6; d++) {
    db.prepare('INSERT INTO meter_readings VALUES (?, ?, ?)').run('MAN-02', `2024-03-0${d}`, 100 + d);
    db.prepare('INSERT INTO fuel_purchases VALUES (?, ?, ?, ?, ?, ?)').run('MAN-02', `2024-03-0${d}`, 'Diesel', 10 * d + 0.5, 'L', `2024-04-0${d} 10:2${d}:00`);
  }
  db.close();
  await api('sources.addDatabase', { name: 'Daily meter readings', kind: 'sqlite', file, table: 'meter_readings' });
  await api('sources.addDatabase', { name: 'Fuel purchases', kind: 'sqlite', file, table: 'fuel_purchases', watermarkColumn: 'modified_at' });
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const facts = page.getByRole('region', { name: 'What was read' });

  // Read one source, then choose another and read that: the name proposed is the second's.
  await newMapping(page, /^Daily meter readings/);
  await page.getByRole('button', { name: 'Read the sample' }).click();
  await expect(facts).toContainText('first rows of Daily meter readings');
  const source = page.getByRole('combobox', { name: /^Source\b/ });
  const label = (await source.locator('option').allTextContents()).find((t) => t.startsWith('Fuel purchases'))!;
  await source.selectOption({ label });
  await page.getByRole('button', { name: 'Read the sample' }).click();
  await expect(facts).toContainText('first rows of Fuel purchases');

  await next(page, 'Structure');
  await next(page, 'Columns');
  // modified_at is what the source reads new rows by: not a second date next to purchased_on.
  await expect(page.getByLabel('Role of column ‘modified_at’')).toHaveValue('ignore');
  await expect(page.getByLabel('Role of column ‘purchased_on’')).toHaveValue('period');
  const roles = await page.getByRole('region', { name: 'Column roles' }).locator('select').evaluateAll((els) => els.map((e) => (e as HTMLSelectElement).value));
  expect(roles.filter((r) => r === 'period')).toHaveLength(1);
  await expect(page.getByRole('row', { name: /^modified_at/ })).toContainText('the source reads new rows by this column (its watermark)');
  await expect(page.getByRole('region', { name: 'Column roles' })).toContainText("the header 'unit' names a unit");
  await expect(page.getByRole('region', { name: 'Column roles' })).not.toContainText('an unit');
  await expect(page.getByText(/in the “Columns” step/)).toHaveCount(0);
  await expect(page.getByRole('list', { name: 'Notes on the suggestions' })).toContainText('each row is reported for its own day');
  await both(page, '3-columns-database-watermark');

  await next(page, 'Sites & periods');
  await expect(page.getByRole('columnheader', { name: 'In the table' }).first()).toBeVisible();
  await expect(page.getByText('In your files')).toHaveCount(0);
  await both(page, '4-sites-database');
  await next(page, 'Units');
  await next(page, 'Preview');
  await next(page, 'Save');
  await expect(page.getByLabel('Name of the mapping')).toHaveValue('Fuel purchases to Sandbox platform');
  await expect(page.getByText('When a new site code appears in new rows')).toBeVisible();
  await expect(page.getByText(/a later file/)).toHaveCount(0);
  await both(page, '7-save-database');
  await context.close();
  removeDir(dir);
});

test('drift: a renamed column stops the run as "needs attention", shows what changed, and "Update mapping" makes it sync', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'esg-wizard-drift-'));
  const source = await api<{ id: string }>('sources.addFolder', { name: 'Meter exports', path: dir, stableMs: 300 });
  writeFileSync(join(dir, 'jan.csv'), 'Site code,Month,Electricity (kWh)\nLON-01,2024-01,100\nMAN-02,2024-01,200\n');
  const s = await api<{ draft: Record<string, unknown> }>('mappings.suggest', { sourceId: source.id, connectionId: 'Sandbox platform', file: 'jan.csv' });
  const mapping = await api<{ id: string }>('mappings.save', { profile: { ...s.draft, name: 'Meter electricity', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } } });
  await api('jobs.add', { name: 'Meters to platform', type: 'ingest', connectionId: 'Sandbox platform', sourceId: source.id, mappingId: mapping.id, config: { onFileArrival: true } });

  // The next export renamed the value column, and gives it in MWh now.
  writeFileSync(join(dir, 'feb.csv'), 'Site code,Month,Electricity (MWh)\nLON-01,2024-02,0.11\nMAN-02,2024-02,0.21\nBER-01,2024-02,0.09\n');
  let runId = 0;
  await expect
    .poll(async () => {
      const runs = await api<Array<{ id: number; status: string; file: string | null }>>('history.list', { status: 'needs_attention', limit: 10 });
      runId = runs.find((r) => r.file?.endsWith('feb.csv'))?.id ?? 0;
      return runId;
    }, { timeout: 30_000 })
    .toBeGreaterThan(0);

  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  await page.getByRole('link', { name: `#${runId}`, exact: true }).click();
  const changes = page.getByRole('region', { name: /What changed in the file since “Meter electricity” \(version 1\)/ });
  await expect(changes.getByRole('list', { name: 'Renamed columns' })).toContainText('Electricity (kWh)');
  await expect(changes.getByRole('list', { name: 'Renamed columns' })).toContainText('Electricity (MWh) — its values are now in MWh, not kWh: the mapping reads them in MWh');
  await expect(page.getByRole('button', { name: 'Send the file now' })).toHaveCount(0);
  await both(page, 'drift-run');

  await page.getByRole('link', { name: 'Update mapping' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Edit mapping/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Columns changed in the file this mapping stopped on' })).toContainText('Electricity (MWh)');
  await expect(page.getByRole('region', { name: 'What was read' })).toContainText('feb.csv');
  await both(page, 'drift-wizard');
  await next(page, 'Structure');
  await expect(page.getByRole('combobox', { name: 'Value column' })).toHaveValue('Electricity (MWh)');
  await next(page, 'Columns');
  await next(page, 'Sites & periods');
  await next(page, 'Units');
  // Kept in kWh, 0.11 MWh would have gone out as 0.11 kWh.
  await expect(page.getByLabel('Unit of the values')).toHaveValue('MWh');
  await next(page, 'Preview');
  await page.getByRole('button', { name: 'Run the preview' }).click();
  await expect(page.getByLabel('Preview summary').locator('.stat').filter({ hasText: 'Values out' })).toContainText('3');
  await next(page, 'Save');
  await page.getByRole('button', { name: 'Save new version' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved “Meter electricity” (version 2)' })).toBeVisible();
  await both(page, 'drift-saved');
  await page.getByRole('button', { name: `Send the file of run #${runId}` }).click();
  await expect(page.getByRole('status').filter({ hasText: /Run #\d+ finished: succeeded\./ })).toBeVisible({ timeout: 30_000 });
  await page.getByRole('link', { name: /Open run #\d+/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Meters to platform/ })).toBeVisible();
  await expect(page.locator('.stat').filter({ hasText: 'Created' })).toContainText('3');
  await context.close();
  removeDir(dir);
});

test('a mapping is exported as a profile file and imported back as its next version, or as a new mapping', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.setTimeout(60_000);
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mappings' }).click();
  const row = page.getByRole('row', { name: /Monthly electricity by site/ });
  const version = Number(await row.getByRole('cell').nth(2).textContent());
  const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Export Monthly electricity by site' }).click()]);
  expect(download.suggestedFilename()).toBe('monthly-electricity-by-site.mapping.json');
  const exported = JSON.parse(await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString('utf8'))) as Record<string, unknown>;
  expect(exported).toMatchObject({ schemaVersion: 1, id: 'monthly-electricity-by-site', name: 'Monthly electricity by site', version });
  expect(JSON.stringify(exported)).not.toContain('sandbox-secret');

  const file = page.getByLabel('Mapping file to import');
  await file.setInputFiles({ name: 'same.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(exported)) });
  await expect(page.getByRole('status')).toContainText(`Imported “Monthly electricity by site” (version ${version + 1}) from same.json.`);
  await expect(row.getByRole('cell').nth(2)).toHaveText(String(version + 1));
  await file.setInputFiles({ name: 'copy.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ ...exported, name: 'Electricity copy' })) });
  await expect(page.getByRole('status')).toContainText('Imported “Electricity copy” (version 1)');
  await expect(page.getByRole('row', { name: /Electricity copy/ })).toBeVisible();
  await file.setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ ...exported, name: 'Broken', shape: { kind: 'long' } })) });
  await expect(page.getByRole('alert')).toContainText('shape');
  await both(page, 'mappings-import');

  // A profile naming a metric the platform does not have is refused in words; it can still be
  // imported, to correct in the wizard, and the notice says what to correct.
  const foreign = { ...exported, id: undefined, name: 'From another platform', metric: { kind: 'fixed', metricId: 'met_electricity' } };
  await file.setInputFiles({ name: 'foreign.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(foreign)) });
  await expect(page.getByRole('alert')).toContainText('does not fit the platform of the connection');
  await expect(page.getByRole('alert')).toContainText('met_electricity');
  await expect(page.getByRole('row', { name: /From another platform/ })).toHaveCount(0);
  await both(page, 'mappings-import-refused');
  await page.getByRole('button', { name: 'Import “foreign.json” anyway' }).click();
  await expect(page.getByRole('status')).toContainText('Imported “From another platform” (version 1) from foreign.json. Correct it in the wizard:');
  await expect(page.getByRole('row', { name: /From another platform/ })).toBeVisible();
  await expect(page.getByRole('button', { name: /anyway/ })).toHaveCount(0);

  // Saved from the wizard as it is, it is refused the same way, and can be saved anyway there too.
  await page.getByRole('row', { name: /From another platform/ }).getByRole('link', { name: 'Edit' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Edit mapping/ })).toBeVisible({ timeout: 20_000 });
  await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: /Save/ }).click();
  await page.getByRole('button', { name: 'Save new version' }).click();
  await expect(page.locator('.wizard-error')).toContainText('does not fit the platform of the connection');
  await both(page, '7-save-refused');
  await page.getByRole('button', { name: 'Save anyway' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mappings' })).toBeVisible();
  await expect(page.getByText(/Saved “From another platform” \(version 2\)\. Still to correct: /)).toBeVisible();
  await context.close();
});
