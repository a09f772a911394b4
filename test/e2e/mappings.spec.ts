/**
 * Removing a mapping from the Mappings page, in the browser against the built headless agent:
 * confirmed in a dialog that names the mapping, then gone from the list with a status message;
 * one a job uses is not removable (the dialog names the job and offers the Jobs page), and one a
 * job took after the page was read is refused by the engine, its sentence shown in the dialog.
 * The open dialog passes axe (WCAG 2.1 A/AA, no serious or critical findings) in light and dark,
 * and is written to test-results/screens/mappings-remove-*.png. Needs a Secret Service for the
 * connection's secret (run through scripts/with-keyring.sh); where none answers it skips and says why.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../main/sandbox';
import { ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

const SERVICE = `esg-sync-mappings-e2e-${process.pid}-${randomBytes(4).toString('hex')}`;
const shots = join(ROOT, 'test-results', 'screens');

let sandbox: RunningSandbox;
let agent: RunningAgent;
let work: string;
let noKeychain: string | null = null;
let ids: { connection: string; source: string } = { connection: '', source: '' };

test.describe.configure({ mode: 'serial' });

async function rpc<T>(method: string, params: unknown = {}): Promise<T> {
  const res = await fetch(new URL('/api/call', agent.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method, params }),
  });
  const body = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result as T;
}

async function saveMapping(name: string, id?: string): Promise<string> {
  const m = await rpc<{ id: string }>('mappings.save', {
    ...(id ? { id } : {}),
    profile: {
      schemaVersion: 1,
      name,
      sourceId: ids.source,
      connectionId: ids.connection,
      shape: { kind: 'long', valueColumn: 'Electricity kWh' },
      metric: { kind: 'fixed', metricId: 'met_elec_cons' },
      entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
      period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
    },
  });
  return m.id;
}

const addJob = (name: string, mappingId: string) =>
  rpc<{ id: string }>('jobs.add', { name, type: 'ingest', connectionId: ids.connection, sourceId: ids.source, mappingId, config: { onFileArrival: false } });

const mappingNames = async () => (await rpc<{ name: string }[]>('mappings.list')).map((m) => m.name);

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'esg-e2e-mappings-'));
  mkdirSync(shots, { recursive: true });
  sandbox = await startSandbox({ port: 0 });
  agent = await startAgent({ env: { ESG_SYNC_KEYCHAIN_SERVICE: SERVICE } });
  const status = await rpc<{ secretStore: { available: boolean; message: string | null } }>('engine.status');
  if (!status.secretStore.available) {
    noKeychain = `no OS keychain for the connection (${status.secretStore.message ?? 'unavailable'}); run through scripts/with-keyring.sh`;
    return;
  }
  const folder = join(work, 'bills');
  mkdirSync(folder);
  writeFileSync(join(folder, 'bills-jan.csv'), 'Site,Month,Electricity kWh\nLON-01,2024-01,1200\n');
  await rpc('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  const [conn] = await rpc<{ id: string }[]>('connections.list');
  const source = await rpc<{ id: string }>('sources.addFolder', { name: 'Utility bills', path: folder, include: ['*.csv'] });
  ids = { connection: conn!.id, source: source.id };
});

test.afterAll(async () => {
  for (const c of await rpc<{ id: string }[]>('connections.list').catch(() => [])) await rpc('connections.remove', { id: c.id, force: true }).catch(() => undefined);
  if (agent) expect(await agent.stop()).toBe(0);
  if (agent) removeDir(agent.dataDir);
  if (sandbox) await sandbox.close();
  if (work) removeDir(work);
});

async function open(browser: Browser, scheme: 'light' | 'dark'): Promise<Page> {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mappings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Mappings' })).toBeVisible();
  return page;
}

/** axe on the page with the dialog open: no serious or critical WCAG 2.1 A/AA findings; then the screenshot. */
async function auditDialog(page: Page, name: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.impact} ${v.id} — ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

