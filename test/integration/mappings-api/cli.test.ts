/**
 * `esg-sync source …` and `esg-sync mapping …` as a person runs them: the built CLI
 * (`npm run build:main` first) in a child process, against the in-process sandbox. The
 * connection's secret is in the real keychain where one answers, else in the opted-in
 * environment-variable store — both are ways the product really reads it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../main/engine/engine';
import { ConnectionService } from '../../../main/engine/connections';
import { KeychainSecretStore, type SecretStore } from '../../../main/engine/secrets';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { CLI } from '../../helpers/agent-process';
import { probeKeychain, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';
import { MemorySecrets, energyCsv } from './helpers';

let sandbox: RunningSandbox;
let root: string;
let dataDir: string;
let folder: string;
let env: NodeJS.ProcessEnv;
let keychain: KeychainSecretStore | null = null;

/** Asynchronous on purpose: the sandbox answers from this process, so a blocking spawn would deadlock. */
function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-map-cli-'));
  dataDir = join(root, 'data');
  folder = join(root, 'bills');
  mkdirSync(folder);
  writeFileSync(join(folder, 'electricity.csv'), energyCsv());

  const probe = await probeKeychain();
  let secrets: SecretStore;
  env = { ...process.env };
  if (probe.ok) {
    keychain = new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE });
    secrets = keychain;
    env.ESG_SYNC_KEYCHAIN_SERVICE = TEST_KEYCHAIN_SERVICE;
  } else {
    secrets = new MemorySecrets();
    env.ESG_SYNC_ALLOW_ENV_SECRETS = '1';
    env.ESG_SYNC_SECRET_SANDBOX = 'sandbox-secret';
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
});

