// Bundles the Node side (agent CLI, Electron main and preload) with esbuild.
// npm packages stay external (native modules must load from node_modules), except in the
// preload, which runs sandboxed and may only require 'electron'.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
};

await Promise.all([
  build({ ...common, entryPoints: ['main/agent/main.ts'], outfile: 'dist/agent/cli.js', format: 'esm', packages: 'external' }),
  build({ ...common, entryPoints: ['main/electron/main.ts'], outfile: 'dist/electron/main.cjs', format: 'cjs', packages: 'external' }),
  build({ ...common, entryPoints: ['main/electron/preload.ts'], outfile: 'dist/electron/preload.cjs', format: 'cjs', external: ['electron'] }),
]);

// The Electron shell loads its tray images and window icon from beside its bundle (made by build/make-icons.mjs).
mkdirSync('dist/electron/tray', { recursive: true });
cpSync('build/tray', 'dist/electron/tray', { recursive: true });
cpSync('build/icons/512x512.png', 'dist/electron/icon.png');
