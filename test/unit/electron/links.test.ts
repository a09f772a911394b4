import { describe, expect, it } from 'vitest';
import { isAppPage, runRoute, safeExternalUrl } from '../../../main/electron/links';
import { isTrustedSender } from '../../../main/electron/sender';

const APP = 'file:///opt/ESG%20Sync%20Agent/resources/app.asar/dist/renderer/index.html';

describe('navigation', () => {
  it('allows only the app page, with any route', () => {
    expect(isAppPage(APP, APP)).toBe(true);
    expect(isAppPage(`${APP}#/history/12`, APP)).toBe(true);
    expect(isAppPage('file:///etc/passwd', APP)).toBe(false);
    expect(isAppPage('https://evil.example/', APP)).toBe(false);
    expect(isAppPage(`${APP}?x=1`, APP)).toBe(false);
  });

  it('knows the renderer route of a run', () => {
    expect(runRoute(12)).toBe('/history/12');
    expect(() => runRoute(0)).toThrow();
    expect(() => runRoute(1.5)).toThrow();
  });
});

describe('external links', () => {
  it('opens plain https links to named hosts', () => {
    expect(safeExternalUrl('https://docs.example.com/guide?x=1#y')).toBe('https://docs.example.com/guide?x=1#y');
  });

  it('refuses everything else', () => {
    for (const url of [
      'http://docs.example.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'ms-settings:privacy',
      'https://user:pw@docs.example.com/',
      'https://localhost/',
      'https://printer.local/',
      'https://127.0.0.1/',
      'https://[::1]/',
      'https://10.0.0.5/',
      'not a url',
      `https://example.com/${'a'.repeat(3000)}`,
    ])
      expect(safeExternalUrl(url), url).toBeNull();
  });
});

describe('IPC sender check', () => {
  const mainFrame = { url: APP };
  const webContents = { mainFrame };
  const win = { webContents };

  it('accepts the main frame of our window on our page', () => {
    expect(isTrustedSender({ sender: webContents, senderFrame: mainFrame }, win, APP)).toBe(true);
  });

  it('refuses other windows, subframes, foreign pages and a closed window', () => {
    expect(isTrustedSender({ sender: { mainFrame }, senderFrame: mainFrame }, win, APP)).toBe(false);
    expect(isTrustedSender({ sender: webContents, senderFrame: { url: APP } }, win, APP)).toBe(false);
    expect(isTrustedSender({ sender: webContents, senderFrame: null }, win, APP)).toBe(false);
    const navigated = { mainFrame: { url: 'https://evil.example/' } };
    expect(isTrustedSender({ sender: navigated, senderFrame: navigated.mainFrame }, { webContents: navigated }, APP)).toBe(false);
    expect(isTrustedSender({ sender: webContents, senderFrame: mainFrame }, null, APP)).toBe(false);
  });
});
