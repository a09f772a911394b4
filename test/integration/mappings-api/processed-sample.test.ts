/**
 * The wizard's sample when the watched folder is empty, its usual state once a run has synced its
 * files and moved them to processed/: through the engine's API against the sandbox platform, the
 * newest matching file there is read (for suggestions and for the preview), nothing is sent, and
 * nothing moves. With nothing in processed/ either, the advice is to choose a sample file, never
 * to drop one into the watched folder (that would start a sync).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MappingInfo, SourceInfo } from '../../../shared/dto';
import type { PreviewResult } from '../../../shared/contract/mappings';
import { methods } from '../../../shared/api';
import { ConnectionService } from '../../../main/engine/connections';
import type { Engine } from '../../../main/engine/engine';
import { JobRunner } from '../../../main/engine/sync/job-runner';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { energyCsv, engineOnSandbox } from './helpers';

type Suggested = { sample: { file: string | null; info: { headers: string[] }; rows: { cells: Record<string, unknown> }[] }; draft: Record<string, unknown> };

let sandbox: RunningSandbox;
let root: string;
let engine: Engine;
let ok: Awaited<ReturnType<typeof engineOnSandbox>>['ok'];
let fails: Awaited<ReturnType<typeof engineOnSandbox>>['fails'];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-wiz-processed-'));
  ({ engine, ok, fails } = await engineOnSandbox(root, sandbox.url));
});
afterEach(async () => {
  await engine.stop();
  rmSync(root, { recursive: true, force: true });
});

const at = (path: string, minutesAgo: number) => {
  const t = new Date(Date.now() - minutesAgo * 60_000);
  utimesSync(path, t, t);
};

/** Everything under a folder, relative, sorted: to show that reading a sample moves nothing. */
function tree(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tree(dir, join(rel, e.name)) : [join(rel, e.name)]))
    .sort();
}

describe('a folder whose files were synced and moved to processed/', () => {
  it('gives the newest matching file there as the sample, for suggestions and the preview, and sends nothing', async () => {
    const folder = join(root, 'Meters');
    mkdirSync(folder);
    const source = await ok<SourceInfo>('sources.addFolder', { name: 'Meters', path: folder });
    // A real run: the job syncs the file, and the folder moves it to processed/.
    writeFileSync(join(folder, 'jan.csv'), energyCsv());
    const first = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    const saved = await ok<MappingInfo>('mappings.save', { profile: { ...first.draft, name: 'Meters', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } } });
    engine.store.jobs.insert({ id: 'meters', name: 'Meters', type: 'ingest', connectionId: 'sandbox', sourceId: source.id, mappingId: saved.id, config: { onFileArrival: false }, paused: false, cursor: null, createdAt: new Date().toISOString() });
    const bytes = readFileSync(join(folder, 'jan.csv'));
    const runner = new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets() }));
    const run = await runner.run({ jobId: 'meters', trigger: 'file', file: { path: join(folder, 'jan.csv'), size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } });
    expect(run.status).toBe('succeeded');
    expect(existsSync(join(folder, 'jan.csv'))).toBe(false);
    expect(existsSync(join(folder, 'processed', 'jan.csv'))).toBe(true);

    // Older synced files, and newer ones the source's patterns do not take, are passed over.
    writeFileSync(join(folder, 'processed', 'dec.csv'), 'Site code,Month,Electricity (kWh)\nLYO-01,2023-12,5\n');
    at(join(folder, 'processed', 'dec.csv'), 60);
    writeFileSync(join(folder, 'processed', 'notes.md'), '# not a table\n');
    mkdirSync(join(folder, 'failed'));
    writeFileSync(join(folder, 'failed', 'feb.csv'), 'broken\n');
    const before = tree(folder);
    const sent = sandbox.countSubmissions();

    const s = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    expect(s.sample.file).toBe(join(folder, 'processed', 'jan.csv'));
    expect(s.sample.info.headers).toEqual(['Site code', 'Month', 'Electricity (kWh)']);
    expect(s.sample.rows).toHaveLength(18);
    expect(() => methods['mappings.suggest'].result.parse(s)).not.toThrow();

    // The preview reads the same file, whether the wizard names it (as it does) or leaves it to the engine.
    const profile = (await ok<{ profile: unknown }>('mappings.get', { mappingId: saved.id })).profile;
    for (const file of [s.sample.file!, undefined]) {
      const p = await ok<PreviewResult & { file: string }>('mappings.preview', { profile, sourceId: source.id, ...(file ? { file } : {}) });
      expect(p.file).toBe(join(folder, 'processed', 'jan.csv'));
      expect(p.summary).toMatchObject({ rowsIn: 18, recordsOut: 18, rejected: 0 });
    }
    expect(sandbox.countSubmissions()).toBe(sent);
    expect(tree(folder)).toEqual(before);
    expect(engine.store.runs.list({ limit: 10 }).map((r) => r.id)).toEqual([run.id]);
  });

  it('still prefers a file waiting in the folder itself', async () => {
    const folder = join(root, 'Meters');
    mkdirSync(join(folder, 'processed'), { recursive: true });
    writeFileSync(join(folder, 'processed', 'new.csv'), energyCsv());
    writeFileSync(join(folder, 'waiting.csv'), 'Site code,Month,Electricity (kWh)\nLON-01,2024-07,1\n');
    at(join(folder, 'waiting.csv'), 120);
    const source = await ok<SourceInfo>('sources.addFolder', { name: 'Meters', path: folder });
    const s = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    expect(s.sample.file).toBe(join(folder, 'waiting.csv'));
  });

  it('advises choosing a sample file when processed/ has none either, never dropping one into the watched folder', async () => {
    const folder = join(root, 'Empty');
    mkdirSync(join(folder, 'processed'), { recursive: true });
    writeFileSync(join(folder, 'processed', 'readme.md'), 'nothing to see\n');
    const source = await ok<SourceInfo>('sources.addFolder', { name: 'Empty', path: folder, include: ['*.csv'] });
    const err = await fails('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    expect(err.message).toMatch(/^The folder .*Empty has no file matching \*\.csv, and none synced from it is in its processed\/ subfolder\. Choose a sample file/);
    expect(err.message).toMatch(/only read, never synced/);
    expect(err.message).not.toMatch(/Drop a sample file there/);
    const profile = { schemaVersion: 1, name: 'E', sourceId: source.id, connectionId: 'sandbox', shape: { kind: 'long', valueColumn: 'v' }, metric: { kind: 'fixed', metricId: 'x' }, entity: { kind: 'fixed', entityId: 'y' }, period: { kind: 'fixed', start: '2024-01-01', end: '2024-01-31' }, unit: { kind: 'metric' } };
    expect((await fails('mappings.preview', { profile, sourceId: source.id })).message).toMatch(/Choose a sample file/);
  });

  it('does not follow a processed/ that is a link out of the folder', async () => {
    if (process.platform === 'win32') return;
    const outside = join(root, 'elsewhere');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.csv'), energyCsv());
    const folder = join(root, 'Linked');
    mkdirSync(folder);
    symlinkSync(outside, join(folder, 'processed'));
    const source = await ok<SourceInfo>('sources.addFolder', { name: 'Linked', path: folder });
    const err = await fails('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    expect(err.message).toMatch(/Choose a sample file/);
  });

  it('an unreachable folder is still said to be unreachable', async () => {
    const folder = join(root, 'Gone');
    mkdirSync(folder);
    const source = await ok<SourceInfo>('sources.addFolder', { name: 'Gone', path: folder });
    rmSync(folder, { recursive: true });
    expect((await fails('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' })).message).toMatch(/is not reachable/);
  });
});
