/**
 * `esg-sync mapping import` checks a profile against the connection's platform (the sandbox's
 * metric library and sites) before it saves it: an unknown metric id, site names and codes where
 * the platform's ids belong, and a unit that cannot become the metric's unit are refused (exit 2)
 * in words, with the id a name or code probably means; `--force` saves with them as warnings. The
 * check is in the engine's `mappings.save`, so the UI's "Import a mapping file…" gets it too.
 * Raw validator text never reaches the person. `esg-sync catalogue` lists the ids to use.
 * In-process CLI, no agent, against the sandbox platform.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../main/engine/engine';
import { KeychainSecretStore } from '../../../main/engine/secrets';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { runCliInProcess } from '../../helpers/cli-in-process';
import { probeKeychain, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';
import { energyCsv, engineOnSandbox } from './helpers';

let sandbox: RunningSandbox;
let root: string;
let dataDir: string;
let keychain: KeychainSecretStore | null = null;
let savedEnv: NodeJS.ProcessEnv;

const cli = (...argv: string[]) => runCliInProcess(['--data-dir', dataDir, ...argv]);

/** The QA report's profile: a metric id not in the library, a unit typo, and site names/codes where ids belong. */
const qaProfile = {
  schemaVersion: 1,
  name: 'Electricity by site',
  sourceId: 'Bills',
  connectionId: 'Sandbox',
  shape: { kind: 'long', valueColumn: 'Electricity (kWh)' },
  metric: { kind: 'fixed', metricId: 'met_electricity' },
  entity: { kind: 'column', column: 'Site code', valueMap: { 'LON-01': 'London Head Office', 'MAN-02': 'MAN-02', 'BER-01': 'ent_ber01' } },
  period: { kind: 'date', column: 'Month', format: 'YYYY-MM' },
  unit: { kind: 'fixed', unit: 'kwh-typo' },
};

/** The same profile with the platform's ids: it fits. */
const goodProfile = {
  ...qaProfile,
  name: 'Electricity fixed',
  metric: { kind: 'fixed', metricId: 'met_elec_cons' },
  entity: { kind: 'column', column: 'Site code', valueMap: { 'LON-01': 'ent_lon01', 'MAN-02': 'ent_man02' } },
  unit: { kind: 'fixed', unit: 'MWh' },
};

function writeProfile(name: string, profile: unknown): string {
  const file = join(root, name);
  writeFileSync(file, JSON.stringify(profile, null, 2));
  return file;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-import-check-'));
  dataDir = join(root, 'data');
  const folder = join(root, 'Bills');
  mkdirSync(folder);
  writeFileSync(join(folder, 'electricity.csv'), energyCsv());
  // The connection and source, made through the engine's API; the CLI then finds the secret where the product looks.
  const { engine, ok } = await engineOnSandbox(root, sandbox.url);
  await ok('sources.addFolder', { name: 'Bills', path: folder });
  await (engine as Engine).stop();
  const probe = await probeKeychain();
  keychain = probe.ok ? new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE }) : null;
  await keychain?.set('sandbox', 'sandbox-secret');
  savedEnv = { ...process.env };
  Object.assign(process.env, keychain ? { ESG_SYNC_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE } : { ESG_SYNC_ALLOW_ENV_SECRETS: '1', ESG_SYNC_SECRET_SANDBOX: 'sandbox-secret' });
});

