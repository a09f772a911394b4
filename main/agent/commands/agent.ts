import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createEngineApi } from '../../engine/api';
import { Engine } from '../../engine/engine';
import { createLogger } from '../../engine/log';
import { guardProcess } from '../../engine/process-guard';
import { allowEnvFromEnvironment } from '../../engine/secrets';
import { logDirOf, makePrivateDir } from '../../engine/paths';
import { createDispatcher } from '../../engine/rpc-dispatch';
import { SyncService } from '../../engine/sync/service';
import { acquireAgentLock, folderIdentity, processIdentity } from '../agent-lock';
import { AGENT_PROOF, launchUrlOf, startControlServer } from '../control-server';
import { createDownloads } from '../downloads';
import { createUploads } from '../uploads';
import { exitAfterStop } from '../exit-after-stop';
import type { GlobalContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { proveAgentAnswers, runningAgent } from '../engine-call';

/** The built renderer sits next to the bundled agent: dist/agent/cli.js → dist/renderer. */
export function findRendererDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve(here, '../renderer'), resolve(here, '../../dist/renderer'), resolve(here, '../../../dist/renderer')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

/** Where the pages that hand the browser its token are written: in the (owner-only) data folder. */
const LAUNCH_DIR = 'ui-launch';
/** Long enough for a browser to start and read the page; a later open or agent start removes leftovers. */
const LAUNCH_PAGE_MS = 60_000;

/**
 * Starts the system's "open this" program and says whether it managed: null, or why not. Tests
 * put their own in its place.
 */
export type Opener = (command: string, args: string[]) => Promise<string | null>;

/** How long an opener may take to say it failed; one still running then (it waits for the browser) is taken as opened. */
const OPENER_VERDICT_MS = 5_000;

const spawnOpener: Opener = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    // The child and the timer keep this process alive until the verdict (a CLI has nothing else
    // left to wait for); after it the opener is let go, still running if it waits for the browser.
    const settle = (verdict: string | null) => {
      clearTimeout(timer);
      child.unref();
      resolve(verdict);
    };
    const timer = setTimeout(() => settle(null), OPENER_VERDICT_MS);
    child.on('error', (err: NodeJS.ErrnoException) => settle(err.code === 'ENOENT' ? `${command} is not installed` : `${command} could not be started (${err.code ?? err.message})`));
    child.on('exit', (code) => settle(code === 0 || code === null ? null : `${command} exited with code ${code}`));
  });

