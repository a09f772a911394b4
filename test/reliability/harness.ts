/**
 * Shared machinery of the reliability suites: the sandbox platform and the agent as separate
 * processes (as a customer runs them), the CLI to set a job up, a generated source file whose
 * every expected submission is known, and read-only looks into both databases afterwards.
 *
 * Sizes come from the environment so `RELIABILITY_LONG=1` runs the bigger numbers:
 *   RELIABILITY_LONG=1 bash scripts/with-keyring.sh npx vitest run test/reliability
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { headerFingerprint } from '../../shared/mapping';
import { CLI, ROOT } from '../helpers/agent-process';

export const LONG = /^(1|true|yes)$/i.test(process.env.RELIABILITY_LONG ?? '');

/** Metrics of the sandbox library that take any non-negative number in their own unit. */
export const METRICS = [
  'ELEC_CONS', 'ELEC_RENEW', 'NGAS_KWH', 'NGAS_M3', 'DIST_HEAT', 'FUEL_DIESEL', 'FUEL_PETROL', 'WATER_WITHDRAWAL',
  'WASTE_TOTAL', 'WASTE_HAZ', 'WASTE_RECYCLED', 'GHG_S1', 'GHG_S2_LB', 'GHG_S2_MB', 'GHG_S3', 'HEADCOUNT', 'SAFETY_INCIDENTS',
] as const;
/** Sandbox entities by external reference → id. */
export const ENTITIES: [string, string][] = [
  ['ACME-GRP', 'ent_acme'], ['LON-01', 'ent_lon01'], ['MAN-02', 'ent_man02'], ['BER-01', 'ent_ber01'],
  ['LYO-01', 'ent_lyo01'], ['NWL', 'ent_nwl'], ['MAD-03', 'ent_mad03'],
];
export const HEADERS = ['Site', 'Metric', 'Date', 'Value'];
const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(2015, 0, 1);

/** Row i of the generated file: every (entity, metric, day) once, so each row is one submission. */
export function expectedRow(i: number, generation = 1): { site: string; entityId: string; metric: string; metricId: string; date: string; value: number } {
  const combos = ENTITIES.length * METRICS.length;
  const day = Math.floor(i / combos);
  const rest = i % combos;
  const [site, entityId] = ENTITIES[rest % ENTITIES.length]!;
  const metric = METRICS[Math.floor(rest / ENTITIES.length)]!;
  const date = new Date(FIRST_DAY + day * DAY_MS).toISOString().slice(0, 10);
  // Whole numbers: exact through every layer, and valid for the integer metrics too.
  return { site, entityId, metric, metricId: `met_${metric.toLowerCase()}`, date, value: (i * 7919 + (generation - 1) * 104_729) % 100_000 };
}

/** Writes the source file as a stream (200,000 rows never sit in memory as one string). */
export async function writeSourceFile(path: string, rows: number, generation = 1): Promise<void> {
  const out = createWriteStream(path);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write(`${HEADERS.join(',')}\n`);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const r = expectedRow(i, generation);
    chunk += `${r.site},${r.metric},${r.date},${r.value}\n`;
    if (chunk.length > 64 * 1024) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export function mappingProfile(name: string) {
  return {
    schemaVersion: 1,
    name,
    sourceId: 'drop',
    connectionId: 'sandbox',
    shape: { kind: 'long', valueColumn: 'Value' },
    metric: { kind: 'column', column: 'Metric', unknownMetric: 'reject' },
    entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
    period: { kind: 'date', column: 'Date', format: 'YYYY-MM-DD', granularity: 'custom' },
    headerFingerprint: headerFingerprint(HEADERS, { orderInsensitive: true }),
  };
}

// ------------------------------------------------------------------ processes

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The secret of the sandbox's public demo account; not a real credential. */
export const SANDBOX_SECRET = 'sandbox-secret';

/**
 * Environment for every agent/CLI process: the real keychain where one answers (npm test runs
 * under scripts/with-keyring.sh) under a per-test service name, else the opted-in
 * environment-variable secret store holding the sandbox's public demo secret.
 */
export function agentEnv(keychainService: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ESG_SYNC_KEYCHAIN_SERVICE: keychainService,
    ESG_SYNC_ALLOW_ENV_SECRETS: '1',
    ESG_SYNC_SECRET_SANDBOX: SANDBOX_SECRET,
    ...extra,
  };
}

