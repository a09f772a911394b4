import { desktopHelper } from './client';

/**
 * The native "save as" dialog of the desktop shell for a CSV (preload `desktop.saveFile`, IPC
 * channel `esg-sync:desktop` with `{ action: 'save-file' }`): the absolute path chosen, or null
 * when cancelled. Null as a whole in a browser, where a plain download link does the job; the
 * desktop page is loaded from file:// and cannot download from the agent's HTTP routes.
 */
export const saveCsvAs: ((suggestedName: string) => Promise<string | null>) | null = desktopHelper('saveFile');
