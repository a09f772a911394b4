/**
 * The renderer never holds a secret it was given: a connection is added through the UI with a
 * secret typed in, rotated through the UI, and then every page of the app is visited. No page's
 * DOM (input values included), web storage, cookie, or WebSocket frame from the agent contains
 * either secret. Needs a Secret Service (npm run test:e2e runs under scripts/with-keyring.sh).
 */
import { expect, test, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_SCOPES, startSandbox, type RunningSandbox } from '../../main/sandbox';
import { upsertAccounts } from '../../main/sandbox/auth';
import { ROOT, removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

const SECRET = `dom-secret-${randomBytes(16).toString('hex')}`;
const ROTATED = `dom-rotated-${randomBytes(16).toString('hex')}`;
const SERVICE = `esg-sync-agent-dom-${process.pid}-${randomBytes(4).toString('hex')}`;
const account = (secret: string) => ({ clientId: 'dom-client', clientSecret: secret, name: 'DOM check', scopes: [...ALL_SCOPES] });

let sandbox: RunningSandbox;
let sandboxDir: string;
let agent: RunningAgent;
let skipReason: string | null = null;

test.beforeAll(async () => {
  sandboxDir = mkdtempSync(join(tmpdir(), 'esg-dom-sbx-'));
  sandbox = await startSandbox({ port: 0, dbPath: join(sandboxDir, 'sandbox.db'), accounts: [account(SECRET)] });
  agent = await startAgent({ env: { ESG_SYNC_KEYCHAIN_SERVICE: SERVICE } });
  const res = await fetch(new URL('/api/call', agent.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method: 'engine.status', params: {} }),
  });
  const status = (await res.json()) as { result: { secretStore: { available: boolean; message: string | null } } };
  if (!status.result.secretStore.available) skipReason = `no OS keychain for the agent (${status.result.secretStore.message ?? 'unavailable'})`;
  mkdirSync(join(ROOT, 'test-results', 'screens'), { recursive: true });
});

test.afterAll(async () => {
  await fetch(new URL('/api/call', agent.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method: 'connections.remove', params: { id: 'dom-sandbox', force: true } }),
  }).catch(() => undefined);
  await agent.stop();
  removeDir(agent.dataDir);
  await sandbox.close();
  rmSync(sandboxDir, { recursive: true, force: true });
});

/** Everything the renderer holds that a script on the page could read. */
async function everythingReadable(page: Page): Promise<string> {
  const fromPage = await page.evaluate(() => {
    const values = [...document.querySelectorAll('input, textarea, select')].map((e) => (e as HTMLInputElement).value);
    const storage = [localStorage, sessionStorage].flatMap((s) => Object.keys(s).map((k) => `${k}=${s.getItem(k)}`));
    return [...values, ...storage, document.cookie].join('\n');
  });
  return `${await page.content()}\n${fromPage}`;
}

test('no secret ever reaches the renderer', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  await page.goto(agent.launchUrl);
  const nav = page.getByRole('navigation', { name: 'Main' });

  await nav.getByRole('link', { name: 'Connections' }).click();
  await page.getByRole('button', { name: 'Add connection' }).first().click();
  const form = page.getByRole('form', { name: 'Add connection' });
  await form.getByLabel('Name').fill('DOM sandbox');
  await form.getByLabel('Base URL').fill(sandbox.url);
  await form.getByLabel('Client ID').fill('dom-client');
  await form.getByLabel('Client secret').fill(SECRET);
  await form.getByRole('button', { name: 'Test and save' }).click();
  const row = page.getByRole('row', { name: /DOM sandbox/ });
  await expect(row.getByText('Working')).toBeVisible({ timeout: 20_000 });
  await expect(form).toHaveCount(0);

  upsertAccounts(sandbox.db, [account(ROTATED)], new Date().toISOString());
  await row.getByRole('button', { name: 'Rotate secret of DOM sandbox' }).click();
  const dialog = page.getByRole('dialog', { name: 'Rotate the secret of “DOM sandbox”' });
  await dialog.getByLabel('New client secret').fill(ROTATED);
  await dialog.getByRole('button', { name: 'Test and replace' }).click();
  await expect(dialog).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByText('The secret of “DOM sandbox” was replaced.')).toBeVisible();

  const links = await nav.getByRole('link').all();
  const names = (await Promise.all(links.map((l) => l.textContent()))).map((t) => (t ?? '').trim()).filter(Boolean);
  expect(names.length).toBeGreaterThan(3);
  for (const name of names) {
    await nav.getByRole('link', { name, exact: true }).click();
    await page.waitForLoadState('networkidle');
    const text = await everythingReadable(page);
    expect(text, `page ${name}`).not.toContain(SECRET);
    expect(text, `page ${name}`).not.toContain(ROTATED);
  }
  expect(frames.length).toBeGreaterThan(0);
  expect(frames.join('\n')).not.toContain(SECRET);
  expect(frames.join('\n')).not.toContain(ROTATED);
  await context.close();
});
