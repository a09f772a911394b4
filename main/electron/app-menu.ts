import type { MenuItemConstructorOptions } from 'electron';

export interface AppMenuActions {
  openSettings(): void;
  openLogsFolder(): void;
  openDataFolder(): void;
  showAbout(): void;
  quit(): void;
}

/**
 * The native menu bar with the platform's standard roles (they bring the standard shortcuts:
 * copy/paste, undo, zoom, full screen, minimise…). Developer tools only in development.
 */
export function appMenuTemplate(platform: NodeJS.Platform, actions: AppMenuActions, opts: { devTools: boolean }): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const settings: MenuItemConstructorOptions = { label: mac ? 'Settings…' : 'Settings', accelerator: 'CmdOrCtrl+,', click: () => actions.openSettings() };
  const quit: MenuItemConstructorOptions = { label: 'Quit ESG Sync Agent', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() };
  const menus: MenuItemConstructorOptions[] = [];
  if (mac) {
    menus.push({
      label: 'ESG Sync Agent',
      submenu: [{ role: 'about' }, { type: 'separator' }, settings, { type: 'separator' }, { role: 'services' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, quit],
    });
  }
  menus.push({
    label: 'File',
    submenu: mac ? [{ role: 'close', label: 'Close Window' }] : [settings, { type: 'separator' }, { role: 'close', label: 'Close Window' }, quit],
  });
  menus.push({ role: 'editMenu' });
  menus.push({
    label: 'View',
    submenu: [
      { role: 'reload' },
      ...(opts.devTools ? [{ role: 'toggleDevTools' } satisfies MenuItemConstructorOptions] : []),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });
  menus.push({ role: 'windowMenu' });
  menus.push({
    role: 'help',
    submenu: [
      { label: 'Open logs folder', click: () => actions.openLogsFolder() },
      { label: 'Open data folder', click: () => actions.openDataFolder() },
      ...(mac ? [] : [{ type: 'separator' } satisfies MenuItemConstructorOptions, { label: 'About ESG Sync Agent', click: () => actions.showAbout() } satisfies MenuItemConstructorOptions]),
    ],
  });
  return menus;
}
