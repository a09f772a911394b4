/**
 * A file with a row per transaction (the tour's fuel card export: several fill-ups of one product
 * at one site in a month, each on its own day). Reported by month every row collides with the
 * others; the suggestion drafts it per day, and where a mapping still reports such dates by
 * month, the preview and the run say how to fix it — through the engine's API, against the
 * sandbox platform.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MappingInfo, SourceInfo } from '../../../shared/dto';
import type { PreviewResult } from '../../../shared/contract/mappings';
import { ConnectionService } from '../../../main/engine/connections';
import { fuelCardExport } from '../../../main/engine/demo';
import type { Engine } from '../../../main/engine/engine';
import { JobRunner } from '../../../main/engine/sync/job-runner';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { engineOnSandbox } from './helpers';

type Suggested = { draft: Record<string, unknown> & { period?: Record<string, unknown> }; suggestion: { warnings: string[] } };

let sandbox: RunningSandbox;
let root: string;
let engine: Engine;
let ok: Awaited<ReturnType<typeof engineOnSandbox>>['ok'];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-day-periods-'));
  ({ engine, ok } = await engineOnSandbox(root, sandbox.url));
});
afterEach(async () => {
  await engine.stop();
  rmSync(root, { recursive: true, force: true });
});

// A month that is over, so no value is refused as a period not ended yet.
const fuel = fuelCardExport({ year: 2025, month: 10 });

async function fuelFolder(files: Record<string, string>): Promise<SourceInfo> {
  const folder = join(root, 'Fuel');
  mkdirSync(folder, { recursive: true });
  for (const [f, content] of Object.entries(files)) writeFileSync(join(folder, f), content);
  return ok<SourceInfo>('sources.addFolder', { name: 'Fuel cards', path: folder });
}

describe('a file with a row per transaction', () => {
  it('is drafted per day, with a note, and previews every fill-up as its own value', async () => {
    const source = await fuelFolder({ [fuel.name]: fuel.content });
    const s = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    expect(s.draft.period).toMatchObject({ kind: 'date', column: 'Transaction date', format: 'DD/MM/YYYY', granularity: 'custom' });
    expect(s.suggestion.warnings.join(' ')).toMatch(/several rows with the same 'Cost centre' and 'Product' in one month on different days of 'Transaction date'.*own day/);

    const p = await ok<PreviewResult>('mappings.preview', { profile: s.draft, sourceId: source.id });
    expect(p.summary).toMatchObject({ rowsIn: 15, recordsOut: 15, rejected: 0 });
    expect(p.notes).toEqual([]);
    // Each value's period is its own day.
    for (const row of p.payload) expect(row.record.periodStart).toBe(row.record.periodEnd);
  });

  it('reported by month, its rows are duplicates, and the preview says how to report them per day', async () => {
    const source = await fuelFolder({ [fuel.name]: fuel.content });
    const s = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    const monthly = { ...s.draft, period: { ...s.draft.period, granularity: 'month' } };
    const p = await ok<PreviewResult>('mappings.preview', { profile: monthly, sourceId: source.id });
    expect(p.summary.recordsOut).toBe(0);
    expect(p.rejected).toHaveLength(15);
    expect(p.notes).toHaveLength(1);
    expect(p.notes[0]).toMatch(/^\d+ metric, site and period combinations are on more than one row, because this mapping reports each date by its month\. If each row is a separate transaction/);
    for (const e of p.rejected) expect(e.reason).toMatch(/same metric, site and period as line \d+; both were held back\. If each row is a separate transaction.*“Its own day”.*“Sites & periods” step/);
  });

  it('a run of a monthly mapping says once why its rows are duplicates and where to change it', async () => {
    const source = await fuelFolder({});
    const path = join(root, 'Fuel', fuel.name);
    writeFileSync(path, fuel.content);
    const s = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    const saved = await ok<MappingInfo>('mappings.save', { profile: { ...s.draft, name: 'Fuel', period: { ...s.draft.period, granularity: 'month' } } });
    engine.store.jobs.insert({ id: 'fuel', name: 'Fuel', type: 'ingest', connectionId: 'sandbox', sourceId: source.id, mappingId: saved.id, config: { onFileArrival: false }, paused: false, cursor: null, createdAt: new Date().toISOString() });
    const bytes = readFileSync(path);
    const runner = new JobRunner(engine, new ConnectionService({ store: engine.store, secrets: () => engine.secrets() }));
    const run = await runner.run({ jobId: 'fuel', trigger: 'file', file: { path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } });
    expect(run).toMatchObject({ created: 0, rejected: 15 });
    const hints = engine.store.runs.events(run.id).filter((e) => /“Its own day”/.test(e.message));
    expect(hints).toHaveLength(1);
    expect(hints[0]).toMatchObject({ level: 'warn' });
    expect(hints[0]!.message).toMatch(/^15 values share a metric, site and period with another row because this mapping reports each date by its month\./);
  });

  it('a report with one row per site and month keeps its monthly period and gets no such note', async () => {
    const csv = ['Site code,Date,Electricity (kWh)', 'LON-01,30/09/2025,100', 'MAN-02,30/09/2025,200', 'LON-01,31/10/2025,110', 'MAN-02,31/10/2025,210', ''].join('\n');
    const source = await fuelFolder({ 'monthly.csv': csv });
    const s = await ok<Suggested>('mappings.suggest', { sourceId: source.id, connectionId: 'sandbox' });
    expect(s.draft.period).toMatchObject({ kind: 'date', column: 'Date' });
    expect(s.draft.period?.granularity ?? 'month').toBe('month');
    expect(s.suggestion.warnings.join(' ')).not.toMatch(/own day/);
  });
});
