import { createClient, type EngineClient } from '../../shared/rpc';
import type { PreloadBridge } from '../../shared/preload-bridge';
import { createIpcTransport } from './ipc-transport';
import { createWsTransport } from './ws-transport';

declare global {
  interface Window {
    esgSync?: PreloadBridge;
  }
}

/** One typed client whichever bridge is present: Electron's preload, or the agent's WebSocket. */
export const client: EngineClient = createClient(window.esgSync ? createIpcTransport(window.esgSync) : createWsTransport());
export const desktop = window.esgSync?.desktop ?? null;

type DesktopApi = NonNullable<typeof desktop>;
/**
 * One desktop helper, or null where the shell does not offer it (a browser, or an older shell):
 * a missing helper hides its button instead of stopping the whole page from loading.
 */
export function desktopHelper<K extends keyof DesktopApi>(name: K): DesktopApi[K] | null {
  const fn = desktop?.[name];
  return typeof fn === 'function' ? (fn.bind(desktop) as DesktopApi[K]) : null;
}
