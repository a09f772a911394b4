/**
 * `esg-sync source …` through callEngine: the built CLI (`npm run build:main` first) in a child
 * process, once with no agent (the engine opens in the CLI's process for the call) and once
 * beside a running agent, which then applies pause, resume and remove itself.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceInfo } from '../../../shared/dto';
import { Store } from '../../../main/engine/store';
import { CLI, startAgent, type RunningAgent } from '../../helpers/agent-process';

let root: string;
let dataDir: string;
let folder: string;
const env = { ...process.env, ESG_SYNC_KEYCHAIN_SERVICE: `esg-sync-source-cli-${process.pid}` };

function run(args: string[], dir = dataDir): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, '--data-dir', dir, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

async function json<T>(args: string[], dir = dataDir): Promise<T> {
  const r = await run([...args, '--json'], dir);
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'esg-source-cli-'));
  dataDir = join(root, 'data');
  folder = join(root, 'drop');
  mkdirSync(folder);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('without a running agent', () => {
  it('adds a folder with its after-run disposition and lists it as not watched until a job takes its files', async () => {
    const added = await json<SourceInfo>(['source', 'add-folder', 'Drop', folder, '--include', '*.csv;*.xlsx', '--after-run', 'leave', '--polling', '--poll-interval-ms', '2000']);
    expect(added.folder).toMatchObject({ include: ['*.csv', '*.xlsx'], afterRun: 'leave', usePolling: true, pollIntervalMs: 2000 });
    const human = await run(['source', 'list']);
    expect(human.stdout).toMatch(/^ID\s+NAME\s+KIND\s+LOCATION\s+STATUS\s+LAST FILE\s+WATERMARK\s+FILES\s+WAITING/);
    expect(human.stdout).toMatch(/drop\s+Drop\s+folder\s+.*not watched \(no job\)\s+0\s+0/);
    const bad = await run(['source', 'add-folder', 'Other', folder, '--after-run', 'shred']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/shred/);
  });

  it('counts workbook sheets from 1, as mapping suggest does, or takes a sheet by name', async () => {
    const first = await json<SourceInfo>(['source', 'add-folder', 'Workbooks', folder, '--sheet', '1']);
    const named = await json<SourceInfo>(['source', 'add-folder', 'Energy sheet', folder, '--sheet', 'Energy']);
    const zero = await run(['source', 'add-folder', 'Zero', folder, '--sheet', '0']);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toMatch(/start at 1/);
    const store = Store.open(dataDir);
    try {
      expect(store.sources.get(first.id)?.config.sheet).toBe(0);
      expect(store.sources.get(named.id)?.config.sheet).toBe('Energy');
    } finally {
      store.close();
    }
    for (const id of [first.id, named.id]) expect((await run(['source', 'remove', id])).status).toBe(0);
  });

  it('shows a database source’s watermark column and the value its job last recorded', async () => {
    const file = join(root, 'meters.db');
    const db = new Database(file);
    db.exec("CREATE TABLE readings (id INTEGER PRIMARY KEY, kwh REAL, updated_at TEXT); INSERT INTO readings (kwh, updated_at) VALUES (1, '2024-01-01'), (2, '2024-01-02')");
    db.close();
    await json(['source', 'add-database', 'Meters', '--kind', 'sqlite', '--file', file, '--table', 'readings', '--watermark-column', 'updated_at']);
    expect((await run(['source', 'list'])).stdout).toMatch(/Meters\s+sqlite\s+.*updated_at = \(nothing read yet\)/);

    // What a database run leaves behind: its job's cursor, advanced after the rows were recorded.
    const store = Store.open(dataDir);
    const now = new Date().toISOString();
    store.connections.insert({ id: 'c', name: 'P', kind: 'esg-api', baseUrl: 'http://127.0.0.1:9', authUrl: null, clientId: 'x', scopes: [], sandbox: true, createdAt: now, lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
    store.jobs.insert({ id: 'j', name: 'Meters job', type: 'ingest', connectionId: 'c', sourceId: 'meters', mappingId: null, config: { schedule: '0 * * * *', timezone: 'UTC' }, paused: false, cursor: '2024-01-02', createdAt: now });
    store.sources.recordFile('drop', { path: join(folder, 'jan.csv'), sha256: 'ab'.repeat(32), size: 10, seenAt: now, status: 'processed', runId: 7 });
    store.close();

    expect((await run(['source', 'list'])).stdout).toMatch(/Meters\s+sqlite\s+.*polled by schedule\s+updated_at = 2024-01-02/);
    const listed = await json<SourceInfo[]>(['source', 'list']);
    expect(listed.find((s) => s.name === 'Meters')).toMatchObject({ lastWatermark: '2024-01-02', usedByJobs: ['Meters job'] });

    const files = await run(['source', 'files', 'Drop']);
    expect(files.stdout).toMatch(/^FILE\s+HASH\s+SIZE\s+SEEN\s+STATUS\s+RUN/);
    expect(files.stdout).toMatch(new RegExp(`jan\\.csv\\s+${'ab'.repeat(6)}\\s+10\\s+.*processed\\s+7`));
    const refused = await run(['source', 'files', 'Meters']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/database source; it has rows, not files/);
  });

  it('refuses a database source whose watermark column the table does not have, saving nothing', async () => {
    const file = join(root, 'energy.db');
    const db = new Database(file);
    db.exec('CREATE TABLE uxr_energy (id INTEGER PRIMARY KEY, site TEXT, kwh REAL, updated_at TEXT)');
    db.close();
    const before = await json<SourceInfo[]>(['source', 'list']);
    const r = await run(['source', 'add-database', 'BAD2', '--kind', 'sqlite', '--file', file, '--table', 'uxr_energy', '--watermark-column', 'nope']);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toMatch(/saved/);
    expect(r.stderr).toContain('The watermark column "nope" is not a column of the table "uxr_energy". Its columns are: "id", "site", "kwh", "updated_at".');
    expect(await json<SourceInfo[]>(['source', 'list'])).toEqual(before);
  });
});

describe('beside a running agent', () => {
  let agent: RunningAgent;
  beforeAll(async () => {
    agent = await startAgent({ dataDir, env });
  });
  afterAll(async () => {
    if (agent) expect(await agent.stop()).toBe(0);
  });

  async function agentList(): Promise<SourceInfo[]> {
    const res = await fetch(new URL('/api/call', agent.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
      body: JSON.stringify({ method: 'sources.list', params: {} }),
    });
    return ((await res.json()) as { result: SourceInfo[] }).result;
  }

  it('pauses, resumes and removes through the agent, which sees each change at once', async () => {
    expect(await json<SourceInfo>(['source', 'pause', 'Drop'])).toMatchObject({ name: 'Drop', paused: true });
    expect((await agentList()).find((s) => s.name === 'Drop')?.paused).toBe(true);
    expect((await run(['source', 'list'])).stdout).toMatch(/Drop\s+folder\s+.*paused/);
    expect(await json<SourceInfo>(['source', 'resume', 'Drop'])).toMatchObject({ paused: false });
    expect((await agentList()).find((s) => s.name === 'Drop')?.paused).toBe(false);

    const inUse = await run(['source', 'remove', 'Meters']);
    expect(inUse.status).toBe(2);
    expect(inUse.stderr).toMatch(/used by the job "Meters job"/);
    expect(await json<{ removed: string }>(['source', 'remove', 'Drop'])).toMatchObject({ removed: 'Drop' });
    expect((await agentList()).map((s) => s.name)).toEqual(['Meters']);
  });
});
