/**
 * Secret scan after a full scenario, run as a customer would (CLI + a running `esg-sync agent`
 * against the sandbox, the real keychain): add a connection, test it, rotate it (a wrong secret
 * first, then the new one), sync a file with a rejected row (error CSV), export submissions to
 * a folder, export the mapping, read the logs through the API. Then no secret — old, new or
 * refused, as text, UTF-16 or in a Basic auth header — may appear in any file under the data
 * folder (SQLite, WAL and SHM included, logs), the drop and export folders, any API response,
 * any CLI output, or the argument list of the agent or any process it or the tests started.
 * (The renderer DOM is covered by test/e2e/security-dom.spec.ts.)
 */
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeychainSecretStore, scopedAccount } from '../../main/engine/secrets';
import { startSandbox, type RunningSandbox } from '../../main/sandbox';
import { upsertAccounts } from '../../main/sandbox/auth';
import { keychainOrSkipReason, storeIdOf } from '../helpers/keychain';
import { startAgent, type RunningAgent } from '../helpers/agent-process';
import { api, cli, mappingProfile, waitFor, writeSourceFile } from '../reliability/harness';

const probe = await keychainOrSkipReason();
const SERVICE = `esg-sync-secret-scan-${process.pid}`;
const CLIENT = 'scan-client';
const SECRET1 = `first-${randomBytes(18).toString('hex')}`;
const SECRET2 = `second-${randomBytes(18).toString('hex')}`;
const WRONG = `wrong-${randomBytes(18).toString('hex')}`;
const SECRETS = [SECRET1, SECRET2, WRONG];

/** Every spelling a secret could be stored in by accident. */
const needles = SECRETS.flatMap((s) => [
  Buffer.from(s, 'utf8'),
  Buffer.from(s, 'utf16le'),
  Buffer.from(`${CLIENT}:${s}`).toString('base64'),
  Buffer.from(`${encodeURIComponent(CLIENT)}:${encodeURIComponent(s)}`).toString('base64'),
  encodeURIComponent(s),
]).map((n) => (typeof n === 'string' ? Buffer.from(n, 'utf8') : n));

function leaks(haystack: Buffer | string): boolean {
  const buf = typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : haystack;
  return needles.some((n) => buf.includes(n));
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    const s = lstatSync(p);
    return s.isDirectory() ? filesUnder(p) : s.isFile() ? [p] : [];
  });
}

