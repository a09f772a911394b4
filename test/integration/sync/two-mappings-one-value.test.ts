/**
 * Two jobs feeding one metric, site and period (an energy report and a monthly extract): each
 * mapping keeps its own record of what it sent, so after the second updated the platform's value,
 * the first's record no longer said what the platform holds and its next file was "unchanged"
 * while the platform kept the other value. Now the file that arrives last decides.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import { electricityCsv, electricityFolderJob, nextRun, openFolderSyncRig, type FolderSyncRig } from '../../helpers/folder-sync-rig';

let rig: FolderSyncRig;
beforeEach(async () => {
  rig = await openFolderSyncRig();
});
afterEach(async () => {
  await rig.close();
});

it('the file that arrives last decides the platform’s value, whichever job it came through', async () => {
  const { engine } = rig;
  const second = join(rig.dir, 'monthly');
  // A second folder, mapping and job for the same metric.
  const first = await electricityFolderJob(rig, {
    beforeStart: async (call, connectionId) => {
      mkdirSync(second);
      engine.store.sources.insert({ id: 'src2', name: 'Monthly', kind: 'folder', config: { path: second, stableMs: 300 }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: 'now' });
      const profile: MappingProfileInput = {
        schemaVersion: 1,
        name: 'Monthly extract',
        sourceId: 'src2',
        connectionId,
        shape: { kind: 'long', valueColumn: 'Electricity kWh' },
        metric: { kind: 'fixed', metricId: 'met_elec_cons' },
        entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
        period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
        headerFingerprint: headerFingerprint(['Site', 'Month', 'Electricity kWh'], { orderInsensitive: true }),
      };
      engine.store.mappings.save({ id: 'map2', name: 'Monthly extract', sourceId: 'src2', connectionId, fingerprint: null, profile }, 'now');
      expect((await call('jobs.add', { name: 'Monthly', type: 'ingest', connectionId, sourceId: 'src2', mappingId: 'map2', config: {} })).ok).toBe(true);
    },
  });
  const london = () => Number(rig.sandbox.listSubmissions().find((s) => s.entityId === 'ent_lon01')!.value);

  const one = (await first.drop('october.csv', [['LON-01', '2024-10', '41250'], ['MAN-02', '2024-10', '500']], 0))!;
  expect(one.created).toBe(2);
  const monthly = nextRun(engine, one.id);
  writeFileSync(join(second, 'extract.csv'), electricityCsv([['LON-01', '2024-10', '41300']]));
  expect((await monthly)!.updated).toBe(1);
  expect(london()).toBe(41300);

  // The report again (with another site changed, so it is new content): its London value wins now.
  const three = (await first.drop('october-v2.csv', [['LON-01', '2024-10', '41250'], ['MAN-02', '2024-10', '510']], one.id + 1))!;
  expect({ updated: three.updated, unchanged: three.unchanged }).toEqual({ updated: 2, unchanged: 0 });
  expect(london()).toBe(41250);
});
