import type { EngineStatus } from '../../shared/api';
import { EngineEvents } from './events';
import { createLogger, type Logger } from './log';
import { logDirOf, makePrivateDir, restrictToOwner } from './paths';
import { Store } from './store';
import { HistoryMaintenance } from './store/retention';
import { cleanUpFolderFiles } from './sources/folder/cleanup';
import { systemClock, type Clock } from './store/clock';
import { APP_VERSION } from './version';
import { ApiError } from '../../shared/rpc';
import { FolderScopedSecretStore, openSecretStore, type SecretStore } from './secrets';
import type { SyncService } from './sync/service';
import { SandboxHost } from './demo/sandbox-host';

export interface EngineOptions {
  dataDir: string;
  mode: 'desktop' | 'headless';
  clock?: Clock;
  logger?: Logger;
  /** Write logs to the data folder (default true). */
  fileLogs?: boolean;
  /**
   * Opened by a CLI command for that one command (no agent was running): the log says so, so an
   * operator reading agent.log does not take each command for an agent restart.
   */
  forCommand?: string;
}

export interface SecretStoreState {
  available: boolean;
  kind: 'keychain' | 'environment' | 'none';
  message: string | null;
}

/**
 * The running product: store, events, and (as they are wired) scheduler, watchers and runners.
 * Knows nothing of Electron or HTTP; the bridges drive it through main/engine/api.ts.
 */
export class Engine {
  readonly events = new EngineEvents();
  readonly store: Store;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly startedAt: string;
  readonly logDir: string;
  secretState: SecretStoreState = { available: false, kind: 'none', message: 'Not checked yet.' };
  private secretStore: SecretStore | null = null;
  /** Scheduler, watchers and run queue, when this process runs them (agent, desktop app). */
  sync: SyncService | null = null;
  /** The built-in sandbox platform, when the first-run sandbox tour runs it in this process. */
  readonly sandboxHost = new SandboxHost(() => ({ dataDir: this.dataDir, store: this.store, logger: this.logger }));
  /** History retention and incremental vacuum: at start, daily, and after a settings change. */
  readonly maintenance: HistoryMaintenance;
  private pausedUntil: Date | 'forever' | null = null;
  private stopped = false;

  private constructor(
    readonly opts: EngineOptions,
    store: Store,
    logger: Logger,
  ) {
    this.store = store;
    this.logger = logger;
    this.clock = opts.clock ?? systemClock;
    this.startedAt = this.clock.now().toISOString();
    this.logDir = logDirOf(opts.dataDir);
    this.maintenance = new HistoryMaintenance({
      store,
      settings: () => store.settings.get(),
      now: () => this.clock.now(),
      logger,
      cleanUpFolders: async (now, cancelled) =>
        (await cleanUpFolderFiles({ sources: store.sources, keepDays: store.settings.get().keepFolderFilesDays, now, logger, cancelled })).removed,
    });
  }

  static open(opts: EngineOptions): Engine {
    // Owner-only, also when an administrator made the folder beforehand (0755 by default): it holds
    // the history of what was sent where, and the store and logs are 0600 inside it.
    makePrivateDir(opts.dataDir);
    const restricted = restrictToOwner(opts.dataDir);
    const logger = opts.logger ?? createLogger({ logDir: opts.fileLogs === false ? null : logDirOf(opts.dataDir) });
    if (restricted) logger.info({ dataDir: opts.dataDir }, 'the data folder was readable by other users; it is now readable by its owner only');
    const store = Store.open(opts.dataDir);
    const engine = new Engine(opts, store, logger);
    const interrupted = store.runs.markInterrupted(engine.clock.now().toISOString());
    if (interrupted) logger.warn({ interrupted }, 'runs left unfinished by the previous process were marked interrupted');
    const paused = store.settings.getRaw('pausedUntil');
    if (paused === 'forever') engine.pausedUntil = 'forever';
    else if (typeof paused === 'string' && !Number.isNaN(Date.parse(paused))) engine.pausedUntil = new Date(paused);
    if (!opts.forCommand) engine.armPauseTimer();
    if (opts.forCommand) logger.info({ dataDir: opts.dataDir, version: APP_VERSION, command: opts.forCommand }, 'engine opened for one command (no agent was running)');
    else logger.info({ dataDir: opts.dataDir, mode: opts.mode, version: APP_VERSION }, 'engine started');
    // Whatever the agent can read, a mapping preview or a watched folder can show or send; as root that is every file.
    if (!opts.forCommand && process.getuid?.() === 0) {
      logger.warn('running as root: the agent can read every file on this computer, and files it moves in shared folders become root-owned. Run it as a user of its own with read access to the watched folders only (README, "Running on a server")');
    }
    engine.maintenance.start();
    return engine;
  }

