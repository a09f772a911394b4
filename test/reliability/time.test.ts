/**
 * Time, at the SyncService level: the real engine, store, queue and job runner against the
 * sandbox, with the engine's clock injected and the scheduler's tick timer driven by the test.
 * A clock that jumps forward 3 days (sleep, or an agent left stopped) runs each job once as
 * catch-up (or not at all, by the job's own choice, else the agent's setting); a clock set back
 * never runs a slot twice; across both DST changes a daily job runs exactly once per local day,
 * including on the day its local time does not exist (spring) and the day it exists twice
 * (autumn).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../shared/api';
import { headerFingerprint } from '../../shared/mapping';
import { createEngineApi } from '../../main/engine/api';
import { Engine } from '../../main/engine/engine';
import { createDispatcher } from '../../main/engine/rpc-dispatch';
import { SyncService } from '../../main/engine/sync/service';
import { startSandbox, type RunningSandbox } from '../../main/sandbox';
import { memorySecretStore } from '../helpers/memory-secrets';

let dir: string;
let sandbox: RunningSandbox;
let engine: Engine;
let now = new Date('2026-01-10T10:00:00.000Z');
let sync: SyncService | null = null;

async function addJob(schedule: string, timezone: string): Promise<string> {
  const call = createDispatcher(createEngineApi(engine));
  const conn = await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  expect(conn.ok).toBe(true);
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  const watched = join(dir, 'drop');
  mkdirSync(watched, { recursive: true });
  engine.store.sources.insert({ id: 'src1', name: 'Drop', kind: 'folder', config: { path: watched }, paused: false, sandbox: true, status: 'idle', statusMessage: null, createdAt: now.toISOString() });
  engine.store.mappings.save(
    {
      id: 'map1',
      name: 'Elec',
      sourceId: 'src1',
      connectionId,
      fingerprint: null,
      profile: {
        schemaVersion: 1,
        name: 'Elec',
        sourceId: 'src1',
        connectionId,
        shape: { kind: 'long', valueColumn: 'kWh' },
        metric: { kind: 'fixed', metricId: 'met_elec_cons' },
        entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
        period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
        headerFingerprint: headerFingerprint(['Site', 'Month', 'kWh'], { orderInsensitive: true }),
      },
    },
    now.toISOString(),
  );
  const added = await call('jobs.add', { name: 'Daily', type: 'ingest', connectionId, sourceId: 'src1', mappingId: 'map1', config: { schedule, timezone, onFileArrival: false } });
  if (!added.ok) throw new Error(added.error.message);
  return (added.result as { id: string }).id;
}

/** Sets the clock, lets the scheduler tick once, and waits for any run it queued to finish. */
async function tickAt(at: Date | string): Promise<void> {
  now = new Date(at);
  vi.advanceTimersByTime(1000);
  await sync!.idle();
}

const runs = (): RunSummary[] => engine.store.runs.list({ limit: 10_000 }).slice().reverse();

async function startSync(): Promise<void> {
  sync = new SyncService(engine);
  engine.sync = sync;
  await sync.start();
}

beforeEach(async () => {
  // Only the scheduler's interval is faked: sockets, the sandbox and the queue keep real time.
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  dir = mkdtempSync(join(tmpdir(), 'esg-time-'));
  sandbox = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(dir, 'data'), mode: 'headless', fileLogs: false, clock: { now: () => now } });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
});

