/**
 * A run of a mirror folder job that has no file to read — the catch-up after a crash (to resend
 * the outbox), a scheduled or a manual run — must not read "no rows" as "every row was removed":
 * it resends what is pending and deletes nothing.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
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
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-mirror-'));
  sandbox = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(dir, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
});
afterEach(async () => {
  await engine.stop();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a mirror folder job run without a file deletes nothing and needs no attention', async () => {
  const call = createDispatcher(createEngineApi(engine));
  expect((await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' })).ok).toBe(true);
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  const drop = join(dir, 'drop');
  mkdirSync(drop);
  engine.store.sources.insert({ id: 'src', name: 'Drop', kind: 'folder', config: { path: drop }, paused: false, sandbox: true, status: 'idle', statusMessage: null, createdAt: 'now' });
  engine.store.mappings.save(
    {
      id: 'map',
      name: 'Elec',
      sourceId: 'src',
      connectionId,
      fingerprint: null,
      profile: {
        schemaVersion: 1,
        name: 'Elec',
        sourceId: 'src',
        connectionId,
        shape: { kind: 'long', valueColumn: 'kWh' },
        metric: { kind: 'fixed', metricId: 'met_elec_cons' },
        entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
        period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
        headerFingerprint: headerFingerprint(['Site', 'Month', 'kWh'], { orderInsensitive: true }),
      },
    },
    'now',
  );
  const added = await call('jobs.add', { name: 'Mirror', type: 'ingest', connectionId, sourceId: 'src', mappingId: 'map', config: { onFileArrival: false, ingest: { mirror: true } } });
  const jobId = (added.ok ? (added.result as { id: string }) : { id: '' }).id;
  engine.sync = new SyncService(engine);

  const path = join(drop, 'bills.csv');
  writeFileSync(path, 'Site,Month,kWh\nLON-01,2024-01,1\nMAN-02,2024-01,2\nBER-01,2024-01,3\n');
  const first = await engine.sync.runner.run({ jobId, trigger: 'file', file: { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), size: statSync(path).size } });
  expect(first).toMatchObject({ status: 'succeeded', created: 3 });

  for (const trigger of ['resume', 'catch-up', 'schedule', 'manual'] as const) {
    const run = await engine.sync.runner.run({ jobId, trigger });
    expect(run, trigger).toMatchObject({ status: 'succeeded', deleted: 0, error: null });
  }
  expect(sandbox.countSubmissions()).toBe(3);
  expect(engine.store.ledger.count('map')).toBe(3);
});
