/**
 * PACT export jobs, through the job runner against a PACT stand-in host:
 * - an incremental run writes exactly the footprints new to the job or changed since it exported
 *   them, whatever their `created`/`updated` dates (a supplier shares old footprints late);
 * - what was exported is remembered only once a run succeeded, a full export refills it, and
 *   removing the job removes it;
 * - footprints that fail PACT validation are reported in the run's timeline and row errors.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngineApi } from '../../../main/engine/api';
import { ConnectionService } from '../../../main/engine/connections';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { JobRunner } from '../../../main/engine/sync/job-runner';
import { MemorySecrets } from '../mappings-api/helpers';
import { PACT_CLIENT, pactFootprint as footprint, startPactStandIn, type PactStandIn } from '../../unit/platforms/helpers/pact-standin';

let host: PactStandIn;
let root: string;
let engine: Engine;
let connections: ConnectionService;
let out: string;
let connectionId: string;

beforeEach(async () => {
  host = await startPactStandIn([1, 2, 3, 4, 5].map((i) => footprint(i)));
  root = mkdtempSync(join(tmpdir(), 'esg-pact-export-'));
  engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: new MemorySecrets() });
  connections = new ConnectionService({ store: engine.store, secrets: () => engine.secrets() });
  const added = await connections.add({ name: 'Supplier PACT', kind: 'pact', baseUrl: host.url, ...PACT_CLIENT });
  connectionId = (added as { connection: { id: string } }).connection.id;
  out = join(root, 'out');
  mkdirSync(out);
});
afterEach(async () => {
  await engine.stop();
  await host.close();
  rmSync(root, { recursive: true, force: true });
});

function addJob(contents: 'changes' | 'everything' = 'changes', cursor: string | null = null, id = 'pcf') {
  engine.store.jobs.insert({
    id,
    name: `Footprints ${id}`,
    type: 'export',
    connectionId,
    sourceId: null,
    mappingId: null,
    config: { schedule: null, timezone: 'UTC', onFileArrival: false, export: { dataset: 'footprints', destination: { kind: 'folder', path: out, format: 'json', fileName: 'pcf' }, contents } },
    paused: false,
    cursor,
    createdAt: new Date().toISOString(),
  });
}

const run = (jobId = 'pcf') => new JobRunner(engine, connections).run({ jobId, trigger: 'manual' });

/** Files of the out folder not seen before, and the footprint ids each holds. */
const seen = new Set<string>();
beforeEach(() => seen.clear());
function newFiles(): string[][] {
  const files = readdirSync(out)
    .filter((f) => !seen.has(f))
    .sort();
  for (const f of files) seen.add(f);
  return files.map((f) => (JSON.parse(readFileSync(join(out, f), 'utf8')) as { id: string }[]).map((r) => r.id));
}
const idOf = (i: number) => footprint(i).id as string;

