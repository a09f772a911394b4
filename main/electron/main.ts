import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  nativeTheme,
  Notification,
  screen,
  session,
  shell,
  Tray,
  type IpcMainInvokeEvent,
  type WebContents,
  type WebPreferences,
} from 'electron';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MethodName, Params, Result, RunSummary } from '../../shared/api';
import { IPC_DESKTOP_CHANNEL } from '../../shared/preload-bridge';
import { createEngineApi } from '../engine/api';
import { Engine } from '../engine/engine';
import { guardProcess } from '../engine/process-guard';
import { createDispatcher } from '../engine/rpc-dispatch';
import { SyncService } from '../engine/sync/service';
import { applyHeapPolicy } from '../engine/runtime/heap-policy';
import { allowEnvFromEnvironment } from '../engine/secrets';
import { appMenuTemplate } from './app-menu';
import { CLOSE_EXPLAINED_KEY, closeExplanation, onWindowClose } from './close-behaviour';
import { handleDesktopRequest } from './desktop-ipc';
import { isTrustedSender as trustedSender } from './sender';
import { forwardEvents, registerIpcBridge } from './ipc';
import { isAppPage, runRoute, safeExternalUrl } from './links';
import { applyLoginItem, HIDDEN_ARG, wantsStartAtLogin } from './login-item';
import { NoticeGate, runNotice } from './notifications';
import { trayIconPath } from './tray-icons';
import { trayMenuTemplate } from './tray-menu';
import { trayState, type TrayState } from './tray-state';
import { acquireAgentLock, DESKTOP_APP } from '../agent/agent-lock';
import { startUpdater, updaterDecision, type UpdaterLike } from './updater';
import { RENDERER_CSP } from './web-preferences';
import { debounce, fitToDisplays, parseWindowState, WINDOW_STATE_FILE, type WindowState } from './window-state';
import { mainWindowOptions } from './windows';

// The shell stays thin: windows, tray, menus, notifications, lifecycle and the bridge. Each
// decision lives in a small module beside this file with its own unit test; this file wires
// them to Electron. Everything the app does lives in the engine.

const rendererIndex = join(__dirname, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;
const startedHidden = process.argv.includes(HIDDEN_ARG);
let mainWindow: BrowserWindow | null = null;
let engine: Engine | null = null;
let releaseAgentLock: (() => void) | null = null;
let tray: Tray | null = null;
let lastTrayState: TrayState | null = null;
let quitting = false;
let engineStopped = false;
let updaterStarted = false;
let call: <M extends MethodName>(method: M, params: Params<M>) => Promise<Result<M>>;

// The engine runs in this process; its ingest allocates fast, and V8's default growth lets the heap balloon.
applyHeapPolicy();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  void app.whenReady().then(start);
}

function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  return trustedSender(event, mainWindow && !mainWindow.isDestroyed() ? mainWindow : null, rendererUrl);
}

/** Every window's preferences, kept where the Electron smoke test can assert them. */
const createdPreferences: WebPreferences[] = [];

// ------------------------------------------------------------------ window

function windowStatePath(): string {
  return join(engine!.dataDir, WINDOW_STATE_FILE);
}

function readWindowState(): WindowState | null {
  try {
    return parseWindowState(readFileSync(windowStatePath(), 'utf8'));
  } catch {
    return null;
  }
}

