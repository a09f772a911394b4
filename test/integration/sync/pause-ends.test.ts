/**
 * A file dropped while syncs are paused for a while waits, and is taken when the pause ends, on
 * its own: nobody has to resume or restart. Before, an expired pause cleared itself silently and
 * the waiting file stayed until a resume, with runs saying no file was waiting.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { electricityFolderJob, nextRun, openFolderSyncRig, type FolderSyncRig } from '../../helpers/folder-sync-rig';

let rig: FolderSyncRig;
beforeEach(async () => {
  rig = await openFolderSyncRig();
});
afterEach(async () => {
  await rig.close();
});

it('a file that arrived during a timed pause is taken when the pause ends', async () => {
  const { drop } = await electricityFolderJob(rig);
  // About 1.5 s (the CLI and the UI pause by whole minutes; the engine takes any length).
  rig.engine.pause(0.025);
  const during = await drop('energy.csv', [['LON-01', '2024-01', '1000']], 0, 1000);
  expect(during).toBeNull();
  expect(rig.engine.status().pausedUntil).not.toBeNull();
  const after = await nextRun(rig.engine, 0, 10_000);
  expect(after).not.toBeNull();
  expect({ status: after!.status, created: after!.created }).toEqual({ status: 'succeeded', created: 1 });
  expect(rig.engine.status().pausedUntil).toBeNull();
});
