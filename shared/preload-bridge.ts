/** What the Electron preload exposes as window.esgSync: two functions, no Node objects. */
export interface PreloadBridge {
  call(method: string, params: unknown): Promise<unknown>;
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
  /** Desktop-only helpers that have no browser equivalent. */
  desktop: {
    pickFolder(): Promise<string | null>;
    /** The native save dialog for a CSV (or a JSON file); the absolute path chosen, or null when cancelled. */
    saveFile(suggestedName: string, kind?: 'csv' | 'json'): Promise<string | null>;
    openPath(kind: 'logs' | 'data'): Promise<void>;
  };
}

export const IPC_CALL_CHANNEL = 'esg-sync:call';
export const IPC_EVENT_CHANNEL = 'esg-sync:event';
export const IPC_DESKTOP_CHANNEL = 'esg-sync:desktop';