function createWindow(): BrowserWindow {
  const bounds = fitToDisplays(
    readWindowState(),
    screen.getAllDisplays().map((d) => d.workArea),
    screen.getPrimaryDisplay().workArea,
  );
  const icon = join(__dirname, 'icon.png');
  const options = mainWindowOptions({
    preloadPath: join(__dirname, 'preload.cjs'),
    bounds,
    iconPath: existsSync(icon) ? icon : undefined,
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#0d1117' : '#f6f7f9',
  });
  createdPreferences.push({ ...options.webPreferences });
  const win = new BrowserWindow(options);
  if (bounds.maximized) win.maximize();
  // Shown once painted, so it never flashes blank; a login launch creates no window at all.
  win.once('ready-to-show', () => win.show());

  const writeState = () => {
    if (win.isDestroyed() || win.isMinimized()) return;
    const b = win.getNormalBounds();
    const state: WindowState = { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() };
    try {
      writeFileSync(windowStatePath(), JSON.stringify(state));
    } catch (err) {
      engine?.logger.warn({ err }, 'could not remember the window position');
    }
  };
  const saveState = debounce(writeState, 500);
  win.on('resize', saveState);
  win.on('move', saveState);
  win.on('maximize', saveState);
  win.on('unmaximize', saveState);

  // The engine lives in this process, so a crashed page costs nothing but the page: reload it
  // (a few times at most, so a page that crashes on load does not spin).
  let reloads = 0;
  win.webContents.on('render-process-gone', (_e, details) => {
    engine?.logger.error({ reason: details.reason, exitCode: details.exitCode }, 'the window’s page stopped; syncing goes on');
    if (details.reason !== 'clean-exit' && reloads++ < 3 && !win.isDestroyed()) win.reload();
  });

  win.on('close', (event) => {
    writeState();
    const hidden = onWindowClose({
      isQuitting: () => quitting,
      hide: () => win.hide(),
      alreadyExplained: () => engine?.store.settings.getRaw(CLOSE_EXPLAINED_KEY) === true,
      rememberExplained: () => engine?.store.settings.setRaw(CLOSE_EXPLAINED_KEY, true),
      explain: () => {
        const text = closeExplanation(process.platform);
        if (Notification.isSupported()) new Notification({ title: text.title, body: text.detail }).show();
        else void dialog.showMessageBox({ type: 'info', title: text.title, message: text.message, detail: text.detail, buttons: ['OK'] });
      },
    });
    if (hidden) event.preventDefault();
  });
  void win.loadFile(rendererIndex);
  return win;
}

/** No navigation away from the app page, no new windows, no webviews; https links go to the browser. */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (e, url) => {
    if (!isAppPage(url, rendererUrl)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!isAppPage(url, rendererUrl)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const safe = safeExternalUrl(url);
    if (safe) void shell.openExternal(safe);
    else engine?.logger.warn({ url: url.slice(0, 200) }, 'refused to open a link that is not a plain https address');
    return { action: 'deny' };
  });
}

