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
