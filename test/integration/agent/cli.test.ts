import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../../main/engine/store';
import { CLI, removeDir, startAgent } from '../../helpers/agent-process';

const dataDir = mkdtempSync(join(tmpdir(), 'esg-cli-'));
afterAll(() => removeDir(dataDir));
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('esg-sync CLI', () => {
  it('prints an empty history as [] with --json and exits 0', () => {
    const r = run('--data-dir', dataDir, 'history', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(existsSync(join(dataDir, 'esg-sync.db'))).toBe(true);
  });

  it('prints --version and --help, and exits 2 on a usage error', () => {
    expect(run('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/agent/);
    expect(help.stdout).toMatch(/history/);
    expect(run('no-such-command').status).toBe(2);
    expect(run('--data-dir', dataDir, 'history', '--limit', 'many').status).toBe(2);
    const missing = run('--data-dir', dataDir, 'history', 'show', '999', '--json');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no run #999/);
  });

  it('lists an export run in rows written, not in values created or unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esg-cli-export-'));
    const store = Store.open(dir);
    const at = '2026-12-07T10:00:00.000Z';
    store.connections.insert({ id: 'c1', name: 'Platform', kind: 'esg-api', baseUrl: 'http://127.0.0.1:9', authUrl: null, clientId: 'x', scopes: [], sandbox: false, createdAt: at, lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
    store.jobs.insert({ id: 'j1', name: 'To files', type: 'export', connectionId: 'c1', sourceId: null, mappingId: null, config: { schedule: null, timezone: 'UTC' }, paused: false, cursor: null, createdAt: at });
    const run = store.runs.create({ jobId: 'j1', jobName: 'To files', trigger: 'manual', startedAt: at, file: null, fileSha256: null, watermarkFrom: null });
    store.runs.update(run.id, { status: 'succeeded', finishedAt: at, read: 12, created: 11, deleted: 1 });
    store.close();
    const r = spawnSync(process.execPath, [CLI, '--data-dir', dir, 'history'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.includes('To files'))!;
    expect(line).toMatch(/12 written\s+—\s+—\s+1\s+—\s+0\s+—/);
    removeDir(dir);
  });

  it('says clearly when the data folder holds a damaged database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esg-cli-bad-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'esg-sync.db'), 'not a database at all'.repeat(100));
    const r = run('--data-dir', dir, 'history');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is damaged/);
    expect(r.stderr).toContain(join(dir, 'esg-sync.db'));
    removeDir(dir);
  });

  it('stops cleanly on SIGINT and SIGTERM, and refuses a second agent on the same folder', async () => {
    const first = await startAgent({ dataDir });
    const second = run('--data-dir', dataDir, 'agent', '--port', '0');
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(/already running/);
    expect(await first.stop('SIGINT')).toBe(0);
    expect(existsSync(join(dataDir, 'agent.lock'))).toBe(false);
    const again = await startAgent({ dataDir });
    expect(await again.stop('SIGTERM')).toBe(0);
  });
});
