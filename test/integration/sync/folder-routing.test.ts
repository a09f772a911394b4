/**
 * Two jobs on one watched folder, each with its own mapping: a file goes to the job whose mapping
 * fits its columns. When that job is paused, the file waits for it (it is not handed to the other
 * job, which would report "columns changed" against its own mapping), and resuming the job takes it.
 * A workbook whose sheets two mappings read goes to both jobs, one after the other, and is moved
 * only after the last.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import type { RunSummary } from '../../../shared/api';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { SyncService } from '../../../main/engine/sync/service';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { memorySecretStore } from '../../helpers/memory-secrets';

let root: string;
let sandbox: RunningSandbox;
let engine: Engine;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-routing-'));
  sandbox = await startSandbox({ port: 0 });
  engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
});
afterEach(async () => {
  await engine.stop();
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

function runs(): RunSummary[] {
  return engine.store.runs.list({ limit: 50 });
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The engine's API, the sandbox connection, and a folder source 'src' (watched once engine.sync starts). */
async function dropFolder() {
  const dispatch = createDispatcher(createEngineApi(engine));
  const call = async <T,>(method: string, params: Record<string, unknown>): Promise<T> => {
    const r = await dispatch(method as never, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.result as T;
  };
  await call('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
  const connectionId = engine.store.connections.get('Sandbox')!.id;
  const folder = join(root, 'drop');
  mkdirSync(folder);
  engine.store.sources.insert({ id: 'src', name: 'Drop', kind: 'folder', config: { path: folder, stableMs: 200 }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: 'now' });
  return { call, connectionId, folder };
}

it("a paused job's file waits for it instead of going to the other job of the folder, and is taken on resume", async () => {
  const { call, connectionId, folder } = await dropFolder();
  const mapping = (id: string, headers: string[], site: string, month: string, value: string): void => {
    const profile: MappingProfileInput = {
      schemaVersion: 1,
      name: id,
      sourceId: 'src',
      connectionId,
      shape: { kind: 'long', valueColumn: value },
      metric: { kind: 'fixed', metricId: 'met_elec_cons' },
      entity: { kind: 'column', column: site, unknownEntity: 'reject' },
      period: { kind: 'date', column: month, format: 'YYYY-MM', granularity: 'month' },
      headerFingerprint: headerFingerprint(headers, { orderInsensitive: true }),
    };
    engine.store.mappings.save({ id, name: id, sourceId: 'src', connectionId, fingerprint: null, profile }, 'now');
  };
  mapping('english', ['Site', 'Month', 'kWh'], 'Site', 'Month', 'kWh');
  mapping('german', ['Standort', 'Monat', 'Strom'], 'Standort', 'Monat', 'Strom');
  const english = await call<{ id: string }>('jobs.add', { name: 'English bills', type: 'ingest', connectionId, sourceId: 'src', mappingId: 'english', config: {} });
  const german = await call<{ id: string }>('jobs.add', { name: 'German bills', type: 'ingest', connectionId, sourceId: 'src', mappingId: 'german', config: {} });
  engine.sync = new SyncService(engine);
  await engine.sync.start();

  // Each file goes to its own job.
  writeFileSync(join(folder, 'june.csv'), 'Site,Month,kWh\nLON-01,2024-06,10\n');
  writeFileSync(join(folder, 'juni.csv'), 'Standort,Monat,Strom\nBER-01,2024-06,20\n');
  await until('two runs', () => runs().filter((r) => r.finishedAt).length === 2);
  expect(runs().map((r) => [r.jobName, r.status]).sort()).toEqual([
    ['English bills', 'succeeded'],
    ['German bills', 'succeeded'],
  ]);

  // The English job is paused: its next file waits, the German job does not take it.
  await call('jobs.pause', { jobId: english.id });
  writeFileSync(join(folder, 'july.csv'), 'Site,Month,kWh\nLON-01,2024-07,11\n');
  await new Promise((r) => setTimeout(r, 1500));
  expect(runs()).toHaveLength(2);
  expect(existsSync(join(folder, 'july.csv'))).toBe(true);

  // Resumed, the English job takes it.
  await call('jobs.resume', { jobId: english.id });
  await until('the waiting file taken on resume', () => runs().filter((r) => r.finishedAt).length === 3);
  const third = runs()[0]!;
  expect({ job: third.jobName, status: third.status, created: third.created, file: third.file }).toEqual({ job: 'English bills', status: 'succeeded', created: 1, file: join(folder, 'july.csv') });
  expect(existsSync(join(folder, 'processed', 'july.csv'))).toBe(true);
  expect(runs().filter((r) => r.jobId === german.id)).toHaveLength(1);
});

it('a workbook whose two sheets two jobs map is taken by both, and moved after the second', async () => {
  const { call, connectionId, folder } = await dropFolder();
  const sheetMapping = (id: string, sheet: string, value: string, metricId: string): void => {
    const profile: MappingProfileInput = {
      schemaVersion: 1,
      name: id,
      sourceId: 'src',
      connectionId,
      shape: { kind: 'long', valueColumn: value },
      metric: { kind: 'fixed', metricId },
      entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
      period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
      read: { sheet },
      headerFingerprint: headerFingerprint(['Site', 'Month', value], { orderInsensitive: true }),
    };
    engine.store.mappings.save({ id, name: id, sourceId: 'src', connectionId, fingerprint: null, profile }, 'now');
  };
  sheetMapping('energy', 'Energy', 'kWh', 'met_elec_cons');
  sheetMapping('water', 'Water', 'm3', 'met_water_withdrawal');
  await call('jobs.add', { name: 'Energy sheet', type: 'ingest', connectionId, sourceId: 'src', mappingId: 'energy', config: {} });
  await call('jobs.add', { name: 'Water sheet', type: 'ingest', connectionId, sourceId: 'src', mappingId: 'water', config: {} });
  engine.sync = new SyncService(engine);
  await engine.sync.start();

  const book = new ExcelJS.Workbook();
  book.addWorksheet('Energy').addRows([['Site', 'Month', 'kWh'], ['LON-01', '2024-06', 100], ['MAN-02', '2024-06', 200]]);
  book.addWorksheet('Water').addRows([['Site', 'Month', 'm3'], ['LON-01', '2024-06', 7]]);
  book.addWorksheet('Notes').addRows([['Checked by', 'Ana']]);
  const path = join(root, 'site-report.xlsx');
  await book.xlsx.writeFile(path);
  // Moved in whole, as a file manager does.
  renameSync(path, join(folder, 'site-report.xlsx'));

  await until('both runs', () => runs().filter((r) => r.finishedAt).length === 2);
  await until('the file moved', () => existsSync(join(folder, 'processed', 'site-report.xlsx')));
  expect(runs().map((r) => [r.jobName, r.status, r.created]).sort()).toEqual([
    ['Energy sheet', 'succeeded', 2],
    ['Water sheet', 'succeeded', 1],
  ]);
  expect(readdirSync(folder).filter((f) => f.endsWith('.xlsx'))).toEqual([]);
  const first = runs()[runs().length - 1]!;
  const timeline = engine.store.runs.events(first.id).map((e) => e.message).join('\n');
  expect(timeline).toMatch(/The file stays in the folder for "Water sheet", whose mapping reads it too; it is moved after that\./);
  // Each run names its sheet, and the sheet no job reads; not the one the other job reads.
  expect(timeline).toMatch(/Reading site-report\.xlsx \(xlsx, sheet '(Energy|Water)'\)\./);
  expect(timeline).toContain("The workbook has another sheet ('Notes'), which this mapping does not read");
  expect(sandbox.listSubmissions().map((x) => x.metricId).sort()).toEqual(['met_elec_cons', 'met_elec_cons', 'met_water_withdrawal']);
});
