import { app, BrowserWindow, dialog, ipcMain, session, shell, type IpcMainInvokeEvent, type WebPreferences } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { IPC_DESKTOP_CHANNEL } from '../../shared/preload-bridge';
import { createEngineApi } from '../engine/api';
import { Engine } from '../engine/engine';
import { createDispatcher } from '../engine/rpc-dispatch';
import { SyncService } from '../engine/sync/service';
import { allowEnvFromEnvironment } from '../engine/secrets';
import { forwardEvents, registerIpcBridge } from './ipc';
import { RENDERER_CSP, secureWebPreferences } from './web-preferences';

// The shell stays thin: window, lifecycle, bridge. Everything the app does lives in the engine.

const rendererIndex = join(__dirname, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;
let mainWindow: BrowserWindow | null = null;
let engine: Engine | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.show();
      mainWindow.focus();
    }
  });
  void app.whenReady().then(start);
}

function isAppPage(url: string): boolean {
  return url.split('#')[0] === rendererUrl;
}

function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return !!mainWindow && event.sender === mainWindow.webContents && !!frame && frame === event.sender.mainFrame && isAppPage(frame.url);
}

/** Every window's preferences, kept where the Electron smoke test can assert them. */
const createdPreferences: WebPreferences[] = [];
(globalThis as { __esgSyncWebPreferences?: WebPreferences[] }).__esgSyncWebPreferences = createdPreferences;
function recordPreferences(prefs: WebPreferences): WebPreferences {
  createdPreferences.push({ ...prefs });
  return prefs;
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'ESG Sync Agent',
    webPreferences: recordPreferences(secureWebPreferences(join(__dirname, 'preload.cjs'))),
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAppPage(url)) e.preventDefault();
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Only plain https links leave the app, and only to the system browser.
    try {
      if (new URL(url).protocol === 'https:') void shell.openExternal(url);
    } catch {
      /* not a URL: ignore */
    }
    return { action: 'deny' };
  });
  void win.loadFile(rendererIndex);
  return win;
}

const DesktopRequest = z.discriminatedUnion('action', [
  z.object({ action: z.literal('pick-folder') }),
  z.object({ action: z.literal('open-path'), kind: z.enum(['logs', 'data']) }),
]);

async function start(): Promise<void> {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });

  try {
    engine = Engine.open({ dataDir: process.env.ESG_SYNC_DATA_DIR ?? app.getPath('userData'), mode: 'desktop' });
  } catch (err) {
    dialog.showErrorBox('ESG Sync Agent cannot start', err instanceof Error ? err.message : String(err));
    app.exit(2);
    return;
  }
  await engine.initSecrets({ allowEnv: allowEnvFromEnvironment(), service: process.env.ESG_SYNC_KEYCHAIN_SERVICE });
  engine.sync = new SyncService(engine);
  await engine.sync.start();
  const dispatch = createDispatcher(createEngineApi(engine), engine.logger);
  registerIpcBridge(dispatch, engine.events, isTrustedSender);
  forwardEvents(engine.events, () => mainWindow?.webContents ?? null);
  ipcMain.handle(IPC_DESKTOP_CHANNEL, async (event, raw: unknown) => {
    if (!isTrustedSender(event) || !engine) return null;
    const req = DesktopRequest.safeParse(raw);
    if (!req.success) return null;
    if (req.data.action === 'pick-folder') {
      const result = await dialog.showOpenDialog(mainWindow!, { properties: ['openDirectory'] });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    }
    await shell.openPath(req.data.kind === 'logs' ? engine.logDir : engine.dataDir);
    return null;
  });

  mainWindow = createWindow();
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  app.on('activate', () => {
    if (!mainWindow) mainWindow = createWindow();
  });
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (e, url) => {
    if (!isAppPage(url)) e.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  void engine?.stop();
});
