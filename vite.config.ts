import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer is served from file:// in Electron and from the agent in a browser: relative asset paths work for both.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: true },
});
