import { EventEmitter } from 'node:events';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import type { RowError } from '../../../../shared/domain';
import { disposeFileIn, type DisposeOutcome, type DisposePolicy, type DisposeResult } from './dispose';
import type { FileLedger, FileLedgerEntry } from './file-ledger';
import { isIgnoredDir, makeFileFilter } from './filters';
import { sha256File } from './hash';

export interface FolderWatcherOptions {
  path: string;
  recursive?: boolean;
  /** Globs on the file name (or relative path when they contain "/"), e.g. ['*.csv', '*.xlsx']. */
  include?: string[];
  exclude?: string[];
  /** How long size and mtime must stay unchanged before a file is taken. Default 2000 ms. */
  stableMs?: number;
  /** Poll the file system instead of native events (network drives). */
  usePolling?: boolean;
  pollIntervalMs?: number;
  /** How often the folder's own existence is checked (unplugged drive). Default max(1000, pollIntervalMs). */
  folderCheckMs?: number;
  /**
   * How often the folder is listed to catch a file no event was seen for (events dropped by the
   * OS under load, or a write that fell between a poller's listings). Default 30 s.
   */
  reconcileMs?: number;
  /** How long to wait for the watcher's first scan before watching without it. Default 60 s. */
  readyTimeoutMs?: number;
}

export interface ReadyFile {
  path: string;
  /** Relative to the watched folder, "/" separated. */
  relPath: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

export type FolderStatus = 'stopped' | 'starting' | 'watching' | 'missing' | 'error';

export interface FolderWatcherEvents {
  'file-ready': [ReadyFile];
  'file-duplicate': [ReadyFile & { previous: FileLedgerEntry | { inFlight: string } }];
  /** A file matching the patterns was deleted or moved away (by a person, or by its run). */
  'file-removed': [string];
  'file-error': [{ path: string; message: string }];
  status: [FolderStatus, string?];
}

interface Observation {
  size: number;
  mtimeMs: number;
  since: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Watches one folder and announces each file once it is fully written: its size and mtime
 * unchanged for `stableMs` and openable for reading. Content is identified by SHA-256; the
 * same content seen again (in flight, or processed before per the ledger) is announced as a
 * duplicate instead. Never throws from events: problems become `status`/`file-error`.
 */
export class FolderWatcher extends EventEmitter<FolderWatcherEvents> {
  private readonly root: string;
  private rootReal = '';
  private readonly stableMs: number;
  private readonly checkMs: number;
  private readonly folderCheckMs: number;
  private readonly reconcileMs: number;
  private lastReconcile = 0;
  private readonly accept: (rel: string) => boolean;
  private watcher: FSWatcher | null = null;
  private folderTimer: NodeJS.Timeout | null = null;
  private readonly observing = new Map<string, Observation>();
  private readonly announced = new Map<string, { size: number; mtimeMs: number; sha256: string }>();
  private readonly inFlight = new Map<string, string>();
  private running = false;
  private arming: Promise<void> | null = null;
  private abandonArming: (() => void) | null = null;
  private readonly readyTimeoutMs: number;
  private _status: FolderStatus = 'stopped';
  private readonly logger?: Logger;

  constructor(
    private readonly opts: FolderWatcherOptions,
    private readonly deps: { ledger?: FileLedger; logger?: Logger; watch?: typeof watch } = {},
  ) {
    super();
    this.root = resolve(opts.path);
    this.stableMs = opts.stableMs ?? 2000;
    this.checkMs = Math.max(25, Math.min(500, Math.floor(this.stableMs / 4)));
    this.folderCheckMs = opts.folderCheckMs ?? Math.max(1000, opts.pollIntervalMs ?? 0);
    this.reconcileMs = opts.reconcileMs ?? 30_000;
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
    this.accept = makeFileFilter({ include: opts.include, exclude: opts.exclude });
    this.logger = deps.logger;
  }

  get status(): FolderStatus {
    return this._status;
  }

  /** Files seen but not yet stable. */
  get waiting(): number {
    return this.observing.size;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.setStatus('starting');
    await this.checkFolder();
    this.folderTimer = setInterval(() => void this.checkFolder(), this.folderCheckMs);
    this.folderTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.folderTimer) clearInterval(this.folderTimer);
    this.folderTimer = null;
    this.abandonArming?.();
    await this.arming;
    await this.disarm();
    this.setStatus('stopped');
  }

  /**
   * The run of this content is over (its file was disposed of elsewhere): a later copy is judged
   * by the ledger again rather than as a copy of a file still being synced.
   */
  release(sha256: string): void {
    this.inFlight.delete(sha256);
  }