export function cli(dataDir: string, args: string[], opts: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ChildResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`esg-sync ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 60_000} ms: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(opts.stdin ?? '');
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

export async function cliOk(dataDir: string, args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<string> {
  const r = await cli(dataDir, args, opts);
  if (r.code !== 0) throw new Error(`esg-sync ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export interface SandboxProcess {
  url: string;
  dbPath: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `esg-sync sandbox --db FILE` in its own process, like a remote platform. */
export async function startSandboxProcess(opts: { dbPath: string; faults?: string; tokenTtl?: number }): Promise<SandboxProcess> {
  const args = [CLI, '--json', 'sandbox', '--port', '0', '--db', opts.dbPath];
  if (opts.faults) args.push('--faults', opts.faults);
  if (opts.tokenTtl) args.push('--token-ttl', String(opts.tokenTtl));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start in 20 s: ${stderr}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      const info = JSON.parse(line) as { url?: string; error?: string };
      if (info.url) resolve(info.url);
      else reject(new Error(`sandbox did not start: ${info.error ?? line}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    dbPath: opts.dbPath,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Connection, watched folder, mapping and job, all through the CLI before the agent starts. */
export async function setUpIngestJob(opts: { dataDir: string; sandboxUrl: string; dropDir: string; env: Record<string, string>; rejectPolicy?: 'all-or-nothing'; stableMs?: number }): Promise<void> {
  const { dataDir, env } = opts;
  mkdirSync(opts.dropDir, { recursive: true });
  await cliOk(dataDir, ['--json', 'connection', 'add', '--name', 'Sandbox', '--kind', 'esg-api', '--base-url', opts.sandboxUrl, '--client-id', 'sandbox-client', '--client-secret-stdin'], {
    stdin: SANDBOX_SECRET,
    env,
  });
  await cliOk(dataDir, ['--json', 'source', 'add-folder', 'Drop', opts.dropDir, '--stable-ms', String(opts.stableMs ?? 300)], { env });
  const mappingFile = join(dataDir, '..', 'mapping.json');
  writeFileSync(mappingFile, JSON.stringify(mappingProfile('Daily values')));
  await cliOk(dataDir, ['--json', 'mapping', 'import', mappingFile, '--source', 'Drop', '--connection', 'Sandbox'], { env });
  await cliOk(dataDir, ['--json', 'job', 'add', 'Daily values', '--connection', 'Sandbox', '--source', 'Drop', '--mapping', 'Daily values', ...(opts.rejectPolicy ? ['--all-or-nothing'] : [])], { env });
}

// ------------------------------------------------------------------ looking into the databases

export interface LiveSubmission {
  id: string;
  entity_id: string;
  metric_id: string;
  period_start: string;
  period_end: string;
  value_json: string;
}

export function sandboxSubmissions(dbPath: string): LiveSubmission[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, entity_id, metric_id, period_start, period_end, value_json FROM submissions WHERE deleted_at IS NULL').all() as LiveSubmission[];
  } finally {
    db.close();
  }
}

/** Every difference between the platform and the expected rows 0..rows-1 (empty when exact). */
export function compareWithExpected(subs: LiveSubmission[], rows: number, generation = 1): string[] {
  const problems: string[] = [];
  const seen = new Map<string, LiveSubmission>();
  for (const s of subs) {
    const key = `${s.entity_id}|${s.metric_id}|${s.period_start}|${s.period_end}`;
    if (seen.has(key)) problems.push(`duplicate natural key ${key} (ids ${seen.get(key)!.id}, ${s.id})`);
    seen.set(key, s);
  }
  for (let i = 0; i < rows; i++) {
    const r = expectedRow(i, generation);
    const key = `${r.entityId}|${r.metricId}|${r.date}|${r.date}`;
    const s = seen.get(key);
    if (!s) problems.push(`missing row ${i + 2} (${key})`);
    else if (s.value_json !== JSON.stringify(r.value)) problems.push(`row ${i + 2} (${key}) holds ${s.value_json}, expected ${r.value}`);
    seen.delete(key);
  }
  for (const key of seen.keys()) problems.push(`unexpected submission ${key}`);
  return problems.slice(0, 20);
}

export interface StoreView {
  runs: { id: number; trigger: string; status: string; read: number; created: number; updated: number; unchanged: number; rejected: number; requests: number; retries: number; error: string | null; file: string | null }[];
  ledger: { natural_key: string; remote_id: string | null }[];
  pendingOutbox: number;
  staging: number;
  integrity: string;
}

export function agentStore(dataDir: string): StoreView {
  const db = new Database(join(dataDir, 'esg-sync.db'), { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return {
      runs: db.prepare('SELECT id, trigger, status, read, created, updated, unchanged, rejected, requests, retries, error, file FROM runs ORDER BY id').all() as StoreView['runs'],
      ledger: db.prepare('SELECT natural_key, remote_id FROM ledger').all() as StoreView['ledger'],
      pendingOutbox: (db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'").get() as { n: number }).n,
      staging: (db.prepare('SELECT COUNT(*) AS n FROM staging').get() as { n: number }).n,
      integrity: String(db.pragma('integrity_check', { simple: true })),
    };
  } finally {
    db.close();
  }
}

/** The ledger names exactly the platform's live submissions, each once. */
export function compareLedger(ledger: StoreView['ledger'], subs: LiveSubmission[]): string[] {
  const problems: string[] = [];
  const live = new Set(subs.map((s) => s.id));
  const remote = new Set<string>();
  for (const l of ledger) {
    if (!l.remote_id) problems.push(`ledger entry ${l.natural_key} has no remote id`);
    else if (!live.has(l.remote_id)) problems.push(`ledger entry ${l.natural_key} points at ${l.remote_id}, which the platform does not hold`);
    else if (remote.has(l.remote_id)) problems.push(`two ledger entries point at ${l.remote_id}`);
    if (l.remote_id) remote.add(l.remote_id);
  }
  for (const s of subs) if (!remote.has(s.id)) problems.push(`platform submission ${s.id} is missing from the ledger`);
  return problems.slice(0, 20);
}

export function fileIn(dir: string, name: string): boolean {
  return existsSync(join(dir, name));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await sleep(everyMs);
  }
}

/** One call to a running agent's control API, as the UI makes it. */
export async function api<T = unknown>(agent: { url: string; token: string }, method: string, params: unknown = {}): Promise<{ ok: true; result: T } | { ok: false; error: { code: string; message: string } }> {
  const res = await fetch(new URL('/api/call', agent.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ method, params }),
  });
  return (await res.json()) as { ok: true; result: T } | { ok: false; error: { code: string; message: string } };
}

export async function apiOk<T = unknown>(agent: { url: string; token: string }, method: string, params: unknown = {}): Promise<T> {
  const r = await api<T>(agent, method, params);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code}: ${r.error.message}`);
  return r.result;
}
