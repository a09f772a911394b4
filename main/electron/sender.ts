import { isAppPage } from './links';

/** The parts of an IPC event that say who sent it (Electron's IpcMainInvokeEvent has them). */
export interface SenderInfo {
  sender: unknown;
  senderFrame: { url: string } | null;
}

/**
 * True only for messages from the top-level frame of our own window showing our own page: not
 * from an iframe, another window, or the window after something navigated it elsewhere.
 */
export function isTrustedSender(event: SenderInfo, window: { webContents: { mainFrame: unknown } } | null, appUrl: string): boolean {
  if (!window) return false;
  const contents = window.webContents;
  const frame = event.senderFrame;
  return event.sender === contents && !!frame && frame === contents.mainFrame && isAppPage(frame.url, appUrl);
}
