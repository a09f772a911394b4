import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CallRequest } from '../../shared/rpc';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../shared/preload-bridge';
import type { EngineEvents } from '../engine/events';
import type { Dispatch } from '../engine/rpc-dispatch';

/**
 * The Electron half of the bridge: one invoke channel into the same dispatcher the WebSocket
 * bridge uses, one event channel out. Messages from any frame other than our own top-level
 * app page are refused before they are even parsed.
 */
export function registerIpcBridge(dispatch: Dispatch, events: EngineEvents, isTrustedSender: (e: IpcMainInvokeEvent) => boolean): void {
  ipcMain.handle(IPC_CALL_CHANNEL, async (event, raw: unknown) => {
    if (!isTrustedSender(event)) return { ok: false, error: { code: 'unauthorized', message: 'Refused: unknown sender.' } };
    const call = CallRequest.safeParse(raw);
    if (!call.success) return { ok: false, error: { code: 'invalid_params', message: 'Expected {method, params}.' } };
    return dispatch(call.data.method, call.data.params);
  });
}

export function forwardEvents(events: EngineEvents, target: () => WebContents | null): () => void {
  return events.subscribe((event, payload) => {
    const wc = target();
    if (wc && !wc.isDestroyed()) wc.send(IPC_EVENT_CHANNEL, event, payload);
  });
}
