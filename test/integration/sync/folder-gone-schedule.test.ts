/**
 * A scheduled run of a folder job whose folder is gone (an unmounted share) fails and says why;
 * before, it "succeeded" with "No file was waiting in the folder". Once the folder is back, the
 * file waiting there is taken.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { electricityCsv, electricityFolderJob, openFolderSyncRig, type FolderSyncRig } from '../../helpers/folder-sync-rig';

let rig: FolderSyncRig;
beforeEach(async () => {
  rig = await openFolderSyncRig();
});
afterEach(async () => {
  await rig.close();
});

it('fails while the folder is gone, and takes the waiting file once it is back', async () => {
  const { watched, jobId } = await electricityFolderJob(rig);
  const away = `${watched}.offline`;
  renameSync(watched, away);
  const gone = (await rig.engine.sync!.trigger(jobId, 'schedule'))!;
  expect(gone.status).toBe('failed');
  expect(gone.error).toBe(`Nothing was read from "Bills": The folder ${watched} does not exist. Check the path, or connect the drive or share it is on. The next run tries again.`);

  writeFileSync(join(away, 'energy.csv'), electricityCsv([['LON-01', '2024-01', '1000']]));
  renameSync(away, watched);
  // The watcher or the scheduled run takes it, whichever comes first.
  const back = (await rig.engine.sync!.trigger(jobId, 'schedule'))!;
  expect(back.status).toBe('succeeded');
  await expect.poll(() => rig.sandbox.countSubmissions(), { timeout: 10_000 }).toBe(1);
});