afterEach(async () => {
  await sync?.stop();
  sync = null;
  engine.sync = null;
  await engine.stop();
  await sandbox.close();
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('time', () => {
  it('runs once as catch-up after a 3-day jump forward, and never twice after a jump back', { timeout: 60_000 }, async () => {
    now = new Date('2026-01-10T10:00:00.000Z');
    await addJob('0 6 * * *', 'UTC');
    await startSync();
    await tickAt('2026-01-10T10:00:01Z');
    expect(runs()).toEqual([]);

    await tickAt('2026-01-13T10:00:00Z'); // three 06:00 slots passed while asleep
    expect(runs().map((r) => r.trigger)).toEqual(['catch-up']);
    for (let s = 1; s <= 30; s++) await tickAt(new Date(Date.parse('2026-01-13T10:00:00Z') + s * 1000));
    expect(runs()).toHaveLength(1);

    await tickAt('2026-01-11T10:00:00Z'); // clock set back two days
    await tickAt('2026-01-12T06:00:00.500Z'); // a slot already handled before the jump
    await tickAt('2026-01-13T06:00:00.500Z');
    expect(runs()).toHaveLength(1);

    await tickAt('2026-01-14T06:00:00.500Z'); // the first slot after the one handled: on time
    expect(runs().map((r) => r.trigger)).toEqual(['catch-up', 'schedule']);
    expect(runs().every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('lets a slot pass that comes while the run is still going and the next one already waits, and carries on', { timeout: 60_000 }, async () => {
    // Before: the third slot's refused run rejected unheard, and Node stopped the agent.
    now = new Date('2026-01-10T05:59:30Z');
    await addJob('* * * * *', 'UTC');
    await startSync();
    vi.advanceTimersByTime(1000);
    for (const at of ['2026-01-10T06:00:00.5Z', '2026-01-10T06:01:00.5Z', '2026-01-10T06:02:00.5Z', '2026-01-10T06:03:00.5Z']) {
      now = new Date(at);
      vi.advanceTimersByTime(1000); // no await: the first run is still reading when the next slots come
    }
    await sync!.idle();
    expect(runs().map((r) => [r.trigger, r.status])).toEqual([
      ['schedule', 'succeeded'],
      ['schedule', 'succeeded'],
    ]);
    await tickAt('2026-01-10T06:04:00.5Z');
    expect(runs()).toHaveLength(3);
  });

  it('takes the files waiting in a folder at each slot of a scheduled folder job, and leaves one waiting for a decision', { timeout: 60_000 }, async () => {
    now = new Date('2026-01-10T05:59:30Z');
    await addJob('0 6 * * *', 'UTC');
    const drop = join(dir, 'drop');
    writeFileSync(join(drop, 'jan.csv'), 'Site,Month,kWh\nLON-01,2025-12,100\nMAN-02,2025-12,200\n');
    writeFileSync(join(drop, 'renamed.csv'), 'Site,Month,Energy\nLON-01,2025-11,100\n');
    utimesSync(join(drop, 'jan.csv'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    utimesSync(join(drop, 'renamed.csv'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await startSync();
    await tickAt('2026-01-10T06:00:00.5Z');
    const first = runs();
    expect(first.map((r) => [r.trigger, r.file?.split(/[\\/]/).pop(), r.status]).sort()).toEqual([
      ['schedule', 'jan.csv', 'succeeded'],
      ['schedule', 'renamed.csv', 'needs_attention'],
    ]);
    expect(existsSync(join(drop, 'processed', 'jan.csv'))).toBe(true);
    expect(sandbox.countSubmissions()).toBe(2);

    // The next slot: the file whose columns changed waits for a person, not for the clock.
    await tickAt('2026-01-11T06:00:00.5Z');
    expect(runs().slice(2).map((r) => [r.trigger, r.file, r.read])).toEqual([['schedule', null, 0]]);
  });

  it('catches up once for an agent that was stopped for 3 days, and not at all with catch-up off', { timeout: 60_000 }, async () => {
    now = new Date('2026-01-10T05:59:00Z');
    const jobId = await addJob('0 6 * * *', 'UTC');
    await startSync();
    await tickAt('2026-01-10T06:00:00.200Z');
    expect(runs().map((r) => r.trigger)).toEqual(['schedule']);
    await sync!.stop();

    now = new Date('2026-01-13T09:00:00Z');
    await startSync();
    await tickAt('2026-01-13T09:00:01Z');
    expect(runs().map((r) => r.trigger)).toEqual(['schedule', 'catch-up']);
    expect(runs()[1]!.jobId).toBe(jobId);

    await sync!.stop();
    engine.store.settings.update({ catchUp: 'skip' });
    now = new Date('2026-01-16T09:00:00Z');
    await startSync();
    await tickAt('2026-01-16T09:00:01Z');
    expect(runs()).toHaveLength(2);

    // The job's own choice wins over the agent's setting, both ways, as saved through jobs.update.
    const setJobCatchUp = async (catchUp: 'run-once' | 'skip') => {
      const call = createDispatcher(createEngineApi(engine));
      const j = engine.store.jobs.get(jobId)!;
      const r = await call('jobs.update', { jobId, name: j.name, type: j.type, connectionId: j.connectionId, sourceId: j.sourceId, mappingId: j.mappingId, config: { ...j.config, catchUp } });
      if (!r.ok) throw new Error(r.error.message);
    };
    await sync!.stop();
    await setJobCatchUp('run-once');
    now = new Date('2026-01-19T09:00:00Z');
    await startSync();
    await tickAt('2026-01-19T09:00:01Z');
    expect(runs().map((r) => r.trigger)).toEqual(['schedule', 'catch-up', 'catch-up']);

    await sync!.stop();
    engine.store.settings.update({ catchUp: 'run-once' });
    await setJobCatchUp('skip');
    now = new Date('2026-01-22T09:00:00Z');
    await startSync();
    await tickAt('2026-01-22T09:00:01Z');
    expect(runs()).toHaveLength(3);
  });

  for (const [season, from, to] of [
    ['spring (01:30 does not exist on 29 March)', '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z'],
    ['autumn (01:30 happens twice on 25 October)', '2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z'],
  ] as const) {
    it(`runs a daily 01:30 Europe/London job once per local day across the ${season} DST change`, { timeout: 120_000 }, async () => {
      now = new Date(from);
      await addJob('30 1 * * *', 'Europe/London');
      await startSync();
      // Walk the clock in 20-second steps through each night (23:00–03:00 UTC, where every
      // candidate slot lies), as a machine that never sleeps would see it.
      for (let day = Date.parse(from); day < Date.parse(to); day += 86_400_000) {
        for (let t = day - 3600_000; t <= day + 3 * 3600_000; t += 20_000) await tickAt(new Date(t));
      }
      const list = runs();
      const localDays = list.map((r) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', dateStyle: 'short' }).format(new Date(r.startedAt)));
      expect(list.every((r) => r.trigger === 'schedule')).toBe(true);
      expect(localDays).toEqual([...new Set(localDays)]); // never twice on one local day
      expect(localDays).toHaveLength(4); // and none missed: one per day of the four
    });
  }
});
