/**
 * The upload checkpoint's recovery paths, driven through runUploadIngest with the real Altruistiq
 * adapter against the OpenAPI-checked stand-in: an upload the platform forgot, a kill just before
 * "complete", a prepared file that changed, all-or-nothing, mirror sources and a missing datasource.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseProfile, type Catalogue, type MappingProfile } from '../../../shared/mapping';
import type { RowError, SourceRow } from '../../../shared/domain';
import { Store } from '../../../main/engine/store';
import { createAltruistiqAdapter, type AltruistiqAdapter } from '../../../main/engine/platforms/altruistiq';
import { defaultIngestOptions, type IngestOptions } from '../../../main/engine/sync/ingest';
import { readCheckpoint, runUploadIngest, type UploadIngestResult } from '../../../main/engine/sync/upload-ingest';
import { startAltruistiqStandin, type AltruistiqStandin } from '../../helpers/altruistiq-standin';

const FACILITIES = [1, 2, 3].map((i) => ({ facilityId: `fac-${i}`, facilityName: `Site ${i}`, internalId: `FAC-00${i}` }));

let dir: string;
let store: Store;
let aq: AltruistiqStandin;
let adapter: AltruistiqAdapter;
let catalogue: Catalogue;
let runSeq = 0;

const profile: MappingProfile = parseProfile({
  schemaVersion: 1,
  name: 'Electricity',
  sourceId: 'src1',
  connectionId: 'c1',
  shape: { kind: 'long', valueColumn: 'kWh' },
  metric: { kind: 'fixed', metricId: 'ElectricityPurchased' },
  entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
  period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
  unit: { kind: 'fixed', unit: 'kWh' },
});

const rowsOf = (data: [string, string, string][]): AsyncIterable<SourceRow> =>
  (async function* () {
    let line = 1;
    for (const [Site, Month, kWh] of data) yield { line: ++line, cells: { Site, Month, kWh } };
  })();

interface Run {
  result: UploadIngestResult | null;
  error: Error | null;
  events: { level: string; message: string }[];
  rowErrors: RowError[];
}

async function run(data: [string, string, string][], opts: { signal?: AbortSignal; options?: Partial<IngestOptions>; datasourceId?: string } = {}): Promise<Run> {
  const out: Run = { result: null, error: null, events: [], rowErrors: [] };
  try {
    out.result = await runUploadIngest({
      store,
      now: () => new Date('2026-11-23T12:00:00Z'),
      jobId: 'job1',
      runId: ++runSeq,
      mappingId: 'map1',
      connectionId: 'c1',
      profile,
      adapter,
      catalogue,
      headers: ['Site', 'Month', 'kWh'],
      rows: rowsOf(data),
      options: { ...defaultIngestOptions, ...opts.options },
      ctx: { signal: opts.signal },
      event: (level, message) => out.events.push({ level, message }),
      progress: () => undefined,
      rowErrors: (e) => out.rowErrors.push(...e),
      datasourceId: opts.datasourceId ?? 'ds-1',
      dataDir: dir,
      sourceName: 'meters.csv',
    });
  } catch (err) {
    out.error = err as Error;
  }
  return out;
}

const DATA: [string, string, string][] = [
  ['FAC-001', '2024-01', '10'],
  ['FAC-002', '2024-01', '20'],
  ['FAC-003', '2024-01', '30'],
];

/** Aborts the run as the first part reaches the platform: stored there, never acknowledged. */
function killAtFirstPart(): AbortController {
  const c = new AbortController();
  aq.onPart = () => {
    aq.onPart = null;
    c.abort();
  };
  return c;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'upload-unit-'));
  store = Store.open(dir);
  aq = await startAltruistiqStandin({ facilities: FACILITIES });
  adapter = createAltruistiqAdapter({ id: 'c1', kind: 'altruistiq', baseUrl: aq.url, authUrl: null, clientId: 'aq-client', clientSecret: 'aq-secret', scopes: [] }, { userEmail: 'ops@example.com' });
  catalogue = { metrics: [], entities: await adapter.listEntities() };
  runSeq = 0;
});

afterEach(async () => {
  await adapter.close();
  await aq.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  expect(aq.violations).toEqual([]);
});