/** Every process below `root` (from /proc), with its argument list. */
function descendants(root: number): { pid: number; argv: string }[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out: { pid: number; argv: string }[] = [];
  const walk = (pid: number) => {
    try {
      out.push({ pid, argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      /* gone */
    }
    for (const [child, p] of parent) if (p === pid) walk(child);
  };
  walk(root);
  return out;
}

const root = mkdtempSync(join(tmpdir(), 'esg-secret-scan-'));
let sandbox: RunningSandbox | null = null;
let agent: RunningAgent | null = null;
afterAll(async () => {
  await agent?.stop('SIGKILL');
  await sandbox?.close();
  await new KeychainSecretStore({ service: SERVICE }).delete('scan-sandbox').catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!probe.ok)('secret scan after a full scenario', () => {
  it('finds the secret nowhere but the keychain', { timeout: 240_000 }, async () => {
    sandbox = await startSandbox({ port: 0, accounts: [{ clientId: CLIENT, clientSecret: SECRET1, name: 'Scan', scopes: ['metrics:read', 'entities:read', 'submissions:write', 'submissions:read', 'portfolio:read'] }] });
    const dataDir = join(root, 'data');
    const drop = join(root, 'drop');
    const out = join(root, 'exports');
    mkdirSync(drop, { recursive: true });
    mkdirSync(out, { recursive: true });
    const env = { ESG_SYNC_KEYCHAIN_SERVICE: SERVICE };
    const seen: string[] = []; // every CLI output and API response
    const argvs = new Set<string>();
    const sampler = setInterval(() => {
      for (const p of descendants(process.pid)) argvs.add(p.argv);
    }, 25);
    const run = async (args: string[], stdin?: string) => {
      const r = await cli(dataDir, args, { env, stdin, timeoutMs: 60_000 });
      seen.push(r.stdout, r.stderr);
      return r;
    };
    const call = async (method: string, params: unknown) => {
      const r = await api(agent!, method, params);
      seen.push(JSON.stringify(r));
      return r;
    };

    try {
      // Set-up through the CLI (the secret on stdin only).
      expect((await run(['--json', 'connection', 'add', '--name', 'Scan sandbox', '--kind', 'esg-api', '--base-url', sandbox.url, '--client-id', CLIENT, '--client-secret-stdin'], SECRET1)).code).toBe(0);
      expect((await run(['--json', 'source', 'add-folder', 'Drop', drop, '--stable-ms', '200'])).code).toBe(0);
      const mappingFile = join(root, 'mapping.json');
      writeFileSync(mappingFile, JSON.stringify({ ...mappingProfile('Daily'), connectionId: 'scan-sandbox' }));
      expect((await run(['--json', 'mapping', 'import', mappingFile, '--source', 'Drop', '--connection', 'Scan sandbox'])).code).toBe(0);
      expect((await run(['--json', 'job', 'add', 'Daily', '--connection', 'Scan sandbox', '--source', 'Drop', '--mapping', 'Daily'])).code).toBe(0);
      expect((await run(['--json', 'job', 'add', 'Export', '--type', 'export', '--connection', 'Scan sandbox', '--dataset', 'submissions', '--out', out, '--no-file-trigger'])).code).toBe(0);

      agent = await startAgent({ dataDir, env });
      for (const p of descendants(agent.child.pid!)) argvs.add(p.argv);

      // Test, rotate (refused, then accepted), through the API the UI uses.
      expect((await call('connections.test', { id: 'scan-sandbox' })).ok).toBe(true);
      const refused = await call('connections.rotate', { id: 'scan-sandbox', clientSecret: WRONG });
      expect(refused.ok && (refused.result as { rotated: boolean }).rotated).toBe(false);
      upsertAccounts(sandbox.db, [{ clientId: CLIENT, clientSecret: SECRET2, name: 'Scan', scopes: ['metrics:read', 'entities:read', 'submissions:write', 'submissions:read', 'portfolio:read'] }], new Date().toISOString());
      const rotated = await call('connections.rotate', { id: 'scan-sandbox', clientSecret: SECRET2 });
      expect(rotated.ok && (rotated.result as { rotated: boolean }).rotated).toBe(true);
      // Kept under this data folder's own keychain account.
      expect(await new KeychainSecretStore({ service: SERVICE }).get(scopedAccount(storeIdOf(dataDir), 'scan-sandbox'))).toBe(SECRET2);

      // Sync a file with one bad row (it lands in history and an error report).
      await writeSourceFile(join(root, 'values.csv'), 50);
      writeFileSync(join(root, 'values.csv'), readFileSync(join(root, 'values.csv'), 'utf8') + `LON-01,ELEC_CONS,2016-01-01,not-a-number\n`);
      renameSync(join(root, 'values.csv'), join(drop, 'values.csv'));
      await waitFor('values.csv to be processed', () => existsSync(join(drop, 'processed', 'values.csv')), 60_000);
      const history = await call('history.list', { limit: 10 });
      const runId = (history.ok ? (history.result as { id: number }[]) : [])[0]!.id;
      expect((await call('history.get', { runId })).ok).toBe(true);
      const rowErrors = await call('history.errors', { runId, limit: 100 });
      expect(rowErrors.ok && (rowErrors.result as unknown[]).length).toBe(1);
      const csv = await fetch(new URL(`/api/runs/${runId}/errors.csv`, agent.url), { headers: { Authorization: `Bearer ${agent.token}` } });
      seen.push(await csv.text());

      // Export, and the exported configuration.
      const jobs = await call('jobs.list', {});
      const exportJob = (jobs.ok ? (jobs.result as { id: string; name: string }[]) : []).find((j) => j.name === 'Export')!;
      const exported = await call('jobs.run', { jobId: exportJob.id, wait: true });
      expect(exported.ok).toBe(true);
      expect((await run(['mapping', 'export', 'Daily', '--out', join(out, 'daily.mapping.json')])).code).toBe(0);
      for (const m of ['connections.list', 'engine.status', 'settings.get', 'jobs.details', 'sources.list', 'mappings.list', 'app.logs']) expect((await call(m, {})).ok, m).toBe(true);
      for (const p of descendants(agent.child.pid!)) argvs.add(p.argv);
    } finally {
      clearInterval(sampler);
    }

    const whileRunning = filesUnder(dataDir).filter((f) => leaks(readFileSync(f)));
    expect(agent.child.exitCode).toBeNull();
    await agent.stop();
    agent = null;

    expect(filesUnder(dataDir).some((f) => f.endsWith('esg-sync.db'))).toBe(true);
    expect(filesUnder(out).length).toBeGreaterThanOrEqual(2);
    expect(filesUnder(drop).some((f) => f.endsWith('.csv'))).toBe(true);
    expect(whileRunning).toEqual([]);
    expect([...filesUnder(dataDir), ...filesUnder(drop), ...filesUnder(out)].filter((f) => leaks(readFileSync(f)))).toEqual([]);
    expect(seen.filter(leaks)).toEqual([]);
    expect(argvs.size).toBeGreaterThan(3);
    expect([...argvs].filter(leaks)).toEqual([]);
  });
});
