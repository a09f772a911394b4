/**
 * Runs the built-in sandbox platform inside the engine's process for the sandbox tour. Its data
 * lives in a SQLite file in the data folder, so what the tour sent is still there after a
 * restart; it listens on loopback only, on the port it had before when that port is free.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import type { Logger } from '../log';
import type { Store } from '../store';
import { readDemoState, writeDemoState } from './state';

export const SANDBOX_DIR = 'sandbox-platform';

export interface SandboxHostDeps {
  dataDir: string;
  store: Store;
  logger: Logger;
}

export class SandboxHost {
  private running: RunningSandbox | null = null;
  private starting: Promise<RunningSandbox> | null = null;

  constructor(private readonly deps: () => SandboxHostDeps) {}

  get dbPath(): string {
    return join(this.deps().dataDir, SANDBOX_DIR, 'platform.db');
  }

  /** The sandbox's address while it runs. */
  get url(): string | null {
    return this.running?.url ?? null;
  }

  get sandbox(): RunningSandbox | null {
    return this.running;
  }

  /** Starts the sandbox (once; concurrent callers share the start), on `port` when it is free. */
  start(port = 0): Promise<RunningSandbox> {
    if (this.running) return Promise.resolve(this.running);
    this.starting ??= this.listen(port).finally(() => (this.starting = null));
    return this.starting;
  }

  private async listen(port: number): Promise<RunningSandbox> {
    const { logger } = this.deps();
    mkdirSync(join(this.deps().dataDir, SANDBOX_DIR), { recursive: true });
    const options = { host: '127.0.0.1', dbPath: this.dbPath, logger: logger.child({ component: 'sandbox' }) };
    try {
      this.running = await startSandbox({ ...options, port });
    } catch (err) {
      if (port === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      // Another program took the old port while the agent was stopped: any free one will do,
      // the sandbox connection's address is updated to match.
      logger.info({ port }, 'the sandbox platform port is taken; using another one');
      this.running = await startSandbox({ ...options, port: 0 });
    }
    return this.running;
  }

  /**
   * At engine start: brings the tour's sandbox back when the tour's connection still exists,
   * and points that connection at the sandbox's (possibly new) address.
   */
  async resume(): Promise<void> {
    const { store, logger } = this.deps();
    const state = readDemoState(store);
    if (!state || !store.connections.get(state.connectionId)) return;
    try {
      const sandbox = await this.start(state.port);
      if (sandbox.port !== state.port) writeDemoState(store, { ...state, port: sandbox.port });
      store.db.prepare('UPDATE connections SET base_url = ? WHERE id = ? AND sandbox = 1').run(sandbox.url, state.connectionId);
      logger.info({ url: sandbox.url }, 'sandbox platform restarted for the sandbox tour');
    } catch (err) {
      // The rest of the agent works without it; the tour's runs say the platform is unreachable.
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'the sandbox platform could not be restarted');
    }
  }

  async stop(): Promise<void> {
    const pending = this.starting;
    if (pending) await pending.catch(() => undefined);
    const running = this.running;
    this.running = null;
    await running?.close();
  }
}
