/**
 * Content a folder source has seen before, dropped again while the agent runs. A copy of what it
 * synced last is a duplicate (nothing to do). But content that is not the latest (a correction
 * withdrawn: A, then B, then A again) is what the source holds now, and content whose run failed,
 * dropped again once the cause is fixed, is to be read: both run, and the ledger sends only what
 * differs. Before, both were silent "duplicates" and the platform kept the wrong value.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { electricityCsv, electricityFolderJob, nextRun, openFolderSyncRig, type FolderSyncRig } from '../../helpers/folder-sync-rig';

let rig: FolderSyncRig;
beforeEach(async () => {
  rig = await openFolderSyncRig();
});
afterEach(async () => {
  await rig.close();
});

const A = [['LON-01', '2024-01', '1000'], ['MAN-02', '2024-01', '2000']];
const B = [['LON-01', '2024-01', '1000'], ['MAN-02', '2024-01', '2100']];
const setUp = (ingest: Record<string, unknown> = {}) => electricityFolderJob(rig, { ingest });

const manchester = () => rig.sandbox.listSubmissions().find((s) => s.entityId.toLowerCase().includes('man'))!;

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
    expect(rig.engine.store.runs.list({ limit: 10 })).toHaveLength(3);
    expect(existsSync(join(watched, 'processed', 'energy-v3-copy.csv'))).toBe(true);
  });

  it('a file whose run failed, dropped again after the job was fixed, runs', async () => {
    const { drop, call, jobId } = await setUp({ rejectPolicy: 'all-or-nothing' });
    const bad = [...A, ['LON-01', '2024-02', 'n/a?']];
    const one = (await drop('energy.csv', bad, 0))!;
    expect(one.status).toBe('failed');
    expect(rig.sandbox.countSubmissions()).toBe(0);

    // The person lets the job send the valid rows, and drops the same file again.
    const job = (await call('jobs.get', { jobId })) as { ok: true; result: { name: string; type: string; connectionId: string; sourceId: string; mappingId: string; config: Record<string, unknown> } };
    const { name, type, connectionId, sourceId, mappingId, config } = job.result;
    expect((await call('jobs.update', { jobId, name, type, connectionId, sourceId, mappingId, config: { ...config, ingest: { ...(config.ingest as object), rejectPolicy: 'send-valid' } } })).ok).toBe(true);
    const two = await drop('energy-again.csv', bad, one.id);
    expect(two).not.toBeNull();
    expect({ status: two!.status, created: two!.created, rejected: two!.rejected }).toEqual({ status: 'succeeded_with_rejections', created: 2, rejected: 1 });
    expect(rig.sandbox.countSubmissions()).toBe(2);
  });
});

describe('two copies dropped at once', () => {
  it('one run; once it is over, the copy goes where the original went', async () => {
    const { watched } = await setUp();
    const done = nextRun(rig.engine, 0);
    writeFileSync(join(watched, 'H.csv'), electricityCsv(A));
    writeFileSync(join(watched, 'H-copy.csv'), electricityCsv(A));
    expect((await done)!.created).toBe(2);
    await expect.poll(() => readdirSync(watched).filter((f) => f.endsWith('.csv')), { timeout: 5000 }).toEqual([]);
    expect(readdirSync(join(watched, 'processed')).sort()).toEqual(['H-copy.csv', 'H.csv']);
    expect(await nextRun(rig.engine, 1, 1500)).toBeNull();
  });
});
