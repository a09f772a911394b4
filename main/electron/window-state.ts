import { z } from 'zod';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const WindowState = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(200).max(20_000),
  height: z.number().int().min(200).max(20_000),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowState>;

export const WINDOW_STATE_FILE = 'window-state.json';
export const DEFAULT_SIZE = { width: 1280, height: 820 };
export const MIN_SIZE = { width: 900, height: 600 };
/** How much of the title bar must be on a screen for a remembered position to be kept. */
const MIN_VISIBLE = { width: 120, height: 40 };

/** A remembered state, or null when the file is missing, unreadable or not what we wrote. */
export function parseWindowState(text: string | null): WindowState | null {
  if (text === null) return null;
  try {
    const parsed = WindowState.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

/**
 * Where to open the window: the remembered bounds when enough of the window's top is on a
 * connected screen (shrunk to fit it), otherwise the default size centred on the primary
 * screen — so a window last seen on a monitor that is gone never opens off-screen.
 */
export function fitToDisplays(saved: WindowState | null, workAreas: readonly Rect[], primary: Rect): WindowState {
  const centred = (area: Rect): WindowState => {
    const width = Math.min(DEFAULT_SIZE.width, area.width);
    const height = Math.min(DEFAULT_SIZE.height, area.height);
    return { x: Math.round(area.x + (area.width - width) / 2), y: Math.round(area.y + (area.height - height) / 2), width, height, maximized: false };
  };
  if (!saved) return centred(primary);
  const titleBar: Rect = { x: saved.x, y: saved.y, width: saved.width, height: MIN_VISIBLE.height };
  const home = workAreas.find((a) => {
    const o = overlap(titleBar, a);
    return o.width >= MIN_VISIBLE.width && o.height >= Math.min(MIN_VISIBLE.height, a.height);
  });
  if (!home) return { ...centred(primary), maximized: saved.maximized };
  const width = Math.min(saved.width, home.width);
  const height = Math.min(saved.height, home.height);
  const x = Math.min(Math.max(saved.x, home.x), home.x + home.width - width);
  const y = Math.min(Math.max(saved.y, home.y), home.y + home.height - height);
  return { x, y, width, height, maximized: saved.maximized };
}

/** Saving waits until the window has been still for a moment, so dragging does not write every frame. */
export function debounce(fn: () => void, ms: number): { (): void; flush(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    timer = null;
    fn();
  };
  const call = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  call.flush = () => {
    if (!timer) return;
    clearTimeout(timer);
    run();
  };
  return call;
}