  /** Moves a taken file to processed/ or failed/ (or leaves/deletes it) and records its hash. */
  async disposeFile(path: string, outcome: DisposeOutcome, policy: DisposePolicy, errors: RowError[] = []): Promise<DisposeResult> {
    const abs = resolve(path);
    const known = this.announced.get(abs);
    const sha256 = known?.sha256 ?? (await sha256File(abs));
    const size = known?.size ?? (await stat(abs)).size;
    const result = await disposeFileIn(this.root, abs, outcome, policy, errors);
    await this.deps.ledger?.record({ sha256, path: abs, size, outcome, recordedAt: new Date().toISOString() });
    this.inFlight.delete(sha256);
    // Left in place: remember it so it is not announced again while unchanged.
    if (result.path !== abs) this.announced.delete(abs);
    return result;
  }

  private setStatus(s: FolderStatus, message?: string): void {
    if (s === this._status && s !== 'error') return;
    this._status = s;
    this.emit('status', s, message);
  }

  private async checkFolder(): Promise<void> {
    if (!this.running || this.arming) return;
    let present = false;
    try {
      present = (await stat(this.root)).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        this.setStatus('error', `The folder ${this.root} cannot be read (${code}). Check that the agent's user has access to it.`);
        return;
      }
    }
    if (!present) {
      if (this._status !== 'missing') {
        await this.disarm();
        this.setStatus('missing', `The folder ${this.root} is not there (drive unplugged or folder moved). It will be watched again when it comes back.`);
      }
      return;
    }
    if (!this.watcher) {
      this.arming = this.arm().finally(() => {
        this.arming = null;
      });
      await this.arming;
    } else if (Date.now() - this.lastReconcile >= this.reconcileMs) {
      await this.reconcile();
    }
  }

  private async arm(): Promise<void> {
    try {
      this.rootReal = await realpath(this.root);
      const watcher = (this.deps.watch ?? watch)(this.root, {
        persistent: true,
        ignoreInitial: false,
        followSymlinks: false,
        depth: this.opts.recursive ? undefined : 0,
        usePolling: this.opts.usePolling ?? false,
        interval: this.opts.pollIntervalMs ?? 1000,
        binaryInterval: this.opts.pollIntervalMs ?? 1000,
        ignorePermissionErrors: true,
        ignored: (p: string) => {
          const rel = this.rel(p);
          return rel !== '' && rel !== null && isIgnoredDir(rel);
        },
      });
      watcher.on('add', (p) => this.observe(p));
      watcher.on('change', (p) => this.observe(p));
      watcher.on('unlink', (p) => {
        const abs = resolve(p);
        this.forget(abs);
        const rel = this.rel(abs);
        if (rel !== null && rel !== '' && this.accept(rel)) this.emit('file-removed', abs);
      });
      watcher.on('error', (err) => {
        this.logger?.warn({ err, folder: this.root }, 'folder watcher error');
        void this.checkFolder();
      });
      this.watcher = watcher;
      if (!(await this.untilReady(watcher)) && this.running) {
        this.logger?.warn({ folder: this.root, afterMs: this.readyTimeoutMs }, 'folder watcher did not report ready; watching anyway, with the folder listed as a fallback');
      }
      if (!this.running) return;
      this.setStatus('watching');
      await this.reconcile();
    } catch (err) {
      this.setStatus('error', `The folder ${this.root} could not be watched: ${(err as Error).message}`);
      await this.disarm();
    }
  }

