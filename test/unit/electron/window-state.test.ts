import { afterEach, describe, expect, it, vi } from 'vitest';
import { debounce, DEFAULT_SIZE, fitToDisplays, parseWindowState, type Rect } from '../../../main/electron/window-state';

const primary: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
const right: Rect = { x: 1920, y: 0, width: 2560, height: 1400 };

describe('window state file', () => {
  it('reads what the app wrote and refuses anything else', () => {
    expect(parseWindowState('{"x":10,"y":20,"width":1000,"height":700,"maximized":true}')).toEqual({ x: 10, y: 20, width: 1000, height: 700, maximized: true });
    expect(parseWindowState('{"x":10,"y":20,"width":1000,"height":700}')?.maximized).toBe(false);
    for (const bad of [null, '', 'not json', '[]', '{"x":"1","y":0,"width":1000,"height":700}', '{"x":0,"y":0,"width":5,"height":700}', '{"x":0.5,"y":0,"width":1000,"height":700}'])
      expect(parseWindowState(bad), String(bad)).toBeNull();
  });
});

describe('fitToDisplays', () => {
  it('centres the default size on the primary screen the first time', () => {
    expect(fitToDisplays(null, [primary], primary)).toEqual({ x: 320, y: 110, ...DEFAULT_SIZE, maximized: false });
  });

  it('keeps a remembered position that is on a screen, including a second monitor', () => {
    const saved = { x: 2100, y: 100, width: 1200, height: 800, maximized: false };
    expect(fitToDisplays(saved, [primary, right], primary)).toEqual(saved);
  });

  it('moves a window back when the monitor it was on is gone', () => {
    const saved = { x: 2100, y: 100, width: 1200, height: 800, maximized: true };
    expect(fitToDisplays(saved, [primary], primary)).toEqual({ x: 320, y: 110, ...DEFAULT_SIZE, maximized: true });
  });

  it('pulls a window whose title bar is above the screen back into view', () => {
    expect(fitToDisplays({ x: 100, y: -500, width: 1000, height: 700, maximized: false }, [primary], primary)).toMatchObject({ x: 320, y: 110 });
  });

  it('shrinks a window larger than its screen and keeps it inside', () => {
    const small: Rect = { x: 0, y: 0, width: 1366, height: 728 };
    expect(fitToDisplays({ x: 300, y: 10, width: 1900, height: 1000, maximized: false }, [small], small)).toEqual({ x: 0, y: 0, width: 1366, height: 728, maximized: false });
  });

  it('nudges a window hanging off the right edge back inside', () => {
    expect(fitToDisplays({ x: 1500, y: 50, width: 1000, height: 700, maximized: false }, [primary], primary)).toEqual({ x: 920, y: 50, width: 1000, height: 700, maximized: false });
  });
});

describe('debounce', () => {
  afterEach(() => vi.useRealTimers());
  it('runs once after the calls stop, or at once on flush', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 500);
    d();
    d();
    vi.advanceTimersByTime(400);
    d();
    vi.advanceTimersByTime(499);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledOnce();
    d();
    d.flush();
    expect(fn).toHaveBeenCalledTimes(2);
    d.flush();
    expect(fn).toHaveBeenCalledTimes(2);
  });
});