describe('incremental PACT export remembers what it exported', () => {
  it('writes a footprint shared after the last export even when it was created long before', async () => {
    addJob();
    expect(await run()).toMatchObject({ status: 'succeeded', created: 5 });
    expect(newFiles()).toEqual([[1, 2, 3, 4, 5].map(idOf)]);

    // Shared today, created in 2023: older than the cursor (2024-01-05), new to this job.
    host.footprints.push(footprint(6, { created: '2023-06-01T00:00:00Z' }));
    const second = await run();
    expect(second).toMatchObject({ status: 'succeeded', created: 1 });
    expect(newFiles()).toEqual([[idOf(6)]]);
    expect(engine.store.runs.events(second.id).map((e) => e.message)).toContain('Footprints listed: 1 new to this job, 0 changed since it exported them, 5 unchanged (not written again).');

    // Nothing new: nothing written, no file.
    expect(await run()).toMatchObject({ status: 'succeeded', created: 0 });
    expect(newFiles()).toEqual([]);
  });

  it('writes a footprint again when its version, updated or content changes, and only then', async () => {
    addJob();
    await run();
    newFiles();
    host.footprints[1] = { ...(host.footprints[1] as object), version: 2 };
    expect(await run()).toMatchObject({ created: 1 });
    expect(newFiles()).toEqual([[idOf(2)]]);

    // An `updated` that is still older than the cursor, and a changed value with no date at all.
    host.footprints[2] = { ...(host.footprints[2] as object), updated: '2024-01-03T12:00:00Z' };
    host.footprints[3] = { ...(host.footprints[3] as object), comment: 'corrected' };
    expect(await run()).toMatchObject({ created: 2 });
    expect(newFiles()).toEqual([[idOf(3), idOf(4)]]);

    // The same content with its fields in another order is not a change.
    host.footprints[0] = Object.fromEntries(Object.entries(host.footprints[0] as object).reverse());
    expect(await run()).toMatchObject({ created: 0 });
  });

  it('remembers nothing from a failed run: the next run writes the same footprints', async () => {
    addJob();
    await run();
    newFiles();
    host.footprints.push(footprint(6, { created: '2023-06-01T00:00:00Z' }), footprint(7, { created: '2023-07-01T00:00:00Z' }));
    // Two footprints a page; the last page fails after the new ones were read and written.
    host.pageSize = 2;
    host.failAtOffset = 6;
    const failed = await run();
    expect(failed.status).toBe('failed');
    // Footprint 6 was read and written before the last page failed.
    expect(failed.error).toMatch(/stopped after reading 1 row from the platform:/);
    expect(newFiles()).toEqual([]);
    expect(engine.store.db.prepare('SELECT COUNT(*) AS n FROM export_memory_staged').get()).toEqual({ n: 0 });

    host.failAtOffset = null;
    expect(await run()).toMatchObject({ status: 'succeeded', created: 2 });
    expect(newFiles()).toEqual([[idOf(6), idOf(7)]]);
  });

  it('a full export refills the memory; a job saved before the memory existed writes everything once', async () => {
    // A job that exported before this agent remembered footprints: only its cursor is known.
    addJob('changes', '2024-01-05T00:00:00Z');
    host.footprints.push(footprint(6, { created: '2023-06-01T00:00:00Z' }));
    const first = await run();
    expect(first).toMatchObject({ status: 'succeeded', created: 6 });
    expect(engine.store.runs.events(first.id).map((e) => e.message).join('\n')).toMatch(/no record yet of which footprints it exported/);
    expect(await run()).toMatchObject({ created: 0 });

    // "everything" writes every footprint each run and replaces the memory with them.
    engine.store.jobs.updateConfig('pcf', { ...engine.store.jobs.get('pcf')!.config, export: { dataset: 'footprints', destination: { kind: 'folder', path: out, format: 'json', fileName: 'pcf' }, contents: 'everything' } });
    host.footprints.splice(0, 3);
    expect(await run()).toMatchObject({ created: 3 });
    expect(engine.store.exportMemory.count('pcf')).toBe(3);
    // Back to changes: a footprint gone from the list and shared again counts as new.
    engine.store.jobs.updateConfig('pcf', { ...engine.store.jobs.get('pcf')!.config, export: { dataset: 'footprints', destination: { kind: 'folder', path: out, format: 'json', fileName: 'pcf' }, contents: 'changes' } });
    host.footprints.push(footprint(1));
    newFiles();
    expect(await run()).toMatchObject({ created: 1 });
    expect(newFiles()).toEqual([[idOf(1)]]);
  });

  it('removing the job removes its memory', async () => {
    addJob();
    addJob('changes', null, 'other');
    await run();
    await run('other');
    const rows = (jobId: string) => (engine.store.db.prepare('SELECT COUNT(*) AS n FROM export_memory WHERE job_id = ?').get(jobId) as { n: number }).n;
    expect([rows('pcf'), rows('other')]).toEqual([5, 5]);
    const dispatch = createDispatcher(createEngineApi(engine), engine.logger);
    expect(await dispatch('jobs.remove', { jobId: 'pcf' })).toMatchObject({ ok: true });
    expect([rows('pcf'), rows('other')]).toEqual([0, 5]);
    expect(engine.store.db.prepare('SELECT COUNT(*) AS n FROM export_memory_jobs WHERE job_id = ?').get('pcf')).toEqual({ n: 0 });
  });
});

describe('invalid PACT footprints are reported by the export run', () => {
  it('lists each in the timeline and as row errors; exported with _validationErrors, so the run succeeded', async () => {
    const broken = footprint(6, { specVersion: 'two' });
    delete (broken.pcf as Record<string, unknown>).declaredUnit;
    host.footprints.push(broken);
    addJob();
    const r = await run();
    expect(r).toMatchObject({ status: 'succeeded', created: 6, rejected: 0 });
    const warnings = engine.store.runs.events(r.id).filter((e) => e.level === 'warn').map((e) => e.message);
    expect(warnings).toEqual([
      `1 footprint failed PACT validation and was exported with _validationErrors filled in: ${idOf(6)} (specVersion must be a version like 2.3.0; pcf.declaredUnit is missing). Each failing field is listed under the run's row errors.`,
    ]);
    const errors = engine.store.runs.errors(r.id, 0, 100).map(({ line, column, value, reason }) => ({ line, column, value, reason }));
    expect(errors).toEqual([
      { line: null, column: 'specVersion', value: idOf(6), reason: 'specVersion must be a version like 2.3.0' },
      { line: null, column: 'pcf.declaredUnit', value: idOf(6), reason: 'pcf.declaredUnit is missing' },
    ]);
    const written = JSON.parse(readFileSync(join(out, readdirSync(out)[0]!), 'utf8')) as { id: string; _validationErrors: string[] | null }[];
    expect(written.find((f) => f.id === idOf(6))!._validationErrors).toEqual(['specVersion: must be a version like 2.3.0', 'pcf.declaredUnit: is missing']);

    // Unchanged, it is not exported (nor reported) again.
    const next = await run();
    expect(engine.store.runs.errorCount(next.id)).toBe(0);
  });

  it('names the first three and counts the rest', async () => {
    host.footprints = [1, 2, 3, 4, 5].map((i) => footprint(i, { companyIds: [] }));
    addJob();
    const r = await run();
    const warning = engine.store.runs.events(r.id).find((e) => e.level === 'warn')!.message;
    expect(warning).toMatch(/^5 footprints failed PACT validation and were exported with _validationErrors filled in: /);
    expect(warning).toContain(`${idOf(1)} (companyIds needs at least one entry), `);
    expect(warning).toContain(`${idOf(3)} (`);
    expect(warning).not.toContain(idOf(4));
    expect(warning).toContain(', and 2 more.');
    expect(engine.store.runs.errorCount(r.id)).toBe(5);
  });
});
