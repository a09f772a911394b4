/**
 * The webPreferences of every window the app creates. All windows are built from
 * mainWindowOptions (the source scan below keeps it that way), so asserting its output covers them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RENDERER_CSP, secureWebPreferences } from '../../../main/electron/web-preferences';
import { mainWindowOptions } from '../../../main/electron/windows';

const ELECTRON_DIR = resolve(import.meta.dirname, '../../../main/electron');

const LOCKED_DOWN = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
};

describe('windows', () => {
  it('the main window is created hidden, with a preload and locked-down preferences', () => {
    const o = mainWindowOptions({ preloadPath: '/app/preload.cjs', bounds: { x: 1, y: 2, width: 1000, height: 700, maximized: false }, backgroundColor: '#fff' });
    expect(o).toMatchObject({ x: 1, y: 2, width: 1000, height: 700, show: false });
    expect(o.webPreferences).toMatchObject({ ...LOCKED_DOWN, preload: '/app/preload.cjs' });
    expect(secureWebPreferences('/p')).toMatchObject(LOCKED_DOWN);
  });

  it('every BrowserWindow in the shell is built from mainWindowOptions', () => {
    const sources = readdirSync(ELECTRON_DIR).filter((f) => f.endsWith('.ts'));
    const constructing = sources.filter((f) => /new\s+BrowserWindow\s*\(/.test(readFileSync(join(ELECTRON_DIR, f), 'utf8')));
    expect(constructing).toEqual(['main.ts']);
    const main = readFileSync(join(ELECTRON_DIR, 'main.ts'), 'utf8');
    const calls = [...main.matchAll(/new\s+BrowserWindow\s*\(([^)]*)\)/g)].map((m) => m[1]!.trim());
    expect(calls).toEqual(['options']);
    expect(main).toMatch(/const options = mainWindowOptions\(/);
    // No other way to get a window: no webviews, and window.open is always denied.
    expect(main).toMatch(/will-attach-webview[^\n]*preventDefault/);
    expect(main).toMatch(/return \{ action: 'deny' \}/);
  });

  it('the page runs under a CSP without remote code, inline script or eval', () => {
    expect(RENDERER_CSP).toMatch(/default-src 'self'/);
    expect(RENDERER_CSP).toMatch(/script-src 'self';/);
    expect(RENDERER_CSP).not.toMatch(/unsafe-eval|https?:/);
    expect(RENDERER_CSP).toMatch(/object-src 'none'/);
  });
});