test('a mapping no job uses is removed after confirmation: gone from the list, with a status message', async ({ browser }) => {
  test.skip(noKeychain !== null, noKeychain ?? '');
  await saveMapping('Made by mistake');
  await saveMapping('Bills kWh', await saveMapping('Bills kWh')); // version 2
  for (const scheme of ['light', 'dark'] as const) {
    const page = await open(browser, scheme);
    await page.getByRole('row', { name: /Bills kWh/ }).getByRole('button', { name: 'Remove Bills kWh' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove “Bills kWh”?' });
    await expect(dialog).toContainText('The mapping and its 2 saved versions are removed from this agent.');
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await expect(dialog.getByRole('button', { name: 'Remove mapping' })).toBeEnabled();
    await auditDialog(page, `mappings-remove-dialog-${scheme}`);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await page.context().close();
  }

  const page = await open(browser, 'light');
  const row = page.getByRole('row', { name: /Made by mistake/ });
  await row.getByRole('button', { name: 'Remove Made by mistake' }).click();
  let dialog = page.getByRole('dialog', { name: 'Remove “Made by mistake”?' });
  await expect(dialog).toContainText('The mapping is removed from this agent.');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toBeVisible();
  expect(await mappingNames()).toContain('Made by mistake');

  await row.getByRole('button', { name: 'Remove Made by mistake' }).click();
  dialog = page.getByRole('dialog', { name: 'Remove “Made by mistake”?' });
  await dialog.getByRole('button', { name: 'Remove mapping' }).click();
  await expect(page.getByRole('status')).toHaveText('Removed the mapping “Made by mistake”.');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('row', { name: /Made by mistake/ })).toHaveCount(0);
  await expect(page.getByRole('row', { name: /Bills kWh/ })).toBeVisible();
  expect(await mappingNames()).toEqual(['Bills kWh']);
  await page.screenshot({ path: join(shots, 'mappings-removed-light.png') });
  await page.context().close();
});

test('a mapping a job uses is not removed: the dialog names the job, and the engine refuses one a job took since', async ({ browser }) => {
  test.skip(noKeychain !== null, noKeychain ?? '');
  await addJob('Bills to platform', 'bills-kwh');
  const lateId = await saveMapping('Fuel cards');

  const page = await open(browser, 'dark');
  await page.getByRole('button', { name: 'Remove Bills kWh' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove “Bills kWh”?' });
  await expect(dialog).toContainText('The job “Bills to platform” uses this mapping, so it cannot be removed. Remove or change that job on the Jobs page first.');
  await expect(dialog.getByRole('button', { name: 'Remove mapping' })).toHaveCount(0);
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await auditDialog(page, 'mappings-remove-in-use-dark');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('row', { name: /Bills kWh/ })).toBeVisible();

  // A job takes "Fuel cards" while its dialog is open: the engine refuses, and the dialog says why.
  await page.getByRole('button', { name: 'Remove Fuel cards' }).click();
  const late = page.getByRole('dialog', { name: 'Remove “Fuel cards”?' });
  await expect(late.getByRole('button', { name: 'Remove mapping' })).toBeEnabled();
  await page.waitForTimeout(500); // the jobs the dialog was opened with have been read
  await addJob('Fuel to platform', lateId);
  await late.getByRole('button', { name: 'Remove mapping' }).click();
  await expect(late.getByRole('alert')).toHaveText('The mapping "Fuel cards" is used by the job "Fuel to platform". Remove or change that job first.');
  // The jobs were read again: the dialog no longer offers the removal, but the way to the job.
  await expect(late).not.toContainText('removed from this agent');
  await expect(late.getByRole('button', { name: 'Open the Jobs page' })).toBeVisible();
  await expect(late.getByRole('button', { name: 'Remove mapping' })).toHaveCount(0);
  await auditDialog(page, 'mappings-remove-refused-dark');
  await late.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('row', { name: /Fuel cards/ })).toBeVisible();
  expect(await mappingNames()).toEqual(['Bills kWh', 'Fuel cards']);

  // Opened again, the dialog knows the job and leads to the Jobs page.
  await page.getByRole('button', { name: 'Remove Fuel cards' }).click();
  await expect(late).toContainText('The job “Fuel to platform” uses this mapping, so it cannot be removed.');
  await expect(late.getByRole('alert')).toHaveCount(0);
  await late.getByRole('button', { name: 'Open the Jobs page' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  expect(await mappingNames()).toEqual(['Bills kWh', 'Fuel cards']);
  await page.context().close();
});
