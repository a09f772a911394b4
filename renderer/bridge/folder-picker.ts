import { desktopHelper } from './client';

/**
 * The native "choose a folder" dialog of the desktop shell (preload `desktop.pickFolder`, IPC
 * channel `esg-sync:desktop` with `{ action: 'pick-folder' }`). Null in a browser: there the page
 * shows a path field and the agent checks the folder (`sources.checkFolder`), because a web page
 * cannot learn a folder's real path.
 */
export const pickFolder: (() => Promise<string | null>) | null = desktopHelper('pickFolder');
