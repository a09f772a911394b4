import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import { Engine } from '../../../main/engine/engine';
import { SyncService } from '../../../main/engine/sync/service';
import { createEngineApi } from '../../../main/engine/api';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import type { RunSummary } from '../../../shared/api';
import { memorySecretStore } from '../../helpers/memory-secrets';

let dir: string;
let sandbox: RunningSandbox;
let engine: Engine;

const profile = (sourceId: string, connectionId: string): MappingProfileInput => ({
  schemaVersion: 1,
  name: 'Site electricity',
  sourceId,
  connectionId,
  shape: { kind: 'long', valueColumn: 'Electricity kWh' },
  metric: { kind: 'fixed', metricId: 'met_elec_cons' },
  entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
  period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
  headerFingerprint: headerFingerprint(['Site', 'Month', 'Electricity kWh'], { orderInsensitive: true }),
});

function csv(rows: [string, string, string][]): string {
  return ['Site,Month,Electricity kWh', ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

const months = ['2024-01', '2024-02', '2024-03', '2024-04', '2024-05'];
const sites = ['LON-01', 'MAN-02', 'BER-01', 'LYO-01'];
const baseRows = sites.flatMap((s, i) => months.map((m, j) => [s, m, String(1000 + i * 100 + j)] as [string, string, string]));

async function waitForRun(predicate: (r: RunSummary) => boolean, timeoutMs = 20_000): Promise<RunSummary> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching run finished in time')), timeoutMs);
    const off = engine.events.subscribe((event, payload) => {
      if (event === 'run.finished' && predicate(payload as RunSummary)) {
        clearTimeout(timer);
        off();
        resolve(payload as RunSummary);
      }
    });
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-sync-'));
  sandbox = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(dir, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
});

afterEach(async () => {
  await engine.stop();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The sandbox connection and a folder source 'src1' (watched once engine.sync starts). */
async function billsFolder() {
  const call = createDispatcher(createEngineApi(engine));
  await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  const watched = join(dir, 'drop');
  mkdirSync(watched);
  engine.store.sources.insert({ id: 'src1', name: 'Bills', kind: 'folder', config: { path: watched, stableMs: 300 }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: 'now' });
  return { call, connectionId, watched };
}

describe('folder drop → mapped → sent → processed, with an exact history', () => {
  it('syncs a dropped file, then turns a corrected file into exact updates and deletes', async () => {
    const call = createDispatcher(createEngineApi(engine));
    const conn = await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
    expect(conn.ok).toBe(true);
    const connectionId = engine.store.connections.get('Sandbox')!.id;
    const watched = join(dir, 'drop');
    mkdirSync(watched);
    engine.store.sources.insert({ id: 'src1', name: 'Utility bills', kind: 'folder', config: { path: watched, include: ['*.csv'], stableMs: 300 }, paused: false, sandbox: true, status: 'idle', statusMessage: null, createdAt: new Date().toISOString() });
    engine.store.mappings.save({ id: 'map1', name: 'Site electricity', sourceId: 'src1', connectionId, fingerprint: null, profile: profile('src1', connectionId) }, new Date().toISOString());
    const added = await call('jobs.add', { name: 'Electricity to platform', type: 'ingest', connectionId, sourceId: 'src1', mappingId: 'map1', config: { ingest: { mirror: true } } });
    expect(added.ok).toBe(true);

    engine.sync = new SyncService(engine);
    await engine.sync.start();

    // 1. First drop: 20 values created.
    const first = waitForRun((r) => r.trigger === 'file');
    writeFileSync(join(watched, 'bills-2024.csv'), csv(baseRows));
    const run1 = await first;
    expect(run1.error).toBeNull();
    expect(run1.status).toBe("succeeded");
    expect({ read: run1.read, created: run1.created, updated: run1.updated, deleted: run1.deleted, unchanged: run1.unchanged, rejected: run1.rejected }).toEqual({
      read: 20, created: 20, updated: 0, deleted: 0, unchanged: 0, rejected: 0,
    });
    expect(await sandbox.countSubmissions()).toBe(20);
    expect(existsSync(join(watched, 'processed', 'bills-2024.csv'))).toBe(true);
    expect(existsSync(join(watched, 'bills-2024.csv'))).toBe(false);
    expect(run1.serviceAccount).toBe('sandbox-client');
    expect(run1.requests).toBeGreaterThan(0);

    // 2. Corrected file: 3 values changed, 1 row removed (mirror on) → 3 updates, 1 delete, 16 unchanged.
    const corrected = baseRows.map((r) => [...r] as [string, string, string]);
    corrected[0]![2] = '9999';
    corrected[5]![2] = '8888';
    corrected[10]![2] = '7777';
    corrected.splice(19, 1);
    const second = waitForRun((r) => r.trigger === 'file' && r.id !== run1.id);
    writeFileSync(join(watched, 'bills-2024-corrected.csv'), csv(corrected));
    const run2 = await second;
    expect({ read: run2.read, created: run2.created, updated: run2.updated, deleted: run2.deleted, unchanged: run2.unchanged, rejected: run2.rejected }).toEqual({
      read: 19, created: 0, updated: 3, deleted: 1, unchanged: 16, rejected: 0,
    });
    expect(await sandbox.countSubmissions()).toBe(19);
    const values = (await sandbox.listSubmissions()).map((s) => Number(s.value)).sort((a, b) => b - a);
    expect(values.slice(0, 3)).toEqual([9999, 8888, 7777]);

    // 3. The same content again is a duplicate: no run, nothing sent.
    writeFileSync(join(watched, 'copy-of-bills.csv'), csv(corrected));
    await new Promise((r) => setTimeout(r, 1500));
    expect(engine.store.runs.list({ limit: 10 })).toHaveLength(2);

    // 4. A mirror file that lost most rows would delete most of the platform's values: it stops and asks.
    const partial = waitForRun((r) => r.trigger === 'file' && r.id > run2.id);
    writeFileSync(join(watched, 'bills-june.csv'), csv([['LON-01', '2024-06', '1200']]));
    const run3 = await partial;
    expect(run3.status).toBe('needs_attention');
    expect(run3.error).toMatch(/would delete 19 of the 19 values/);
    expect(await sandbox.countSubmissions()).toBe(19);
    expect(existsSync(join(watched, 'bills-june.csv'))).toBe(true);
  });

  it('rejected rows are reported by line and the valid rows go on', async () => {
    const { call, connectionId, watched } = await billsFolder();
    engine.store.mappings.save({ id: 'map1', name: 'Elec', sourceId: 'src1', connectionId, fingerprint: null, profile: profile('src1', connectionId) }, 'now');
    await call('jobs.add', { name: 'Elec', type: 'ingest', connectionId, sourceId: 'src1', mappingId: 'map1', config: {} });
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    const done = waitForRun(() => true);
    // Line 2's negative value passes the agent's checks and is refused by the platform, after
    // the read errors (lines 4, 5) and the duplicates (6, 7) were found.
    writeFileSync(
      join(watched, 'june.csv'),
      csv([['LYO-01', '2024-06', '-3'], ['LON-01', '2024-06', '1200'], ['XXX-99', '2024-06', '5'], ['MAN-02', '2024-06', 'lots'], ['BER-01', '2024-06', '7'], ['BER-01', '2024-06', '8'], ['MAN-02', '2024-07', 'n/a']]),
    );
    const run = await done;
    expect(run.status).toBe('succeeded_with_rejections');
    expect(run.created).toBe(1);
    expect(run.rejected).toBe(5);
    // History lists them by line, as the file has them, not in the order they were found.
    const errors = engine.store.runs.errors(run.id, 0, 10);
    expect(errors.map((e) => e.line)).toEqual([2, 4, 5, 6, 7]);
    expect(errors[0]).toMatchObject({ column: 'Electricity kWh', value: '-3' });
    expect(errors[0]!.reason).toMatch(/The platform rejected this value: .*negative/);
    expect(errors[1]!.reason).toMatch(/XXX-99/);
    expect(errors[3]!.reason).toMatch(/line 7/);
    expect(await sandbox.countSubmissions()).toBe(1);
    // The 'n/a' on line 8 is neither sent nor rejected, and the run says so.
    expect(engine.store.runs.events(run.id).map((e) => e.message)).toContain(
      "1 value cell was empty (or a placeholder such as 'n/a' or '-') and was skipped, as the mapping says: neither sent nor rejected.",
    );
    expect(existsSync(join(watched, 'processed', 'june.csv'))).toBe(true);
  });

  it('an all-or-nothing job says how many rows (not only values) it rejected, and sends nothing', async () => {
    const { call, connectionId, watched } = await billsFolder();
    const wide: MappingProfileInput = {
      ...profile('src1', connectionId),
      shape: { kind: 'wide', valueColumns: [{ column: 'Electricity kWh', metricId: 'met_elec_cons', unit: 'kWh' }, { column: 'Gas kWh', metricId: 'met_ngas_kwh', unit: 'kWh' }] },
      metric: undefined,
      headerFingerprint: headerFingerprint(['Site', 'Month', 'Electricity kWh', 'Gas kWh'], { orderInsensitive: true }),
    };
    engine.store.mappings.save({ id: 'map1', name: 'Energy', sourceId: 'src1', connectionId, fingerprint: null, profile: wide }, 'now');
    await call('jobs.add', { name: 'Energy', type: 'ingest', connectionId, sourceId: 'src1', mappingId: 'map1', config: { ingest: { rejectPolicy: 'all-or-nothing' } } });
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    const done = waitForRun(() => true);
    // Line 3: a bad month rejects both of its values (one row). Lines 4 and 5: the same site and
    // month twice, both value columns each (four values, two rows). Line 6: one bad value of two.
    writeFileSync(
      join(watched, 'energy.csv'),
      ['Site,Month,Electricity kWh,Gas kWh', 'LON-01,2024-06,1,2', 'MAN-02,June,3,4', 'BER-01,2024-06,5,6', 'BER-01,2024-06,7,8', 'LYO-01,2024-06,lots,9', ''].join('\n'),
    );
    const run = await done;
    expect(run.status).toBe('failed');
    expect(run.rejected).toBe(7);
    expect(run.error).toMatch(/^7 values in 4 rows were rejected and this job sends nothing from a file with rejected rows\./);
    expect(await sandbox.countSubmissions()).toBe(0);
  });

  it('adds up rows of one metric, site and period when the mapping says so; a re-read total is unchanged, a changed part updates it', async () => {
    const { call, connectionId, watched } = await billsFolder();
    // A fuel card export: several fill-ups a site and month, reported by month and added up.
    const fuel: MappingProfileInput = {
      schemaVersion: 1,
      name: 'Fuel cards',
      sourceId: 'src1',
      connectionId,
      shape: { kind: 'long', valueColumn: 'Litres' },
      metric: { kind: 'column', column: 'Product', valueMap: { Diesel: 'met_fuel_diesel', 'Green share': 'met_renew_share' }, unknownMetric: 'reject' },
      entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
      period: { kind: 'date', column: 'Date', format: 'YYYY-MM-DD', granularity: 'month' },
      unit: { kind: 'metric' },
      comment: { column: 'Card' },
      sameKeyRows: 'add',
      headerFingerprint: headerFingerprint(['Site', 'Date', 'Product', 'Litres', 'Card'], { orderInsensitive: true }),
    };
    engine.store.mappings.save({ id: 'map1', name: 'Fuel cards', sourceId: 'src1', connectionId, fingerprint: null, profile: fuel }, 'now');
    await call('jobs.add', { name: 'Fuel', type: 'ingest', connectionId, sourceId: 'src1', mappingId: 'map1', config: {} });
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    const file = (rows: string[]) => ['Site,Date,Product,Litres,Card', ...rows, ''].join('\n');
    const fillUps = ['LON-01,2024-03-04,Diesel,41.07,1234', 'LON-01,2024-03-04,Diesel,38.9,1234', 'LON-01,2024-03-19,Diesel,12.03,9876', 'MAN-02,2024-03-02,Diesel,50,5555'];

    const first = waitForRun(() => true);
    writeFileSync(join(watched, 'march.csv'), file([...fillUps, 'BER-01,2024-03-01,Green share,40,x', 'BER-01,2024-03-20,Green share,60,x']));
    const run1 = await first;
    expect({ status: run1.status, read: run1.read, created: run1.created, rejected: run1.rejected }).toEqual({ status: 'succeeded_with_rejections', read: 6, created: 2, rejected: 2 });
    const sent = (await sandbox.listSubmissions()).map((x) => [x.entityId, Number(x.value), x.comment]).sort();
    expect(sent).toEqual([
      ['ent_lon01', 92, '1234; 9876'],
      ['ent_man02', 50, '5555'],
    ]);
    expect(engine.store.runs.events(run1.id).map((e) => e.message)).toContain('3 rows were added up into 1 value: they share a metric, site and period, and the mapping adds such rows up.');
    const errors = engine.store.runs.errors(run1.id, 0, 10);
    expect(errors.map((e) => e.line)).toEqual([6, 7]);
    // Each line's own value, so a person can tell which to keep.
    expect(errors.map((e) => e.value)).toEqual(['40', '60']);
    expect(errors[0]!.reason).toMatch(/also appears on line 7\. The mapping adds such rows up, but 'Renewable electricity share' is a percentage, which cannot be added up\. None was sent\./);

    // The same fill-ups in another order: the totals are the ledger's, nothing is sent.
    const again = waitForRun((r) => r.id !== run1.id);
    writeFileSync(join(watched, 'march-again.csv'), file([...fillUps].reverse()));
    const run2 = await again;
    expect({ created: run2.created, updated: run2.updated, unchanged: run2.unchanged }).toEqual({ created: 0, updated: 0, unchanged: 2 });

    // One fill-up corrected: the site's total is updated.
    const corrected = waitForRun((r) => r.id !== run1.id && r.id !== run2.id);
    writeFileSync(join(watched, 'march-corrected.csv'), file([fillUps[0]!, 'LON-01,2024-03-04,Diesel,40,1234', fillUps[2]!, fillUps[3]!]));
    const run3 = await corrected;
    expect({ created: run3.created, updated: run3.updated, unchanged: run3.unchanged }).toEqual({ created: 0, updated: 1, unchanged: 1 });
    expect((await sandbox.listSubmissions()).find((x) => x.entityId === 'ent_lon01')!.value).toBe(93.1);
  });

  it('a file whose columns changed is held as "needs attention" and nothing is sent', async () => {
    const { call, connectionId, watched } = await billsFolder();
    engine.store.mappings.save({ id: 'map1', name: 'Elec', sourceId: 'src1', connectionId, fingerprint: null, profile: profile('src1', connectionId) }, 'now');
    await call('jobs.add', { name: 'Elec', type: 'ingest', connectionId, sourceId: 'src1', mappingId: 'map1', config: {} });
    engine.sync = new SyncService(engine);
    await engine.sync.start();
    const done = waitForRun(() => true);
    writeFileSync(join(watched, 'renamed.csv'), 'Site,Period,Electricity kWh\nLON-01,2024-01,5\n');
    const run = await done;
    expect(run.status).toBe('needs_attention');
    expect(run.error).toMatch(/Month/);
    expect(await sandbox.countSubmissions()).toBe(0);
    expect(existsSync(join(watched, 'renamed.csv'))).toBe(true);
    expect(readdirSync(watched)).not.toContain('failed');
    void readFileSync;
  });
});
