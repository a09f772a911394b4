import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { appMenuTemplate, type AppMenuActions } from '../../../main/electron/app-menu';

const actions = (): AppMenuActions & Record<string, ReturnType<typeof vi.fn>> => ({
  openSettings: vi.fn(),
  openLogsFolder: vi.fn(),
  openDataFolder: vi.fn(),
  showAbout: vi.fn(),
  quit: vi.fn(),
});

const sub = (m: MenuItemConstructorOptions) => (m.submenu ?? []) as MenuItemConstructorOptions[];
const byLabel = (items: MenuItemConstructorOptions[], label: string) => items.find((i) => i.label === label);

describe('application menu', () => {
  it('has the standard menus with their roles on Windows and Linux', () => {
    const menu = appMenuTemplate('win32', actions(), { devTools: false });
    expect(menu.map((m) => m.label ?? m.role)).toEqual(['File', 'editMenu', 'View', 'windowMenu', 'help']);
    const file = sub(menu[0]!);
    expect(byLabel(file, 'Settings')?.accelerator).toBe('CmdOrCtrl+,');
    expect(byLabel(file, 'Quit ESG Sync Agent')?.accelerator).toBe('CmdOrCtrl+Q');
    expect(sub(menu[2]!).map((i) => i.role).filter(Boolean)).toEqual(['reload', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']);
  });

  it('puts the app menu first on macOS, with About, Settings, Hide and Quit', () => {
    const menu = appMenuTemplate('darwin', actions(), { devTools: false });
    expect(menu[0]!.label).toBe('ESG Sync Agent');
    const app = sub(menu[0]!);
    expect(app.map((i) => i.role ?? i.label).filter((x) => x)).toEqual(
      expect.arrayContaining(['about', 'Settings…', 'services', 'hide', 'hideOthers', 'unhide', 'Quit ESG Sync Agent']),
    );
    // About lives in the app menu on macOS, not in Help.
    expect(byLabel(sub(menu.at(-1)!), 'About ESG Sync Agent')).toBeUndefined();
  });

  it('Help opens the logs and data folders', () => {
    const a = actions();
    const help = sub(appMenuTemplate('linux', a, { devTools: false }).at(-1)!);
    (byLabel(help, 'Open logs folder')!.click as () => void)();
    (byLabel(help, 'Open data folder')!.click as () => void)();
    (byLabel(help, 'About ESG Sync Agent')!.click as () => void)();
    expect(a.openLogsFolder).toHaveBeenCalledOnce();
    expect(a.openDataFolder).toHaveBeenCalledOnce();
    expect(a.showAbout).toHaveBeenCalledOnce();
  });

  it('offers developer tools only in development', () => {
    const roles = (devTools: boolean) => sub(appMenuTemplate('linux', actions(), { devTools })[2]!).map((i) => i.role);
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toContain('toggleDevTools');
  });
});