afterAll(async () => {
  await keychain?.delete('sandbox').catch(() => undefined);
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

describe('esg-sync source and mapping commands', async () => {
  it('adds, lists and previews a folder source, and refuses a missing folder', async () => {
    const added = await json<{ id: string; kind: string }>(['source', 'add-folder', 'Bills', folder, '--include', '*.csv;*.xlsx', '--polling']);
    expect(added).toMatchObject({ id: 'bills', kind: 'folder' });
    const list = await json<{ name: string }[]>(['source', 'list']);
    expect(list.map((s) => s.name)).toEqual(['Bills']);
    const human = await run(['source', 'list']);
    expect(human.stdout).toMatch(/NAME/);
    expect(human.stdout).toContain(folder);

    const preview = await json<{ columns: string[]; rows: Record<string, unknown>[] }>(['source', 'preview', 'Bills', '--limit', '2']);
    expect(preview.columns).toEqual(['Site code', 'Month', 'Electricity (kWh)']);
    expect(preview.rows).toEqual([
      { 'Site code': 'LON-01', Month: '2024-01', 'Electricity (kWh)': '12500' },
      { 'Site code': 'LON-01', Month: '2024-02', 'Electricity (kWh)': '12510' },
    ]);
    expect((await run(['source', 'test', 'Bills'])).stdout).toMatch(/^OK: .*1 file matches/);

    const missing = await run(['source', 'add-folder', 'Gone', join(root, 'not-there')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
  });

  it('suggests a mapping (table or --json draft), imports it, exports it and imports version 2', async () => {
    const human = await run(['mapping', 'suggest', '--source', 'Bills', '--connection', 'Sandbox']);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/CONFIDENCE/);
    expect(human.stdout).toMatch(/Electricity \(kWh\)\s+value\s+met_elec_cons\s+kWh\s+\d+%/);
    expect(human.stdout).toMatch(/LON-01 → ent_lon01/);

    const draft = await json<Record<string, unknown>>(['mapping', 'suggest', '--source', 'Bills', '--connection', 'Sandbox', '--sample', join(folder, 'electricity.csv')]);
    expect(draft).toMatchObject({ schemaVersion: 1, sourceId: 'bills', connectionId: 'sandbox', metric: { kind: 'fixed', metricId: 'met_elec_cons' } });

    const draftFile = join(root, 'draft.json');
    writeFileSync(draftFile, JSON.stringify({ ...draft, name: 'Bills kWh', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } }, null, 2));
    const v1 = await json<{ id: string; version: number }>(['mapping', 'import', draftFile]);
    expect(v1).toMatchObject({ id: 'bills-kwh', version: 1 });

    const out = join(root, 'export.json');
    const exported = await run(['mapping', 'export', 'Bills kWh', '--out', out]);
    expect(exported.status, exported.stderr).toBe(0);
    const profile = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown> & { entity: Record<string, unknown> };
    expect(profile).toMatchObject({ id: 'bills-kwh', version: 1, name: 'Bills kWh', sourceId: 'bills', connectionId: 'sandbox' });
    expect(readFileSync(out, 'utf8')).not.toContain('sandbox-secret');
    const stdout = await run(['mapping', 'export', 'bills-kwh']);
    expect(JSON.parse(stdout.stdout)).toEqual(profile);

    writeFileSync(out, JSON.stringify({ ...profile, entity: { ...profile.entity, unknownEntity: 'skip' } }));
    const v2 = await json<{ id: string; version: number }>(['mapping', 'import', out]);
    expect(v2).toMatchObject({ id: 'bills-kwh', version: 2 });
    expect((await json<{ name: string; version: number }[]>(['mapping', 'list'])).map((m) => [m.name, m.version])).toEqual([['Bills kWh', 2]]);

    // The same file under another name is a new mapping, not a third version.
    const copy = await json<{ id: string; version: number }>(['mapping', 'import', out, '--name', 'Bills copy']);
    expect(copy).toMatchObject({ id: 'bills-copy', version: 1 });

    // A fresh draft (no id, its own name) is refused under a taken name, with the way to update...
    const taken = await run(['mapping', 'import', draftFile]);
    expect(taken.status).toBe(2);
    expect(taken.stderr).toContain('A mapping called "Bills kWh" already exists. Choose another name, or save this as its next version: Edit on the Mappings page, or `esg-sync mapping import FILE --update "Bills kWh"`.');
    // ...and with --update it is that mapping's next version, under its name.
    const v3 = await json<{ id: string; name: string; version: number }>(['mapping', 'import', draftFile, '--update', 'Bills kWh']);
    expect(v3).toMatchObject({ id: 'bills-kwh', name: 'Bills kWh', version: 3 });
    expect((await run(['mapping', 'import', draftFile, '--update', 'Nope'])).stderr).toMatch(/Nope/);
  });

  it('suggests from a sample outside the folder, with the header row and sheet given on the command line', async () => {
    const outside = join(root, 'downloads');
    mkdirSync(outside, { recursive: true });
    const titled = join(outside, 'report.csv');
    writeFileSync(titled, ['Energy report', 'Exported 2024-07-01', 'Site code,Month,Electricity (kWh)', 'LON-01,2024-01,100', ''].join('\n'));
    const draft = await json<Record<string, unknown>>(['mapping', 'suggest', '--source', 'Bills', '--connection', 'Sandbox', '--sample', titled, '--header-row', '3']);
    expect(draft).toMatchObject({ read: { headerRow: 3 }, shape: { kind: 'long', valueColumn: 'Electricity (kWh)' } });
    const human = await run(['mapping', 'suggest', '--source', 'Bills', '--connection', 'Sandbox', '--sample', titled, '--header-row', '2']);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Sample: .*samples.*report\.csv/);
    expect(human.stdout).toMatch(/Header row: 2\n/);
    const bad = await run(['mapping', 'suggest', '--source', 'Bills', '--connection', 'Sandbox', '--header-row', 'two']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--header-row takes a row number/);
    const notTable = join(outside, 'tool.sh');
    writeFileSync(notTable, '#!/bin/sh\n');
    const refused = await run(['mapping', 'suggest', '--source', 'Bills', '--connection', 'Sandbox', '--sample', notTable]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/not a file the wizard can read/);
  });

  it('explains what is wrong with a file it cannot import', async () => {
    const bad = join(root, 'bad.json');
    writeFileSync(bad, '{ "schemaVersion": 1, "name": "x"');
    let r = await run(['mapping', 'import', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON/);

    writeFileSync(bad, JSON.stringify({ schemaVersion: 1, name: 'x', sourceId: 'bills', connectionId: 'sandbox', shape: { kind: 'long' }, entity: { kind: 'column', column: 'Site code' } }));
    r = await run(['mapping', 'import', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not valid/);
    expect(r.stderr).toMatch(/shape\.valueColumn/);
    
    writeFileSync(bad, JSON.stringify({ schemaVersion: 9 }));
    expect((await run(['mapping', 'import', bad])).stderr).toMatch(/newer version/);
    expect((await run(['mapping', 'import', join(root, 'nope.json')])).stderr).toMatch(/no such file/);
    expect((await run(['mapping', 'export', 'nope'])).stderr).toMatch(/no mapping called "nope"/);
  });

  it('adds a password-less SQLite source, tests, previews and removes it', async () => {
    const file = join(root, 'erp.sqlite');
    const db = new Database(file);
    db.exec("CREATE TABLE meters (site TEXT, kwh REAL); INSERT INTO meters VALUES ('LON-01', 10.5), ('MAN-02', 20)");
    db.close();
    const added = await json<{ id: string; kind: string }>(['source', 'add-database', 'Meters', '--kind', 'sqlite', '--file', file, '--table', 'meters']);
    expect(added).toMatchObject({ id: 'meters', kind: 'database' });
    expect((await run(['source', 'test', 'Meters'])).status).toBe(0);
    const preview = await json<{ rows: Record<string, unknown>[] }>(['source', 'preview', 'Meters']);
    expect(preview.rows).toEqual([
      { site: 'LON-01', kwh: 10.5 },
      { site: 'MAN-02', kwh: 20 },
    ]);
    const refused = await run(['source', 'add-database', 'Bad', '--kind', 'sqlite', '--file', file, '--table', 'nope']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/nope/);
    expect(await json<{ removed: string }>(['source', 'remove', 'Meters'])).toMatchObject({ removed: 'Meters' });
    expect((await json<{ name: string }[]>(['source', 'list'])).map((s) => s.name)).toEqual(['Bills']);
  });
});
