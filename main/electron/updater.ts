export interface UpdaterFacts {
  /** Running from an installed package (app.isPackaged), not from a development checkout. */
  packaged: boolean;
  /** electron-builder wrote app-update.yml, i.e. the build had a `publish` provider configured. */
  updateConfigPresent: boolean;
  /** Settings.autoUpdate. */
  autoUpdate: boolean;
}

export type UpdaterDecision = { enabled: true } | { enabled: false; reason: string };

/** Whether to check for updates, and if not, a reason that goes to the log. */
export function updaterDecision(f: UpdaterFacts): UpdaterDecision {
  if (!f.autoUpdate) return { enabled: false, reason: 'automatic updates are turned off in Settings' };
  if (!f.packaged) return { enabled: false, reason: 'not an installed build (development run)' };
  if (!f.updateConfigPresent)
    return { enabled: false, reason: 'this build has no update provider (electron-builder.yml `publish` is not configured)' };
  return { enabled: true };
}

/** The part of electron-updater's autoUpdater this app uses, so the wiring can be tested without it. */
export interface UpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  logger: unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'update-downloaded', listener: (info: { version: string }) => void): unknown;
  checkForUpdates(): Promise<unknown>;
}

export interface UpdaterLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export const UPDATE_CHECK_INTERVAL_MS = 6 * 3600_000;

/**
 * Downloads updates in the background and installs them when the app next quits. A failed
 * check is logged and retried at the next interval; it never interrupts syncing.
 */
export function startUpdater(updater: UpdaterLike, log: UpdaterLog, setTimer: (fn: () => void, ms: number) => unknown = setInterval): void {
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = true;
  updater.logger = null;
  updater.on('error', (err) => log.warn({ err }, 'update check failed; trying again later'));
  updater.on('update-downloaded', (info) => log.info({ version: info.version }, 'update downloaded; it is installed when the app quits'));
  const check = () => {
    updater.checkForUpdates().catch((err: unknown) => log.warn({ err }, 'update check failed; trying again later'));
  };
  check();
  setTimer(check, UPDATE_CHECK_INTERVAL_MS);
}
