/**
 * Sandbox data is labelled wherever it appears (Jobs, History, run detail, Mappings, Connections),
 * the History table keeps every column readable at 1280 and 1024 px windows, and the desktop
 * app's "Download all as CSV" (simulated here by a preload-shaped bridge that forwards calls to the
 * agent) saves through the shell's save dialog the very CSV the browser downloads.
 * Screenshots in light and dark go to test-results/screens/.
 * Needs a Secret Service: run through `npm run test:e2e` (scripts/with-keyring.sh).
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir, ROOT, startAgent, type RunningAgent } from '../helpers/agent-process';
import { openUi } from '../helpers/open-ui';

const SERVICE = `esg-sync-agent-e2e-labels-${process.pid}-${randomBytes(4).toString('hex')}`;
const shots = join(ROOT, 'test-results', 'screens');

let agent: RunningAgent;
let saveDir: string;
let skipReason: string | null = null;
let sandboxRun = 0;
let realRun = 0;

test.describe.configure({ mode: 'serial' });

async function rpc<T = unknown>(method: string, params: unknown = {}): Promise<T> {
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
  saveDir = mkdtempSync(join(tmpdir(), 'esg-e2e-save-'));
  agent = await startAgent({ env: { ESG_SYNC_KEYCHAIN_SERVICE: SERVICE } });
  mkdirSync(shots, { recursive: true });
  const status = await rpc<{ secretStore: { available: boolean; message: string | null } }>('engine.status');
  if (!status.secretStore.available) {
    skipReason = `no OS keychain for the agent (${status.secretStore.message ?? 'unavailable'}); run through scripts/with-keyring.sh`;
    return;
  }
  const demo = await rpc<{ firstSourceId: string; connectionId: string; firstFile: string }>('demo.start');
  const suggested = await rpc<{ draft: Record<string, unknown> }>('mappings.suggest', { sourceId: demo.firstSourceId, connectionId: demo.connectionId, file: demo.firstFile });
  await rpc('mappings.save', { profile: { ...suggested.draft, name: 'Monthly electricity by site' } });
  await rpc('demo.dropNext');
  await expect.poll(async () => (await rpc<{ status: string }[]>('history.list', { limit: 10 })).filter((r) => r.status === 'succeeded').length, { timeout: 30_000 }).toBe(2);
  sandboxRun = (await rpc<{ id: number }[]>('history.list', { limit: 1 }))[0]!.id;

  // A run of a real (non-sandbox) job with rejected rows, and row errors on the sandbox run,
  // written straight into the agent's database as the runner would have.
  const db = new Database(join(agent.dataDir, 'esg-sync.db'));
  db.pragma('busy_timeout = 5000');
  realRun = Number(
    db
      .prepare(
        "INSERT INTO runs (job_name, trigger, status, started_at, finished_at, read, created, rejected) VALUES ('Fuel cards from the finance export', 'schedule', 'succeeded_with_rejections', ?, ?, 1284, 1279, 5)",
      )
      .run(new Date(Date.now() - 3_600_000).toISOString(), new Date(Date.now() - 3_540_000).toISOString()).lastInsertRowid,
  );
  const addError = db.prepare('INSERT INTO row_errors (run_id, line, column_name, value, reason) VALUES (?, ?, ?, ?, ?)');
  addError.run(sandboxRun, 4, 'Site', '=HYPERLINK("http://x","y")', 'Unknown site; add it to the site list on the platform');
  for (let i = 0; i < 40; i++) addError.run(sandboxRun, 10 + i, 'kWh', `n/a ${i}`, 'Not a number');
  db.close();
});

test.afterAll(async () => {
  await agent?.stop();
  if (agent) removeDir(agent.dataDir);
  rmSync(saveDir, { recursive: true, force: true });
});

async function open(browser: Browser, scheme: 'light' | 'dark', hash: string, width = 1280): Promise<Page> {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width, height: 900 } });
  const page = await context.newPage();
  await openUi(page, agent, hash);
  return page;
}

const sandboxBadge = (page: Page) => page.locator('.badge', { hasText: /^Sandbox$/ });

for (const scheme of ['light', 'dark'] as const) {
  test(`sandbox rows carry the Sandbox label on every page (${scheme})`, async ({ browser }) => {
    test.skip(skipReason !== null, skipReason ?? '');
    const page = await open(browser, scheme, '#/jobs');
    const jobRow = page.getByRole('row', { name: /Sandbox: electricity reports/ });
    await expect(jobRow.first()).toBeVisible();
    await expect(sandboxBadge(page).first()).toBeVisible();
    for (const row of await page.locator('table.jobs-table tbody tr[aria-label]').all()) await expect(row.locator('.badge', { hasText: /^Sandbox$/ })).toHaveCount(1);
    await page.screenshot({ path: join(shots, `labels-jobs-${scheme}.png`), fullPage: true });

    await page.goto(`${agent.url}#/history`);
    const rows = page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({ has: page.getByRole('cell') });
    await expect(rows).toHaveCount(3);
    await expect(rows.filter({ hasText: 'Fuel cards from the finance export' }).locator('.badge', { hasText: /^Sandbox$/ })).toHaveCount(0);
    await expect(rows.filter({ hasText: `#${sandboxRun}` }).locator('.badge', { hasText: /^Sandbox$/ })).toHaveCount(1);
    await page.screenshot({ path: join(shots, `labels-history-${scheme}.png`), fullPage: true });

    await page.goto(`${agent.url}#/history/${sandboxRun}`);
    await expect(page.getByRole('heading', { level: 1, name: new RegExp(`Run #${sandboxRun}`) })).toBeVisible();
    await expect(sandboxBadge(page)).toHaveCount(1);
    await page.screenshot({ path: join(shots, `labels-run-detail-${scheme}.png`), fullPage: true });
    await page.goto(`${agent.url}#/history/${realRun}`);
    await expect(page.getByRole('heading', { level: 1, name: new RegExp(`Run #${realRun}`) })).toBeVisible();
    await expect(sandboxBadge(page)).toHaveCount(0);

    await page.goto(`${agent.url}#/mappings`);
    await expect(page.getByRole('cell', { name: 'Monthly electricity by site Sandbox' })).toBeVisible();
    await expect(page.getByRole('cell', { name: 'Monthly electricity by site Sandbox' }).locator('.badge', { hasText: /^Sandbox$/ })).toHaveCount(1);
    await page.screenshot({ path: join(shots, `labels-mappings-${scheme}.png`), fullPage: true });

    await page.goto(`${agent.url}#/connections`);
    await expect(sandboxBadge(page).first()).toBeVisible();
    await page.screenshot({ path: join(shots, `labels-connections-${scheme}.png`), fullPage: true });
    await page.context().close();
  });
}

for (const width of [1280, 1024]) {
  for (const scheme of ['light', 'dark'] as const) {
    test(`History table: no column is cut at ${width} px (${scheme})`, async ({ browser }) => {
      test.skip(skipReason !== null, skipReason ?? '');
      const page = await open(browser, scheme, '#/history', width);
      const table = page.getByRole('table', { name: 'Runs' });
      await expect(table.getByRole('row').filter({ has: page.getByRole('cell') })).toHaveCount(3);
      // Every header and cell fits its own box (nothing cut or ellipsised) and lies inside the table.
      const cut = await table.evaluate((t) => {
        const box = t.getBoundingClientRect();
        const bad: string[] = [];
        for (const el of t.querySelectorAll<HTMLElement>('[role=columnheader], [role=cell]')) {
          const r = el.getBoundingClientRect();
          if (r.right > box.right + 0.5 || r.left < box.left - 0.5) bad.push(`${el.textContent} outside the table`);
          if (el.scrollWidth > el.clientWidth + 1) bad.push(`${el.textContent} cut (${el.scrollWidth} > ${el.clientWidth})`);
          const row = el.closest('[role=row]')!.getBoundingClientRect();
          if (r.top < row.top - 0.5 || r.bottom > row.bottom + 0.5) bad.push(`${el.textContent} taller than its row`);
          for (const child of el.querySelectorAll<HTMLElement>('span, a')) {
            const c = child.getBoundingClientRect();
            if (c.right > r.right + 0.5) bad.push(`${child.textContent} overflows its cell`);
            // A long job name may end in an ellipsis: its full text is the tooltip.
            const ellipsised = child.scrollWidth > child.clientWidth + 1 && getComputedStyle(child).overflow === 'hidden';
            if (ellipsised && child.title !== child.textContent) bad.push(`${child.textContent} ellipsised without a tooltip`);
          }
        }
        return bad;
      });
      await page.screenshot({ path: join(shots, `history-table-${width}-${scheme}.png`), fullPage: true });
      expect(cut).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await page.context().close();
    });
  }
}

test('desktop: "Download all as CSV" saves through the save dialog the same CSV the browser downloads', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const target = join(saveDir, 'run-errors.csv');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl); // the page keeps the token in this tab's sessionStorage
  await page.goto('about:blank');
  await page.addInitScript((path: string) => {
    const w = window as unknown as { esgSync: unknown; asked: string[] };
    w.asked = [];
    w.esgSync = {
      call: (method: string, params: unknown) =>
        fetch('/api/call', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionStorage.getItem('esg-sync.token')}` }, body: JSON.stringify({ method, params }) }).then((r) => r.json()),
      subscribe: () => () => undefined,
      desktop: {
        pickFolder: async () => null,
        saveFile: async (name: string) => {
          w.asked.push(name);
          return path;
        },
        openPath: async () => undefined,
      },
    };
  }, target);
  await page.goto(`${new URL(agent.launchUrl).origin}/#/history/${sandboxRun}`);
  const errors = page.getByRole('region', { name: /Row errors \(41\)/ });
  await expect(errors.getByRole('link', { name: 'Download all as CSV' })).toHaveCount(0);
  await errors.getByRole('button', { name: 'Download all as CSV' }).click();
  await expect(errors).toContainText(`Saved 41 row errors to ${target}`);
  expect(await page.evaluate(() => (window as unknown as { asked: string[] }).asked)).toEqual([`run-${sandboxRun}-errors.csv`]);
  const http = await fetch(new URL(`/api/runs/${sandboxRun}/errors.csv`, agent.url), { headers: { authorization: `Bearer ${agent.token}` } });
  const saved = readFileSync(target);
  expect(saved.equals(Buffer.from(await http.arrayBuffer()))).toBe(true);
  expect(saved.toString('utf8')).toContain(`4,Site,"'=HYPERLINK(""http://x"",""y"")"`);
  await page.screenshot({ path: join(shots, 'run-detail-desktop-saved-light.png'), fullPage: true });
  await context.close();
});

/**
 * A preload-shaped bridge over the agent's HTTP API that records the calls the page makes and lets
 * the test send engine events (window.emit), as the desktop app's preload would deliver them.
 */
