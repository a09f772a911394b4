/** The desktop save dialog for a configuration export (Settings → "Export configuration…"): a JSON filter, and .json added when missing. */
import { describe, expect, it, vi } from 'vitest';
import { handleDesktopRequest, type DesktopDeps } from '../../../main/electron/desktop-ipc';

function deps(result: { canceled: boolean; filePath?: string }): DesktopDeps {
  return {
    showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] })),
    showSaveDialog: vi.fn(async () => result),
    openPath: vi.fn(async () => ''),
    paths: () => ({ logs: '/data/logs', data: '/data' }),
    log: { warn: vi.fn() },
  };
}

const save = (suggestedName: unknown) => ({ action: 'save-file', suggestedName, kind: 'json' });

describe('desktop "save the configuration file" request', () => {
  it('opens the save dialog with a JSON filter and answers the chosen path, adding .json when the dialog left it out', async () => {
    const d = deps({ canceled: false, filePath: '/home/ana/esg-sync-config-2024-05-31.json' });
    expect(await handleDesktopRequest(save('esg-sync-config-2024-05-31.json'), d)).toBe('/home/ana/esg-sync-config-2024-05-31.json');
    expect(d.showSaveDialog).toHaveBeenCalledWith({
      title: 'Save the configuration file',
      defaultPath: 'esg-sync-config-2024-05-31.json',
      filters: [{ name: 'Configuration file (JSON)', extensions: ['json'] }],
    });
    expect(await handleDesktopRequest(save('c.json'), deps({ canceled: false, filePath: '/home/ana/config' }))).toBe('/home/ana/config.json');
    expect(await handleDesktopRequest(save('c.json'), deps({ canceled: false, filePath: '/home/ana/config.csv' }))).toBe('/home/ana/config.csv.json');
  });

  it('refuses a suggested name that is a path without opening a dialog', async () => {
    const d = deps({ canceled: false, filePath: '/home/ana/x.json' });
    expect(await handleDesktopRequest(save('../x.json'), d)).toBeNull();
    expect(d.showSaveDialog).not.toHaveBeenCalled();
  });
});
