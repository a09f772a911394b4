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

const save = (suggestedName: unknown) => ({ action: 'save-file', suggestedName, kind: 'csv' });

describe('desktop "save as CSV" request', () => {
  it('opens the native save dialog with the suggested name and a CSV filter, and answers the chosen path', async () => {
    const d = deps({ canceled: false, filePath: '/home/ana/Downloads/run-12-errors.csv' });
    expect(await handleDesktopRequest(save('run-12-errors.csv'), d)).toBe('/home/ana/Downloads/run-12-errors.csv');
    expect(d.showSaveDialog).toHaveBeenCalledWith({
      title: 'Save as CSV',
      defaultPath: 'run-12-errors.csv',
      filters: [{ name: 'CSV (comma-separated)', extensions: ['csv'] }],
    });
  });

  it('adds .csv when the dialog gave a name without it, and keeps .CSV as typed', async () => {
    expect(await handleDesktopRequest(save('run-1-errors.csv'), deps({ canceled: false, filePath: '/home/ana/errors' }))).toBe('/home/ana/errors.csv');
    expect(await handleDesktopRequest(save('run-1-errors.csv'), deps({ canceled: false, filePath: '/home/ana/ERRORS.CSV' }))).toBe('/home/ana/ERRORS.CSV');
  });

  it('answers null when cancelled or when the dialog gave no absolute path', async () => {
    expect(await handleDesktopRequest(save('a.csv'), deps({ canceled: true, filePath: '/home/ana/a.csv' }))).toBeNull();
    expect(await handleDesktopRequest(save('a.csv'), deps({ canceled: false }))).toBeNull();
    expect(await handleDesktopRequest(save('a.csv'), deps({ canceled: false, filePath: 'relative/a.csv' }))).toBeNull();
  });

  it('refuses a suggested name that is a path, empty, too long or odd, without opening a dialog', async () => {
    const bad = ['../../.bashrc', '/etc/passwd', 'C:\\Windows\\x.csv', 'dir/x.csv', '', '.', '..', 'a\u0000.csv', 'x'.repeat(201), 'a?.csv', 42, null];
    for (const name of bad) {
      const d = deps({ canceled: false, filePath: '/home/ana/x.csv' });
      expect(await handleDesktopRequest(save(name), d), JSON.stringify(name)).toBeNull();
      expect(d.showSaveDialog).not.toHaveBeenCalled();
      expect(d.log.warn).toHaveBeenCalledTimes(1);
    }
    const extra = deps({ canceled: false, filePath: '/home/ana/x.csv' });
    expect(await handleDesktopRequest({ ...save('x.csv'), defaultPath: '/etc' }, extra)).toBeNull();
    expect(await handleDesktopRequest({ action: 'save-file', suggestedName: 'x.csv', kind: 'exe' }, extra)).toBeNull();
    expect(extra.showSaveDialog).not.toHaveBeenCalled();
  });
});
