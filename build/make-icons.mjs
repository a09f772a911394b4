// Renders build/icon.svg and build/tray.svg to the PNG, ICO and ICNS files electron-builder and the
// tray use, with the system Chromium through Playwright. Run after changing either SVG:
//   npm run icons   (node build/make-icons.mjs)
// The outputs are committed, so packaging needs no browser.
import { chromium } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIcns, buildIco } from './icon-containers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const APP_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const TRAY = {
  ok: { fill: '#17996a', badge: '' },
  syncing: {
    fill: '#2563eb',
    badge: '<circle cx="50" cy="50" r="13" fill="#ffffff"/><path d="M 43 50 A 7 7 0 0 1 55 45 M 57 50 A 7 7 0 0 1 45 55" fill="none" stroke="#2563eb" stroke-width="3.2" stroke-linecap="round"/>',
  },
  attention: {
    fill: '#17996a',
    badge: '<circle cx="49" cy="49" r="14" fill="#d93025" stroke="#ffffff" stroke-width="2.5"/><rect x="47" y="40" width="4" height="11" rx="2" fill="#ffffff"/><circle cx="49" cy="56" r="2.4" fill="#ffffff"/>',
  },
  paused: {
    fill: '#6b7280',
    badge: '<circle cx="50" cy="50" r="13" fill="#ffffff"/><rect x="44.5" y="43" width="4" height="14" rx="1.5" fill="#6b7280"/><rect x="51.5" y="43" width="4" height="14" rx="1.5" fill="#6b7280"/>',
  },
};

const browser = await chromium.launch({ executablePath: process.env.ESG_SYNC_CHROMIUM ?? '/usr/bin/chromium' });
const page = await browser.newPage({ deviceScaleFactor: 1 });

async function render(svg, size) {
  await page.setViewportSize({ width: size, height: size });
  const html = `<!doctype html><html><body style="margin:0;background:transparent">${svg
    .replace(/width="\d+"/, `width="${size}"`)
    .replace(/height="\d+"/, `height="${size}"`)}</body></html>`;
  await page.setContent(html);
  return page.locator('svg').screenshot({ omitBackground: true, type: 'png' });
}

const appSvg = readFileSync(join(here, 'icon.svg'), 'utf8');
const pngs = new Map();
mkdirSync(join(here, 'icons'), { recursive: true });
for (const size of APP_SIZES) {
  const png = await render(appSvg, size);
  pngs.set(size, png);
  writeFileSync(join(here, 'icons', `${size}x${size}.png`), png);
}
writeFileSync(join(here, 'icon.png'), pngs.get(1024));
writeFileSync(join(here, 'icon.ico'), buildIco([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, png: pngs.get(size) }))));
writeFileSync(join(here, 'icon.icns'), buildIcns(pngs));

const traySvg = readFileSync(join(here, 'tray.svg'), 'utf8');
mkdirSync(join(here, 'tray'), { recursive: true });
for (const [kind, { fill, badge }] of Object.entries(TRAY)) {
  const svg = traySvg.replaceAll('{{fill}}', fill).replace('{{badge}}', badge);
  writeFileSync(join(here, 'tray', `tray-${kind}.png`), await render(svg, 16));
  writeFileSync(join(here, 'tray', `tray-${kind}@2x.png`), await render(svg, 32));
}
await browser.close();
console.log(`icons written to ${here}`);
