/**
 * A create the platform refuses because it already holds a value for the metric, site and period
 * ("already exists (id …); send an update to change it"). When this agent sent that record before
 * — under another mapping, or before the mapping's natural key changed — the run updates it (the
 * later sync wins, as between two files). When someone else put it there, it is left as it is and
 * the row error says so and what to do. Through the engine's API against the sandbox platform.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { MappingInfo } from '../../../shared/dto';
import type { MappingProfile } from '../../../shared/mapping';
import type { Engine } from '../../../main/engine/engine';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { billsFolderJob, energyCsv, engineOnSandbox, runDroppedFile } from '../mappings-api/helpers';

let sandbox: RunningSandbox;
const roots: string[] = [];
const engines: Engine[] = [];

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterEach(async () => {
  for (const e of engines.splice(0)) await e.stop();
  await sandbox.close();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** An agent (its own data folder) with a folder job 'bills' over energyCsv-shaped files. */
async function agent(name: string, jobConfig: Record<string, unknown> = {}) {
  const root = mkdtempSync(join(tmpdir(), `esg-conflicts-${name}-`));
  roots.push(root);
  const { engine, ok } = await engineOnSandbox(root, sandbox.url);
  engines.push(engine);
  const { folder, mapping } = await billsFolderJob(engine, ok, root, jobConfig);
  let n = 0;
  const drop = (content: string) => {
    const path = join(folder, `bills-${++n}.csv`);
    writeFileSync(path, content);
    return runDroppedFile(engine, 'bills', path);
  };
  return { engine, ok, mapping, drop };
}

const valueOf = (entityId: string, periodStart: string) => sandbox.listSubmissions().find((x) => x.entityId === entityId && x.periodStart === periodStart)!.value;

for (const mirror of [false, true]) it(`updates a value it sent before under an older natural key, instead of failing on 'already exists' every run${mirror ? ' (a mirror job deletes nothing)' : ''}`, async () => {
  const a = await agent('a', mirror ? { ingest: { mirror: true } } : {});
  expect(await a.drop(energyCsv())).toMatchObject({ status: 'succeeded', created: 18 });
  // The person adds Unit to the natural key: every key is new to the ledger.
  const got = await a.ok<{ profile: MappingProfile }>('mappings.get', { mappingId: a.mapping.id });
  await a.ok<MappingInfo>('mappings.save', { id: a.mapping.id, profile: { ...got.profile, naturalKey: ['metric', 'entity', 'period', 'unit'] } });
  // A corrected file: LON-01's January 12500 → 12600.
  const corrected = energyCsv().replace('LON-01,2024-01,12500', 'LON-01,2024-01,12600');
  const run = await a.drop(corrected);
  expect(run).toMatchObject({ status: 'succeeded', created: 0, updated: 1, unchanged: 17, deleted: 0, rejected: 0 });
  expect(valueOf('ent_lon01', '2024-01-01')).toBe(12600);
  expect(sandbox.countSubmissions()).toBe(18);
  if (mirror) expect(a.engine.store.runs.events(run.id).map((e) => e.message)).toContain("This mapping's natural key changed since its last run, so this run deletes nothing from the platform; the next run deletes what is no longer in the source.");
  expect(a.engine.store.runs.events(run.id).map((e) => e.message)).toContain(
    "1 value was on the platform already, sent by this agent before (under another mapping, or before this mapping's natural key changed); it is updated now rather than created.",
  );
  // Settled: the same file again changes nothing, and one ledger entry per record is left.
  expect(await a.drop(corrected + '\r\n')).toMatchObject({ status: 'succeeded', created: 0, updated: 0, deleted: 0, unchanged: 18 });
  expect(sandbox.countSubmissions()).toBe(18);
  expect(a.engine.store.ledger.count(a.mapping.id)).toBe(18);
});

it('leaves a value someone else put on the platform, and says so and what to do', async () => {
  const other = await agent('other');
  expect(await other.drop(energyCsv())).toMatchObject({ created: 18 });
  const a = await agent('a');
  const run = await a.drop(energyCsv().replace('LON-01,2024-01,12500', 'LON-01,2024-01,99'));
  expect(run).toMatchObject({ status: 'succeeded_with_rejections', created: 0, unchanged: 17, rejected: 1 });
  const [error] = a.engine.store.runs.errors(run.id, 0, 10);
  expect(error).toMatchObject({ line: 2, value: '99' });
  expect(error!.reason).toMatch(/^The platform already holds a different value for this metric, site and period \(id sub_[\w-]+\), which this agent did not send \(it was entered on the platform, sent by another tool, or by this agent from another data folder\)\. It was left as it is\. If this file's value should win, turn on “Replace values already on the platform” in the job/);
  expect(valueOf('ent_lon01', '2024-01-01')).toBe(12500);
});

it("a job set to replace values already on the platform replaces one it did not send (a move to a new data folder)", async () => {
  const before = await agent('before-the-move');
  expect(await before.drop(energyCsv())).toMatchObject({ created: 18 });
  // The same company on a new server: a new data folder, its ledger empty.
  const after = await agent('after-the-move', { ingest: { replaceExisting: true } });
  const run = await after.drop(energyCsv().replace('LON-01,2024-01,12500', 'LON-01,2024-01,99'));
  expect(run).toMatchObject({ status: 'succeeded', created: 0, updated: 1, unchanged: 17, rejected: 0 });
  expect(valueOf('ent_lon01', '2024-01-01')).toBe(99);
  expect(sandbox.countSubmissions()).toBe(18);
});
