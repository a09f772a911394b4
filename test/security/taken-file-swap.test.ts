/**
 * A file in a shared drop folder is read through the descriptor the run opened once, without
 * following links, and only if it is still the content that was taken: a link (or another file)
 * renamed over the taken name between the take's hash and the run is never read, sent, or
 * copied into an errors CSV.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectionService } from '../../main/engine/connections';
import { JobRunner } from '../../main/engine/sync/job-runner';
import { openReader, openTakenFile } from '../../main/engine/sources/readers';
import { billsFolderJob, energyCsv, onSandboxEachTest } from '../integration/mappings-api/helpers';

const t = onSandboxEachTest('esg-taken-swap-');

/** What the watcher hands the runner: the file's size and streamed SHA-256 when it was taken. */
function take(path: string) {
  const bytes = readFileSync(path);
  return { path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function runTaken(file: ReturnType<typeof take>) {
  return new JobRunner(t.engine, new ConnectionService({ store: t.engine.store, secrets: () => t.engine.secrets() })).run({ jobId: 'bills', trigger: 'file', file });
}

/** Every file under `dir`, with its content (links are not followed). */
function contents(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('a file swapped after it was taken', () => {
  it('is not read when a link to another file is renamed over it: nothing sent, nothing copied', async () => {
    const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
    const secretDir = join(t.root, 'root-only');
    mkdirSync(secretDir);
    const secret = join(secretDir, 'secret.csv');
    // Valid rows the platform would take, and cells that would land in the errors CSV.
    writeFileSync(secret, energyCsv(['LON-01,2024-07,SECRET-PASSWORD-1', 'MAN-02,2024-08,SECRET-PASSWORD-2']));

    const report = join(folder, 'report.csv');
    writeFileSync(report, energyCsv());
    const taken = take(report);
    const link = join(folder, '.swap');
    symlinkSync(secret, link);
    renameSync(link, report);

    const run = await runTaken(taken);
    expect(run).toMatchObject({ status: 'failed', read: 0, created: 0, updated: 0, rejected: 0 });
    expect(run.error).toMatch(/report\.csv" was replaced while it was being taken \(it is now a link\), so nothing was read from it\. It is left where it is and will be looked at again\./);
    expect(t.engine.store.runs.events(run.id).map((e) => e.message).join('\n')).not.toMatch(/SECRET/);
    expect(contents(folder)).not.toMatch(/SECRET|LON-01/);
    expect(existsSync(join(folder, 'failed'))).toBe(false);
    expect(existsSync(join(folder, 'processed'))).toBe(false);
    expect(lstatSync(report).isSymbolicLink()).toBe(true);
  });

  it('is not read when another regular file of the same size takes its place', async () => {
    const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
    const report = join(folder, 'report.csv');
    writeFileSync(report, energyCsv());
    const taken = take(report);
    const other = join(folder, '.other');
    writeFileSync(other, energyCsv().replace(/12/g, '99'));
    expect(readFileSync(other).length).toBe(taken.size);
    renameSync(other, report);

    const run = await runTaken(taken);
    expect(run).toMatchObject({ status: 'failed', read: 0, created: 0 });
    expect(run.error).toMatch(/was replaced while it was being taken \(its content is not what was checked\)/);
    expect(existsSync(join(folder, 'failed'))).toBe(false);
  });

  it('still reads and sends a file nobody touched, and moves it to processed/', async () => {
    const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
    const report = join(folder, 'report.csv');
    writeFileSync(report, energyCsv());
    const run = await runTaken(take(report));
    expect(run).toMatchObject({ status: 'succeeded', read: 18, created: 18 });
    expect(existsSync(join(folder, 'processed', 'report.csv'))).toBe(true);
  });
});

describe('readers on a taken file', () => {
  // Each format reads the descriptor opened at the take, never the path again.
  for (const name of ['report.csv', 'merged-headers.xlsx', 'data.json']) {
    it(`reads ${name} from its descriptor after the path was swapped`, async () => {
      const dir = join(t.root, `readers-${name}`);
      mkdirSync(dir);
      const path = join(dir, name);
      if (name === 'report.csv') writeFileSync(path, energyCsv());
      else copyFileSync(join(__dirname, '..', 'fixtures', 'files', name), path);
      const expected = [];
      const plain = await openReader(path);
      for await (const row of plain.rows()) expected.push(row);
      await plain.close();
      expect(expected.length).toBeGreaterThan(0);

      const pinned = await openTakenFile(path, take(path));
      try {
        const secret = join(t.root, `secret-${name}`);
        writeFileSync(secret, 'Site code,Month,Electricity (kWh)\nSECRET,2024-01,1\n');
        symlinkSync(secret, join(dir, '.swap'));
        renameSync(join(dir, '.swap'), path);
        const reader = await openReader(pinned);
        const rows = [];
        for await (const row of reader.rows()) rows.push(row);
        await reader.close();
        expect(rows).toEqual(expected);
      } finally {
        await pinned.close();
      }
    });
  }
});
