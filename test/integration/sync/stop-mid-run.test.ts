/**
 * Stopping the agent (Ctrl+C, SIGTERM, quitting the app) during a run: the run is marked
 * interrupted and says so in words, as a killed agent's runs are at the next start; not as the
 * platform request the stop happened to cut off ("POST …/v1/submissions:batch was cancelled").
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { STOPPED_MID_RUN } from '../../../main/engine/sync/job-runner';
import { electricityFolderJob, openFolderSyncRig, type FolderSyncRig } from '../../helpers/folder-sync-rig';

let rig: FolderSyncRig;
beforeEach(async () => {
  rig = await openFolderSyncRig();
});
afterEach(async () => {
  await rig.close();
});

it('a run cut short by the agent stopping says the agent was stopped', async () => {
  const { drop } = await electricityFolderJob(rig, { ingest: { batchSize: 10, batchesInFlight: 1 } });
  // Slow answers, so the stop comes while batches are still being sent.
  rig.sandbox.setFaults({ latency: 300 });
  const started = new Promise<void>((resolve) => {
    const off = rig.engine.events.subscribe((event) => {
      if (event === 'run.started') {
        off();
        resolve();
      }
    });
  });
  const rows = Array.from({ length: 200 }, (_, i) => [`LON-01`, `20${String(10 + Math.floor(i / 12)).padStart(2, '0')}-${String((i % 12) + 1).padStart(2, '0')}`, String(i)]);
  const finished = drop('energy.csv', rows, 0, 30_000);
  await started;
  await new Promise((r) => setTimeout(r, 800));
  await rig.engine.sync!.stop();
  const run = (await finished) ?? rig.engine.store.runs.list({ limit: 1 })[0]!;
  expect(run.status).toBe('interrupted');
  expect(run.error).toBe(STOPPED_MID_RUN);
});
