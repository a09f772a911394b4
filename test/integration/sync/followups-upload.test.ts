/**
 * An Altruistiq upload a killed agent left unfinished is completed by a 'resume' run at start,
 * without waiting for the next file or scheduled slot.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import type { RunSummary } from '../../../shared/api';
import { Engine } from '../../../main/engine/engine';
import { ConnectionService } from '../../../main/engine/connections';
import { createEngineApi } from '../../../main/engine/api';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { SyncService } from '../../../main/engine/sync/service';
import { JobRunner } from '../../../main/engine/sync/job-runner';
import { readCheckpoint } from '../../../main/engine/sync/upload-ingest';
import { memorySecretStore } from '../../helpers/memory-secrets';
import { startAltruistiqStandin, type AltruistiqStandin } from '../../helpers/altruistiq-standin';

const FACILITIES = Array.from({ length: 3 }, (_, i) => ({
  facilityId: `${String(i + 1).padStart(8, '0')}-28e4-450d-9e20-af64d9c0d813`,
  facilityName: `Site ${i + 1}`,
  internalId: `FAC-${String(i + 1).padStart(3, '0')}`,
}));

let dir: string;
let dataDir: string;
let aq: AltruistiqStandin;
let engine: Engine;
let secrets = memorySecretStore();

const profile = (sourceId: string, connectionId: string): MappingProfileInput => ({
  schemaVersion: 1,
  name: 'Purchased electricity',
  sourceId,
  connectionId,
  shape: { kind: 'long', valueColumn: 'kWh' },
  metric: { kind: 'fixed', metricId: 'ElectricityPurchased' },
  entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
  period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
  unit: { kind: 'fixed', unit: 'kWh' },
  headerFingerprint: headerFingerprint(['Site', 'Month', 'kWh'], { orderInsensitive: true }),
});

const openEngine = () => Engine.open({ dataDir, mode: 'headless', fileLogs: false });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-fu-upload-'));
  dataDir = join(dir, 'data');
  aq = await startAltruistiqStandin({ facilities: FACILITIES, datasources: ['ds-1'] });
  secrets = memorySecretStore();
  engine = openEngine();
  await engine.initSecrets({ allowEnv: false, store: secrets });
});

afterEach(async () => {
  await engine.sync?.stop();
  await engine.stop();
  await aq.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an unfinished upload at start', () => {
  it('gets a catch-up run that completes it, with no file waiting', async () => {
    const call = createDispatcher(createEngineApi(engine));
    const added = await call('connections.add', { kind: 'altruistiq', name: 'Altruistiq', baseUrl: aq.url, clientId: 'aq-client', clientSecret: 'aq-secret', userEmail: 'ops@example.com' });
    expect(added.ok).toBe(true);
    const connectionId = engine.store.connections.get('Altruistiq')!.id;
    const watched = join(dir, 'drop');
    mkdirSync(watched, { recursive: true });
    engine.store.sources.insert({ id: 'src1', name: 'Meters', kind: 'folder', config: { path: watched, include: ['*.csv'], stableMs: 300 }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: new Date().toISOString() });
    engine.store.mappings.save({ id: 'map1', name: 'Elec', sourceId: 'src1', connectionId, fingerprint: null, profile: profile('src1', connectionId) }, new Date().toISOString());
    const job = await call('jobs.add', { name: 'Elec to AQ', type: 'ingest', connectionId, sourceId: 'src1', mappingId: 'map1', config: { onFileArrival: true, ingest: { datasourceId: 'ds-1' } } });
    if (!job.ok) throw new Error(JSON.stringify(job));
    const jobId = (job.result as { id: string }).id;

    const path = join(watched, 'meters.csv');
    writeFileSync(path, ['Site,Month,kWh', 'FAC-001,2024-01,100', 'FAC-002,2024-01,200', 'FAC-003,2024-01,300'].join('\n') + '\n');
    const controller = new AbortController();
    aq.onPart = () => controller.abort(); // killed as the first part lands: stored, never acknowledged
    const runner = new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets(), clock: engine.clock, logger: engine.logger }));
    const killed = await runner.run({ jobId, trigger: 'file', file: { path, size: statSync(path).size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') }, signal: controller.signal });
    expect(killed.status).toBe('interrupted');
    expect(readCheckpoint(engine.store, jobId)).not.toBeNull();
    expect(aq.datasets).toHaveLength(0);
    // The source file is gone meanwhile (someone moved it): nothing in the folder will trigger a run.
    unlinkSync(path);
    aq.onPart = null;

    await engine.stop();
    engine = openEngine();
    await engine.initSecrets({ allowEnv: false, store: secrets });
    const next = new Promise<RunSummary>((resolve) => {
      const off = engine.events.subscribe((event, payload) => {
        if (event === 'run.finished') {
          off();
          resolve(payload as RunSummary);
        }
      });
    });
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    const caught = await Promise.race([next, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
    expect(caught?.trigger).toBe('resume');
    expect(caught?.error).toBeNull();
    expect(caught?.created).toBe(3);
    expect(aq.datasets).toHaveLength(1);
    expect(readCheckpoint(engine.store, jobId)).toBeNull();
  }, 60_000);
});
