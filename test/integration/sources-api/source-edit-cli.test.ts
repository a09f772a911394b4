/**
 * `esg-sync source show` and `source edit`:
 * - in-process with no agent running (the engine opens for each call): an edit changes only what
 *   its options name, switches a table for a query, clears read options, prints the notes, and
 *   refuses what cannot apply with exit code 2 and the reason;
 * - as a child process with the password piped on stdin and the REAL keychain (skips without one);
 * - beside a running agent (the built CLI), which applies the change itself.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceSettings, UpdateSourceResult } from '../../../shared/contract/sources';
import type { SourceInfo } from '../../../shared/dto';
import { Store } from '../../../main/engine/store';
import { runCliInProcess } from '../../helpers/cli-in-process';
import { CLI, removeDir, startAgent, type RunningAgent } from '../../helpers/agent-process';
import { folderKeychain, keychainOrSkipReason, storeIdOf, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';

const ROOT = resolve(import.meta.dirname, '../../..');
const root = mkdtempSync(join(tmpdir(), 'esg-source-edit-cli-'));
const dataDir = join(root, 'data');
const drop = join(root, 'drop');
const moved = join(root, 'share', 'drop-2025');
const dbFile = join(root, 'meters.sqlite');

const cli = (...argv: string[]) => runCliInProcess(['--data-dir', dataDir, ...argv]);

function inStore<T>(fn: (store: Store) => T): T {
  const store = Store.open(dataDir);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  mkdirSync(drop);
  mkdirSync(moved, { recursive: true });
  const db = new Database(dbFile);
  db.exec("CREATE TABLE readings (id INTEGER PRIMARY KEY, site TEXT, kwh REAL, updated_at TEXT); INSERT INTO readings (site, kwh, updated_at) VALUES ('LON-01', 1, '2024-01-01')");
  db.close();
  expect((await cli('source', 'add-folder', 'Drop', drop, '--include', '*.csv', '--encoding', 'windows-1252', '--delimiter', ';')).code).toBe(0);
  expect((await cli('source', 'add-database', 'Meters', '--kind', 'sqlite', '--file', dbFile, '--table', 'readings', '--watermark-column', 'updated_at')).code).toBe(0);
  // A job that has read the database up to a watermark (what a run leaves behind).
  inStore((store) => {
    const at = new Date().toISOString();
    store.connections.insert({ id: 'c', name: 'P', kind: 'esg-api', baseUrl: 'http://127.0.0.1:9', authUrl: null, clientId: 'x', scopes: [], sandbox: true, createdAt: at, lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
    store.jobs.insert({ id: 'j', name: 'Meters job', type: 'ingest', connectionId: 'c', sourceId: 'meters', mappingId: null, config: {}, paused: false, cursor: '2024-01-01', createdAt: at });
  });
});
afterAll(() => removeDir(root));

describe('without a running agent', () => {
  it('shows a folder source in words and as JSON', async () => {
    const human = await cli('source', 'show', 'Drop');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`Drop (folder, id drop)\n  path: ${drop}\n  include: *.csv`);
    expect(human.stdout).toContain('  encoding: windows-1252');
    expect(human.stdout).toContain('  header row: detected');
    const json = JSON.parse((await cli('--json', 'source', 'show', 'drop')).stdout) as SourceSettings;
    expect(json).toMatchObject({ kind: 'folder', name: 'Drop', folder: { path: drop, delimiter: ';' } });
  });

  it('changes only what is named, clears read options back to detection, and prints the notes', async () => {
    const r = await cli('source', 'edit', 'Drop', '--name', 'Bills drop', '--path', moved, '--include', '*.csv;*.xlsx', '--polling', '--clear', 'encoding', 'delimiter');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Saved the changes to source "Bills drop" (id drop, folder) at ${moved}.`);
    expect(r.stdout).toContain(`Note: Files already in ${moved} that match the source's patterns are taken as new files once a job takes files from this source;`);
    const s = JSON.parse((await cli('--json', 'source', 'show', 'drop')).stdout) as SourceSettings & { kind: 'folder' };
    expect(s.folder).toMatchObject({ path: moved, include: ['*.csv', '*.xlsx'], usePolling: true, encoding: null, delimiter: null, stableMs: 2000, afterRun: 'move' });
    // Off again with --no-polling; nothing else moves.
    expect((await cli('source', 'edit', 'Bills drop', '--no-polling')).code).toBe(0);
    expect((JSON.parse((await cli('--json', 'source', 'show', 'drop')).stdout) as SourceSettings & { kind: 'folder' }).folder).toMatchObject({ usePolling: false, include: ['*.csv', '*.xlsx'] });
  });

  it('refuses, with exit code 2 and the reason: nothing to change, options of the other kind, a bad --clear, a missing folder or source', async () => {
    const cases: [string[], RegExp][] = [
      [['source', 'edit', 'drop'], /Nothing to change: name what changes/],
      [['source', 'edit', 'drop', '--table', 'x', '--no-password'], /"Bills drop" is a folder source: --table, --no-password apply to database sources only/],
      [['source', 'edit', 'meters', '--include', '*.csv'], /"Meters" is a database source: --include applies to folder sources only/],
      [['source', 'edit', 'drop', '--clear', 'table'], /--clear does not take "table" for a folder source\. It takes: encoding, delimiter, header-row, sheet, pointer, exclude/],
      [['source', 'edit', 'drop', '--encoding', 'utf-8', '--clear', 'encoding'], /--encoding and --clear encoding contradict each other/],
      [['source', 'edit', 'drop', '--path', join(root, 'nope')], /The folder .*nope does not exist/],
      [['source', 'edit', 'Nope', '--name', 'X'], /There is no source called "Nope"/],
      [['source', 'edit', 'drop', '--name', 'Meters'], /A source called "Meters" already exists/],
      [['source', 'edit', 'meters', '--table', 'a', '--query', 'SELECT 1'], /Give either --table or --query, not both/],
      [['source', 'edit', 'meters', '--password-stdin', '--no-password'], /Give either --password-stdin or --no-password, not both/],
      [['source', 'edit', 'meters', '--file', join(root, 'typo.db')], /There is no SQLite database file at ".*typo\.db"\. Check the path\./],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(message);
    }
    expect(inStore((store) => store.sources.get('drop')!.config.path)).toBe(moved);
  });

  it('switches a database source from its table to a query and back; tests first; clears the watermark when what is read changes', async () => {
    const bad = await cli('source', 'edit', 'Meters', '--table', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/The database source was not changed: .*nope/);
    expect(inStore((store) => store.jobs.get('j')!.cursor)).toBe('2024-01-01');

    const r = await cli('--json', 'source', 'edit', 'Meters', '--query', 'SELECT id, site, kwh, updated_at FROM readings');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as UpdateSourceResult;
    expect(result.source.database).toMatchObject({ table: null, query: true, watermarkColumn: 'updated_at' });
    expect(result.notes[0]).toMatch(/^The watermark of the job "Meters job" was cleared/);
    expect(inStore((store) => store.jobs.get('j')!.cursor)).toBeNull();

    const human = await cli('source', 'show', 'Meters');
    expect(human.stdout).toContain(`Meters (sqlite, id meters)\n  file: ${dbFile}\n  query: SELECT id, site, kwh, updated_at FROM readings\n  watermark column: updated_at`);
    const back = await cli('source', 'edit', 'Meters', '--table', 'readings', '--clear', 'watermark-column');
    expect(back.code, back.stderr).toBe(0);
    expect((await cli('source', 'show', 'Meters')).stdout).toContain('  table: readings\n  watermark column: (none: every run reads every row)');
  });
});

const probe = await keychainOrSkipReason();
const PASSWORD = `cli-src-${randomBytes(12).toString('hex')}`;

/** The CLI as a person runs it, from source through tsx, the password piped on stdin. */
function child(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string; argv: string[] }> {
  const argv = ['--import', 'tsx', join(ROOT, 'main/agent/main.ts'), '--data-dir', dataDir, ...args];
  return new Promise((done) => {
    const c = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, ESG_SYNC_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.stdin.end(stdin);
    c.on('exit', (code) => done({ code, stdout, stderr, argv }));
  });
}

