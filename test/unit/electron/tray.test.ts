import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { trayIconPath } from '../../../main/electron/tray-icons';
import { trayMenuTemplate, type TrayActions } from '../../../main/electron/tray-menu';
import { trayState } from '../../../main/electron/tray-state';
import { job, status } from './fixtures';

const now = new Date('2026-11-23T10:00:00Z');

describe('trayState', () => {
  it('is ok when every job’s last run went well', () => {
    const s = trayState(status(), [job('a', 'succeeded'), job('b', 'succeeded'), job('c', null)], now);
    expect(s).toMatchObject({ kind: 'ok', paused: false, headline: 'All 3 jobs OK' });
    expect(s.tooltip).toBe('ESG Sync Agent — all 3 jobs OK');
  });

  it('needs attention for what the dashboard lists: rejected rows, a folder that cannot be read, a refused sign-in', () => {
    expect(trayState(status(), [job('a', 'succeeded'), job('b', 'succeeded_with_rejections')], now)).toMatchObject({ kind: 'attention', headline: 'Rows rejected: Job b' });
    const source = { id: 's1', name: 'Utility bills', kind: 'folder', location: '/x', paused: false, sandbox: false, status: 'missing', statusMessage: 'The folder /x is gone.', createdAt: now.toISOString(), lastFile: null, lastWatermark: null, filesWaiting: 0 } as const;
    const connection = { id: 'c1', name: 'Sandbox', lastTestOk: false, lastTestMessage: 'A run was refused sign-in: 401' } as unknown as import('../../../shared/api').ConnectionInfo;
    const s = trayState(status(), [job('a', 'succeeded')], now, { sources: [source], connections: [connection] });
    expect(s).toMatchObject({ kind: 'attention', headline: '2 things need attention' });
    expect(trayState(status(), [job('a', 'succeeded')], now, { connections: [connection] }).headline).toBe('Sign-in failing: Sandbox');
  });

  it('says so when nothing is set up yet', () => {
    expect(trayState(status({ counts: { jobs: 0 } }), [], now).headline).toBe('No jobs yet');
  });

  it('is syncing while runs are in flight', () => {
    expect(trayState(status({ counts: { runningRuns: 2 } }), [job('a', 'running')], now)).toMatchObject({ kind: 'syncing', headline: 'Syncing (2 runs)' });
  });

  it('needs attention when a job’s latest run failed or waits for a person, and that outranks syncing', () => {
    const s = trayState(status({ counts: { runningRuns: 1 } }), [job('a', 'failed'), job('b', 'needs_attention'), job('c', 'succeeded')], now);
    expect(s.kind).toBe('attention');
    expect(s.headline).toBe('2 things need attention, syncing (1 run)');
  });

  it('a later good run clears the attention (failures earlier today do not count)', () => {
    expect(trayState(status({ counts: { failedLast24h: 3 } }), [job('a', 'succeeded')], now).kind).toBe('ok');
  });

  it('needs attention when connections exist but the keychain cannot be read', () => {
    const s = trayState(status({ secretStore: { available: false, kind: 'none', message: 'no keyring' } }), [job('a', 'succeeded')], now);
    expect(s).toMatchObject({ kind: 'attention', headline: 'Credentials cannot be read' });
  });

  it('shows a pause and when it ends', () => {
    expect(trayState(status({ pausedUntil: 'forever' }), [job('a', 'succeeded')], now)).toMatchObject({
      kind: 'paused',
      paused: true,
      headline: 'Syncs paused until you resume them',
    });
    const timed = trayState(status({ pausedUntil: '2026-11-23T11:00:00.000Z' }), [], now);
    expect(timed.kind).toBe('paused');
    expect(timed.headline).toMatch(/^Syncs paused until \d\d:\d\d/);
  });
});

describe('tray menu', () => {
  const actions = (): TrayActions & Record<string, ReturnType<typeof vi.fn>> => ({
    open: vi.fn(),
    runAll: vi.fn(),
    pauseFor: vi.fn(),
    pauseUntilResumed: vi.fn(),
    resume: vi.fn(),
    quit: vi.fn(),
  });
  const click = (items: MenuItemConstructorOptions[], id: string) => {
    const item = items.find((i) => i.id === id);
    if (!item?.click) throw new Error(`no clickable item ${id}`);
    (item.click as () => void)();
  };

  it('offers open, run all, both pauses and quit while running, with the state on top', () => {
    const a = actions();
    const items = trayMenuTemplate(trayState(status(), [job('a', 'failed')], now), a);
    expect(items[0]).toMatchObject({ id: 'status', label: 'Failed: Job a', enabled: false });
    expect(items.filter((i) => i.id).map((i) => i.id)).toEqual(['status', 'open', 'run-all', 'pause-1h', 'pause', 'quit']);
    click(items, 'open');
    click(items, 'run-all');
    click(items, 'pause-1h');
    click(items, 'pause');
    click(items, 'quit');
    expect(a.open).toHaveBeenCalledOnce();
    expect(a.runAll).toHaveBeenCalledOnce();
    expect(a.pauseFor).toHaveBeenCalledWith(60);
    expect(a.pauseUntilResumed).toHaveBeenCalledOnce();
    expect(a.quit).toHaveBeenCalledOnce();
  });

  it('offers resume instead of pausing while paused', () => {
    const a = actions();
    const items = trayMenuTemplate(trayState(status({ pausedUntil: 'forever' }), [], now), a);
    expect(items.filter((i) => i.id).map((i) => i.id)).toEqual(['status', 'open', 'run-all', 'resume', 'quit']);
    click(items, 'resume');
    expect(a.resume).toHaveBeenCalledOnce();
  });

  it('has an image for every state', () => {
    for (const kind of ['ok', 'syncing', 'attention', 'paused'] as const) expect(trayIconPath('/app/dist/electron', kind)).toBe(`/app/dist/electron/tray/tray-${kind}.png`);
  });
});