async function useRecordingBridge(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { esgSync: unknown; calls: { method: string; params: unknown }[]; emit: (event: string, payload: unknown) => void };
    w.calls = [];
    const listeners: ((event: string, payload: unknown) => void)[] = [];
    w.emit = (event, payload) => listeners.forEach((l) => l(event, payload));
    w.esgSync = {
      call: (method: string, params: unknown) => {
        w.calls.push({ method, params });
        return fetch('/api/call', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionStorage.getItem('esg-sync.token')}` }, body: JSON.stringify({ method, params }) }).then((r) => r.json());
      },
      subscribe: (l: (event: string, payload: unknown) => void) => {
        listeners.push(l);
        return () => listeners.splice(listeners.indexOf(l), 1);
      },
      desktop: { pickFolder: async () => null, saveFile: async () => null, openPath: async () => undefined },
    };
  });
}

const callsOf = (page: Page, method: string) =>
  page.evaluate((m) => (window as unknown as { calls: { method: string; params: { afterId?: number } }[] }).calls.filter((c) => c.method === m).map((c) => c.params), method);

test('run detail: progress of a running run appends new platform requests; it never reloads the table from the top', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl); // the page keeps the token in this tab's sessionStorage
  await page.goto('about:blank');
  await useRecordingBridge(page);
  await page.goto(`${new URL(agent.launchUrl).origin}/#/history/${sandboxRun}`);
  const requests = page.getByRole('table', { name: 'Platform requests' });
  const bodyRows = requests.getByRole('row').filter({ has: page.getByRole('cell') });
  await expect(bodyRows).toHaveCount(4);
  const calls = (method: string) => callsOf(page, method);
  expect(await calls('history.requests')).toEqual([{ runId: sandboxRun, afterId: 0, limit: 500 }]);
  const lastId = (await rpc<{ id: number }[]>('history.requests', { runId: sandboxRun, limit: 10 })).at(-1)!.id;

  // The run goes on: three more requests are stored and progress events arrive in a burst.
  const db = new Database(join(agent.dataDir, 'esg-sync.db'));
  db.pragma('busy_timeout = 5000');
  const add = db.prepare("INSERT INTO run_requests (run_id, started_at, method, host, path, status, error, duration_ms, attempt, kind) VALUES (?, ?, 'POST', 'sandbox', ?, 200, NULL, 5, 1, 'api')");
  for (let i = 0; i < 3; i++) add.run(sandboxRun, new Date().toISOString(), `/v1/submissions:batch?part=${i + 2}`);
  db.close();
  const getsBefore = (await calls('history.get')).length;
  await page.evaluate((runId) => {
    const w = window as unknown as { emit: (e: string, p: unknown) => void };
    const progress = { runId, jobId: null, read: 1, sent: 1, accepted: 1, rejected: 0, bytes: 1, totalBytes: null, rowsPerSecond: 1, etaSeconds: null };
    for (let i = 0; i < 30; i++) w.emit('run.progress', progress);
    w.emit('run.progress', { ...progress, runId: runId + 1000 }); // another run's progress: ignored
  }, sandboxRun);
  await expect(bodyRows).toHaveCount(7);
  await expect(bodyRows.last()).toContainText('part=4');
  // One refresh for the burst, and only the new rows fetched, after the last one loaded.
  await page.waitForTimeout(1500);
  expect((await calls('history.get')).length - getsBefore).toBe(1);
  expect(await calls('history.requests')).toEqual([
    { runId: sandboxRun, afterId: 0, limit: 500 },
    { runId: sandboxRun, afterId: lastId, limit: 500 },
  ]);
  await context.close();
});

test('run detail: row errors of a running run are appended as found, and shown in line order once it ends', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(agent.launchUrl); // the page keeps the token in this tab's sessionStorage
  await page.goto('about:blank');
  await useRecordingBridge(page);
  // A run in progress that has found two read errors so far.
  const db = new Database(join(agent.dataDir, 'esg-sync.db'));
  db.pragma('busy_timeout = 5000');
  const runId = Number(
    db.prepare("INSERT INTO runs (job_name, trigger, status, started_at) VALUES ('Errors arriving late', 'manual', 'running', ?)").run(new Date().toISOString()).lastInsertRowid,
  );
  const addErrors = (lines: number[]) => {
    const add = db.prepare("INSERT INTO row_errors (run_id, line, column_name, value, reason) VALUES (?, ?, 'kWh', 'x', ?)");
    for (const line of lines) add.run(runId, line, `problem on line ${line}`);
  };
  const emit = (event: string, payload: unknown) =>
    page.evaluate(([e, p]) => (window as unknown as { emit: (e: string, p: unknown) => void }).emit(e as string, p), [event, payload] as const);
  addErrors([10, 20]);
  await page.goto(`${new URL(agent.launchUrl).origin}/#/history/${runId}`);
  await expect(page.getByText(/^Started by hand on/)).toContainText('still running');
  const lines = page.getByRole('region', { name: /Row errors/ }).getByRole('row').filter({ has: page.getByRole('cell') }).locator('td:first-child');
  await expect(lines).toHaveText(['10', '20']);

  // While it runs, a later line is appended; one found late with an earlier line (a platform
  // rejection, say) is not slipped in above the rows already shown.
  addErrors([30, 15]);
  await emit('run.progress', { runId, jobId: null, read: 40, sent: 0, accepted: 0, rejected: 4, bytes: 1, totalBytes: null, rowsPerSecond: 1, etaSeconds: null });
  await expect(lines).toHaveText(['10', '20', '30']);

  // The run ends: the table is read again from the top, in line order.
  db.prepare("UPDATE runs SET status = 'succeeded_with_rejections', finished_at = ? WHERE id = ?").run(new Date().toISOString(), runId);
  db.close();
  await emit('run.finished', (await rpc<{ run: unknown }>('history.get', { runId })).run);
  await expect(lines).toHaveText(['10', '15', '20', '30']);
  await expect(page.getByText(/^Started by hand on/)).toContainText('took');
  await context.close();
});

