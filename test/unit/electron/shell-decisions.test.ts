import { describe, expect, it, vi } from 'vitest';
import { closeExplanation, onWindowClose } from '../../../main/electron/close-behaviour';
import { applyLoginItem, HIDDEN_ARG, wantsStartAtLogin } from '../../../main/electron/login-item';
import { NoticeGate, runNotice } from '../../../main/electron/notifications';
import { startUpdater, updaterDecision, UPDATE_CHECK_INTERVAL_MS, type UpdaterLike } from '../../../main/electron/updater';
import { run } from './fixtures';

describe('notifications', () => {
  const on = { notifyOnFailure: true };

  it('announces failed runs with their error, and runs needing attention', () => {
    expect(runNotice(run({ status: 'failed', error: 'The platform refused the credentials (401).\nstack…' }), on)).toEqual({
      title: '“Electricity to platform” failed',
      body: 'The platform refused the credentials (401).',
      runId: 42,
    });
    expect(runNotice(run({ status: 'needs_attention' }), on)).toMatchObject({ title: '“Electricity to platform” needs your attention', runId: 42 });
  });

  it('stays quiet for good runs, and for everything when the user turned it off', () => {
    for (const s of ['succeeded', 'succeeded_with_rejections', 'interrupted', 'running', 'queued'] as const) expect(runNotice(run({ status: s }), on)).toBeNull();
    expect(runNotice(run({ status: 'failed' }), { notifyOnFailure: false })).toBeNull();
  });

  it('shortens a very long error', () => {
    expect(runNotice(run({ status: 'failed', error: 'x'.repeat(500) }), on)!.body).toHaveLength(178);
  });

  it('notifies once per run', () => {
    const gate = new NoticeGate();
    expect(gate.admit(1)).toBe(true);
    expect(gate.admit(1)).toBe(false);
    expect(gate.admit(2)).toBe(true);
  });
});

describe('start at login', () => {
  it('follows the user’s choice, and defaults to on once a job exists', () => {
    expect(wantsStartAtLogin(null, 0)).toBe(false);
    expect(wantsStartAtLogin(null, 1)).toBe(true);
    expect(wantsStartAtLogin(false, 3)).toBe(false);
    expect(wantsStartAtLogin(true, 0)).toBe(true);
  });

  it('registers a hidden launch only when the system state differs', () => {
    let openAtLogin = false;
    const api = {
      getLoginItemSettings: vi.fn(() => ({ openAtLogin })),
      setLoginItemSettings: vi.fn((s: { openAtLogin: boolean }) => void (openAtLogin = s.openAtLogin)),
    };
    expect(applyLoginItem(api, true)).toBe('enabled');
    expect(api.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, openAsHidden: true, args: [HIDDEN_ARG] });
    expect(api.getLoginItemSettings).toHaveBeenCalledWith({ args: [HIDDEN_ARG] });
    expect(applyLoginItem(api, true)).toBeNull();
    expect(applyLoginItem(api, false)).toBe('disabled');
    expect(api.setLoginItemSettings).toHaveBeenCalledTimes(2);
  });
});

describe('closing the window', () => {
  function deps(quitting = false) {
    let explained = false;
    return {
      isQuitting: () => quitting,
      hide: vi.fn(),
      alreadyExplained: () => explained,
      rememberExplained: vi.fn(() => void (explained = true)),
      explain: vi.fn(),
    };
  }

  it('hides instead of quitting, and explains that only the first time', () => {
    const d = deps();
    expect(onWindowClose(d)).toBe(true);
    expect(onWindowClose(d)).toBe(true);
    expect(d.hide).toHaveBeenCalledTimes(2);
    expect(d.explain).toHaveBeenCalledOnce();
    expect(d.rememberExplained).toHaveBeenCalledOnce();
  });

  it('lets the window close when the user chose Quit', () => {
    const d = deps(true);
    expect(onWindowClose(d)).toBe(false);
    expect(d.hide).not.toHaveBeenCalled();
    expect(d.explain).not.toHaveBeenCalled();
  });

  it('names where the icon is on each platform', () => {
    expect(closeExplanation('darwin').detail).toMatch(/menu bar/);
    expect(closeExplanation('win32').detail).toMatch(/notification area/);
    expect(closeExplanation('linux').detail).toMatch(/system tray/);
  });
});

describe('auto-update', () => {
  it('runs only in an installed build with a provider, when the user turned it on', () => {
    expect(updaterDecision({ packaged: true, updateConfigPresent: true, autoUpdate: true })).toEqual({ enabled: true });
    expect(updaterDecision({ packaged: true, updateConfigPresent: true, autoUpdate: false })).toMatchObject({ enabled: false, reason: expect.stringMatching(/turned off/) });
    expect(updaterDecision({ packaged: false, updateConfigPresent: true, autoUpdate: true })).toMatchObject({ enabled: false, reason: expect.stringMatching(/development/) });
    expect(updaterDecision({ packaged: true, updateConfigPresent: false, autoUpdate: true })).toMatchObject({ enabled: false, reason: expect.stringMatching(/publish/) });
  });

  it('downloads in the background, installs on quit, re-checks, and logs failures instead of throwing', async () => {
    const listeners = new Map<string, (arg: never) => void>();
    const updater = {
      autoDownload: false,
      autoInstallOnAppQuit: false,
      logger: 'default',
      on: (event: string, l: (arg: never) => void) => listeners.set(event, l),
      checkForUpdates: vi.fn(async () => {
        throw new Error('offline');
      }),
    } as unknown as UpdaterLike & { checkForUpdates: ReturnType<typeof vi.fn> };
    const log = { info: vi.fn(), warn: vi.fn() };
    const timers: [() => void, number][] = [];
    startUpdater(updater, log, (fn, ms) => timers.push([fn, ms]));
    expect(updater).toMatchObject({ autoDownload: true, autoInstallOnAppQuit: true, logger: null });
    await vi.waitFor(() => expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error) }), expect.stringMatching(/update check failed/)));
    expect(timers).toHaveLength(1);
    expect(timers[0]![1]).toBe(UPDATE_CHECK_INTERVAL_MS);
    timers[0]![0]();
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);
    (listeners.get('update-downloaded') as (i: { version: string }) => void)({ version: '0.2.0' });
    expect(log.info).toHaveBeenCalledWith({ version: '0.2.0' }, expect.stringMatching(/installed when the app quits/));
  });
});