afterAll(async () => {
  process.env = savedEnv;
  await keychain?.delete('sandbox').catch(() => undefined);
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

describe('esg-sync mapping import checks the profile against the platform', () => {
  it('refuses unknown metric and site ids and an unknown unit, in words, naming the ids a name or code probably means', async () => {
    const r = await cli('mapping', 'import', writeProfile('qa.json', qaProfile));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const said = r.stderr;
    expect(said).toContain('The mapping "Electricity by site" does not fit the platform of the connection "Sandbox" (4 problems)');
    expect(said).toContain('The metric "met_electricity" (metric.metricId) is not a metric id in the metric library of "Sandbox".');
    expect(said).toContain('met_elec_cons (Electricity consumption, kWh)');
    expect(said).toContain('`esg-sync catalogue --connection Sandbox --metrics`');
    expect(said).toContain('maps "MAN-02" to "MAN-02", which is not a site id on "Sandbox"');
    expect(said).toContain('It is the code of ent_man02 (Manchester Plant, code MAN-02), so it probably means ent_man02');
    expect(said).toContain('maps "LON-01" to "London Head Office", which is not a site id');
    expect(said).toContain('It is the name of ent_lon01 (London Head Office, code LON-01), so it probably means ent_lon01');
    expect(said).toContain('The fixed unit "kwh-typo" (unit.unit) is not a unit this app can convert');
    // The site that is an id is not named as a problem.
    expect(said).not.toContain('ent_ber01"');
    expect(said).toContain('Nothing was saved.');
    expect(said).toContain('--force');
    const list = JSON.parse((await cli('--json', 'mapping', 'list')).stdout) as unknown[];
    expect(list).toEqual([]);
  });

  it('refuses a unit that cannot become the metric\'s unit, and one that needs a calorific value', async () => {
    const waste = await cli('mapping', 'import', writeProfile('waste.json', { ...goodProfile, name: 'Waste', metric: { kind: 'fixed', metricId: 'met_waste_total' }, unit: { kind: 'fixed', unit: 'kWh' } }));
    expect(waste.code).toBe(2);
    expect(waste.stderr).toContain('The fixed unit "kWh" (unit.unit) cannot be converted to t, the unit of met_waste_total (Total waste generated, t): kWh is energy and t is mass.');

    const gas = await cli('mapping', 'import', writeProfile('gas.json', { ...goodProfile, name: 'Gas', metric: { kind: 'fixed', metricId: 'met_ngas_kwh' }, unit: { kind: 'fixed', unit: 'm3' } }));
    expect(gas.code).toBe(2);
    expect(gas.stderr).toContain('converting needs the gas\'s calorific value. Add "transforms": { "calorificValueMJPerM3": … }');
    // With the calorific value it fits.
    const withCv = await cli('mapping', 'import', writeProfile('gas-cv.json', { ...goodProfile, name: 'Gas', metric: { kind: 'fixed', metricId: 'met_ngas_kwh' }, unit: { kind: 'fixed', unit: 'm3' }, transforms: { calorificValueMJPerM3: 39.5 } }));
    expect(withCv.stderr).toBe('');
    expect(withCv.code).toBe(0);
  });

  it('says a validator problem in words, never as a raw zod path and message', async () => {
    const r = await cli('mapping', 'import', writeProfile('cv.json', { ...goodProfile, name: 'Bad CV', transforms: { calorificValueMJPerM3: 0 }, period: { kind: 'date', column: 'Month', format: 'YYYY/MM' } }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('The calorific value must be a positive number (MJ per m³)');
    expect(r.stderr).toContain('The date format (period.format) must be one of "YYYY-MM-DD"');
    expect(r.stderr).not.toMatch(/Too small|expected number to be|Invalid option|Invalid input/);
  });

  it('saves a profile that fits, and with --force saves a misfit with its problems as warnings', async () => {
    const good = await cli('mapping', 'import', writeProfile('good.json', goodProfile));
    expect(good.stderr).toBe('');
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^Mapping "Electricity fixed" \(id electricity-fixed\) saved as version 1\.\n$/);

    const forced = await cli('--json', 'mapping', 'import', writeProfile('qa.json', qaProfile), '--force');
    expect(forced.code).toBe(0);
    const info = JSON.parse(forced.stdout) as { name: string; version: number; warnings: string[] };
    expect(info).toMatchObject({ name: 'Electricity by site', version: 1 });
    expect(info.warnings).toHaveLength(4);
    expect(info.warnings.join('\n')).toContain('probably means ent_man02');
    expect(forced.stderr).toContain('Warning: The metric "met_electricity" (metric.metricId) is not a metric id');
  });
});

describe('the check is in the engine (mappings.save), as the UI import calls it', () => {
  it('refuses through the API with the same words, and saves with a warning when the platform cannot be asked', async () => {
    const { engine, call, ok } = await engineOnSandbox(mkdtempSync(join(tmpdir(), 'esg-import-check-api-')), sandbox.url);
    try {
      const folder = join(engine.dataDir, 'drop');
      mkdirSync(folder);
      await ok('sources.addFolder', { name: 'Bills', path: folder });
      // What "Import a mapping file…" sends: the profile as the file has it.
      const refused = await call('mappings.save', { profile: { ...qaProfile, sourceId: 'bills', connectionId: 'sandbox' } });
      expect(refused.ok).toBe(false);
      expect(refused.error).toMatchObject({ code: 'conflict' });
      expect(refused.error!.message).toContain('it probably means ent_man02');

      // A platform that does not answer: saved, said to be unchecked.
      const at = new Date().toISOString();
      engine.store.connections.insert({ id: 'gone', name: 'Gone', kind: 'esg-api', baseUrl: 'http://127.0.0.1:9', authUrl: null, clientId: 'c', scopes: [], sandbox: false, createdAt: at, lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
      const unchecked = await ok<{ version: number; warnings?: string[] }>('mappings.save', { profile: { ...qaProfile, name: 'Offline', sourceId: 'bills', connectionId: 'gone' } });
      expect(unchecked.version).toBe(1);
      expect(unchecked.warnings?.[0]).toMatch(/^The mapping was not checked against the platform of "Gone"/);
    } finally {
      await engine.stop();
      rmSync(join(engine.dataDir, '..'), { recursive: true, force: true });
    }
  });
});

describe('esg-sync catalogue', () => {
  it("lists the platform's metric and site ids with names, codes and units, filtered by --search, and as JSON", async () => {
    const all = await cli('catalogue', '--connection', 'Sandbox');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^Metrics of "Sandbox": 22 of 22\nID\s+CODE\s+NAME\s+UNIT\s+TYPE\s+WRITABLE\n/);
    expect(all.stdout).toMatch(/met_elec_cons\s+ELEC_CONS\s+Electricity consumption\s+kWh\s+number\s+yes/);
    expect(all.stdout).toMatch(/Sites of "Sandbox": 7 of 7\nID\s+CODE\s+NAME\s+TYPE\n/);
    expect(all.stdout).toMatch(/ent_man02\s+MAN-02\s+Manchester Plant\s+facility/);

    const sites = await cli('catalogue', '--connection', 'Sandbox', '--sites', '--search', 'manchester');
    expect(sites.stdout).toBe('Sites of "Sandbox" matching "manchester": 1 of 7\nID         CODE    NAME              TYPE\nent_man02  MAN-02  Manchester Plant  facility\n');

    const json = JSON.parse((await cli('--json', 'catalogue', '--connection', 'sandbox', '--metrics', '--search', 'diesel')).stdout) as { connection: { name: string }; metrics: { id: string; unit: string }[]; entities?: unknown };
    expect(json.connection.name).toBe('Sandbox');
    expect(json.metrics).toEqual([expect.objectContaining({ id: 'met_fuel_diesel', unit: 'L' })]);
    expect(json.entities).toBeUndefined();

    const unknown = await cli('catalogue', '--connection', 'Nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Nope/);
  });
});
