/**
 * Where the wizard's sample comes from and how it is read, through the engine's API against the
 * sandbox platform: the header row and the workbook sheet chosen by a person (and kept in the
 * profile), a file dropped on the wizard, a database table, and a run stopped by changed columns
 * that shows the change, is updated, and then syncs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MappingInfo, RunSummary, SourceInfo } from '../../../shared/dto';
import { headerFingerprint, renameProfileColumns, type MappingProfile } from '../../../shared/mapping';
import type { DriftReport, PreviewResult, StoredSample, TopRow } from '../../../shared/contract/mappings';
import { methods } from '../../../shared/api';
import { ConnectionService } from '../../../main/engine/connections';
import type { Engine } from '../../../main/engine/engine';
import { JobRunner } from '../../../main/engine/sync/job-runner';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { energyCsv, engineOnSandbox } from './helpers';

type Sample = { file: string | null; info: { format: string; headers: string[]; headerRow: number | null; sheet: string | null; sheets: string[] | null }; rows: { line: number; cells: Record<string, unknown> }[] };
type Suggested = { sample: Sample; topRows: TopRow[]; draft: Record<string, unknown> & { period?: unknown }; suggestion: { warnings: string[] } };

let sandbox: RunningSandbox;
let root: string;
let engine: Engine;
let ok: Awaited<ReturnType<typeof engineOnSandbox>>['ok'];
let fails: Awaited<ReturnType<typeof engineOnSandbox>>['fails'];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-wiz-samples-'));
  ({ engine, ok, fails } = await engineOnSandbox(root, sandbox.url));
});
afterEach(async () => {
  await engine.stop();
  rmSync(root, { recursive: true, force: true });
});

async function folderWith(files: Record<string, string | Buffer>, name = 'Reports'): Promise<SourceInfo> {
  const folder = join(root, name);
  mkdirSync(folder, { recursive: true });
  for (const [f, content] of Object.entries(files)) writeFileSync(join(folder, f), content);
  return ok<SourceInfo>('sources.addFolder', { name, path: folder });
}

/** A report as people export it: a title block, then the table. */
const TITLED = ['Energy report 2024', 'Exported by UtilityHub on 2024-07-01', '', 'Site code,Month,Electricity (kWh)', 'LON-01,2024-01,100', 'MAN-02,2024-01,200', ''].join('\n');

describe('the header row a person chooses', () => {
  it('offers the first rows as they stand, and reads the table from the chosen row', async () => {
    const source = await folderWith({ 'report.csv': TITLED });
    const auto = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    expect(auto.sample.info.headers).toEqual(['Site code', 'Month', 'Electricity (kWh)']);
    expect(auto.topRows.slice(0, 5).map((r) => [r.row, r.cells[0]])).toEqual([
      [1, 'Energy report 2024'],
      [2, 'Exported by UtilityHub on 2024-07-01'],
      [3, ''],
      [4, 'Site code'],
      [5, 'LON-01'],
    ]);
    expect(auto.draft.read).toBeUndefined();
    // What the renderer's client checks every answer against.
    expect(() => methods['mappings.suggest'].result.parse(auto)).not.toThrow();

    // Choosing row 2 makes the export line the header: what the person asked for, exactly.
    const forced = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox', read: { headerRow: 2 } });
    expect(forced.sample.info.headerRow).toBe(2);
    expect(forced.sample.info.headers).toEqual(['Exported by UtilityHub on 2024-07-01']);
    expect(forced.draft.read).toEqual({ headerRow: 2 });

    const chosen = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox', read: { headerRow: 4 } });
    expect(chosen.sample.info.headers).toEqual(['Site code', 'Month', 'Electricity (kWh)']);
    expect(chosen.sample.rows.map((r) => r.cells['Site code'])).toEqual(['LON-01', 'MAN-02']);

    const out = await fails('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox', read: { headerRow: 99 } });
    expect(out.code).toBe('invalid_params');
    expect(out.message).toMatch(/Header row 99 is outside "report\.csv".*Choose a row between 1 and 6/);
  });

  it('a profile keeps the chosen header row: preview reads the file the same way', async () => {
    const source = await folderWith({ 'report.csv': TITLED });
    const s = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox', read: { headerRow: 4 } });
    const profile = { ...s.draft, name: 'Titled', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } };
    const p = await ok<PreviewResult>('mappings.preview', { profile, sourceId: source.id });
    expect(p.summary).toMatchObject({ rowsIn: 2, recordsOut: 2, rejected: 0 });
    // The same profile told to read row 2 as the header finds none of its columns.
    const wrong = await ok<PreviewResult>('mappings.preview', { profile: { ...profile, read: { headerRow: 2 } }, sourceId: source.id });
    expect(wrong.summary.recordsOut).toBe(0);
    const saved = await ok<MappingInfo>('mappings.save', { profile });
    expect((await ok<{ profile: MappingProfile }>('mappings.get', { mappingId: saved.id })).profile.read).toEqual({ headerRow: 4 });
  });
});

