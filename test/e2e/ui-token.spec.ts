/**
 * The browser UI's access token: it reaches the page in the address's fragment (#token=…, which
 * no server receives), the page keeps it in sessionStorage and removes it from the address bar,
 * and sends it as a header (HTTP) or in the WebSocket's protocol offer. No cookie is ever set: a
 * cookie is not kept apart by port, so the browser would hand the token to every other web server
 * on 127.0.0.1 the person visits. A tab opened without the token says how to get the address.
 */
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

let agent: RunningAgent;
/** Another web server on 127.0.0.1 (a dev server, another user's service): it records what it is sent. */
let other: Server;
let otherUrl: string;
const otherSaw: IncomingHttpHeaders[] = [];

test.beforeAll(async () => {
  agent = await startAgent();
  other = createServer((req, res) => {
    otherSaw.push(req.headers);
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>other</title><p>another local server</p>');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
});

test.afterAll(async () => {
  await new Promise((r) => other.close(r));
  expect(await agent.stop()).toBe(0);
  removeDir(agent.dataDir);
});

const api = (method: string, params: unknown) =>
  fetch(new URL('/api/call', agent.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method, params }),
  }).then((r) => r.json() as Promise<{ ok: boolean }>);

test('the launch address opens the UI, the token leaves the address bar, and no other local server gets it', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  expect(agent.launchUrl).toContain('#token=');
  await page.goto(agent.launchUrl);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  expect(await page.evaluate(() => window.location.href)).toBe(agent.url);
  expect(await page.evaluate(() => window.location.href)).not.toContain(agent.token);
  expect(await page.evaluate(() => sessionStorage.getItem('esg-sync.token'))).toBe(agent.token);
  expect(await context.cookies()).toEqual([]);
  // The token went to no server in an address (only in headers, to the agent).
  expect(requested.filter((u) => u.includes(agent.token))).toEqual([]);

  // An update pushed over the WebSocket: the engine is paused from outside the page.
  mkdirSync(join(agent.dataDir, 'exports'), { recursive: true });
  expect((await api('sources.addFolder', { name: 'Token exports', path: join(agent.dataDir, 'exports') })).ok).toBe(true);
  await page.reload();
  await expect(page.getByRole('button', { name: 'Pause syncs for 1 hour' })).toBeVisible();
  expect((await api('engine.pause', { minutes: 60 })).ok).toBe(true);
  await expect(page.getByText(/Syncs are paused until/)).toBeVisible();
  expect((await api('engine.resume', {})).ok).toBe(true);
  await expect(page.getByText(/Syncs are paused/)).toHaveCount(0);

  // The same browser then visits another web server on 127.0.0.1: it is sent no token.
  await page.goto(otherUrl);
  await expect(page.getByText('another local server')).toBeVisible();
  expect(otherSaw.length).toBeGreaterThan(0);
  for (const h of otherSaw) expect(JSON.stringify(h)).not.toContain(agent.token);
  // Back on the agent in the same tab, the page still has its token (sessionStorage).
  await page.goto(agent.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await context.close();
});

test('the older ?token= address still opens the UI and is cleaned from the address bar', async ({ page }) => {
  await page.goto(`${agent.url}?token=${agent.token}#/settings`);
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  expect(await page.evaluate(() => window.location.href)).toBe(`${agent.url}#/settings`);
});

test('a tab opened without the token says how to get the current address', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(agent.url);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('This page has no access to the agent');
  await expect(page.getByRole('alert')).toContainText('Run esg-sync ui on the computer the agent runs on for the current address');
  // A stale cookie left by an older agent opens nothing.
  await context.addCookies([{ name: 'esg_sync_token', value: agent.token, url: agent.url }]);
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('This page has no access to the agent');
  await context.close();
});
