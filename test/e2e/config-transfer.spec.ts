/**
 * Moving to another computer through the Settings page: "Export configuration…" on one agent
 * downloads the file and lists what to enter again by hand; "Import configuration…" on a fresh
 * agent previews (a dry run), sends the person to the Connections page for the connection it
 * cannot make, checks again once it is there, imports, and the source, mapping and job appear.
 * Files that are not an export, or damaged, are refused in words. Two built agents (own data
 * folders and keychain services) against the sandbox platform started here; light and dark
 * screenshots in test-results/screens/config-*.png.
 * Needs a Secret Service: run through `npm run test:e2e` (scripts/with-keyring.sh).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headerFingerprint } from '../../shared/mapping';
import { startSandbox, type RunningSandbox } from '../../main/sandbox';
import { ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
const shots = join(ROOT, 'test-results', 'screens');

let sandbox: RunningSandbox;
let work: string;
let oldAgent: RunningAgent;
let newAgent: RunningAgent;
let skipReason: string | null = null;
let exportedPath = '';

test.describe.configure({ mode: 'serial' });

async function rpc<T = unknown>(agent: RunningAgent, method: string, params: unknown): Promise<T> {
  const res = await fetch(new URL('/api/call', agent.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method, params }),
  });
  const body = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result as T;
}

const addConnection = (agent: RunningAgent) => rpc(agent, 'connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'esg-e2e-config-'));
  sandbox = await startSandbox({ port: 0, dbPath: join(work, 'sandbox.db') });
  oldAgent = await startAgent({ env: { ESG_SYNC_KEYCHAIN_SERVICE: `esg-sync-agent-e2e-config-old-${tag}` } });
  newAgent = await startAgent({ env: { ESG_SYNC_KEYCHAIN_SERVICE: `esg-sync-agent-e2e-config-new-${tag}` } });
  mkdirSync(shots, { recursive: true });
  const status = await rpc<{ secretStore: { available: boolean; message: string | null } }>(oldAgent, 'engine.status', {});
  if (!status.secretStore.available) {
    skipReason = `no OS keychain for the agent (${status.secretStore.message ?? 'unavailable'}); run through scripts/with-keyring.sh`;
    return;
  }
  await addConnection(oldAgent);
  const [conn] = await rpc<{ id: string }[]>(oldAgent, 'connections.list', {});
  const folder = join(work, 'bills');
  mkdirSync(folder);
  const source = await rpc<{ id: string }>(oldAgent, 'sources.addFolder', { name: 'Utility bills', path: folder, usePolling: true, pollIntervalMs: 1000 });
  const mapping = await rpc<{ id: string }>(oldAgent, 'mappings.save', {
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
  const job = await rpc<{ id: string }>(oldAgent, 'jobs.add', { name: 'Bills to platform', type: 'ingest', connectionId: conn!.id, sourceId: source.id, mappingId: mapping.id, config: { schedule: '0 6 * * *', timezone: 'Europe/London' } });
  await rpc(oldAgent, 'jobs.pause', { jobId: job.id });
  await rpc(oldAgent, 'settings.update', { retentionDays: 120 });
});

test.afterAll(async () => {
  for (const agent of [oldAgent, newAgent]) {
    if (!agent) continue;
    for (const c of await rpc<{ id: string }[]>(agent, 'connections.list', {}).catch(() => [])) {
      await rpc(agent, 'connections.remove', { id: c.id, force: true }).catch(() => undefined);
    }
    expect(await agent.stop()).toBe(0);
    removeDir(agent.dataDir);
  }
  await sandbox?.close();
  rmSync(work, { recursive: true, force: true });
});

async function open(browser: Browser, agent: RunningAgent, route: string): Promise<Page> {
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible({ timeout: 20_000 });
  await page.evaluate((r) => (window.location.hash = r), route);
  return page;
}

const card = (page: Page) => page.getByRole('region', { name: 'Move to another computer' });

async function chooseFile(page: Page, path: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await card(page).getByRole('button', { name: 'Import configuration…' }).click();
  await (await chooser).setFiles(path);
}

/** Serious or critical axe-core findings (WCAG 2.1 A/AA) in the card, as "rule: targets". */
async function axeFindings(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).include('.config-transfer').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Screenshots in light and dark, each checked by axe-core. */
async function shoot(page: Page, name: string): Promise<void> {
  await card(page).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, `config-${name}-light.png`), fullPage: true });
  expect(await axeFindings(page), `${name} (light)`).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(shots, `config-${name}-dark.png`), fullPage: true });
  expect(await axeFindings(page), `${name} (dark)`).toEqual([]);
  await page.emulateMedia({ colorScheme: 'light' });
}

test('Export configuration… downloads the file and says what to enter again by hand', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const page = await open(browser, oldAgent, '#/settings');
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  const download = page.waitForEvent('download');
  await card(page).getByRole('button', { name: 'Export configuration…' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^esg-sync-config-\d{4}-\d{2}-\d{2}\.json$/);
  exportedPath = join(work, file.suggestedFilename());
  await file.saveAs(exportedPath);

  const text = readFileSync(exportedPath, 'utf8');
  expect(text).not.toContain('sandbox-secret');
  const json = JSON.parse(text) as { kind: string; settings: { retentionDays: number }; jobs: { name: string }[] };
  expect(json.kind).toBe('esg-sync-config');
  expect(json.settings.retentionDays).toBe(120);
  expect(json.jobs.map((j) => j.name)).toEqual(['Bills to platform']);

  const result = card(page);
  await expect(result.getByRole('heading', { name: 'Exported' })).toBeFocused();
  await expect(result.getByRole('status')).toContainText('the settings, 1 connection, 1 source, 1 mapping and 1 job. It holds no password and no client secret.');
  const before = result.getByRole('list', { name: 'Before you import the file:' });
  await expect(before.getByRole('listitem')).toHaveCount(1);
  await expect(before).toContainText('The connection “Sandbox” (client ID sandbox-client');
  await expect(before).toContainText('with its client secret');
  await expect(before.getByRole('link', { name: 'Open the Connections page' })).toHaveAttribute('href', '#/connections?add=1');
  // The commands are there for administrators, folded away.
  const commands = result.getByText('Commands for administrators (headless agent)');
  await commands.click();
  await expect(result.locator('pre')).toContainText('printf %s "$CLIENT_SECRET" | esg-sync connection add --kind esg-api --name Sandbox');
  await shoot(page, 'export');
  await page.context().close();
});

