export interface CloseDeps {
  /** True once the user chose Quit (menu, tray, Cmd+Q) or the system is shutting down. */
  isQuitting(): boolean;
  hide(): void;
  alreadyExplained(): boolean;
  rememberExplained(): void;
  /** Tells the user, once, that the app keeps syncing from the tray. */
  explain(): void;
}

/**
 * Closing the window is not quitting: the window hides and syncing goes on from the tray.
 * The first time, the user is told where the app went. Returns true when the close was turned
 * into a hide (the caller then prevents the default close).
 */
export function onWindowClose(deps: CloseDeps): boolean {
  if (deps.isQuitting()) return false;
  deps.hide();
  if (!deps.alreadyExplained()) {
    deps.rememberExplained();
    deps.explain();
  }
  return true;
}

export const CLOSE_EXPLAINED_KEY = 'desktop.closeExplained';

export function closeExplanation(platform: NodeJS.Platform): { title: string; message: string; detail: string } {
  const where = platform === 'darwin' ? 'menu bar' : platform === 'win32' ? 'notification area (system tray)' : 'system tray';
  return {
    title: 'ESG Sync Agent keeps running',
    message: 'ESG Sync Agent is still syncing in the background.',
    detail: `Scheduled jobs and watched folders keep running while the window is closed. Open the window again or quit from the icon in the ${where}.`,
  };
}