/** A utility export whose header spans two rows: 'Consumption' over 'Quantity' and 'Unit'. */
const TWO_ROW = ['Northern Utilities - consumption export,,,', ',,,', 'Site code,Month,Consumption,', ',,Quantity,Unit', 'LON-01,2024-01,1200,kWh', 'MAN-02,2024-01,900,kWh', ''].join('\n');

describe('a header that spans two rows', () => {
  it('is read as one header, previews with no rejected row, and is kept in the profile', async () => {
    const source = await folderWith({ 'consumption.csv': TWO_ROW });
    const s = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    expect(s.sample.info).toMatchObject({ headerRow: 3, headerRows: 2, headers: ['Site code', 'Month', 'Consumption Quantity', 'Consumption Unit'] });
    expect(s.sample.rows.map((r) => r.line)).toEqual([5, 6]);
    expect(() => methods['mappings.suggest'].result.parse(s)).not.toThrow();
    const roles = Object.fromEntries(((s as unknown as { suggestion: { columns: Array<{ column: string; role: string }> } }).suggestion.columns).map((c) => [c.column, c.role]));
    expect(roles).toMatchObject({ 'Site code': 'entity', 'Consumption Quantity': 'value', 'Consumption Unit': 'unit' });

    const profile = {
      ...s.draft,
      name: 'Two-row header',
      shape: { kind: 'long', valueColumn: 'Consumption Quantity' },
      metric: { kind: 'fixed', metricId: 'met_elec_cons' },
      unit: { kind: 'column', column: 'Consumption Unit' },
      period: { kind: 'date', column: 'Month', format: 'YYYY-MM' },
      read: { headerRows: 2 },
    };
    const p = await ok<PreviewResult>('mappings.preview', { profile, sourceId: source.id });
    expect(p.summary).toMatchObject({ rowsIn: 2, recordsOut: 2, rejected: 0 });
    const saved = await ok<MappingInfo>('mappings.save', { profile });
    expect((await ok<{ profile: MappingProfile }>('mappings.get', { mappingId: saved.id })).profile.read).toEqual({ headerRows: 2 });

    // Told to read row 3 alone, row 4 is a row without a site: the rejection the analyst saw in every file.
    const alone = await ok<PreviewResult>('mappings.preview', { profile: { ...profile, read: { headerRow: 3, headerRows: 1 } }, sourceId: source.id });
    expect(alone.summary.rowsIn).toBe(3);
  });
});

async function workbook(path: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const notes = wb.addWorksheet('Notes');
  notes.addRow(['Read me first']);
  notes.addRow(['Figures are in kWh']);
  const data = wb.addWorksheet('Data 2024');
  data.addRow(['Electricity by site']);
  data.addRow([]);
  data.addRow(['Site code', 'Month', 'Electricity (kWh)']);
  data.addRow(['LON-01', '2023-11', 1500]);
  data.addRow(['BER-01', '2023-11', 900]);
  await wb.xlsx.writeFile(path);
}

