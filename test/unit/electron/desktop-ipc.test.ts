import { describe, expect, it, vi } from 'vitest';
import { handleDesktopRequest, type DesktopDeps } from '../../../main/electron/desktop-ipc';

function deps(dialogResult: { canceled: boolean; filePaths: string[] }, openError = ''): DesktopDeps & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    showOpenDialog: vi.fn(async () => dialogResult),
    showSaveDialog: vi.fn(async () => ({ canceled: true })),
    openPath: vi.fn(async (p: string) => {
      opened.push(p);
      return openError;
    }),
    paths: () => ({ logs: '/data/logs', data: '/data' }),
    log: { warn: vi.fn() },
  };
}

describe('desktop requests from the page', () => {
  it('picks a folder with the native dialog', async () => {
    const d = deps({ canceled: false, filePaths: ['/home/ana/Utility bills'] });
    expect(await handleDesktopRequest({ action: 'pick-folder' }, d)).toBe('/home/ana/Utility bills');
    expect(d.showOpenDialog).toHaveBeenCalledWith(expect.objectContaining({ properties: expect.arrayContaining(['openDirectory']) }));
  });

  it('answers null when the dialog was cancelled or gave no usable path', async () => {
    expect(await handleDesktopRequest({ action: 'pick-folder' }, deps({ canceled: true, filePaths: [] }))).toBeNull();
    expect(await handleDesktopRequest({ action: 'pick-folder' }, deps({ canceled: false, filePaths: [] }))).toBeNull();
    expect(await handleDesktopRequest({ action: 'pick-folder' }, deps({ canceled: false, filePaths: ['relative/dir'] }))).toBeNull();
  });

  it('opens only the two known folders, never a path the page names', async () => {
    const d = deps({ canceled: true, filePaths: [] });
    await handleDesktopRequest({ action: 'open-path', kind: 'logs' }, d);
    await handleDesktopRequest({ action: 'open-path', kind: 'data' }, d);
    for (const bad of [{ action: 'open-path', kind: '/etc' }, { action: 'open-path', kind: 'logs', path: '/etc' }, { action: 'open-external', url: 'https://x' }, null, 'pick-folder'])
      expect(await handleDesktopRequest(bad, d)).toBeNull();
    expect(d.opened).toEqual(['/data/logs', '/data']);
    expect(d.log.warn).toHaveBeenCalledTimes(5);
  });

  it('logs when the system could not open the folder', async () => {
    const d = deps({ canceled: true, filePaths: [] }, 'No application knows how to open this');
    await handleDesktopRequest({ action: 'open-path', kind: 'logs' }, d);
    expect(d.log.warn).toHaveBeenCalledWith({ path: '/data/logs', error: 'No application knows how to open this' }, 'could not open folder');
  });
});
