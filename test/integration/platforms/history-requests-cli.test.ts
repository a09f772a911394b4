/**
 * `esg-sync history show RUN --requests`: a run's platform requests from the command line, as a
 * table and as JSON, read from the store a run left behind.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../../main/engine/store';

const ROOT = resolve(import.meta.dirname, '../../..');
let dataDir: string;
let runId: number;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = ['--import', 'tsx', join(ROOT, 'main/agent/main.ts'), '--data-dir', dataDir, ...args];
  return new Promise((done) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'esg-history-cli-'));
  const store = Store.open(dataDir);
  const t0 = Date.parse('2026-03-01T09:00:00.000Z');
  const run = store.runs.create({ jobId: null, jobName: 'Bills to platform', trigger: 'manual', startedAt: new Date(t0).toISOString() });
  const req = (over: Partial<Parameters<Store['runs']['addRequest']>[1]>) => ({ method: 'GET', host: 'api.example:443', path: '/v1/metrics?limit=500', status: 200, error: null, startedAt: t0, durationMs: 12, attempt: 1, kind: 'api' as const, ...over });
  store.runs.addRequest(run.id, req({ method: 'POST', path: '/oauth/token', kind: 'token', durationMs: 40 }));
  store.runs.addRequest(run.id, req({ status: 503, error: 'server', durationMs: 30 }));
  store.runs.addRequest(run.id, req({ status: null, error: 'connect (ECONNRESET)', attempt: 2 }));
  store.runs.addRequest(run.id, req({ attempt: 3, startedAt: t0 + 1234 }));
  store.runs.update(run.id, { status: 'succeeded', finishedAt: new Date(t0 + 2000).toISOString(), requests: 4, retries: 2, serviceAccount: 'svc-agent' });
  runId = run.id;
  const later = store.runs.create({ jobId: null, jobName: 'Bills to platform', trigger: 'file', startedAt: '2026-03-05T12:00:00.000Z' });
  store.runs.update(later.id, { status: 'failed', finishedAt: '2026-03-05T12:00:05.000Z' });
  store.close();
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('esg-sync history filters', () => {
  it('filters by trigger and date range, and explains bad values', { timeout: 60_000 }, async () => {
    const ids = async (args: string[]) => {
      const r = await cli(['--json', 'history', ...args]);
      expect(r.stderr).toBe('');
      return (JSON.parse(r.stdout) as { id: number }[]).map((x) => x.id);
    };
    expect(await ids(['--trigger', 'file'])).toEqual([runId + 1]);
    // Days are local; these bounds hold in any time zone.
    expect(await ids(['--since', '2026-03-02', '--until', '2026-03-06'])).toEqual([runId + 1]);
    expect(await ids(['--until', '2026-03-01', '--status', 'succeeded'])).toEqual([runId]);
    const bad = await cli(['history', '--since', '2026-02-30']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since "2026-02-30" is not a date/);
  });
});

describe('esg-sync history show --requests', () => {
  it('lists every request with status or error, duration and attempt; without the flag it says how to see them', { timeout: 60_000 }, async () => {
    const plain = await cli(['history', 'show', String(runId)]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Platform requests 4 (2 retried) as svc-agent');
    expect(plain.stdout).toContain('4 platform requests recorded; add --requests to list them.');
    expect(plain.stdout).not.toContain('/v1/metrics');

    const listed = await cli(['history', 'show', String(runId), '--requests']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.split('\n');
    const header = lines.findIndex((l) => /^\s+AT\s+METHOD\s+HOST\s+PATH\s+STATUS\s+MS\s+ATTEMPT\s+ERROR/.test(l));
    expect(header).toBeGreaterThan(0);
    const rows = lines.slice(header + 1, header + 5).map((l) => l.trim().split(/\s{2,}/));
    expect(rows).toEqual([
      ['09:00:00.000', 'POST', 'api.example:443', '/oauth/token (token)', '200', '40', '1'],
      ['09:00:00.000', 'GET', 'api.example:443', '/v1/metrics?limit=500', '503', '30', '1', 'server'],
      ['09:00:00.000', 'GET', 'api.example:443', '/v1/metrics?limit=500', '-', '12', '2', 'connect (ECONNRESET)'],
      ['09:00:01.234', 'GET', 'api.example:443', '/v1/metrics?limit=500', '200', '12', '3'],
    ]);

    const json = await cli(['--json', 'history', 'show', String(runId), '--requests']);
    const body = JSON.parse(json.stdout) as { requestCount: number; requests: { kind: string; status: number | null; attempt: number }[] };
    expect(body.requestCount).toBe(4);
    expect(body.requests.map((r) => [r.kind, r.status, r.attempt])).toEqual([
      ['token', 200, 1],
      ['api', 503, 1],
      ['api', null, 2],
      ['api', 200, 3],
    ]);
  });
});
