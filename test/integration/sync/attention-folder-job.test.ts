/**
 * jobs.list for a folder job, as the dashboard and `esg-sync status` read it: a file whose rows
 * wait for a site code stays listed after other files went through, until its rows are sent; rows
 * rejected by a run stay after a "Run now" that found no file. Against the sandbox platform.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attentionItems } from '../../../shared/attention';
import type { JobInfo, MappingInfo } from '../../../shared/dto';
import type { MappingProfile } from '../../../shared/mapping';
import { billsFolderJob, energyCsv, onSandboxEachTest, runDroppedFile } from '../mappings-api/helpers';

const t = onSandboxEachTest('esg-attention-folder-');

const bills = async () => (await t.ok<JobInfo[]>('jobs.list', {})).find((j) => j.id === 'bills')!;
const attention = async () => attentionItems([await bills()], [], [], { errorOf: () => null, formatTime: (iso) => iso }).map((i) => i.key);

describe('attention for a folder job', () => {
  it('keeps a file whose rows wait for a code listed until they are sent', async () => {
    const { folder, mapping } = await billsFolderJob(t.engine, t.ok, t.root);
    const got = await t.ok<{ profile: MappingProfile }>('mappings.get', { mappingId: mapping.id });
    if (got.profile.entity.kind !== 'column') throw new Error('expected a site column');
    // Matching by the platform's names off, so a new code is held whatever the platform has.
    await t.ok<MappingInfo>('mappings.save', { id: mapping.id, profile: { ...got.profile, entity: { ...got.profile.entity, matchCatalogue: false, unknownEntity: 'hold' } } });

    const july = join(folder, 'bills-july.csv');
    writeFileSync(july, energyCsv(['NEW-99,2024-07,500', 'NEW-99,2024-08,600']));
    const held = await runDroppedFile(t.engine, 'bills', july);
    expect(held).toMatchObject({ status: 'succeeded_with_rejections', held: 2, rejected: 2 });
    expect((await bills()).waitingForCodes).toEqual({ files: 1, rows: 2, runId: held.id });
    expect(await attention()).toEqual(['codes-bills']);

    // Another file goes through: the held one is still waiting.
    const august = join(folder, 'bills-august.csv');
    writeFileSync(august, energyCsv().replace(/2024-0/g, '2025-0'));
    expect(await runDroppedFile(t.engine, 'bills', august)).toMatchObject({ status: 'succeeded' });
    expect((await bills()).waitingForCodes).toEqual({ files: 1, rows: 2, runId: held.id });
    expect(await attention()).toEqual(['codes-bills']);

    // Mapped and sent: nothing waits any more.
    const now = await t.ok<{ profile: MappingProfile }>('mappings.get', { mappingId: mapping.id });
    if (now.profile.entity.kind !== 'column') throw new Error('expected a site column');
    await t.ok<MappingInfo>('mappings.save', { id: mapping.id, profile: { ...now.profile, entity: { ...now.profile.entity, valueMap: { ...now.profile.entity.valueMap, 'NEW-99': 'ent_lyo01' } } } });
    const sent = await t.ok<{ run: { status: string; created: number } }>('mappings.retryFile', { runId: held.id, wait: true });
    expect(sent.run).toMatchObject({ status: 'succeeded', created: 2 });
    expect((await bills()).waitingForCodes).toBeNull();
    expect(await attention()).toEqual([]);
  });

  it('keeps rows rejected by a run listed after a run that found nothing to do', async () => {
    const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
    const path = join(folder, 'bills-q3.csv');
    writeFileSync(path, energyCsv(['LON-01,2024-07,lots']));
    const rejected = await runDroppedFile(t.engine, 'bills', path);
    expect(rejected).toMatchObject({ status: 'succeeded_with_rejections', rejected: 1 });
    const nothing = await t.ok<{ run: { id: number; status: string; read: number } }>('jobs.run', { jobId: 'bills', wait: true });
    expect(nothing.run).toMatchObject({ status: 'succeeded', read: 0 });
    const job = await bills();
    expect(job.lastRun?.id).toBe(nothing.run.id);
    expect(job.lastDoneRun).toMatchObject({ id: rejected.id, status: 'succeeded_with_rejections', rejected: 1 });
    expect(await attention()).toEqual(['job-bills']);
  });
});