describe('runUploadIngest recovery', () => {
  it('starts again when the platform forgot an upload a killed run began (nothing was completed)', async () => {
    const killed = await run(DATA, { signal: killAtFirstPart().signal });
    expect(killed.error?.name).toMatch(/Abort|PlatformError/);
    const cp = readCheckpoint(store, 'job1')!;
    expect(cp.state).toBe('started');
    aq.uploads.delete(cp.uploadId!); // expired on the platform

    const again = await run(DATA);
    expect(again.error).toBeNull();
    expect(again.result).toMatchObject({ status: 'succeeded', counts: { created: 3, unchanged: 3 } });
    expect(again.events.some((e) => e.level === 'warn' && e.message.includes(`no longer knows upload ${cp.uploadId}`))).toBe(true);
    expect(aq.datasets).toHaveLength(1);
    expect(aq.datasets[0]!.fileId).not.toBe(cp.fileId);
    expect(again.result!.datasetId).toBe(aq.datasets[0]!.fileId);
    expect([...store.ledger.iterate('map1')].every((e) => e.remoteId === aq.datasets[0]!.fileId)).toBe(true);
    expect(readCheckpoint(store, 'job1')).toBeNull();
  });

  it('a kill after the last part but before "complete" was sent completes with the recorded ids', async () => {
    await run(DATA, { signal: killAtFirstPart().signal });
    const cp = readCheckpoint(store, 'job1')!;
    const stored = aq.uploads.get(cp.uploadId!)!.parts.get(1)!;
    // As if part 1's answer had arrived and the process died before sending "complete".
    store.settings.setRaw('upload-ingest:job1', { ...cp, state: 'completing', parts: [{ PartNumber: 1, ETag: stored.etag }] });
    const posted = aq.partPosts().length;

    const again = await run(DATA);
    expect(again.result).toMatchObject({ status: 'succeeded', datasetId: cp.fileId, counts: { created: 3, unchanged: 3 } });
    expect(aq.partPosts().length).toBe(posted); // no part re-sent
    expect(aq.datasets.map((d) => d.fileId)).toEqual([cp.fileId]);
    expect(aq.uploads.size).toBe(1);
  });

  it('a kill after "complete" was acknowledged but before the ledger was written only writes the ledger', async () => {
    await run(DATA, { signal: killAtFirstPart().signal });
    const cp = readCheckpoint(store, 'job1')!;
    const parts = [{ PartNumber: 1, ETag: aq.uploads.get(cp.uploadId!)!.parts.get(1)!.etag }];
    await adapter.completeUpload({ datasourceId: cp.datasourceId, fileName: cp.fileName, uploadId: cp.uploadId!, fileId: cp.fileId! }, parts);
    store.settings.setRaw('upload-ingest:job1', { ...cp, state: 'completed', parts });
    const requestsBefore = aq.requests.length;

    const again = await run(DATA);
    expect(again.result).toMatchObject({ status: 'succeeded', datasetId: cp.fileId, counts: { created: 3, unchanged: 3 } });
    expect(aq.requests.slice(requestsBefore).filter((r) => r.path.includes('/datasource/'))).toEqual([]);
    expect(aq.datasets).toHaveLength(1);
    expect([...store.ledger.iterate('map1')].map((e) => e.remoteId)).toEqual([cp.fileId, cp.fileId, cp.fileId]);
    expect(readCheckpoint(store, 'job1')).toBeNull();
  });

  it('refuses to finish an upload whose prepared file changed, and uploads nothing', async () => {
    await run(DATA, { signal: killAtFirstPart().signal });
    const cp = readCheckpoint(store, 'job1')!;
    writeFileSync(cp.path, 'tampered\r\n');
    const again = await run(DATA);
    expect(again.error?.message).toMatch(/missing or changed since run 1 built it.*never completed, so it is not on the platform/);
    expect(aq.datasets).toHaveLength(0);
    expect(readCheckpoint(store, 'job1')).not.toBeNull();
  });

  it('all-or-nothing: a rejected row means no upload at all', async () => {
    const r = await run([...DATA, ['FAC-009', '2024-01', '5']], { options: { rejectPolicy: 'all-or-nothing' } });
    expect(r.result).toMatchObject({ status: 'failed', counts: { read: 4, rejected: 1, created: 0 } });
    expect(r.rowErrors).toEqual([expect.objectContaining({ line: 5, column: 'Site', value: 'FAC-009' })]);
    expect(aq.uploads.size).toBe(0);
  });

  it('a mirror source that lost rows warns that Altruistiq cannot delete them, and deletes nothing', async () => {
    await run(DATA, { options: { mirror: true } });
    const second = await run(DATA.slice(0, 2), { options: { mirror: true } });
    expect(second.result).toMatchObject({ status: 'succeeded', datasetId: null, counts: { deleted: 0, unchanged: 2 } });
    expect(second.events.some((e) => e.level === 'warn' && /1 value uploaded earlier is no longer in the source.*cannot delete/.test(e.message))).toBe(true);
    expect(store.ledger.count('map1')).toBe(3);
    expect(aq.datasets).toHaveLength(1);
  });

  it('an unknown datasource fails with the platform saying so, before any part', async () => {
    const r = await run(DATA, { datasourceId: 'nope' });
    expect(r.error?.message).toMatch(/no datasource "nope".*HTTP 404.*Check the datasource id in the job/);
    expect(aq.partPosts()).toHaveLength(0);
    expect(readCheckpoint(store, 'job1')).toMatchObject({ state: 'prepared', datasourceId: 'nope' });
    // Nothing was started, so once the job is corrected the waiting file goes to the right datasource.
    const again = await run(DATA);
    expect(again.result).toMatchObject({ status: 'succeeded', counts: { created: 3, unchanged: 3 } });
    expect(again.events.some((e) => e.message.includes('instead of nope'))).toBe(true);
    expect(aq.datasets).toHaveLength(1);
    expect(aq.datasets[0]!.datasourceId).toBe('ds-1');
  });
});
