import type { BrowserWindowConstructorOptions } from 'electron';
import { MIN_SIZE, type WindowState } from './window-state';
import { secureWebPreferences } from './web-preferences';

/**
 * The options of the app's one window. Every BrowserWindow the app creates is built from this
 * function (test/unit/electron/windows.test.ts checks both that and the preferences).
 */
export function mainWindowOptions(opts: { preloadPath: string; bounds: WindowState; iconPath?: string; backgroundColor: string }): BrowserWindowConstructorOptions {
  return {
    x: opts.bounds.x,
    y: opts.bounds.y,
    width: opts.bounds.width,
    height: opts.bounds.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'ESG Sync Agent',
    backgroundColor: opts.backgroundColor,
    ...(opts.iconPath ? { icon: opts.iconPath } : {}),
    webPreferences: secureWebPreferences(opts.preloadPath),
  };
}
