import { join } from 'node:path';
import type { TrayKind } from './tray-state';

/** Tray images are copied next to the bundle by scripts/build-main.mjs (from build/tray/). */
export function trayIconPath(dir: string, kind: TrayKind): string {
  // Electron picks tray-<kind>@2x.png on high-density screens by itself.
  return join(dir, 'tray', `tray-${kind}.png`);
}
