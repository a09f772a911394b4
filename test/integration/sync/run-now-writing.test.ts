/**
 * "Run now" on a folder whose only file is still being written: the run does not say the folder
 * is empty; it names the file, says when it will be taken, and sends nothing from half a file.
 * Without an agent (the CLI's path) and with one (the sync service's).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RunSummary } from '../../../shared/api';
import { SyncService } from '../../../main/engine/sync/service';
import type { Engine } from '../../../main/engine/engine';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { billsFolderJob, energyCsv, engineOnSandbox } from '../mappings-api/helpers';

let sandbox: RunningSandbox;
let root: string;
let engine: Engine;
let ok: Awaited<ReturnType<typeof engineOnSandbox>>['ok'];

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-run-writing-'));
  ({ engine, ok } = await engineOnSandbox(root, sandbox.url));
});
afterEach(async () => {
  await engine.stop();
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

for (const withAgent of [false, true]) {
  it(`names a file still being written instead of saying none was waiting (${withAgent ? 'agent' : 'no agent'})`, async () => {
    const { folder, source } = await billsFolderJob(engine, ok, root);
    await ok('sources.update', { sourceId: source.id, folder: { stableMs: 60_000 } });
    if (withAgent) {
      engine.sync = new SyncService(engine);
      await engine.sync.start();
    }
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'june.csv'), energyCsv());
    const { run } = await ok<{ run: RunSummary }>('jobs.run', { jobId: 'bills', wait: true });
    expect(run).toMatchObject({ read: 0, created: 0 });
    const said = engine.store.runs.events(run!.id).map((e) => e.message);
    expect(said).toContain(
      "No file was ready in the folder: 'june.csv' is still being written (changed less than 60 s ago). A file is taken once unchanged for 60 s: by a running agent on its own, otherwise with Run now again then. This run only resends batches still waiting for the platform's answer.",
    );
    expect(sandbox.countSubmissions()).toBe(0);
  });
}
