/**
 * Content a folder source has seen before, dropped again while the agent runs. A copy of what it
 * synced last is a duplicate (nothing to do). But content that is not the latest (a correction
 * withdrawn: A, then B, then A again) is what the source holds now, and content whose run failed,
 * dropped again once the cause is fixed, is to be read: both run, and the ledger sends only what
 * differs. Before, both were silent "duplicates" and the platform kept the wrong value.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import type { RunSummary } from '../../../shared/api';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { SyncService } from '../../../main/engine/sync/service';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { memorySecretStore } from '../../helpers/memory-secrets';

let dir: string;
let sandbox: RunningSandbox;
let engine: Engine;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-dropped-again-'));
  sandbox = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(dir, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
});
afterEach(async () => {
  await engine.stop();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

const csv = (rows: string[][]) => ['Site,Month,Electricity kWh', ...rows.map((r) => r.join(','))].join('\n') + '\n';
const A = [['LON-01', '2024-01', '1000'], ['MAN-02', '2024-01', '2000']];
const B = [['LON-01', '2024-01', '1000'], ['MAN-02', '2024-01', '2100']];

function nextRun(after: number, timeoutMs = 20_000): Promise<RunSummary | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(null);
    }, timeoutMs);
    const off = engine.events.subscribe((event, payload) => {
      const run = payload as RunSummary;
      if (event === 'run.finished' && run.id > after) {
        clearTimeout(timer);
        off();
        resolve(run);
      }
    });
  });
}

async function setUp(ingest: Record<string, unknown> = {}) {
  const call = createDispatcher(createEngineApi(engine));
  await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  const watched = join(dir, 'drop');
  mkdirSync(watched);
  engine.store.sources.insert({ id: 'src1', name: 'Bills', kind: 'folder', config: { path: watched, stableMs: 300 }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: 'now' });
  const profile: MappingProfileInput = {
    schemaVersion: 1,
    name: 'Site electricity',
    sourceId: 'src1',
    connectionId,
    shape: { kind: 'long', valueColumn: 'Electricity kWh' },
    metric: { kind: 'fixed', metricId: 'met_elec_cons' },
    entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
    period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
    headerFingerprint: headerFingerprint(['Site', 'Month', 'Electricity kWh'], { orderInsensitive: true }),
  };
  engine.store.mappings.save({ id: 'map1', name: 'Site electricity', sourceId: 'src1', connectionId, fingerprint: null, profile }, 'now');
  const added = await call('jobs.add', { name: 'Bills', type: 'ingest', connectionId, sourceId: 'src1', mappingId: 'map1', config: { ingest } });
  expect(added.ok).toBe(true);
  engine.sync = new SyncService(engine);
  await engine.sync.start();
  const drop = async (name: string, rows: string[][], after: number, timeoutMs?: number) => {
    const done = nextRun(after, timeoutMs);
    writeFileSync(join(watched, name), csv(rows));
    return done;
  };
  return { call, drop, watched, jobId: (added as { result: { id: string } }).result.id };
}

const manchester = () => sandbox.listSubmissions().find((s) => s.entityId.toLowerCase().includes('man'))!;

describe('content dropped again', () => {
  it('A, then B, then A again: the third file runs and the platform holds A’s value; a copy of what was synced last is still a duplicate', async () => {
    const { drop, watched } = await setUp();
    const one = (await drop('energy.csv', A, 0))!;
    expect(one.created).toBe(2);
    const two = (await drop('energy-v2.csv', B, one.id))!;
    expect(two.updated).toBe(1);
    expect(Number(manchester().value)).toBe(2100);

    const three = await drop('energy-v3-withdrawn.csv', A, two.id);
    expect(three).not.toBeNull();
    expect({ updated: three!.updated, unchanged: three!.unchanged, created: three!.created }).toEqual({ updated: 1, unchanged: 1, created: 0 });
    expect(Number(manchester().value)).toBe(2000);

    // The same content as the last synced file: nothing to do, no run.
    const four = await drop('energy-v3-copy.csv', A, three!.id, 2500);
    expect(four).toBeNull();
    expect(engine.store.runs.list({ limit: 10 })).toHaveLength(3);
    expect(existsSync(join(watched, 'processed', 'energy-v3-copy.csv'))).toBe(true);
  });

  it('a file whose run failed, dropped again after the job was fixed, runs', async () => {
    const { drop, call, jobId } = await setUp({ rejectPolicy: 'all-or-nothing' });
    const bad = [...A, ['LON-01', '2024-02', 'n/a?']];
    const one = (await drop('energy.csv', bad, 0))!;
    expect(one.status).toBe('failed');
    expect(sandbox.countSubmissions()).toBe(0);

    // The person lets the job send the valid rows, and drops the same file again.
    const job = (await call('jobs.get', { jobId })) as { ok: true; result: { name: string; type: string; connectionId: string; sourceId: string; mappingId: string; config: Record<string, unknown> } };
    const { name, type, connectionId, sourceId, mappingId, config } = job.result;
    expect((await call('jobs.update', { jobId, name, type, connectionId, sourceId, mappingId, config: { ...config, ingest: { ...(config.ingest as object), rejectPolicy: 'send-valid' } } })).ok).toBe(true);
    const two = await drop('energy-again.csv', bad, one.id);
    expect(two).not.toBeNull();
    expect({ status: two!.status, created: two!.created, rejected: two!.rejected }).toEqual({ status: 'succeeded_with_rejections', created: 2, rejected: 1 });
    expect(sandbox.countSubmissions()).toBe(2);
  });
});