describe.skipIf(!probe.ok)('a new password from standard input, kept in the real keychain', () => {
  const keychain = folderKeychain(() => storeIdOf(dataDir));
  afterAll(async () => {
    await keychain.delete('source:meters').catch(() => undefined);
  });

  it('--password-stdin replaces the password, --no-password deletes it; show never prints it', { timeout: 60_000 }, async () => {
    const set = await child(['source', 'edit', 'Meters', '--password-stdin'], `${PASSWORD}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(await keychain.get('source:meters')).toBe(PASSWORD);
    expect(set.argv.join(' ') + set.stdout + set.stderr).not.toContain(PASSWORD);
    const show = await child(['source', 'show', 'Meters']);
    expect(show.stdout).toContain('  password: kept in the OS keychain (never shown)');
    expect(show.stdout).not.toContain(PASSWORD);

    const none = await child(['source', 'edit', 'Meters', '--no-password']);
    expect(none.code, none.stderr).toBe(0);
    expect(await keychain.get('source:meters')).toBeNull();
  });
});

describe('beside a running agent', () => {
  let agent: RunningAgent;
  beforeAll(async () => {
    agent = await startAgent({ dataDir, env: { ESG_SYNC_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE } });
  });
  afterAll(async () => {
    if (agent) expect(await agent.stop()).toBe(0);
  });

  function built(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((done, fail) => {
      const c = spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      c.on('error', fail);
      c.on('close', (status) => done({ status, stdout, stderr }));
    });
  }

  it('goes to the agent, which has the new settings at once', async () => {
    const r = await built(['source', 'edit', 'drop', '--path', drop, '--stable-ms', '500']);
    expect(r.status, r.stderr).toBe(0);
    const res = await fetch(new URL('/api/call', agent.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
      body: JSON.stringify({ method: 'sources.list', params: {} }),
    });
    const list = ((await res.json()) as { result: SourceInfo[] }).result;
    expect(list.find((s) => s.id === 'drop')).toMatchObject({ location: drop, folder: { stableMs: 500 } });
  });
});