describe('the sheet a person chooses', () => {
  it('lists the sheets, reads the chosen one by name or position, and says which exist when one is not found', async () => {
    const source = await folderWith({});
    await workbook(join(root, 'Reports', 'energy.xlsx'));
    const first = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    expect(first.sample.info).toMatchObject({ format: 'xlsx', sheet: 'Notes', sheets: ['Notes', 'Data 2024'] });

    const byName = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox', read: { sheet: 'Data 2024' } });
    expect(byName.sample.info).toMatchObject({ sheet: 'Data 2024', headerRow: 3, headers: ['Site code', 'Month', 'Electricity (kWh)'] });
    expect(byName.sample.rows.map((r) => r.cells['Electricity (kWh)'])).toEqual([1500, 900]);
    expect(byName.topRows.map((r) => [r.row, r.cells[0]])).toEqual([
      [1, 'Electricity by site'],
      [3, 'Site code'],
      [4, 'LON-01'],
      [5, 'BER-01'],
    ]);
    expect(byName.draft.read).toEqual({ sheet: 'Data 2024' });
    expect(methods['mappings.suggest'].result.parse(byName).draft.read).toEqual({ sheet: 'Data 2024' });

    const byIndex = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox', read: { sheet: 1, headerRow: 3 } });
    expect(byIndex.sample.info.sheet).toBe('Data 2024');

    const missing = await fails('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox', read: { sheet: 'Gas' } });
    expect(missing.message).toMatch(/no sheet named "Gas".*"Notes", "Data 2024"/);

    const profile = { ...byName.draft, name: 'Workbook', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } };
    const p = await ok<PreviewResult>('mappings.preview', { profile, sourceId: source.id });
    expect(p.summary).toMatchObject({ rowsIn: 2, recordsOut: 2, rejected: 0 });

    // A job run reads the workbook the way the mapping says (the source alone would read 'Notes').
    const saved = await ok<MappingInfo>('mappings.save', { profile });
    engine.store.jobs.insert({ id: 'wb', name: 'Workbook', type: 'ingest', connectionId: 'sandbox', sourceId: source.id, mappingId: saved.id, config: { onFileArrival: false }, paused: false, cursor: null, createdAt: new Date().toISOString() });
    const path = join(root, 'Reports', 'energy.xlsx');
    const bytes = readFileSync(path);
    const before = sandbox.countSubmissions();
    const runner = new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets() }));
    const run = await runner.run({ jobId: 'wb', trigger: 'file', file: { path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } });
    expect(run).toMatchObject({ status: 'succeeded', read: 2, created: 2 });
    expect(sandbox.countSubmissions()).toBe(before + 2);
  });
});

describe('a sample dropped on the wizard', () => {
  it('is kept under the data folder and used as the sample, never mixed up with the folder', async () => {
    const source = await folderWith({ 'other.csv': 'a,b\n1,2\n' });
    const stored = await ok<StoredSample>('mappings.uploadSample', { name: 'C:\\Users\\me\\Desktop\\bills june.csv', contentBase64: Buffer.from(energyCsv()).toString('base64') });
    expect(stored).toMatchObject({ name: 'bills june.csv', size: Buffer.byteLength(energyCsv()) });
    expect(stored.uploadId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const path = join(root, 'data', 'samples', stored.uploadId, 'bills june.csv');
    expect(readFileSync(path, 'utf8')).toBe(energyCsv());
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);

    const s = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox', upload: stored.uploadId });
    expect(s.sample.file).toBe(path);
    expect(s.sample.info.headers).toEqual(['Site code', 'Month', 'Electricity (kWh)']);
    const profile = { ...s.draft, name: 'Dropped', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } };
    const p = await ok<PreviewResult>('mappings.preview', { profile, sourceId: source.id, upload: stored.uploadId });
    expect(p.summary).toMatchObject({ rowsIn: 18, recordsOut: 18 });
    expect(p.file).toBe(path);
  });

  it('refuses what is not a readable table, and ids that are not its own', async () => {
    const source = await folderWith({});
    const exe = await fails('mappings.uploadSample', { name: 'setup.exe', contentBase64: Buffer.from('MZ').toString('base64') });
    expect(exe.message).toMatch(/not a file the wizard can read.*CSV/);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]);
    const fake = await fails('mappings.uploadSample', { name: 'photo.csv', contentBase64: png.toString('base64') });
    expect(fake.message).toMatch(/"photo\.csv" cannot be read as a table/);
    const empty = await fails('mappings.uploadSample', { name: 'empty.csv', contentBase64: '' });
    expect(empty.message).toMatch(/empty/);
    expect(existsSync(join(root, 'data', 'samples')) ? (await import('node:fs')).readdirSync(join(root, 'data', 'samples')) : []).toEqual([]);

    expect((await fails('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox', upload: '../../../etc/pa' })).code).toBe('invalid_params');
    const gone = await fails('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox', upload: 'AAAAAAAAAAAAAAAA' });
    expect(gone.code).toBe('not_found');
    expect(gone.message).toMatch(/Drop the file again/);
  });
});

