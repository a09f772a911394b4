/**
 * The first-run sandbox tour. "Try it with the sandbox platform" starts the built-in sandbox in
 * the agent's process, connects to it with its demo service account (the secret goes through
 * the normal secret store), writes a folder of realistic sample files into the data folder and
 * registers each feed as a watched source — all labelled as sandbox data. After the person has
 * mapped the first file, "drop the next sample file" creates the file-triggered job and copies
 * the held-back month into the folder, so a live run happens in front of them. "Remove sandbox
 * data" takes all of it away again in one step.
 */
import { copyFile, mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { methods } from '../../../shared/api';
import { ApiError } from '../../../shared/rpc';
import type { DemoStatus } from '../../../shared/contract/demo';
import { DEMO_ACCOUNT } from '../../sandbox';
import { ConnectionService } from '../connections';
import type { Engine } from '../engine';
import { jobsHandlers } from '../handlers/jobs';
import { SourceService } from '../sources/service';
import { SANDBOX_DIR } from './sandbox-host';
import { deleteOrphanDemoRuns, deleteSandboxRows, markSourceSandbox, sandboxIds } from './sandbox-data';
import { tourFiles, type DemoFeed } from './samples';
import { clearDemoState, readDemoState, writeDemoState, type DemoState } from './state';

export const DEMO_FOLDER = 'sandbox-demo';
export const CONNECTION_NAME = 'Sandbox platform';
export const JOB_NAME = 'Sandbox: electricity reports to the platform';

const FEEDS: Record<DemoFeed, { folder: string; source: string }> = {
  electricity: { folder: 'electricity-reports', source: 'Sandbox: electricity reports' },
  fuel: { folder: 'fuel-card-exports', source: 'Sandbox: fuel card exports' },
  waste: { folder: 'waste-collections', source: 'Sandbox: waste contractor' },
};
/** Outside every watched folder, so the held-back month is not picked up before it is dropped. */
const HELD_BACK_FOLDER = 'next-month';

export class DemoService {
  private readonly connections: ConnectionService;
  private readonly sources: SourceService;
  /** Start, drop and remove never interleave (two clicks, two tabs). */
  private static queue = new WeakMap<Engine, Promise<unknown>>();

  constructor(private readonly engine: Engine) {
    const base = { store: engine.store, secrets: () => engine.secrets(), clock: engine.clock, logger: engine.logger };
    this.connections = new ConnectionService({ ...base, onStatus: (e) => engine.events.emit('connection.status', e) });
    this.sources = new SourceService({ ...base, onChanged: (info) => engine.events.emit('source.changed', info) });
  }

  status(): DemoStatus {
    const { store } = this.engine;
    const state = this.state();
    const host = this.engine.sandboxHost;
    const sandbox = sandboxIds(store);
    if (!state) {
      return {
        step: 'start',
        running: host.url !== null,
        url: host.url,
        folder: null,
        connectionId: null,
        firstSourceId: null,
        firstFile: null,
        mappingId: null,
        nextFile: null,
        jobId: null,
        sandbox,
      };
    }
    const mapping = store.mappings.forSource(state.sources.electricity).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0] ?? null;
    const jobId = state.jobId && store.jobs.get(state.jobId) ? state.jobId : null;
    return {
      step: state.heldBack === null ? 'done' : mapping ? 'drop' : 'map',
      running: host.url !== null,
      url: host.url,
      folder: state.folder,
      connectionId: state.connectionId,
      firstSourceId: state.sources.electricity,
      firstFile: state.firstFile,
      mappingId: mapping?.id ?? null,
      nextFile: state.heldBack ? basename(state.heldBack) : null,
      jobId,
      sandbox,
    };
  }

  /** Idempotent: a tour already set up is only brought back to life (sandbox running). */
  start(): Promise<DemoStatus> {
    return this.exclusive(async () => {
      const existing = this.state();
      if (existing) {
        await this.engine.sandboxHost.resume();
        return this.status();
      }
      return this.create();
    });
  }

  private async create(): Promise<DemoStatus> {
    const { engine } = this;
    // Without a keychain the demo secret has nowhere to go; say so before starting anything.
    engine.secrets();
    const folder = join(engine.dataDir, DEMO_FOLDER);
    const created: { connectionId?: string; sourceIds: string[] } = { sourceIds: [] };
    try {
      const sandbox = await engine.sandboxHost.start(0);
      const files = tourFiles(engine.clock.now());
      await rm(folder, { recursive: true, force: true });
      const paths = {} as Record<DemoFeed, string>;
      for (const feed of Object.keys(FEEDS) as DemoFeed[]) {
        paths[feed] = join(folder, FEEDS[feed].folder);
        await mkdir(paths[feed], { recursive: true });
      }
      await mkdir(join(folder, HELD_BACK_FOLDER), { recursive: true });
      let firstFile = '';
      for (const f of files.initial) {
        const path = join(paths[f.feed], f.name);
        await writeFile(path, f.content, 'utf8');
        if (f.feed === 'electricity') firstFile = path;
      }
      const heldBack = join(folder, HELD_BACK_FOLDER, files.heldBack.name);
      await writeFile(heldBack, files.heldBack.content, 'utf8');

      const added = await this.connections.add({
        name: this.freeConnectionName(),
        kind: 'esg-api',
        baseUrl: sandbox.url,
        clientId: DEMO_ACCOUNT.clientId,
        clientSecret: DEMO_ACCOUNT.clientSecret,
        sandbox: true,
      });
      if (!added.saved) throw new ApiError('platform', `The sandbox platform started but did not accept its demo account: ${added.test.message}`);
      created.connectionId = added.connection.id;

      const sourceIds = {} as Record<DemoFeed, string>;
      for (const feed of Object.keys(FEEDS) as DemoFeed[]) {
        // Mark before announcing: every page that hears of the source already sees the label.
        const info = await this.sources.addFolder({ name: FEEDS[feed].source, path: paths[feed], include: ['*.csv'], stableMs: 1000 });
        created.sourceIds.push(info.id);
        markSourceSandbox(engine.store, info.id);
        sourceIds[feed] = info.id;
        engine.events.emit('source.changed', { ...info, sandbox: true });
      }
      const state: DemoState = {
        version: 1,
        connectionId: added.connection.id,
        sources: { electricity: sourceIds.electricity, fuel: sourceIds.fuel, waste: sourceIds.waste },
        folder,
        heldBack,
        firstFile,
        port: sandbox.port,
        jobId: null,
        createdAt: engine.clock.now().toISOString(),
      };
      writeDemoState(engine.store, state);
      engine.logger.info({ folder, url: sandbox.url }, 'sandbox tour set up');
      this.changed();
      return this.status();
    } catch (err) {
      // Half a tour is worse than none: take back what was made, then say what went wrong.
      deleteSandboxRows(engine.store, { connectionIds: [], sourceIds: created.sourceIds, mappingIds: [], jobIds: [] });
      if (created.connectionId) await this.connections.remove(created.connectionId, { force: true }).catch(() => undefined);
      await engine.sandboxHost.stop().catch(() => undefined);
      await rm(folder, { recursive: true, force: true }).catch(() => undefined);
      throw err instanceof ApiError ? err : new ApiError('internal', `The sandbox could not be set up: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Creates the tour's file-triggered job (first time) and drops last month's report into the folder. */
  dropNext(): Promise<{ file: string; jobId: string; status: DemoStatus }> {
    return this.exclusive(async () => {
      const { engine } = this;
      const state = this.state();
      if (!state) throw new ApiError('not_found', 'The sandbox tour has not been started. Choose "Try it with the sandbox platform" on the dashboard.');
      if (state.heldBack === null) throw new ApiError('conflict', 'The next sample file was already dropped into the demo folder. See its run on the History page.');
      const status = this.status();
      if (!status.mappingId) {
        throw new ApiError('conflict', 'Save a mapping for the sandbox electricity reports first: the dropped file is synced with it. Open the mapping wizard from the dashboard.');
      }
      await engine.sandboxHost.resume();
      let jobId = status.jobId ?? engine.store.jobs.get(JOB_NAME)?.id ?? null;
      if (!jobId) {
        const params = methods['jobs.add'].params.parse({
          name: JOB_NAME,
          type: 'ingest',
          connectionId: state.connectionId,
          sourceId: state.sources.electricity,
          mappingId: status.mappingId,
          config: { schedule: null, onFileArrival: true },
        });
        jobId = (await jobsHandlers(engine)['jobs.add'](params)).id;
      }
      const source = engine.store.sources.get(state.sources.electricity);
      if (!source) {
        throw new ApiError('not_found', 'The sandbox electricity reports source was removed, so there is no folder to drop the file into. Remove the sandbox data and start the tour again.');
      }
      const target = join(String(source.config.path), basename(state.heldBack));
      try {
        await copyFile(state.heldBack, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        // The held-back sample was deleted by hand: samples are deterministic, so write it again.
        const again = tourFiles(new Date(state.createdAt)).heldBack;
        if (again.name !== basename(state.heldBack)) throw err;
        await writeFile(target, again.content, 'utf8');
      }
      await unlink(state.heldBack).catch(() => undefined);
      writeDemoState(engine.store, { ...state, heldBack: null, jobId });
      engine.logger.info({ file: target }, 'sandbox tour: next sample file dropped');
      this.changed();
      return { file: target, jobId, status: this.status() };
    });
  }

  /** Everything the sandbox made: jobs, runs, mappings, sources, connection, folder, platform data. */
  remove(): Promise<{ connections: number; sources: number; mappings: number; jobs: number; runs: number; folderRemoved: boolean; warnings: string[] }> {
    return this.exclusive(async () => {
      const { engine } = this;
      const state = this.state();
      const found = sandboxIds(engine.store);
      const running = found.jobIds.filter((id) => engine.sync?.isRunning(id));
      if (running.length) {
        throw new ApiError('busy', 'A sandbox run is in progress. Wait until it has finished (usually a few seconds), then remove the sandbox data again.');
      }
      const sources = found.sourceIds.map((id) => engine.store.sources.get(id)).filter((s) => s !== null);
      const folder = state?.folder ?? join(engine.dataDir, DEMO_FOLDER);
      const counts = deleteSandboxRows(engine.store, found);
      counts.runs += deleteOrphanDemoRuns(engine.store, folder);
      // Watchers of the removed sources are stopped by the sync service when it hears of them.
      for (const s of sources) {
        engine.events.emit('source.changed', {
          id: s.id, name: s.name, kind: s.kind, location: String(s.config.path ?? ''), paused: s.paused, sandbox: true,
          status: 'removed', statusMessage: 'The sandbox data was removed.', createdAt: s.createdAt, lastFile: null, lastWatermark: null, filesWaiting: 0,
        });
      }
      const warnings: string[] = [];
      for (const id of found.connectionIds) {
        const r = await this.connections.remove(id, { force: true });
        if (r.warning) warnings.push(r.warning);
      }
      await engine.sandboxHost.stop();
      let folderRemoved = false;
      try {
        await rm(folder, { recursive: true, force: true });
        await rm(join(engine.dataDir, SANDBOX_DIR), { recursive: true, force: true });
        folderRemoved = true;
      } catch (err) {
        warnings.push(`The demo folder ${folder} could not be deleted (${(err as Error).message}). Delete it by hand.`);
      }
      clearDemoState(engine.store);
      engine.logger.info({ ...counts, connections: found.connectionIds.length }, 'sandbox data removed');
      this.changed();
      return { connections: found.connectionIds.length, ...counts, folderRemoved, warnings };
    });
  }

  private state(): DemoState | null {
    const state = readDemoState(this.engine.store);
    // A tour whose connection was removed by hand is over; what is left is removed with "Remove sandbox data".
    return state && this.engine.store.connections.get(state.connectionId) ? state : null;
  }

  private freeConnectionName(): string {
    let name = CONNECTION_NAME;
    for (let i = 2; this.engine.store.connections.get(name); i++) name = `${CONNECTION_NAME} ${i}`;
    return name;
  }

  private changed(): void {
    this.engine.events.emit('engine.changed', this.engine.status());
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const prev = DemoService.queue.get(this.engine) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    DemoService.queue.set(this.engine, next);
    return next;
  }
}
