import { spawn } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createEngineApi } from '../../engine/api';
import { Engine } from '../../engine/engine';
import { createLogger } from '../../engine/log';
import { guardProcess } from '../../engine/process-guard';
import { allowEnvFromEnvironment } from '../../engine/secrets';
import { logDirOf } from '../../engine/paths';
import { createDispatcher } from '../../engine/rpc-dispatch';
import { SyncService } from '../../engine/sync/service';
import { acquireAgentLock, folderIdentity, processIdentity } from '../agent-lock';
import { AGENT_PROOF, startControlServer } from '../control-server';
import { createDownloads } from '../downloads';
import { createUploads } from '../uploads';
import { exitAfterStop } from '../exit-after-stop';
import type { GlobalContext } from '../context';
import { CliError, EXIT } from '../exit-codes';
import { runningAgent } from '../engine-call';

/** The built renderer sits next to the bundled agent: dist/agent/cli.js → dist/renderer. */
export function findRendererDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve(here, '../renderer'), resolve(here, '../../dist/renderer'), resolve(here, '../../../dist/renderer')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

function openInBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '""', url] : [url];
  spawn(cmd, args, { detached: true, stdio: 'ignore' }).on('error', () => undefined).unref();
}

export function registerAgent(program: Command, ctx: () => GlobalContext): void {
  // The UI's token changes at every start; an administrator on a server needs the current address
  // again after a restart without reading the journal.
  program
    .command('ui')
    .description("print the running agent's UI address, with its current access token (it changes at every start)")
    .option('--open', 'also open it in the default browser')
    .action((opts: { open?: boolean }) => {
      const { dataDir, out } = ctx();
      const agent = runningAgent(dataDir);
      if (!agent) throw new CliError(`No agent is running on ${dataDir}. Start it with \`esg-sync agent --data-dir ${dataDir}\`; it prints the address.`, EXIT.usage);
      const launchUrl = `${agent.url}?token=${agent.token}`;
      out.print({ url: agent.url, launchUrl }, () => `${launchUrl}\nThe token is valid until the agent stops; keep the address to yourself.`);
      if (opts.open) openInBrowser(launchUrl);
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
      out.print({ url: server.url, launchUrl: server.launchUrl, port: server.port, dataDir, pid: process.pid }, () =>
        [`ESG Sync Agent ${engine.version} is running.`, `Open the UI: ${server.launchUrl}`, `Data folder: ${dataDir}`, 'Press Ctrl+C to stop.'].join('\n'),
      );
      if (opts.open) openInBrowser(server.launchUrl);
      await stopped;
      exitAfterStop(0, {
        onLinger: (open) => {
          logger.warn({ open }, 'agent stopped, but something still held the process open; exiting anyway');
          process.stderr.write(`Stopped, but ${open.join(', ')} still held the process open; exiting anyway.\n`);
        },
      });
    });
}