describe('a database sample', () => {
  it('comes from the table, and a dropped file is refused for a database source', async () => {
    const file = join(root, 'erp.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE energy (site TEXT, month TEXT, kwh REAL)');
    for (let m = 1; m <= 3; m++) db.prepare('INSERT INTO energy VALUES (?, ?, ?)').run('LON-01', `2024-0${m}`, 1000 * m);
    db.close();
    const source = await ok<SourceInfo>('sources.addDatabase', { name: 'ERP', kind: 'sqlite', file, table: 'energy' });
    const s = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    expect(s.sample.file).toBeNull();
    expect(s.sample.info).toMatchObject({ format: 'database', headers: ['site', 'month', 'kwh'] });
    expect(s.sample.rows.map((r) => r.cells.kwh)).toEqual([1000, 2000, 3000]);
    expect(s.topRows).toEqual([]);
    const stored = await ok<StoredSample>('mappings.uploadSample', { name: 'x.csv', contentBase64: Buffer.from('a,b\n1,2\n').toString('base64') });
    const refused = await fails('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox', upload: stored.uploadId });
    expect(refused.message).toMatch(/database source.*table or query/);
  });
});

describe('a database source read by a watermark column', () => {
  // What `esg-sync mapping suggest` prints and the wizard opens: both take the engine's draft.
  const table = (withPeriod: boolean) => {
    const file = join(root, withPeriod ? 'fuel.sqlite' : 'fuel-only-watermark.sqlite');
    const db = new Database(file);
    db.exec(`CREATE TABLE fuel (modified_at TEXT, site TEXT,${withPeriod ? ' purchased_on TEXT,' : ''} litres REAL)`);
    for (let d = 1; d <= 5; d++) {
      const cells = [`2024-04-0${d} 10:2${d}:00`, 'LON-01', ...(withPeriod ? [`2024-03-0${d}`] : []), 10.5 * d];
      db.prepare(`INSERT INTO fuel VALUES (${cells.map(() => '?').join(', ')})`).run(...cells);
    }
    db.close();
    return file;
  };

  it('is not suggested as the period: the other date column is, and the draft reports by it', async () => {
    const source = await ok<SourceInfo>('sources.addDatabase', { name: 'Fuel', kind: 'sqlite', file: table(true), table: 'fuel', watermarkColumn: 'modified_at' });
    const s = await ok<Suggested & { suggestion: { columns: Array<{ column: string; role: string; reason: string }> } }>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    const column = (c: string) => s.suggestion.columns.find((x) => x.column === c)!;
    expect(column('modified_at')).toMatchObject({ role: 'ignore', reason: expect.stringMatching(/watermark/) });
    expect(column('purchased_on').role).toBe('period');
    expect(s.draft.period).toMatchObject({ kind: 'date', column: 'purchased_on', format: 'iso' });
    expect(s.suggestion.warnings.join(' ')).not.toContain("'modified_at'");

    // Without the watermark setting the same table drafts its first date as the period.
    const plain = await ok<SourceInfo>('sources.addDatabase', { name: 'Fuel plain', kind: 'sqlite', file: join(root, 'fuel.sqlite'), table: 'fuel' });
    const p = await ok<Suggested>('mappings.suggest', { sourceId: plain.id, connectionId: 'sandbox' });
    expect((p.draft.period as { column?: string } | undefined)?.column).toBe('modified_at');
  });

  it('is kept as the period when it is the table’s only date, with a note to check it', async () => {
    const source = await ok<SourceInfo>('sources.addDatabase', { name: 'Fuel', kind: 'sqlite', file: table(false), table: 'fuel', watermarkColumn: 'modified_at' });
    const s = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    expect(s.draft.period).toMatchObject({ kind: 'date', column: 'modified_at' });
    expect(s.suggestion.warnings.join(' ')).toContain("'modified_at' is the column this source reads new rows by (its watermark)");
  });
});

