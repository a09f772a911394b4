/**
 * What each export run writes: rows new or changed since the last export (a new file per run), or
 * everything every run, replacing a file of the same name, so a fixed name always holds the
 * current data. Through the job runner against the sandbox platform.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Engine } from '../../../main/engine/engine';
import { ConnectionService } from '../../../main/engine/connections';
import { JobRunner } from '../../../main/engine/sync/job-runner';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { billsFolderJob, energyCsv, engineOnSandbox, runDroppedFile } from '../mappings-api/helpers';

let sandbox: RunningSandbox;
let root: string;
let engine: Engine;
let ok: Awaited<ReturnType<typeof engineOnSandbox>>['ok'];

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-export-contents-'));
  ({ engine, ok } = await engineOnSandbox(root, sandbox.url));
});
afterEach(async () => {
  await engine.stop();
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

for (const contents of ['changes', 'everything'] as const) {
  it(`each run writes ${contents === 'changes' ? 'the rows changed since the last export, in a new file' : 'everything, replacing the file of the same name'}`, async () => {
    const { folder } = await billsFolderJob(engine, ok, root);
    const drop = (name: string, content: string) => {
      writeFileSync(join(folder, name), content);
      return runDroppedFile(engine, 'bills', join(folder, name));
    };
    await drop('jan.csv', energyCsv());
    const out = join(root, 'out');
    mkdirSync(out);
    engine.store.jobs.insert({
      id: 'out',
      name: 'Latest submissions',
      type: 'export',
      connectionId: 'sandbox',
      sourceId: null,
      mappingId: null,
      config: { schedule: null, timezone: 'UTC', onFileArrival: false, export: { dataset: 'submissions', destination: { kind: 'folder', path: out, format: 'csv', fileName: 'esg-latest' }, contents } },
      paused: false,
      cursor: null,
      createdAt: new Date().toISOString(),
    });
    const runner = () => new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets() })).run({ jobId: 'out', trigger: 'manual' });
    const rowsIn = (file: string) => (parse(readFileSync(join(out, file), 'utf8'), { bom: true, columns: true }) as Record<string, string>[]).length;

    expect(await runner()).toMatchObject({ status: 'succeeded', created: 18 });
    await drop('fix.csv', energyCsv().replace('LON-01,2024-01,12500', 'LON-01,2024-01,12600'));
    const second = await runner();
    const third = await runner();
    if (contents === 'changes') {
      expect([second.created, third.created]).toEqual([1, 0]);
      expect(readdirSync(out).sort()).toEqual(['esg-latest (2).csv', 'esg-latest.csv']);
      expect(rowsIn('esg-latest (2).csv')).toBe(1);
    } else {
      expect([second.created, third.created]).toEqual([18, 18]);
      expect(readdirSync(out)).toEqual(['esg-latest.csv']);
      const rows = parse(readFileSync(join(out, 'esg-latest.csv'), 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(18);
      expect(rows.map((r) => r.value)).toContain('12600');
      expect(engine.store.runs.events(third.id).map((e) => e.message)).toContain('Exporting submissions (every row); a file of the same name is replaced.');
    }
  });
}

it('a job set to the semicolon CSV layout writes ";"-separated files with decimal commas, as Excel in German or French opens them', async () => {
  const { folder } = await billsFolderJob(engine, ok, root);
  writeFileSync(join(folder, 'jan.csv'), energyCsv().replace('LON-01,2024-01,12500', 'LON-01,2024-01,12500.5'));
  await runDroppedFile(engine, 'bills', join(folder, 'jan.csv'));
  const out = join(root, 'out');
  mkdirSync(out);
  const config = { schedule: null, timezone: 'UTC', export: { dataset: 'submissions', destination: { kind: 'folder', path: out, format: 'csv', fileName: 'for-excel', csvStyle: 'semicolon' }, contents: 'everything' } };
  const saved = await ok<{ id: string }>('jobs.add', { name: 'For Excel (DE)', type: 'export', connectionId: 'sandbox', config });
  const run = await new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets() })).run({ jobId: saved.id, trigger: 'manual' });
  expect(run).toMatchObject({ status: 'succeeded', created: 18 });
  const rows = parse(readFileSync(join(out, 'for-excel.csv'), 'utf8'), { bom: true, columns: true, delimiter: ';' }) as Record<string, string>[];
  expect(rows).toHaveLength(18);
  expect(rows.map((r) => r.value)).toContain('12500,5');
  expect(rows.map((r) => r.value)).not.toContain('12500.5');
  // What the job says it writes: the layout is kept with the job.
  const detail = await ok<{ config: { export: { destination: { csvStyle?: string } } } }>('jobs.get', { jobId: saved.id });
  expect(detail.config.export.destination.csvStyle).toBe('semicolon');
});
