/**
 * `esg-sync mapping remove NAME` as a person runs it: the built CLI (`npm run build:main` first) in
 * a child process, first on its own (the engine opened for the one command), then beside a
 * running agent, which removes the mapping itself. Refused, exit code 2 and the job named, while
 * a job uses the mapping; exit code 2 and the known mappings named for one that does not exist.
 * The connection's secret is in the real keychain where one answers, else in the opted-in
 * environment-variable store.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionService } from '../../../main/engine/connections';
import { Engine } from '../../../main/engine/engine';
import { logDirOf } from '../../../main/engine/paths';
import { KeychainSecretStore, type SecretStore } from '../../../main/engine/secrets';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { CLI, startAgent, type RunningAgent } from '../../helpers/agent-process';
import { probeKeychain, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';
import { apiOk } from '../../reliability/harness';
import { energyCsv, MemorySecrets } from './helpers';

let sandbox: RunningSandbox;
let root: string;
let dataDir: string;
let env: Record<string, string>;
let keychain: KeychainSecretStore | null = null;
let agent: RunningAgent | null = null;

/** Asynchronous: the sandbox answers from this process, so a blocking spawn would deadlock. */
function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}
async function json<T>(args: string[]): Promise<T> {
  const r = await run([...args, '--json']);
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}
const names = async () => (await json<{ name: string }[]>(['mapping', 'list'])).map((m) => m.name);

/** A mapping of the Bills folder, imported through the CLI. */
async function importMapping(name: string): Promise<string> {
  const file = join(root, `${name.replace(/\W+/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      schemaVersion: 1,
      name,
      sourceId: 'bills',
      connectionId: 'sandbox',
      shape: { kind: 'long', valueColumn: 'Electricity (kWh)' },
      metric: { kind: 'fixed', metricId: 'met_elec_cons' },
      entity: { kind: 'column', column: 'Site code', unknownEntity: 'reject' },
      period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
    }),
  );
  return (await json<{ id: string }>(['mapping', 'import', file])).id;
}

/** The processes that logged "mapping removed" for a mapping. */
function removedBy(mappingId: string): number[] {
  const dir = logDirOf(dataDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.includes('"mapping removed"'))
    .map((l) => JSON.parse(l) as { pid: number; mapping: string })
    .filter((l) => l.mapping === mappingId)
    .map((l) => l.pid);
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-map-remove-'));
  dataDir = join(root, 'data');
  const folder = join(root, 'bills');
  mkdirSync(folder);
  writeFileSync(join(folder, 'electricity.csv'), energyCsv());

  const probe = await probeKeychain();
  let secrets: SecretStore;
  if (probe.ok) {
    keychain = new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE });
    secrets = keychain;
    env = { ESG_SYNC_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE };
  } else {
    secrets = new MemorySecrets();
    env = { ESG_SYNC_ALLOW_ENV_SECRETS: '1', ESG_SYNC_SECRET_SANDBOX: 'sandbox-secret' };
  }
  const engine = Engine.open({ dataDir, mode: 'headless', fileLogs: false });
  const added = await new ConnectionService({ store: engine.store, secrets: () => secrets }).add({
    name: 'Sandbox',
    kind: 'esg-api',
    baseUrl: sandbox.url,
    clientId: 'sandbox-client',
    clientSecret: 'sandbox-secret',
  });
  expect(added.saved).toBe(true);
  await engine.stop();
  expect(await json<{ id: string }>(['source', 'add-folder', 'Bills', folder, '--include', '*.csv'])).toMatchObject({ id: 'bills' });
});

afterAll(async () => {
  await agent?.stop();
  await keychain?.delete('sandbox').catch(() => undefined);
  await sandbox?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('esg-sync mapping remove', () => {
  it('is listed in the help of `mapping`', async () => {
    const help = await run(['mapping', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/remove <mapping>\s+remove a saved mapping and all its versions\s+\(refused\s+while\s+a\s+job\s+uses\s+it/);
    const own = await run(['mapping', 'remove', '--help']);
    expect(own.stdout).toMatch(/Usage: esg-sync mapping remove \[options\] <mapping>/);
    // A name is required.
    expect((await run(['mapping', 'remove'])).status).toBe(2);
  });

  it('removes a mapping no job uses, by name or id, and refuses one a job uses, naming the job', { timeout: 60_000 }, async () => {
    await importMapping('Made by mistake');
    await importMapping('Bills kWh');
    const human = await run(['mapping', 'remove', 'Made by mistake']);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toBe('Removed the mapping "Made by mistake".\n');
    expect(await names()).toEqual(['Bills kWh']);

    await json(['job', 'add', 'Bills to platform', '--connection', 'Sandbox', '--source', 'Bills', '--mapping', 'Bills kWh', '--no-file-trigger']);
    const refused = await run(['mapping', 'remove', 'Bills kWh']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe('esg-sync: The mapping "Bills kWh" is used by the job "Bills to platform". Remove or change that job first.\n');
    expect(await names()).toEqual(['Bills kWh']);
    const refusedJson = await run(['mapping', 'remove', 'bills-kwh', '--json']);
    expect(refusedJson.status).toBe(2);
    expect(JSON.parse(refusedJson.stdout)).toEqual({ error: expect.stringMatching(/used by the job "Bills to platform"/), exitCode: 2 });

    const missing = await run(['mapping', 'remove', 'Nope', '--json']);
    expect(missing.status).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({ error: 'There is no mapping called "Nope". Known mappings: "Bills kWh" (bills-kwh).', exitCode: 2 });

    // Once the job is gone, the mapping can go; --json prints what was removed.
    await json(['job', 'remove', 'Bills to platform']);
    expect(await json(['mapping', 'remove', 'bills-kwh'])).toEqual({ removed: 'Bills kWh' });
    expect(await names()).toEqual([]);
    expect((await run(['mapping', 'remove', 'bills-kwh'])).stderr).toMatch(/There is no mapping called "bills-kwh"\. No mappings have been saved yet\./);
  });

  it('beside a running agent, the agent removes the mapping (and refuses while its job uses it)', { timeout: 60_000 }, async () => {
    agent = await startAgent({ dataDir, env });
    const call = <T>(method: string, params: unknown = {}) => apiOk<T>(agent!, method, params);
    const id = await importMapping('Agent mapping');
    const job = await call<{ id: string }>('jobs.add', { name: 'Agent job', type: 'ingest', connectionId: 'sandbox', sourceId: 'bills', mappingId: id, config: { onFileArrival: false } });
    const other = await call<{ id: string }>('jobs.add', { name: 'Second job', type: 'ingest', connectionId: 'sandbox', sourceId: 'bills', mappingId: id, config: { onFileArrival: false } });
    const refused = await run(['mapping', 'remove', 'Agent mapping']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/used by the jobs "Agent job", "Second job"\. Remove or change those jobs first\./);
    expect(await call<{ id: string }[]>('mappings.list')).toEqual([expect.objectContaining({ id })]);

    await call('jobs.remove', { jobId: job.id });
    await call('jobs.remove', { jobId: other.id });
    expect(await json(['mapping', 'remove', 'Agent mapping'])).toEqual({ removed: 'Agent mapping' });
    // The agent removed it (its pid on the log line, not the CLI's) and no longer lists it.
    expect(removedBy(id)).toEqual([agent.child.pid]);
    expect(await call('mappings.list')).toEqual([]);
  });
});
