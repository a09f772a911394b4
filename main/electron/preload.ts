import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_DESKTOP_CHANNEL, IPC_EVENT_CHANNEL, type PreloadBridge } from '../../shared/preload-bridge';

// Only these functions cross into the page; no ipcRenderer, no Node objects.
const bridge: PreloadBridge = {
  call: (method, params) => ipcRenderer.invoke(IPC_CALL_CHANNEL, { method, params }),
  subscribe(listener) {
    const handler = (_e: IpcRendererEvent, event: string, payload: unknown) => listener(event, payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => ipcRenderer.off(IPC_EVENT_CHANNEL, handler);
  },
  desktop: {
    pickFolder: () => ipcRenderer.invoke(IPC_DESKTOP_CHANNEL, { action: 'pick-folder' }) as Promise<string | null>,
    saveFile: (suggestedName, kind = 'csv') => ipcRenderer.invoke(IPC_DESKTOP_CHANNEL, { action: 'save-file', suggestedName, kind }) as Promise<string | null>,
    openPath: (kind) => ipcRenderer.invoke(IPC_DESKTOP_CHANNEL, { action: 'open-path', kind }) as Promise<void>,
  },
};

contextBridge.exposeInMainWorld('esgSync', bridge);