  /**
   * Finds the OS keychain (or the opted-in environment fallback). Without one the engine still
   * runs — history, mappings, exports to files — and says why connections cannot be used.
   */
  async initSecrets(opts: { allowEnv: boolean; service?: string; store?: SecretStore }): Promise<void> {
    try {
      // The OS keychain is shared by every data folder of this user: entries are scoped to this one.
      // (Environment variables are the operator's own, per process; an injected store is a test's.)
      const opened = opts.store ?? (await openSecretStore({ allowEnv: opts.allowEnv, keychain: opts.service ? { service: opts.service } : undefined, logger: this.logger }));
      this.secretStore = !opts.store && opened.kind === 'keychain' ? new FolderScopedSecretStore(opened, this.store.settings.storeId()) : opened;
      this.secretState = {
        available: true,
        kind: this.secretStore.kind === 'env' ? 'environment' : 'keychain',
        message: this.secretStore.kind === 'env' ? 'Secrets are read from environment variables (opted in).' : null,
      };
    } catch (err) {
      this.secretStore = null;
      this.secretState = { available: false, kind: 'none', message: err instanceof Error ? err.message : String(err) };
      this.logger.warn({ reason: this.secretState.message }, 'no secret store available');
    }
    // Every host (agent, desktop app, one-off CLI) sets up secrets before it syncs: the sandbox
    // tour's platform must be listening again by then, or its first runs would find nobody there.
    await this.sandboxHost.resume();
  }

  /** The secret store, or an error a person can act on. */
  secrets(): SecretStore {
    if (!this.secretStore) throw new ApiError('secrets', this.secretState.message ?? 'No secret store is available.');
    return this.secretStore;
  }

  get version(): string {
    return APP_VERSION;
  }

  get dataDir(): string {
    return this.opts.dataDir;
  }

  /**
   * Syncs are paused while this returns true. An expired pause clears itself and is announced
   * (engine.changed, after this call returns), as a resume is: files that arrived during the pause
   * and waited for it are taken then.
   */
  isPaused(): boolean {
    if (this.pausedUntil === null) return false;
    if (this.pausedUntil === 'forever') return true;
    if (this.pausedUntil.getTime() > this.clock.now().getTime()) return true;
    const was = this.pausedUntil.toISOString();
    this.store.settings.deleteRaw('pausedUntil');
    this.pausedUntil = null;
    this.clearPauseTimer();
    this.logger.info({ pausedUntil: was }, 'the pause of all syncs ended; syncs run again');
    // Not once the engine has stopped (a one-command engine often stops right after asking).
    setImmediate(() => {
      if (!this.stopped) this.events.emit('engine.changed', this.status());
    });
    return false;
  }

  pause(minutes: number | null): void {
    const until = minutes === null ? 'forever' : new Date(this.clock.now().getTime() + minutes * 60_000);
    // Saved first: if the store refuses (locked, full), the call fails and the engine is not left
    // paused in memory only, which a restart would silently undo.
    this.store.settings.setRaw('pausedUntil', until === 'forever' ? 'forever' : until.toISOString());
    this.pausedUntil = until;
    this.armPauseTimer();
    this.logger.info({ pausedUntil: until === 'forever' ? 'until resumed' : until.toISOString() }, 'all syncs paused');
    this.events.emit('engine.changed', this.status());
  }

  resume(): void {
    const was = this.pausedUntil;
    this.store.settings.deleteRaw('pausedUntil');
    this.pausedUntil = null;
    this.clearPauseTimer();
    if (was !== null) this.logger.info({}, 'all syncs resumed');
    this.events.emit('engine.changed', this.status());
  }

  private pauseTimer: NodeJS.Timeout | null = null;

  /** Ends a timed pause when it is due, so nothing has to ask first (see isPaused). */
  private armPauseTimer(): void {
    this.clearPauseTimer();
    if (!(this.pausedUntil instanceof Date)) return;
    // setTimeout takes at most ~24.8 days; a longer pause is looked at again then.
    const ms = Math.min(Math.max(0, this.pausedUntil.getTime() - this.clock.now().getTime()) + 50, 2 ** 31 - 1);
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = null;
      if (this.isPaused()) this.armPauseTimer();
    }, ms);
    this.pauseTimer.unref();
  }

  private clearPauseTimer(): void {
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
  }

  status(): EngineStatus {
    const since = new Date(this.clock.now().getTime() - 24 * 3600_000).toISOString();
    const runs = this.store.runs.countSince(since);
    const paused = this.isPaused();
    return {
      version: this.version,
      dataDir: this.dataDir,
      logDir: this.logDir,
      startedAt: this.startedAt,
      mode: this.opts.mode,
      pausedUntil: !paused ? null : this.pausedUntil === 'forever' ? 'forever' : (this.pausedUntil as Date).toISOString(),
      counts: {
        connections: this.store.connections.list().length,
        sources: this.store.sources.list().length,
        mappings: this.store.mappings.list().length,
        jobs: this.store.jobs.list().length,
        runningRuns: runs.running,
        runsLast24h: runs.total,
        failedLast24h: runs.failed,
        attentionLast24h: runs.attention,
      },
      secretStore: this.secretState,
    };
  }

  async stop(): Promise<void> {
    this.clearPauseTimer();
    if (this.stopped) return;
    this.stopped = true;
    if (this.opts.forCommand) this.logger.info({ command: this.opts.forCommand }, 'engine closing after the command');
    else this.logger.info('engine stopping');
    await this.sync?.stop();
    await this.sandboxHost.stop().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'sandbox platform did not stop cleanly'));
    await this.maintenance.stop();
    this.store.close();
    // The last line of a clean stop: without it, a stop that hung cannot be told from one that ended.
    if (!this.opts.forCommand) this.logger.info('engine stopped');
    await new Promise<void>((resolve) => this.logger.flush(() => resolve()));
  }
}
