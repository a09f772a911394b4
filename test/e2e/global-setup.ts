import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Says up front, in the CI log, which end-to-end suites can run on this machine. */
export default function globalSetup(): void {
  let binary: unknown;
  try {
    binary = createRequire(import.meta.url)('electron');
  } catch {
    binary = null;
  }
  if (typeof binary !== 'string' || !existsSync(binary)) {
    console.log('SKIP electron smoke test: no Electron binary is installed here (its download is not reachable); it runs wherever `npm install` could fetch Electron.');
  }
  if (!existsSync(process.env.ESG_SYNC_CHROMIUM ?? '/usr/bin/chromium')) {
    console.log('Chromium not found at /usr/bin/chromium: install the Debian package `chromium` (CI does) or set ESG_SYNC_CHROMIUM.');
  }
}
