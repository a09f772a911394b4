/**
 * The mapping wizard's calls through the engine's API against the real sandbox platform
 * (in-process, port 0): suggest → preview → save → get → save again (version 2), catalogue,
 * refusals while jobs use a mapping or source, and a database source previewed through a profile.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MappingInfo, SourceInfo } from '../../../shared/dto';
import type { MappingProfile } from '../../../shared/mapping';
import type { PreviewResult, MappingSuggestion } from '../../../shared/contract/mappings';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { MemorySecrets, energyCsv } from './helpers';

let sandbox: RunningSandbox;
let root: string;
let engine: Engine;
let call: (method: string, params: unknown) => Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string; details?: { path: string; message: string }[] } }>;

async function ok<T>(method: string, params: unknown): Promise<T> {
  const r = await call(method, params);
  if (!r.ok) throw new Error(`${method} failed: ${r.error!.code}: ${r.error!.message}`);
  return r.result as T;
}
async function fails(method: string, params: unknown) {
  const r = await call(method, params);
  expect(r.ok, `${method} should have failed`).toBe(false);
  return r.error!;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-map-api-'));
  engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: new MemorySecrets() });
  const dispatch = createDispatcher(createEngineApi(engine), engine.logger);
  call = (m, p) => dispatch(m, p) as ReturnType<typeof call>;
  const added = await ok<{ saved: boolean }>('connections.add', {
    name: 'Sandbox',
    kind: 'esg-api',
    baseUrl: sandbox.url,
    clientId: 'sandbox-client',
    clientSecret: 'sandbox-secret',
  });
  expect(added.saved).toBe(true);
});
afterEach(async () => {
  await engine.stop();
  rmSync(root, { recursive: true, force: true });
});

async function billsFolder(extraRows: string[] = []): Promise<SourceInfo> {
  const folder = join(root, 'bills');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'electricity-h1-2024.csv'), energyCsv(extraRows));
  return ok<SourceInfo>('sources.addFolder', { name: 'Utility bills', path: folder });
}

describe('mapping wizard calls', () => {
  it('lists the platform catalogue through the connection', async () => {
    const cat = await ok<{ metrics: { id: string; unit: string }[]; entities: { id: string; externalRef: string | null }[] }>('catalogue.get', { connectionId: 'Sandbox' });
    expect(cat.metrics.find((m) => m.id === 'met_elec_cons')).toMatchObject({ unit: 'kWh' });
    expect(cat.entities.find((e) => e.externalRef === 'LON-01')).toMatchObject({ id: 'ent_lon01' });
    expect((await fails('catalogue.get', { connectionId: 'nope' })).code).toBe('not_found');
  });

  it('suggest → preview → save → get → save again as version 2', async () => {
    const source = await billsFolder(['XYZ-99,2024-01,500', 'LON-01,2024-13,100', 'MAN-02,2099-01,100']);

    const s = await ok<{ sample: { file: string; info: { headers: string[] } }; profiles: { column: string; inferredType: string }[]; suggestion: MappingSuggestion; draft: Record<string, unknown> }>(
      'mappings.suggest',
      { sourceId: source.id, connectionId: 'sandbox' },
    );
    expect(s.sample.file).toMatch(/electricity-h1-2024\.csv$/);
    expect(s.profiles.find((p) => p.column === 'Electricity (kWh)')?.inferredType).toBe('number');
    const byColumn = Object.fromEntries(s.suggestion.columns.map((c) => [c.column, c]));
    expect(byColumn['Electricity (kWh)']).toMatchObject({ role: 'value', metricId: 'met_elec_cons', unit: 'kWh' });
    expect(byColumn['Electricity (kWh)']!.confidence).toBeGreaterThan(0.5);
    expect(byColumn['Electricity (kWh)']!.reason).toMatch(/electricity/i);
    expect(byColumn['Site code']!.role).toBe('entity');
    expect(s.suggestion.entityValueMap.find((m) => m.local === 'LON-01')?.entityId).toBe('ent_lon01');
    expect(s.draft).toMatchObject({ sourceId: source.id, connectionId: 'sandbox', shape: { kind: 'long', valueColumn: 'Electricity (kWh)' } });

    // The person completes what the suggestion left open: how the period is read.
    const profile = { ...s.draft, name: 'Electricity bills', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } };

    const preview = await ok<PreviewResult>('mappings.preview', { profile, sourceId: source.id, limit: 3 });
    expect(preview.file).toBe(s.sample.file);
    expect(preview.summary).toMatchObject({ rowsIn: 21, recordsOut: 18, heldRows: 1, payloadTruncated: true, metricsTouched: ['met_elec_cons'] });
    expect(preview.summary.periodRange).toEqual({ start: '2024-01-01', end: '2024-06-30' });
    expect(preview.payload).toHaveLength(3);
    expect(preview.payload[0]).toMatchObject({
      line: 2,
      record: { metricId: 'met_elec_cons', entityId: 'ent_lon01', periodStart: '2024-01-01', periodEnd: '2024-01-31', value: 12500, unit: 'kWh' },
    });
    expect(preview.held).toEqual([expect.objectContaining({ kind: 'entity', value: 'XYZ-99', firstLine: 20, rows: 1 })]);
    const rejectedLines = preview.rejected.map((r) => r.line);
    expect(rejectedLines).toContain(21);
    expect(rejectedLines).toContain(22);
    expect(preview.rejected.find((r) => r.line === 21)?.column).toBe('Month');

    const invalid = await fails('mappings.preview', { profile: { ...profile, shape: { kind: 'long' } }, sourceId: source.id });
    expect(invalid.code).toBe('invalid_params');
    expect(invalid.details?.some((d) => d.path.startsWith('shape'))).toBe(true);

    const v1 = await ok<MappingInfo>('mappings.save', { profile });
    expect(v1).toMatchObject({ name: 'Electricity bills', version: 1, sourceId: source.id, connectionId: 'sandbox' });
    const fingerprint = (s.draft.headerFingerprint as { value: string }).value;
    expect(engine.store.mappings.byFingerprint(source.id, fingerprint)?.id).toBe(v1.id);

    const got = await ok<{ info: MappingInfo; profile: MappingProfile }>('mappings.get', { mappingId: v1.id });
    expect(got.info).toEqual(v1);
    expect(got.profile).toMatchObject({ id: v1.id, version: 1, name: 'Electricity bills', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } });
    expect(got.profile.entity).toMatchObject({ kind: 'column', unknownEntity: 'hold' });

    const edited = { ...got.profile, entity: { ...got.profile.entity, unknownEntity: 'skip' } };
    const v2 = await ok<MappingInfo>('mappings.save', { profile: edited, id: v1.id });
    expect(v2).toMatchObject({ id: v1.id, version: 2 });
    const got2 = await ok<{ profile: MappingProfile }>('mappings.get', { mappingId: v1.id });
    expect(got2.profile.version).toBe(2);
    expect(got2.profile.entity).toMatchObject({ unknownEntity: 'skip' });
    expect(engine.store.mappings.versions(v1.id).map((v) => v.version)).toEqual([1, 2]);
    expect((await ok<MappingInfo[]>('mappings.list', {})).map((m) => [m.name, m.version])).toEqual([['Electricity bills', 2]]);

    // The preview with 'skip' no longer holds the unknown site.
    const p2 = await ok<PreviewResult>('mappings.preview', { profile: got2.profile, sourceId: source.id });
    expect(p2.held).toEqual([]);

    const dup = await fails('mappings.save', { profile: { ...profile } });
    expect(dup.code).toBe('conflict');
    // Nor another mapping's id as a name: commands take either.
    expect(await fails('mappings.save', { profile: { ...profile, name: v1.id } })).toMatchObject({ code: 'conflict', message: `"${v1.id}" is the id of the mapping "Electricity bills", so commands could not tell the two apart. Choose another name.` });
    expect((await fails('mappings.save', { profile, id: 'no-such-mapping' })).code).toBe('not_found');
    expect((await fails('mappings.save', { profile: { ...profile, name: 'Other', sourceId: 'gone' } })).message).toMatch(/source "gone" does not exist/);
  });

  it('refuses to remove a mapping or source while a job uses it, naming the job', async () => {
    const source = await billsFolder();
    const s = await ok<{ draft: Record<string, unknown> }>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    const m = await ok<MappingInfo>('mappings.save', { profile: { ...s.draft, period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } } });
    engine.store.jobs.insert({
      id: 'bills-job',
      name: 'Monthly bills',
      type: 'ingest',
      connectionId: 'sandbox',
      sourceId: source.id,
      mappingId: m.id,
      config: {},
      paused: false,
      cursor: null,
      createdAt: new Date().toISOString(),
    });
    const mapErr = await fails('mappings.remove', { mappingId: m.id });
    expect(mapErr.code).toBe('conflict');
    expect(mapErr.message).toMatch(/"Monthly bills"/);
    const srcErr = await fails('sources.remove', { sourceId: source.id });
    expect(srcErr.code).toBe('conflict');
    expect(srcErr.message).toMatch(/"Monthly bills"/);

    engine.store.jobs.remove('bills-job');
    expect(await ok('mappings.remove', { mappingId: m.id })).toEqual({ removed: m.name });
    expect(engine.store.mappings.get(m.id)).toBeNull();
    expect((await fails('mappings.get', { mappingId: m.id })).code).toBe('not_found');
  });

  it('previews a profile over a SQLite database source', async () => {
    const file = join(root, 'erp.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE diesel (site TEXT, period TEXT, litres REAL)');
    const ins = db.prepare('INSERT INTO diesel VALUES (?, ?, ?)');
    for (let m = 1; m <= 4; m++) ins.run('MAN-02', `2024-0${m}-01`, 100 * m);
    db.close();
    const source = await ok<SourceInfo>('sources.addDatabase', { name: 'ERP diesel', kind: 'sqlite', file, table: 'diesel' });
    const s = await ok<{ sample: { file: null; info: { format: string; headers: string[] } } }>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    expect(s.sample.info).toMatchObject({ format: 'database', headers: ['site', 'period', 'litres'] });
    const profile = {
      schemaVersion: 1,
      name: 'Diesel',
      sourceId: source.id,
      connectionId: 'sandbox',
      shape: { kind: 'long', valueColumn: 'litres' },
      metric: { kind: 'fixed', metricId: 'met_fuel_diesel' },
      unit: { kind: 'fixed', unit: 'L' },
      entity: { kind: 'column', column: 'site' },
      period: { kind: 'date', column: 'period', format: 'YYYY-MM-DD', granularity: 'month' },
    };
    const p = await ok<PreviewResult>('mappings.preview', { profile, sourceId: source.id });
    expect(p.file).toBeNull();
    expect(p.summary).toMatchObject({ rowsIn: 4, recordsOut: 4, rejected: 0 });
    expect(p.payload.map((r) => [r.record.entityId, r.record.periodStart, r.record.value])).toEqual([
      ['ent_man02', '2024-01-01', 100],
      ['ent_man02', '2024-02-01', 200],
      ['ent_man02', '2024-03-01', 300],
      ['ent_man02', '2024-04-01', 400],
    ]);
  });
});