  /**
   * Looks once more at what the folder holds once the watcher is ready. A file written while
   * chokidar was starting can fall between its first listing and the baseline its poller (or
   * fs.watch) starts from, and then no event ever comes for it; this pass picks it up, and runs
   * again every `reconcileMs` for events the OS drops. Files already announced are not read again
   * unless their size or mtime changed; the rest go through the usual stability check.
   */
  private async reconcile(): Promise<void> {
    this.lastReconcile = Date.now();
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (!this.running || !this.watcher) return;
        const abs = join(dir, e.name);
        if (e.isDirectory()) {
          const rel = this.rel(abs);
          if (this.opts.recursive && rel !== null && !isIgnoredDir(rel)) await walk(abs);
        } else if (e.isFile()) {
          const seen = this.announced.get(abs);
          if (!seen) this.observe(abs);
          else {
            // Announced before: looked at again only if it changed since (its event may be lost too).
            const s = await lstat(abs).catch(() => null);
            if (s && (s.size !== seen.size || s.mtimeMs !== seen.mtimeMs)) this.observe(abs);
          }
        }
      }
    };
    await walk(this.root);
  }

  /**
   * Waits for chokidar's first scan. Its 'ready' can go missing (an entry that vanishes mid-scan
   * with an unexpected error leaves its count unbalanced), and a wait without an end would keep
   * the folder in 'starting' and hold up stop() for good; after `readyTimeoutMs`, or when the
   * watcher is stopped, it gives up (false). Events still arrive, and reconcile() lists the folder.
   */
  private untilReady(watcher: FSWatcher): Promise<boolean> {
    return new Promise((res) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        watcher.off('ready', onReady);
        this.abandonArming = null;
        res(ready);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), this.readyTimeoutMs);
      watcher.once('ready', onReady);
      this.abandonArming = () => done(false);
    });
  }

  private async disarm(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    for (const o of this.observing.values()) if (o.timer) clearTimeout(o.timer);
    this.observing.clear();
    if (w) await w.close().catch(() => undefined);
  }

  private rel(p: string): string | null {
    const abs = isAbsolute(p) ? p : resolve(this.root, p);
    const r = relative(this.root, abs);
    if (r.startsWith('..') || isAbsolute(r)) return null;
    return r.split(sep).join('/');
  }

  private forget(abs: string): void {
    const o = this.observing.get(abs);
    if (o?.timer) clearTimeout(o.timer);
    this.observing.delete(abs);
    this.announced.delete(abs);
  }

  private observe(p: string): void {
    const abs = resolve(p);
    const rel = this.rel(abs);
    if (rel === null || rel === '' || !this.accept(rel)) return;
    if (this.observing.has(abs)) return; // its timer will see the change
    const o: Observation = { size: -1, mtimeMs: -1, since: Date.now(), timer: null };
    this.observing.set(abs, o);
    this.schedule(abs, o, 0);
  }

  private schedule(abs: string, o: Observation, delay = this.checkMs): void {
    o.timer = setTimeout(() => {
      o.timer = null;
      this.check(abs, o).catch((err) => {
        this.observing.delete(abs);
        this.emit('file-error', { path: abs, message: `Could not check ${abs}: ${(err as Error).message}` });
      });
    }, delay);
  }

  private async check(abs: string, o: Observation): Promise<void> {
    if (!this.running || this.observing.get(abs) !== o) return;
    let s;
    try {
      s = await lstat(abs);
    } catch {
      this.observing.delete(abs); // gone (renamed away or deleted) before it settled
      return;
    }
    if (!s.isFile()) {
      this.observing.delete(abs); // symlinks and special files are never followed
      return;
    }
    const now = Date.now();
    if (s.size !== o.size || s.mtimeMs !== o.mtimeMs) {
      o.size = s.size;
      o.mtimeMs = s.mtimeMs;
      o.since = now;
      return this.schedule(abs, o);
    }
    if (now - o.since < this.stableMs) return this.schedule(abs, o);

    const real = await realpath(abs).catch(() => null);
    if (!real || !(real.startsWith(this.rootReal + sep) || real === this.rootReal)) {
      this.observing.delete(abs);
      return;
    }
    try {
      const fh = await open(abs, 'r');
      await fh.close();
    } catch {
      return this.schedule(abs, o); // still locked by its writer (Windows) or not readable yet
    }
    const sha256 = await sha256File(abs);
    const after = await lstat(abs).catch(() => null);
    if (!after || after.size !== o.size || after.mtimeMs !== o.mtimeMs) {
      if (!after) {
        this.observing.delete(abs);
        return;
      }
      o.size = after.size;
      o.mtimeMs = after.mtimeMs;
      o.since = Date.now();
      return this.schedule(abs, o);
    }
    this.observing.delete(abs);
    const prev = this.announced.get(abs);
    if (prev && prev.sha256 === sha256) return; // touched but unchanged
    const file: ReadyFile = { path: abs, relPath: this.rel(abs) ?? abs, size: o.size, mtimeMs: o.mtimeMs, sha256 };
    this.announced.set(abs, { size: o.size, mtimeMs: o.mtimeMs, sha256 });
    const flying = this.inFlight.get(sha256);
    if (flying && flying !== abs) {
      this.emit('file-duplicate', { ...file, previous: { inFlight: flying } });
      return;
    }
    const known = this.deps.ledger ? await this.deps.ledger.lookup(sha256, abs) : null;
    if (known && known.outcome === 'processed') {
      this.emit('file-duplicate', { ...file, previous: known });
      return;
    }
    this.inFlight.set(sha256, abs);
    this.emit('file-ready', file);
  }
}