/** Removes launch pages older than maxAgeMs (all of them with 0): their tokens are dead or soon opened. */
export function removeLaunchPages(dataDir: string, maxAgeMs = 0): void {
  const dir = join(dataDir, LAUNCH_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const cutoff = Date.now() - maxAgeMs;
  for (const name of names) {
    const file = join(dir, name);
    try {
      if (maxAgeMs === 0 || statSync(file).mtimeMs < cutoff) rmSync(file, { force: true });
    } catch {
      /* gone meanwhile */
    }
  }
}

/**
 * A page that sends the browser on to the address with the token. The opener's command line is
 * visible to every local user (`ps`), so it names this owner-only file instead of the token.
 */
export function writeLaunchPage(dataDir: string, launchUrl: string): string {
  const dir = join(dataDir, LAUNCH_DIR);
  makePrivateDir(dir);
  removeLaunchPages(dataDir, LAUNCH_PAGE_MS);
  const file = join(dir, `open-${randomBytes(8).toString('hex')}.html`);
  const attr = launchUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const script = JSON.stringify(launchUrl).replace(/</g, '\\u003c');
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
    `<meta http-equiv="refresh" content="0;url=${attr}"><title>ESG Sync Agent</title></head>` +
    `<body><script>location.replace(${script});</script><p><a href="${attr}">Open ESG Sync Agent</a></p></body></html>\n`;
  writeFileSync(file, html, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  setTimeout(() => rmSync(file, { force: true }), LAUNCH_PAGE_MS).unref();
  return file;
}

/**
 * Opens the UI in this computer's browser. Null when a browser was opened; otherwise the sentence
 * to print: on a server without a display there is none, and the person opens the address
 * themselves (through an SSH tunnel from their own computer). The page with the token goes then.
 */
export async function openInBrowser(dataDir: string, launchUrl: string, opener: Opener = spawnOpener): Promise<string | null> {
  const page = writeLaunchPage(dataDir, launchUrl);
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const failure = await opener(command, process.platform === 'win32' ? ['/c', 'start', '""', page] : [page]);
  if (failure === null) return null;
  rmSync(page, { force: true });
  const port = new URL(launchUrl).port;
  const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
  return (
    `No browser could be opened here (${failure}${headless ? '; this session has no display' : ''}). ` +
    `Open the address above in a browser yourself; from your own computer, first forward the port: ssh -L ${port}:127.0.0.1:${port} <user>@<this server>.`
  );
}

/**
 * Said when the stopped agent had to be ended (exitAfterStop). Node names only the handles it
 * tracks: work still under way (a heavy run's last file or database step) can hold the process
 * with none of them open, and then there is no list to give.
 */
export function lingerMessage(open: readonly string[]): string {
  return open.length > 0
    ? `Stopped, but ${open.join(', ')} still held the process open; exiting anyway.`
    : 'Stopped, but work still under way (none of it a handle Node can name) held the process open; exiting anyway.';
}

/** What `esg-sync agent` prints once it runs; the token only when withToken (a terminal). */
export function startMessage(info: { version: string; url: string; launchUrl: string; dataDir: string }, withToken: boolean): string {
  const open = withToken
    ? `Open the UI: ${info.launchUrl}`
    : `The UI is at ${info.url} (it needs the access token: \`esg-sync --data-dir ${JSON.stringify(info.dataDir)} ui\` on this computer prints the address with it, and \`ui --open\` opens it).`;
  return [`ESG Sync Agent ${info.version} is running.`, open, `Data folder: ${info.dataDir}`, 'Press Ctrl+C to stop.'].join('\n');
}

export function registerAgent(program: Command, ctx: () => GlobalContext): void {
  // The UI's token changes at every start; an administrator on a server needs the current address
  // again after a restart without reading the journal.
  program
    .command('ui')
    .description("print the running agent's UI address, with its current access token (it changes at every start)")
    .option('--open', 'also open it in the default browser')
    .action(async (opts: { open?: boolean }) => {
      const { dataDir, out } = ctx();
      const agent = runningAgent(dataDir);
      if (!agent) throw new CliError(`No agent is running on ${dataDir}. Start it (\`esg-sync agent --data-dir ${dataDir}\`, or its service), then run this command again for the address.`, EXIT.usage);
      const launchUrl = launchUrlOf(agent.url, agent.token);
      // A browser hands the page at that port the token: the port must still be the agent's
      // (agent.json outlives a crashed agent, and another program may have taken the port).
      if (opts.open) await proveAgentAnswers(agent, dataDir);
      out.print({ url: agent.url, launchUrl }, () => `${launchUrl}\nThe token is valid until the agent stops; keep the address to yourself.`);
      if (opts.open) {
        const failure = await openInBrowser(dataDir, launchUrl);
        if (failure) throw new CliError(failure);
      }
    });

  program
    .command('agent')
    .description('run the engine, schedules and watchers, and serve the UI on 127.0.0.1')
    .option('--port <n>', 'port for the UI and control API (0 picks a free one)', '4790')
    .option('--host <address>', 'address to listen on; only loopback addresses are accepted', '127.0.0.1')
    .option('--open', 'open the UI in the default browser')
    .action(async (opts: { port: string; host: string; open?: boolean }) => {
      const { dataDir, out } = ctx();
      const port = Number.parseInt(opts.port, 10);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('--port takes a number from 0 to 65535.');
      const releaseLock = acquireAgentLock(dataDir);
      // Pages left by an earlier launch carry its (now dead) token: nothing to keep.
      removeLaunchPages(dataDir);
      const logger = createLogger({ logDir: logDirOf(dataDir), console: !out.json && process.env.ESG_SYNC_LOG_CONSOLE === '1' });
      guardProcess(logger);
      let engine: Engine;
      try {
        engine = Engine.open({ dataDir, mode: 'headless', logger });
      } catch (err) {
        releaseLock();
        throw err;
      }
      await engine.initSecrets({ allowEnv: allowEnvFromEnvironment(), service: process.env.ESG_SYNC_KEYCHAIN_SERVICE });
      engine.sync = new SyncService(engine);
      await engine.sync.start();
      const dispatch = createDispatcher(createEngineApi(engine), logger);
      let server;
      try {
        server = await startControlServer({ port, host: opts.host, dispatch, events: engine.events, staticDir: findRendererDir(), logger, downloads: createDownloads(engine.store), uploads: createUploads(dataDir, logger) });
      } catch (err) {
        await engine.stop();
        releaseLock();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new CliError(`Port ${port} is already in use. Choose another with --port, or --port 0 for any free port.`);
        throw new CliError((err as Error).message);
      }
      let stopping = false;
      let resolveStop: () => void = () => undefined;
      const stopped = new Promise<void>((r) => (resolveStop = r));
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'agent stopping');
        out.info(`Stopping (${signal})…`);
        void (async () => {
          await server.close();
          await engine.stop();
          rmSync(runtimeFile, { force: true });
          releaseLock();
          resolveStop();
        })();
      };
      // Handlers go in before the address is printed: whoever reads it may signal at once.
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));

      // Local scripts find the running agent (and its per-launch token) here; only this user can read it.
      const runtimeFile = join(dataDir, 'agent.json');
      writeFileSync(runtimeFile, JSON.stringify({ pid: process.pid, identity: processIdentity(process.pid), url: server.url, port: server.port, token: server.token, version: engine.version, dataDir: folderIdentity(dataDir), proof: AGENT_PROOF }), { mode: 0o600 });
      chmodSync(runtimeFile, 0o600);
      // Under a service manager stdout goes to the journal, which outlives the token's secrecy:
      // the token is printed only to a person at a terminal.
      const toTerminal = process.stdout.isTTY === true;
      out.print({ url: server.url, ...(toTerminal ? { launchUrl: server.launchUrl } : {}), port: server.port, dataDir, pid: process.pid }, () =>
        startMessage({ version: engine.version, url: server.url, launchUrl: server.launchUrl, dataDir }, toTerminal),
      );
      if (opts.open) {
        void openInBrowser(dataDir, server.launchUrl).then((failure) => {
          if (failure) process.stderr.write(`${failure}\n`);
        });
      }
      // Launch pages hold the live token: gone a minute after they were written, while the agent runs.
      const sweep = setInterval(() => removeLaunchPages(dataDir, LAUNCH_PAGE_MS), LAUNCH_PAGE_MS);
      sweep.unref();
      await stopped;
      clearInterval(sweep);
      exitAfterStop(0, {
        onLinger: (open) => {
          logger.warn({ open }, 'agent stopped, but something still held the process open; exiting anyway');
          process.stderr.write(`${lingerMessage(open)}\n`);
        },
      });
    });
}
