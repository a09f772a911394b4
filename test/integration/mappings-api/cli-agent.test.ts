/**
 * `esg-sync mapping ...` while an agent runs on the data folder: the built CLI (`npm run
 * build:main` first) hands suggest, import, export and list to the agent (callEngine), so an
 * imported mapping is the agent's at once: its API lists it and a job can use it without a
 * restart. The connection's secret is in the real keychain where one answers, else in the
 * opted-in environment-variable store.
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
import { apiOk } from '../../reliability/harness';
import { probeKeychain, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';
import { energyCsv, MemorySecrets } from './helpers';

let sandbox: RunningSandbox;
let root: string;
let dataDir: string;
let folder: string;
let env: Record<string, string>;
let keychain: KeychainSecretStore | null = null;
let agent: RunningAgent;

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

/** One call to the running agent's API, as the UI in a browser makes it. */
const agentCall = <T>(method: string, params: unknown = {}): Promise<T> => apiOk<T>(agent, method, params);

/** The processes that logged "mapping saved" for a mapping (the log appends synchronously). */
function mappingSavedBy(mappingId: string): number[] {
  const dir = logDirOf(dataDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.includes('"mapping saved"'))
    .map((l) => JSON.parse(l) as { pid: number; mapping: string })
    .filter((l) => l.mapping === mappingId)
    .map((l) => l.pid);
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-map-cli-agent-'));
  dataDir = join(root, 'data');
  folder = join(root, 'bills');
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
  // The connection exists before the agent starts; everything after goes through the CLI and the agent.
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
  agent = await startAgent({ dataDir, env });
});

afterAll(async () => {
  await agent?.stop();
  await keychain?.delete('sandbox').catch(() => undefined);
  await sandbox?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('esg-sync mapping beside a running agent', () => {
  it('suggests, imports, exports and lists through the agent, which can use the mapping at once', { timeout: 120_000 }, async () => {
    expect(await json<{ id: string }>(['source', 'add-folder', 'Bills', folder, '--include', '*.csv'])).toMatchObject({ id: 'bills' });

    // A sample outside the folder goes to the sample area the agent reads.
    const outside = join(root, 'elsewhere.csv');
    writeFileSync(outside, energyCsv());
    const draft = await json<Record<string, unknown>>(['mapping', 'suggest', '--source', 'Bills', '--connection', 'Sandbox', '--sample', outside]);
    expect(draft).toMatchObject({ schemaVersion: 1, sourceId: 'bills', connectionId: 'sandbox', metric: { kind: 'fixed', metricId: 'met_elec_cons' } });

    const draftFile = join(root, 'draft.json');
    writeFileSync(draftFile, JSON.stringify({ ...draft, name: 'Bills kWh', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } }, null, 2));
    expect(await agentCall('mappings.list')).toEqual([]);
    const v1 = await json<{ id: string; version: number }>(['mapping', 'import', draftFile]);
    expect(v1).toMatchObject({ id: 'bills-kwh', version: 1 });
    // The agent saved it (its pid on the log line, not the CLI's) and lists it at once.
    expect(mappingSavedBy('bills-kwh')).toEqual([agent.child.pid]);
    expect(await agentCall('mappings.list')).toEqual([expect.objectContaining({ id: 'bills-kwh', name: 'Bills kWh', version: 1, sourceId: 'bills', connectionId: 'sandbox' })]);

    // A job can use the mapping straight away; removing the connection is then refused, naming the job.
    await agentCall('jobs.add', { name: 'Bills to platform', type: 'ingest', connectionId: 'sandbox', sourceId: 'bills', mappingId: 'bills-kwh', config: { onFileArrival: false } });
    const refused = await run(['connection', 'remove', 'Sandbox']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/used by the job "Bills to platform"/);
    expect(await agentCall<{ id: string }[]>('connections.list')).toEqual([expect.objectContaining({ id: 'sandbox', usedByJobs: ['Bills to platform'] })]);

    // Export and import again: the same mapping's next version, seen by the agent at once.
    const out = join(root, 'export.json');
    const exported = await run(['mapping', 'export', 'Bills kWh', '--out', out]);
    expect(exported.status, exported.stderr).toBe(0);
    const profile = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown> & { entity: Record<string, unknown> };
    expect(profile).toMatchObject({ id: 'bills-kwh', version: 1, name: 'Bills kWh', sourceId: 'bills', connectionId: 'sandbox' });
    expect(JSON.parse((await run(['mapping', 'export', 'bills-kwh'])).stdout)).toEqual(profile);
    writeFileSync(out, JSON.stringify({ ...profile, entity: { ...profile.entity, unknownEntity: 'skip' } }));
    expect(await json<{ version: number }>(['mapping', 'import', out])).toMatchObject({ id: 'bills-kwh', version: 2 });
    expect(await agentCall('mappings.get', { mappingId: 'bills-kwh' })).toMatchObject({ info: { version: 2 }, profile: { entity: { unknownEntity: 'skip' } } });
    expect((await json<{ name: string; version: number }[]>(['mapping', 'list'])).map((m) => [m.name, m.version])).toEqual([['Bills kWh', 2]]);

    // A profile the engine refuses says why, with the usage exit code.
    writeFileSync(join(root, 'bad.json'), JSON.stringify({ ...profile, id: undefined, name: 'Other', sourceId: 'nowhere' }));
    const bad = await run(['mapping', 'import', join(root, 'bad.json')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/source "nowhere" does not exist here/);
  });
});
