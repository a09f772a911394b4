import { CallResponse, type Transport } from '../../shared/rpc';
import type { PreloadBridge } from '../../shared/preload-bridge';

/** The Electron bridge: the preload's contextBridge object, nothing else of Node reaches the page. */
export function createIpcTransport(bridge: PreloadBridge): Transport {
  return {
    async call(method, params) {
      return CallResponse.parse(await bridge.call(method, params));
    },
    subscribe(listener) {
      return bridge.subscribe(listener);
    },
    onStatus(listener) {
      listener('open');
      return () => undefined;
    },
  };
}
