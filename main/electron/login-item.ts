import type { Settings } from '../../shared/api';

/**
 * Whether the app should start when the user logs in: what they chose, or — until they choose —
 * on as soon as there is a job to keep running (a first run with nothing set up stays out of the way).
 */
export function wantsStartAtLogin(setting: Settings['startAtLogin'], jobCount: number): boolean {
  return setting ?? jobCount > 0;
}

export interface LoginItemApi {
  getLoginItemSettings(options?: { args?: string[] }): { openAtLogin: boolean };
  setLoginItemSettings(settings: { openAtLogin: boolean; openAsHidden?: boolean; args?: string[] }): void;
}

/** The argument a login launch carries, so it starts in the tray without a window. */
export const HIDDEN_ARG = '--hidden';

/** Applies the wanted state when it differs from the system's; returns what changed for the log. */
export function applyLoginItem(api: LoginItemApi, want: boolean): 'enabled' | 'disabled' | null {
  // Windows keys the entry by its arguments: ask about the same ones we register.
  if (api.getLoginItemSettings({ args: [HIDDEN_ARG] }).openAtLogin === want) return null;
  api.setLoginItemSettings({ openAtLogin: want, openAsHidden: true, args: [HIDDEN_ARG] });
  return want ? 'enabled' : 'disabled';
}