function showWindow(route?: string): void {
  if (!engine) return;
  const fresh = !mainWindow || mainWindow.isDestroyed();
  if (fresh) {
    mainWindow = createWindow();
    mainWindow.on('closed', () => (mainWindow = null));
  }
  const win = mainWindow!;
  if (!fresh) {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }
  if (route) {
    // A hash change inside the app page: HashRouter shows the route, nothing reloads.
    const go = () => void win.webContents.executeJavaScript(`location.hash = ${JSON.stringify(`#${route}`)}`);
    if (win.webContents.isLoading()) win.webContents.once('did-finish-load', go);
    else go();
  }
}

// ------------------------------------------------------------------ tray

async function refreshTray(): Promise<void> {
  if (!tray || tray.isDestroyed() || !engine) return;
  const state = trayState(engine.status(), await call('jobs.list', {}), new Date(), { sources: await call('sources.list', {}), connections: await call('connections.list', {}) });
  if (lastTrayState?.kind !== state.kind) tray.setImage(nativeImage.createFromPath(trayIconPath(__dirname, state.kind)));
  tray.setToolTip(state.tooltip);
  tray.setContextMenu(
    Menu.buildFromTemplate(
      trayMenuTemplate(state, {
        open: () => showWindow(),
        runAll: () => void runAllJobs(),
        pauseFor: (minutes) => void call('engine.pause', { minutes }),
        pauseUntilResumed: () => void call('engine.pause', { minutes: null }),
        resume: () => void call('engine.resume', {}),
        quit: () => app.quit(),
      }),
    ),
  );
  lastTrayState = state;
}

async function runAllJobs(): Promise<void> {
  const jobs = (await call('jobs.list', {})).filter((j) => !j.paused);
  for (const job of jobs) {
    try {
      await call('jobs.run', { jobId: job.id });
    } catch (err) {
      engine?.logger.warn({ err, job: job.id }, 'could not start a job from the tray');
    }
  }
}

function createTray(): void {
  try {
    tray = new Tray(nativeImage.createFromPath(trayIconPath(__dirname, 'ok')));
    tray.on('click', () => showWindow());
  } catch (err) {
    // Some Linux desktops have no tray: the app still runs, a second launch opens the window.
    engine?.logger.warn({ err }, 'no system tray available');
    tray = null;
    return;
  }
  const refresh = debounce(() => void refreshTray().catch((err: unknown) => engine?.logger.warn({ err }, 'tray refresh failed')), 250);
  engine!.events.subscribe((event) => {
    if (event === 'run.started' || event === 'run.finished' || event === 'engine.changed') refresh();
  });
  refresh.flush();
  void refreshTray();
  // A timed pause ends by itself; look again every minute so the tray does not keep saying "paused".
  setInterval(refresh, 60_000).unref();
}

// ------------------------------------------------------------------ notifications, login item, updates

function watchRunsForNotifications(): void {
  const gate = new NoticeGate();
  engine!.events.subscribe((event, payload) => {
    if (event !== 'run.finished' || !engine || !Notification.isSupported()) return;
    const run = payload as RunSummary;
    const notice = runNotice(run, engine.store.settings.get());
    if (!notice || !gate.admit(notice.runId)) return;
    const n = new Notification({ title: notice.title, body: notice.body });
    n.on('click', () => showWindow(runRoute(notice.runId)));
    n.show();
  });
}

function syncLoginItem(): void {
  if (!engine) return;
  if (!app.isPackaged && process.env.ESG_SYNC_LOGIN_ITEM !== '1') {
    engine.logger.debug('start at login is managed only by installed builds');
    return;
  }
  const want = wantsStartAtLogin(engine.store.settings.get().startAtLogin, engine.store.jobs.list().length);
  const changed = applyLoginItem(app, want);
  if (changed) engine.logger.info({ startAtLogin: changed }, 'start at login updated');
}

function maybeStartUpdater(): void {
  if (!engine || updaterStarted) return;
  const decision = updaterDecision({
    packaged: app.isPackaged,
    // electron-builder writes app-update.yml beside the app only when `publish` names a provider.
    updateConfigPresent: app.isPackaged && existsSync(join(process.resourcesPath, 'app-update.yml')),
    autoUpdate: engine.store.settings.get().autoUpdate,
  });
  if (!decision.enabled) {
    engine.logger.info({ reason: decision.reason }, 'automatic updates disabled');
    return;
  }
  updaterStarted = true;
  const log = engine.logger;
  import('electron-updater')
    .then((m) => {
      // A CommonJS package seen through import(): the lazy getter may only be on the default export.
      const mod = m as unknown as { autoUpdater?: UpdaterLike; default?: { autoUpdater?: UpdaterLike } };
      const updater = mod.autoUpdater ?? mod.default?.autoUpdater;
      if (!updater) throw new Error('electron-updater has no autoUpdater export');
      startUpdater(updater, log);
    })
    .catch((err: unknown) => log.warn({ err }, 'could not load the updater'));
}

/** Calls that change what the shell shows or registers with the system. */
const AFTER_CALL: Partial<Record<MethodName, () => void>> = {
  'settings.update': () => {
    syncLoginItem();
    maybeStartUpdater();
  },
  'jobs.add': syncLoginItem,
  'jobs.remove': syncLoginItem,
};

// ------------------------------------------------------------------ start

async function start(): Promise<void> {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.setDevicePermissionHandler(() => false);
  session.defaultSession.on('will-download', (e) => e.preventDefault());
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });

  try {
    const dataDir = process.env.ESG_SYNC_DATA_DIR ?? app.getPath('userData');
    // One agent per data folder, desktop or headless: two schedulers over one store would run every job twice.
    releaseAgentLock = acquireAgentLock(dataDir, DESKTOP_APP);
    engine = Engine.open({ dataDir, mode: 'desktop' });
  } catch (err) {
    releaseAgentLock?.();
    dialog.showErrorBox('ESG Sync Agent cannot start', err instanceof Error ? err.message : String(err));
    app.exit(2);
    return;
  }
  guardProcess(engine.logger, (code) => app.exit(code));
  await engine.initSecrets({ allowEnv: allowEnvFromEnvironment(), service: process.env.ESG_SYNC_KEYCHAIN_SERVICE });
  engine.sync = new SyncService(engine);
  await engine.sync.start();
  const dispatch = createDispatcher(createEngineApi(engine), engine.logger);
  call = async (method, params) => {
    const r = await dispatch(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.result as Result<typeof method>;
  };
  registerIpcBridge(
    async (method, params) => {
      const r = await dispatch(method, params);
      if (r.ok) AFTER_CALL[method as MethodName]?.();
      return r;
    },
    engine.events,
    isTrustedSender,
  );
  forwardEvents(engine.events, () => mainWindow?.webContents ?? null);
  const desktopLog = engine.logger;
  ipcMain.handle(IPC_DESKTOP_CHANNEL, async (event, raw: unknown) => {
    if (!isTrustedSender(event) || !engine) return null;
    return handleDesktopRequest(raw, {
      showOpenDialog: (options) => (mainWindow ? dialog.showOpenDialog(mainWindow, options) : dialog.showOpenDialog(options)),
      showSaveDialog: (options) => {
        // The page suggests a bare file name; the dialog opens in the person's Downloads folder.
        const withFolder = { ...options, defaultPath: join(app.getPath('downloads'), options.defaultPath) };
        return mainWindow ? dialog.showSaveDialog(mainWindow, withFolder) : dialog.showSaveDialog(withFolder);
      },
      openPath: (path) => shell.openPath(path),
      paths: () => ({ logs: engine!.logDir, data: engine!.dataDir }),
      log: desktopLog,
    });
  });

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      appMenuTemplate(
        process.platform,
        {
          openSettings: () => showWindow('/settings'),
          openLogsFolder: () => void shell.openPath(engine!.logDir),
          openDataFolder: () => void shell.openPath(engine!.dataDir),
          showAbout: () =>
            void dialog.showMessageBox({
              type: 'info',
              title: 'About ESG Sync Agent',
              message: `ESG Sync Agent ${engine!.version}`,
              detail: `Data folder: ${engine!.dataDir}\nLogs: ${engine!.logDir}`,
              buttons: ['OK'],
            }),
          quit: () => app.quit(),
        },
        { devTools: !app.isPackaged },
      ),
    ),
  );

  createTray();
  watchRunsForNotifications();
  syncLoginItem();
  maybeStartUpdater();
  if (startedHidden && tray) {
    engine.logger.info('started at login: running in the tray');
  } else {
    showWindow();
  }

  if (process.env.ESG_SYNC_E2E === '1') {
    // Read by test/e2e/electron.spec.ts through electronApp.evaluate; absent in normal runs.
    (globalThis as Record<string, unknown>).__esgSyncTest = {
      webPreferences: () => createdPreferences.map((p) => ({ ...p })),
      tray: () => ({ exists: !!tray && !tray.isDestroyed(), kind: lastTrayState?.kind ?? null, tooltip: lastTrayState?.tooltip ?? null }),
    };
  }
}

app.on('web-contents-created', (_e, contents) => lockDown(contents));

// Closing the last window keeps the app (and syncing) alive in the tray; Quit is explicit.
app.on('window-all-closed', () => {
  if (!tray) app.quit();
});

app.on('activate', () => showWindow());

app.on('before-quit', () => {
  quitting = true;
});

app.on('will-quit', (event) => {
  if (!engine || engineStopped) return;
  // Let the engine finish its current write and close the store before the process ends.
  event.preventDefault();
  void engine.stop().finally(() => {
    engineStopped = true;
    releaseAgentLock?.();
    app.quit();
  });
});
