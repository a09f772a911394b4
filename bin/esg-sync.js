#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/agent/cli.js by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/agent/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('esg-sync: the agent has not been built yet. Run `npm run build` in ' + fileURLToPath(new URL('..', import.meta.url)) + '\n');
  process.exit(2);
}
await import(bundle.href);
