import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import type { MappingInfo, SourceInfo } from '../../../shared/dto';
import { ConnectionService } from '../../../main/engine/connections';
import { JobRunner } from '../../../main/engine/sync/job-runner';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import type { SecretStore } from '../../../main/engine/secrets';

/** A secret store in memory, for tests where the OS keychain is not the subject. */
export class MemorySecrets implements SecretStore {
  readonly kind = 'keychain' as const;
  private readonly values = new Map<string, string>();
  describe(account: string): string {
    return `the test secret store (${account})`;
  }
  async get(account: string): Promise<string | null> {
    return this.values.get(account) ?? null;
  }
  async set(account: string, secret: string): Promise<void> {
    this.values.set(account, secret);
  }
  async delete(account: string): Promise<boolean> {
    return this.values.delete(account);
  }
  async available(): Promise<boolean> {
    return true;
  }
  size(): number {
    return this.values.size;
  }
}

export const SITES = ['LON-01', 'MAN-02', 'BER-01'] as const;

/** A utility export: one row per site and month, electricity in kWh (18 rows). */
export function energyCsv(extraRows: string[] = []): string {
  const lines = ['Site code,Month,Electricity (kWh)'];
  SITES.forEach((site, s) => {
    for (let m = 1; m <= 6; m++) lines.push(`${site},2024-0${m},${12500 + s * 1000 + m * 10 - 10}`);
  });
  return [...lines, ...extraRows].join('\r\n') + '\r\n';
}

export type ApiAnswer = { ok: boolean; result?: unknown; error?: { code: string; message: string } };

/** An engine in `root/data` with secrets in memory, its API, and a connection "Sandbox" to the given platform. */
export async function engineOnSandbox(root: string, sandboxUrl: string, opts: { clock?: { now: () => Date } } = {}) {
  const engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false, ...(opts.clock ? { clock: opts.clock } : {}) });
  await engine.initSecrets({ allowEnv: false, store: new MemorySecrets() });
  const dispatch = createDispatcher(createEngineApi(engine), engine.logger);
  const call = (method: string, params: unknown) => dispatch(method, params) as Promise<ApiAnswer>;
  const ok = async <T>(method: string, params: unknown): Promise<T> => {
    const r = await call(method, params);
    if (!r.ok) throw new Error(`${method} failed: ${r.error!.code}: ${r.error!.message}`);
    return r.result as T;
  };
  const fails = async (method: string, params: unknown) => {
    const r = await call(method, params);
    expect(r.ok, `${method} should have failed`).toBe(false);
    return r.error!;
  };
  await ok('connections.add', { name: 'Sandbox', kind: 'esg-api', baseUrl: sandboxUrl, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  return { engine, call, ok, fails };
}

type Ok = Awaited<ReturnType<typeof engineOnSandbox>>['ok'];

/**
 * For each test: a sandbox platform of its own (what one test sent must not answer for another),
 * a temporary folder, and an engine on it connected to the sandbox; all closed and removed after.
 * Read the fields inside the tests: they are replaced before each one.
 */
export function onSandboxEachTest(prefix: string) {
  const t = {} as { sandbox: RunningSandbox; root: string } & Awaited<ReturnType<typeof engineOnSandbox>>;
  beforeEach(async () => {
    t.sandbox = await startSandbox({ port: 0 });
    t.root = mkdtempSync(join(tmpdir(), prefix));
    Object.assign(t, await engineOnSandbox(t.root, t.sandbox.url));
  });
  afterEach(async () => {
    await t.engine.stop();
    await t.sandbox.close();
    rmSync(t.root, { recursive: true, force: true });
  });
  return t;
}

/**
 * A folder source 'Bills' in `root/Bills`, a mapping drafted from an energyCsv sample (then
 * removed from the folder), and an ingest job 'bills' that takes files only when a test runs them.
 */
export async function billsFolderJob(engine: Engine, ok: Ok, root: string, jobConfig: Record<string, unknown> = {}) {
  const folder = join(root, 'Bills');
  mkdirSync(folder);
  writeFileSync(join(folder, 'sample.csv'), energyCsv());
  const source = await ok<SourceInfo>('sources.addFolder', { name: 'Bills', path: folder });
  const s = await ok<{ draft: Record<string, unknown> }>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
  const mapping = await ok<MappingInfo>('mappings.save', { profile: { ...s.draft, name: 'Bills', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } } });
  engine.store.jobs.insert({ id: 'bills', name: 'Bills', type: 'ingest', connectionId: 'sandbox', sourceId: source.id, mappingId: mapping.id, config: { onFileArrival: false, ...jobConfig }, paused: false, cursor: null, createdAt: new Date().toISOString() });
  rmSync(join(folder, 'sample.csv'));
  return { folder, source, mapping };
}

/** Runs the job on a file in its folder, as the watcher hands it over. */
export function runDroppedFile(engine: Engine, jobId: string, path: string) {
  const bytes = readFileSync(path);
  return new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets() })).run({
    jobId,
    trigger: 'file',
    file: { path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
  });
}
