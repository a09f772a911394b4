/**
 * Runs the real Electron main process (main/electron/main.ts) against a recording stand-in for
 * Electron: the engine starts, one locked-down window opens, the tray shows the engine's state
 * and drives it, IPC checks its sender, closing hides, failed runs notify and open the run, and
 * quitting stops the engine. The Playwright spec does the same with a real binary where one exists.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Engine } from '../../../main/engine/engine';
import { IPC_CALL_CHANNEL, IPC_DESKTOP_CHANNEL } from '../../../shared/preload-bridge';
import { fake, FakeBrowserWindow, FakeNotification, FakeTray } from './fake-electron';
import { run } from './fixtures';

vi.mock('electron', async () => (await import('./fake-electron')).electronModule);

const dataDir = mkdtempSync(join(tmpdir(), 'esg-electron-boot-'));
const appUrl = pathToFileURL(resolve(import.meta.dirname, '../../../main/renderer/index.html')).href;
let engine: Engine;

type MenuItem = { id?: string; label?: string; click?: () => void; submenu?: MenuItem[] };
const trayItems = () => (FakeTray.created[0]!.menu!.template as MenuItem[]).filter((i) => i.id);
const win = () => FakeBrowserWindow.created[0]!;
const trusted = () => ({ sender: win().webContents, senderFrame: win().webContents.mainFrame });

beforeAll(async () => {
  process.env.ESG_SYNC_DATA_DIR = dataDir;
  process.env.ESG_SYNC_KEYCHAIN_SERVICE = 'esg-sync-test-electron-boot';
  process.env.ESG_SYNC_E2E = '1';
  process.env.ESG_SYNC_LOGIN_ITEM = '1'; // manage the login item although this is not a packaged build
  const { Engine: EngineClass } = await import('../../../main/engine/engine');
  const open = vi.spyOn(EngineClass, 'open');
  await import('../../../main/electron/main');
  fake.becomeReady();
  await vi.waitFor(() => expect(FakeTray.created[0]?.menu).toBeTruthy(), { timeout: 20_000 });
  engine = open.mock.results[0]!.value as Engine;
}, 60_000);

afterAll(() => {
  delete process.env.ESG_SYNC_E2E;
  delete process.env.ESG_SYNC_LOGIN_ITEM;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Electron main process', () => {
  it('denies every permission and sets the CSP on every response', () => {
    const answer = vi.fn();
    fake.permissionRequest!({}, 'media', answer);
    expect(answer).toHaveBeenCalledWith(false);
    expect(fake.permissionCheck!({}, 'notifications')).toBe(false);
    const headers = vi.fn();
    fake.headers!({ responseHeaders: {} }, headers);
    expect(headers.mock.calls[0]![0].responseHeaders['Content-Security-Policy'][0]).toMatch(/default-src 'self'/);
  });

  it('opens one window with the app page and locked-down preferences', async () => {
    expect(FakeBrowserWindow.created).toHaveLength(1);
    expect(win().options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false });
    expect(win().webContents.mainFrame.url).toBe(appUrl);
    await vi.waitFor(() => expect(win().visible).toBe(true));
    const hooks = (globalThis as unknown as { __esgSyncTest: { webPreferences(): unknown[] } }).__esgSyncTest;
    expect(hooks.webPreferences()).toEqual([win().options.webPreferences]);
  });

  it('blocks navigation away from the app and only sends https links to the browser', () => {
    const wc = win().webContents;
    expect(wc.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(wc.fire('will-navigate', `${appUrl}#/jobs`)).toBe(false);
    expect(wc.fire('will-attach-webview')).toBe(true);
    expect(wc.openHandler!({ url: 'https://docs.example.com/x' })).toEqual({ action: 'deny' });
    expect(wc.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(fake.openedExternal).toEqual(['https://docs.example.com/x']);
  });

  it('answers IPC calls from its own page only', async () => {
    const call = fake.handlers.get(IPC_CALL_CHANNEL)!;
    expect(await call(trusted(), { method: 'engine.status', params: {} })).toMatchObject({ ok: true, result: { dataDir } });
    expect(await call({ sender: {}, senderFrame: { url: appUrl } }, { method: 'engine.status', params: {} })).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await call({ sender: win().webContents, senderFrame: { url: appUrl } }, { method: 'engine.status', params: {} })).toMatchObject({ ok: false });
    const desktop = fake.handlers.get(IPC_DESKTOP_CHANNEL)!;
    await desktop(trusted(), { action: 'open-path', kind: 'logs' });
    await desktop(trusted(), { action: 'open-path', kind: '/etc' });
    await desktop({ sender: {}, senderFrame: null }, { action: 'open-path', kind: 'data' });
    expect(fake.openedPaths).toEqual([join(dataDir, 'logs')]);
  });

  it('shows the engine state in the tray and pauses and resumes from it', async () => {
    const tray = FakeTray.created[0]!;
    expect(tray.tooltip).toBe('ESG Sync Agent — no jobs yet');
    expect((tray.image as { path: string }).path).toMatch(/tray-ok\.png$/);
    trayItems().find((i) => i.id === 'pause')!.click!();
    await vi.waitFor(() => expect(tray.tooltip).toMatch(/paused until you resume/));
    expect((tray.image as { path: string }).path).toMatch(/tray-paused\.png$/);
    expect(engine.isPaused()).toBe(true);
    trayItems().find((i) => i.id === 'resume')!.click!();
    await vi.waitFor(() => expect(tray.tooltip).toBe('ESG Sync Agent — no jobs yet'));
    expect(engine.isPaused()).toBe(false);
  });

  it('registers start at login when the user turns it on, and follows the default (no jobs: off) again', async () => {
    const call = fake.handlers.get(IPC_CALL_CHANNEL)!;
    expect(fake.loginItem.openAtLogin).toBe(false);
    expect(await call(trusted(), { method: 'settings.update', params: { startAtLogin: true } })).toMatchObject({ ok: true });
    expect(fake.loginItem.openAtLogin).toBe(true);
    expect(await call(trusted(), { method: 'settings.update', params: { startAtLogin: null } })).toMatchObject({ ok: true });
    expect(fake.loginItem.openAtLogin).toBe(false);
  });

  it('has the standard menus, with the logs folder under Help', () => {
    const menus = fake.applicationMenu!.template as MenuItem[] & { role?: string }[];
    const help = menus.at(-1)!.submenu!;
    help.find((i) => i.label === 'Open logs folder')!.click!();
    expect(fake.openedPaths.at(-1)).toBe(join(dataDir, 'logs'));
  });

  it('notifies about a failed run and opens it when the notification is clicked', async () => {
    engine.events.emit('run.finished', run({ id: 7, status: 'failed', error: 'Platform unreachable' }));
    engine.events.emit('run.finished', run({ id: 7, status: 'failed', error: 'Platform unreachable' }));
    engine.events.emit('run.finished', run({ id: 8, status: 'succeeded' }));
    const notes = FakeNotification.shown.filter((n) => n.options.title.includes('failed'));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.options).toEqual({ title: '“Electricity to platform” failed', body: 'Platform unreachable' });
    notes[0]!.emit('click');
    expect(win().webContents.scripts.at(-1)).toBe('location.hash = "#/history/7"');
  });

  it('closing the window hides it, explains once, and remembers the position', () => {
    win().close();
    expect(win().destroyed).toBe(false);
    expect(win().visible).toBe(false);
    win().show();
    win().close();
    const explanations = FakeNotification.shown.filter((n) => n.options.title === 'ESG Sync Agent keeps running');
    expect(explanations).toHaveLength(1);
    expect(engine.store.settings.getRaw('desktop.closeExplained')).toBe(true);
    expect(JSON.parse(readFileSync(join(dataDir, 'window-state.json'), 'utf8'))).toEqual({ x: 100, y: 80, width: 1100, height: 760, maximized: false });
  });

  it('a second launch brings the window back', () => {
    fake.app.emit('second-instance');
    expect(win().visible).toBe(true);
  });

  it('quitting closes the window for real and stops the engine first', async () => {
    fake.app.emit('before-quit');
    win().close();
    expect(win().destroyed).toBe(true);
    expect(fake.app.fire('will-quit')).toBe(true); // held until the engine has stopped
    await vi.waitFor(() => expect(fake.quitCalls).toBeGreaterThan(0));
    expect(() => engine.store.settings.get()).toThrow(); // store closed
    expect(fake.app.fire('will-quit')).toBe(false);
  });
});
