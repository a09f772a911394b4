/**
 * `esg-sync run JOB` with no agent running, on a folder job: it takes the files waiting in the
 * folder exactly as "Run now" in a running agent does, and its exit code says how the run went
 * (0 all sent, 1 rows rejected, 3 platform unreachable).
 */
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { startAgent } from '../../helpers/agent-process';
import { agentEnv, agentStore, cli, compareWithExpected, sandboxSubmissions, setUpIngestJob, sleep, writeSourceFile } from '../../reliability/harness';

const root = mkdtempSync(join(tmpdir(), 'esg-run-cli-'));
const dataDir = join(root, 'data');
const drop = join(root, 'drop');
const dbPath = join(root, 'sandbox.db');
// Secrets through the opt-in environment fallback: this test is about runs, not the keychain.
const env = agentEnv(`esg-sync-run-cli-${process.pid}`);
let sandbox: RunningSandbox | null = null;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, dbPath });
  await setUpIngestJob({ dataDir, sandboxUrl: sandbox.url, dropDir: drop, env, stableMs: 100 });
}, 120_000);
afterAll(async () => {
  await sandbox?.close();
  rmSync(root, { recursive: true, force: true });
});

interface RunJson {
  status: string;
  read: number;
  created: number;
  rejected: number;
  file: string | null;
}

describe('esg-sync run on a folder job without an agent', () => {
  it('syncs the file waiting in the folder and moves it to processed/ (exit 0); a copy of the same content is not sent again', async () => {
    await writeSourceFile(join(drop, 'january.csv'), 40);
    await sleep(300); // past the folder's 100 ms stability time: the file is fully written
    const r = await cli(dataDir, ['--json', 'run', 'Daily values'], { env });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as RunJson;
    expect(run).toMatchObject({ status: 'succeeded', read: 40, created: 40, rejected: 0 });
    expect(run.file).toBe(join(drop, 'january.csv'));
    // Progress while waiting goes to standard error (a log here, so whole lines).
    expect(r.stderr).toMatch(/^Run #\d+: read \d+ rows/m);
    expect(existsSync(join(drop, 'processed', 'january.csv'))).toBe(true);
    expect(compareWithExpected(sandboxSubmissions(dbPath), 40)).toEqual([]);

    copyFileSync(join(drop, 'processed', 'january.csv'), join(drop, 'january-again.csv'));
    await sleep(300);
    const again = await cli(dataDir, ['--json', 'run', 'Daily values'], { env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout) as RunJson).toMatchObject({ read: 0, created: 0, file: null });
    expect(sandboxSubmissions(dbPath)).toHaveLength(40);
    const seen = await cli(dataDir, ['--json', 'source', 'files', 'Drop'], { env });
    expect(seen.stdout).toMatch(/duplicate/);
  }, 120_000);

  it('exits 1 when rows were rejected, with the valid rows sent', async () => {
    const file = join(drop, 'february.csv');
    await writeSourceFile(file, 60);
    appendFileSync(file, 'LON-01,Electricity,2015-03-01,not a number\n');
    await sleep(300);
    const r = await cli(dataDir, ['--json', 'run', 'Daily values'], { env });
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout) as RunJson;
    expect(run.rejected).toBe(1);
    expect(run.read).toBe(61);
  }, 120_000);

  it('with several files waiting, says every run and exits with the worst: a clean later file does not hide rejected rows', async () => {
    const bad = join(drop, 'june-a.csv');
    await writeSourceFile(bad, 10, 6);
    appendFileSync(bad, 'LON-01,Electricity,2016-06-01,abc\n');
    await writeSourceFile(join(drop, 'june-b.csv'), 10, 7);
    await sleep(300);
    const r = await cli(dataDir, ['run', 'Daily values', '--no-progress'], { env });
    expect(r.stdout).toMatch(/^2 runs, one per waiting file:\n\nRun #\d+ of "Daily values": succeeded with rejections\nread 11, [^\n]*rejected 1\n/);
    expect(r.stdout).toMatch(/\n\nRun #\d+ of "Daily values": succeeded\nread 10, [^\n]*rejected 0\n/);
    expect(r.code).toBe(1);

    // With --json, every run is there, not only the last.
    await writeSourceFile(join(drop, 'july-a.csv'), 10, 8);
    appendFileSync(join(drop, 'july-a.csv'), 'LON-01,Electricity,2016-07-01,abc\n');
    await writeSourceFile(join(drop, 'july-b.csv'), 10, 9);
    await sleep(300);
    const json = await cli(dataDir, ['--json', 'run', 'Daily values', '--no-progress'], { env });
    expect(json.code).toBe(1);
    const printed = JSON.parse(json.stdout) as RunJson & { runs: RunJson[] };
    expect(printed.runs.map((x) => x.rejected)).toEqual([1, 0]);
    expect(printed.rejected).toBe(0); // the last run's own fields, as for one run
  }, 120_000);

  it('says a folder that is gone (an unmounted share) instead of a run that finds it empty, exit 2', async () => {
    const away = `${drop}-unmounted`;
    renameSync(drop, away);
    try {
      const r = await cli(dataDir, ['run', 'Daily values'], { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`"Daily values" cannot take files from "Drop": The folder ${drop} does not exist. Check the path, or connect the drive or share it is on.`);
    } finally {
      renameSync(away, drop);
    }
  }, 60_000);

  it('with an agent running, the run happens in the agent and its progress still reaches the command', async () => {
    // Only Run now takes files here, so the agent's folder trigger cannot race the command.
    expect((await cli(dataDir, ['job', 'edit', 'Daily values', '--no-file-trigger'], { env })).code).toBe(0);
    const agent = await startAgent({ dataDir, env });
    try {
      await writeSourceFile(join(drop, 'april.csv'), 3000, 4);
      await sleep(300);
      const r = await cli(dataDir, ['--json', 'run', 'Daily values'], { env });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout) as RunJson).toMatchObject({ status: 'succeeded', read: 3000, file: join(drop, 'april.csv') });
      expect(r.stderr).toMatch(/^Run #\d+: read [\d,]+ rows/m);
      expect(existsSync(join(drop, 'processed', 'april.csv'))).toBe(true);

      // --no-wait hands the run to the agent and returns at once; the agent finishes it.
      await writeSourceFile(join(drop, 'may.csv'), 50, 5);
      await sleep(300);
      const handed = await cli(dataDir, ['--json', 'run', 'Daily values', '--no-wait'], { env });
      expect(handed.code).toBe(0);
      expect(JSON.parse(handed.stdout)).toEqual({ queued: true, run: null, runs: [] });
      for (let i = 0; i < 150 && !existsSync(join(drop, 'processed', 'may.csv')); i++) await sleep(200);
      expect(existsSync(join(drop, 'processed', 'may.csv'))).toBe(true);
    } finally {
      await agent.stop();
    }
  }, 120_000);

  it('exits 3 when the platform cannot be reached, and keeps the file for the next run', async () => {
    await sandbox!.close();
    sandbox = null;
    await writeSourceFile(join(drop, 'march.csv'), 5, 3);
    await sleep(300);
    const r = await cli(dataDir, ['--json', 'run', 'Daily values'], { env, timeoutMs: 110_000 });
    expect(r.code).toBe(3);
    expect((JSON.parse(r.stdout) as RunJson).status).toBe('failed');
    expect(existsSync(join(drop, 'march.csv'))).toBe(true);
    expect(agentStore(dataDir).integrity).toBe('ok');
  }, 120_000);
});
