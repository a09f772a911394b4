/**
 * A stand-in for the parts of Electron's main-process API the shell uses, recording what the
 * shell asks of it. Lets test/unit/electron/main-boot.test.ts run main/electron/main.ts for real
 * where no Electron binary can be installed.
 */
import { EventEmitter } from 'node:events';

type Listener = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

class Emitter extends EventEmitter {
  /** Emits an event whose first argument is a preventable Electron event; returns whether it was prevented. */
  fire(name: string, ...args: unknown[]): boolean {
    let prevented = false;
    const event = { preventDefault: () => void (prevented = true) };
    this.emit(name, event, ...args);
    return prevented;
  }
}

export class FakeWebContents extends Emitter {
  mainFrame = { url: '' };
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  scripts: string[] = [];
  sent: unknown[][] = [];
  destroyed = false;
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
    this.openHandler = h;
  }
  isLoading() {
    return false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  async executeJavaScript(code: string) {
    this.scripts.push(code);
  }
  send(...args: unknown[]) {
    this.sent.push(args);
  }
}

export class FakeBrowserWindow extends Emitter {
  static created: FakeBrowserWindow[] = [];
  static getAllWindows() {
    return FakeBrowserWindow.created.filter((w) => !w.destroyed);
  }
  webContents = new FakeWebContents();
  visible = false;
  destroyed = false;
  maximized = false;
  loaded: string | null = null;
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.created.push(this);
    fake.app.emit('web-contents-created', {}, this.webContents);
  }
  loadFile(path: string) {
    this.loaded = path;
    this.webContents.mainFrame.url = `file://${path}`;
    setImmediate(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {}
  restore() {}
  maximize() {
    this.maximized = true;
  }
  isMinimized() {
    return false;
  }
  isMaximized() {
    return this.maximized;
  }
  isVisible() {
    return this.visible;
  }
  isDestroyed() {
    return this.destroyed;
  }
  getNormalBounds() {
    return { x: 100, y: 80, width: 1100, height: 760 };
  }
  /** What the user's close button does: 'close', and unless prevented, the window goes. */
  close() {
    if (this.fire('close')) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

export class FakeTray extends Emitter {
  static created: FakeTray[] = [];
  tooltip = '';
  image: unknown;
  menu: { template: Record<string, unknown>[] } | null = null;
  destroyed = false;
  constructor(image: unknown) {
    super();
    this.image = image;
    FakeTray.created.push(this);
  }
  setImage(i: unknown) {
    this.image = i;
  }
  setToolTip(t: string) {
    this.tooltip = t;
  }
  setContextMenu(m: { template: Record<string, unknown>[] }) {
    this.menu = m;
  }
  isDestroyed() {
    return this.destroyed;
  }
}

export class FakeNotification extends Emitter {
  static shown: FakeNotification[] = [];
  static isSupported() {
    return true;
  }
  constructor(readonly options: { title: string; body: string }) {
    super();
  }
  show() {
    FakeNotification.shown.push(this);
  }
}

const handlers = new Map<string, Listener>();
const appEmitter = new Emitter();
let readyResolve: () => void = () => undefined;
const ready = new Promise<void>((r) => (readyResolve = r));

export const fake = {
  handlers,
  permissionRequest: null as Listener | null,
  permissionCheck: null as Listener | null,
  headers: null as Listener | null,
  applicationMenu: null as { template: Record<string, unknown>[] } | null,
  loginItem: { openAtLogin: false },
  openedPaths: [] as string[],
  openedExternal: [] as string[],
  dialogs: [] as unknown[],
  quitCalls: 0,
  becomeReady: () => readyResolve(),
  app: Object.assign(appEmitter, {
    isPackaged: false,
    requestSingleInstanceLock: () => true,
    whenReady: () => ready,
    getPath: () => '/nonexistent/userData',
    quit() {
      fake.quitCalls++;
    },
    exit(code: number) {
      throw new Error(`app.exit(${code})`);
    },
    getLoginItemSettings: () => ({ ...fake.loginItem }),
    setLoginItemSettings(s: { openAtLogin: boolean }) {
      fake.loginItem = { openAtLogin: s.openAtLogin };
    },
  }),
};

export const electronModule = {
  app: fake.app,
  BrowserWindow: FakeBrowserWindow,
  Tray: FakeTray,
  Notification: FakeNotification,
  ipcMain: { handle: (channel: string, fn: Listener) => void handlers.set(channel, fn) },
  Menu: {
    buildFromTemplate: (template: Record<string, unknown>[]) => ({ template }),
    setApplicationMenu: (m: { template: Record<string, unknown>[] }) => void (fake.applicationMenu = m),
  },
  nativeImage: { createFromPath: (p: string) => ({ path: p }) },
  nativeTheme: { shouldUseDarkColors: false },
  screen: {
    getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1040 } }],
    getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1040 } }),
  },
  session: {
    defaultSession: Object.assign(new Emitter(), {
      setPermissionRequestHandler: (h: Listener) => void (fake.permissionRequest = h),
      setPermissionCheckHandler: (h: Listener) => void (fake.permissionCheck = h),
      setDevicePermissionHandler: () => undefined,
      webRequest: { onHeadersReceived: (h: Listener) => void (fake.headers = h) },
    }),
  },
  shell: {
    openPath: async (p: string) => {
      fake.openedPaths.push(p);
      return '';
    },
    openExternal: async (u: string) => void fake.openedExternal.push(u),
  },
  dialog: {
    showErrorBox: (...a: unknown[]) => void fake.dialogs.push(a),
    showMessageBox: async (...a: unknown[]) => {
      fake.dialogs.push(a);
      return { response: 0 };
    },
    showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  },
};