test('"Hide tour" sticks across sessions; the dashboard keeps one line with "Show tour" instead of the full tour', async ({ browser }) => {
  test.skip(skipReason !== null, skipReason ?? '');
  const page = await open(browser, 'light', '#/jobs');
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  const tour = page.getByRole('region', { name: /^Sandbox tour — step/ });
  await expect(tour).toBeVisible();
  await tour.getByRole('button', { name: 'Hide tour' }).click();
  await expect(page.getByRole('region', { name: /Sandbox tour/ })).toHaveCount(0);
  // The button that was pressed is gone: focus goes to the page's content, not to <body>.
  await expect(page.locator('#main')).toBeFocused();
  const storageState = await page.context().storageState();
  await page.context().close();

  // A new session (the app restarted): the same storage, a new context and page.
  for (const scheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 900 }, storageState });
    const again = await context.newPage();
    await openUi(again, agent, '/jobs');
    await expect(again.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
    await expect(again.getByRole('row', { name: /Sandbox: electricity reports/ }).first()).toBeVisible();
    await expect(again.getByRole('region', { name: /Sandbox tour/ })).toHaveCount(0);

    await again.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    const compact = again.getByRole('region', { name: /^Sandbox tour \(hidden\)/ });
    await expect(compact).toBeVisible();
    await expect(again.getByRole('region', { name: /^Sandbox tour — step/ })).toHaveCount(0);
    await expect(compact.getByRole('button', { name: 'Hide tour' })).toHaveCount(0);
    expect((await compact.boundingBox())!.height).toBeLessThan(80);
    await compact.screenshot({ path: join(shots, `tour-hidden-dashboard-${scheme}.png`) });
    await again.screenshot({ path: join(shots, `tour-hidden-dashboard-page-${scheme}.png`), fullPage: true });
    if (scheme === 'dark') {
      // "Show tour" brings it back in full, everywhere, and focus lands on "Hide tour".
      await compact.getByRole('button', { name: 'Show tour' }).click();
      const full = again.getByRole('region', { name: /^Sandbox tour — step/ });
      await expect(full.getByRole('button', { name: 'Hide tour' })).toBeFocused();
      await full.screenshot({ path: join(shots, `tour-shown-again-${scheme}.png`) });
      expect(await again.evaluate(() => localStorage.getItem('esg-sync.sandbox-tour.hidden'))).toBeNull();
    }
    await context.close();
  }
});