describe('a run stopped by changed columns', () => {
  it('shows exactly what changed, refuses a retry until the mapping is updated, then syncs the same file', async () => {
    const source = await folderWith({ 'h1.csv': energyCsv() }, 'Bills');
    const s = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    const saved = await ok<MappingInfo>('mappings.save', { profile: { ...s.draft, name: 'Bills', period: { kind: 'date', column: 'Month', format: 'YYYY-MM' } } });
    engine.store.jobs.insert({ id: 'bills', name: 'Bills', type: 'ingest', connectionId: 'sandbox', sourceId: source.id, mappingId: saved.id, config: { onFileArrival: false }, paused: false, cursor: null, createdAt: new Date().toISOString() });

    const renamed = join(root, 'Bills', 'h2.csv');
    writeFileSync(renamed, energyCsv().replace('Electricity (kWh)', 'Electricity use (kWh)').replace('Month', 'Month,Comment').replace(/\r\n(\w\w\w-\d\d,\d{4}-\d\d)/g, '\r\n$1,'));
    const content = readFileSync(renamed);
    const sent = sandbox.countSubmissions();
    const runner = new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets() }));
    const first = await runner.run({ jobId: 'bills', trigger: 'file', file: { path: renamed, size: content.length, sha256: createHash('sha256').update(content).digest('hex') } });
    expect(first.status).toBe('needs_attention');
    expect(sandbox.countSubmissions()).toBe(sent);

    const drift = await ok<DriftReport>('mappings.drift', { runId: first.id });
    expect(drift).toMatchObject({ mappingId: saved.id, mappingVersion: 1, file: renamed, fileAvailable: true, hasDrift: true, missing: [], added: ['Comment'] });
    expect(drift.renamed).toEqual([expect.objectContaining({ from: 'Electricity (kWh)', to: 'Electricity use (kWh)' })]);
    expect(drift.affectsMapping).toEqual(['Electricity (kWh)']);

    const early = await fails('mappings.retryFile', { runId: first.id });
    expect(early.code).toBe('conflict');
    expect(early.message).toMatch(/Update the mapping first/);

    // What the wizard does on "Update mapping": follow the renames, take the file's new header, save.
    const got = await ok<{ profile: MappingProfile }>('mappings.get', { mappingId: saved.id });
    const updated = { ...renameProfileColumns(got.profile, { 'Electricity (kWh)': 'Electricity use (kWh)' }), headerFingerprint: headerFingerprint(drift.headers) };
    expect(updated.shape).toEqual({ kind: 'long', valueColumn: 'Electricity use (kWh)' });
    expect((await ok<MappingInfo>('mappings.save', { profile: updated, id: saved.id })).version).toBe(2);

    const after = await ok<DriftReport>('mappings.drift', { runId: first.id });
    expect(after).toMatchObject({ hasDrift: false, mappingVersion: 2, renamed: [], missing: [], added: [] });
    const retried = await ok<{ queued: boolean; run: RunSummary }>('mappings.retryFile', { runId: first.id });
    expect(retried.run).toMatchObject({ status: 'succeeded', created: 18, trigger: 'manual', file: renamed });
    expect(sandbox.countSubmissions()).toBe(sent + 18);

    expect((await fails('mappings.drift', { runId: 9999 })).code).toBe('not_found');
  });
});