test('a file that is not an export, or is damaged, is refused in words', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const page = await open(browser, newAgent, '#/settings');
  const profile = join(work, 'electricity.mapping.json');
  writeFileSync(profile, JSON.stringify({ schemaVersion: 1, name: 'Electricity' }));
  await chooseFile(page, profile);
  await expect(card(page).getByRole('alert')).toHaveText('“electricity.mapping.json” is a mapping, not a configuration file. Mappings are loaded on the Mappings page.');
  await expect(card(page).getByRole('heading', { name: 'This file cannot be imported' })).toBeFocused();

  const notJson = join(work, 'notes.json');
  writeFileSync(notJson, '{"kind": "esg-sync-config", ');
  await chooseFile(page, notJson);
  await expect(card(page).getByRole('alert')).toContainText('“notes.json” is not a configuration file: it is not a JSON file, or it was cut short or damaged.');

  const newer = join(work, 'newer.json');
  writeFileSync(newer, JSON.stringify({ kind: 'esg-sync-config', formatVersion: 7 }));
  await chooseFile(page, newer);
  await expect(card(page).getByRole('alert')).toContainText('was exported by a newer version of ESG Sync Agent than this one. Update this app first');

  const damaged = join(work, 'damaged.json');
  writeFileSync(damaged, JSON.stringify({ kind: 'esg-sync-config', formatVersion: 1, settings: { retentionDays: 0 }, jobs: [{ name: 'Nightly', type: 'sometimes' }] }));
  await chooseFile(page, damaged);
  const alert = card(page).getByRole('alert');
  await expect(alert).toContainText('“damaged.json” is damaged or was edited into a form this agent cannot read:');
  await expect(alert).toContainText('The setting "retentionDays" is out of range (at least 1).');
  await expect(alert).toContainText('The job "Nightly", its "type" must be one of "ingest", "export".');
  await expect(card(page).getByRole('heading', { name: '“damaged.json” cannot be imported' })).toBeFocused();
  await shoot(page, 'import-damaged');
  await card(page).getByRole('button', { name: 'Close' }).click();
  await expect(card(page).getByRole('alert')).toHaveCount(0);
  expect(await rpc<unknown[]>(newAgent, 'sources.list', {})).toEqual([]);
  await page.context().close();
});

test('Import configuration… on a fresh agent: a preview, the connection added first, then Import, and the jobs and sources appear', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.skip(!exportedPath, 'the export test did not run');
  const page = await open(browser, newAgent, '#/settings');
  await chooseFile(page, exportedPath);
  const c = card(page);
  const name = exportedPath.split('/').pop()!;
  await expect(c.getByRole('heading', { name: `What importing “${name}” would do` })).toBeFocused();
  await expect(c).toContainText('Nothing has changed yet.');
  await expect(c.getByRole('list', { name: 'Settings that would change:' })).toContainText('Keep run history for: 120 days (was 365 days)');
  await expect(c.getByRole('list', { name: 'Will be added (1)' })).toContainText('Utility bills');
  const blocked = c.getByRole('list', { name: 'Cannot be imported yet (3)' });
  await expect(blocked.getByRole('listitem')).toHaveCount(3);
  await expect(blocked).toContainText('Its connection "Sandbox" is not here (see above).');
  // Something can be added already (the source, the settings), so Import is offered; the person adds the connection first.
  await expect(c.getByRole('button', { name: 'Import', exact: true })).toBeVisible();
  await shoot(page, 'import-preview');

  await blocked.getByRole('link', { name: 'Add it on the Connections page' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Connections' })).toBeVisible();
  await expect(page.locator('#add-connection')).toBeVisible();
  await addConnection(newAgent);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();

  // Back on Settings, the same file is checked again as things are now.
  await expect(c.getByRole('heading', { name: `What importing “${name}” would do` })).toBeVisible();
  const adds = c.getByRole('list', { name: 'Will be added (3)' });
  await expect(adds).toContainText('Utility bills');
  await expect(adds).toContainText('Site electricity');
  await expect(adds).toContainText('Bills to platform');
  await expect(c.getByRole('list', { name: 'Already here, left as they are (1)' })).toContainText('Sandbox');
  await c.getByRole('button', { name: 'Import', exact: true }).click();

  await expect(c.getByRole('heading', { name: `Imported “${name}”` })).toBeFocused();
  await expect(c.getByRole('list', { name: 'Added (3)' })).toContainText('Bills to platform');
  await expect(c.getByRole('list', { name: 'Settings changed:' })).toContainText('Keep run history for: 120 days');
  // The settings form above shows the imported value.
  await expect(page.getByLabel('Keep run history for (days)')).toHaveValue('120');
  await shoot(page, 'import-done');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  await expect(page.getByText('Bills to platform').first()).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources' }).click();
  await expect(page.getByText('Utility bills').first()).toBeVisible();
  const jobs = await rpc<{ name: string; paused: boolean }[]>(newAgent, 'jobs.list', {});
  expect(jobs).toEqual([expect.objectContaining({ name: 'Bills to platform', paused: true })]);
  await page.context().close();
});
