/**
 * A database source's own status follows what its runs find: a run that cannot read it (here its
 * table renamed away) marks the source "error" with the run's words, the Sources list and the
 * dashboard's attention list say so, and a passing Test, an edit whose test passes, or a later run
 * that reads it clears it. A paused source gives nothing. A table whose columns changed shows what
 * changed on the run's page, as a file does. A real SQLite source and the sandbox platform.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { attentionItems } from '../../../shared/attention';
import type { JobInfo, RunSummary, SourceInfo } from '../../../shared/dto';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import { SyncService } from '../../../main/engine/sync/service';
import { onSandboxEachTest } from '../mappings-api/helpers';

const t = onSandboxEachTest('esg-db-source-status-');

async function readingsJob(config: Record<string, unknown> = {}, opts: { watermark?: boolean } = {}) {
  const file = join(t.root, 'meters.sqlite');
  const db = new Database(file);
  db.exec(`CREATE TABLE readings (id INTEGER PRIMARY KEY, Site TEXT, Month TEXT, kwh REAL${opts.watermark ? ', updated_at TEXT' : ''})`);
  if (opts.watermark) db.prepare('INSERT INTO readings (Site, Month, kwh, updated_at) VALUES (?, ?, ?, ?)').run('LON-01', '2024-01', 100, '2024-05-01 10:00:01');
  else db.prepare('INSERT INTO readings (Site, Month, kwh) VALUES (?, ?, ?)').run('LON-01', '2024-01', 100);
  db.close();
  const src = await t.ok<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file, table: 'readings', ...(opts.watermark ? { watermarkColumn: 'updated_at' } : {}) });
  const connectionId = t.engine.store.connections.get('Sandbox')!.id;
  const profile: MappingProfileInput = {
    schemaVersion: 1,
    name: 'Meters',
    sourceId: src.id,
    connectionId,
    shape: { kind: 'long', valueColumn: 'kwh' },
    metric: { kind: 'fixed', metricId: 'met_elec_cons' },
    entity: { kind: 'column', column: 'Site', valueMap: {}, unknownEntity: 'hold' },
    period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
    headerFingerprint: headerFingerprint(['id', 'Site', 'Month', 'kwh', ...(opts.watermark ? ['updated_at'] : [])], { orderInsensitive: true }),
  };
  t.engine.store.mappings.save({ id: 'map-meters', name: 'Meters', sourceId: src.id, connectionId, fingerprint: null, profile }, new Date().toISOString());
  const job = await t.ok<{ id: string }>('jobs.add', { name: 'Meters to platform', type: 'ingest', connectionId, sourceId: src.id, mappingId: 'map-meters', config });
  const renameTable = (from: string, to: string) => {
    const d = new Database(file);
    d.exec(`ALTER TABLE ${from} RENAME TO ${to}`);
    d.close();
  };
  return { sourceId: src.id, jobId: job.id, renameTable };
}

const source = async (id: string) => (await t.ok<SourceInfo[]>('sources.list', {})).find((s) => s.id === id)!;
const run = async (jobId: string) => (await t.ok<{ run: RunSummary }>('jobs.run', { jobId, wait: true })).run;

it('turns to "error" when a run cannot read the database, says so on the dashboard, and clears when it reads again', async () => {
  const { sourceId, jobId, renameTable } = await readingsJob();
  expect((await run(jobId)).status).not.toBe('failed');
  expect((await source(sourceId)).status).toBe('idle');

  // Set before run.finished, on which the Sources page and the dashboard read the list again.
  let statusAtFinish: string | undefined;
  t.engine.events.subscribe((event) => {
    if (event === 'run.finished') statusAtFinish = t.engine.store.sources.get(sourceId)?.status;
  });
  renameTable('readings', 'readings_old');
  const failed = await run(jobId);
  expect(failed.status).toBe('failed');
  const broken = await source(sourceId);
  expect(broken.status).toBe('error');
  expect(broken.statusMessage).toBe(failed.error);
  expect(broken.statusMessage).toMatch(/readings/);
  expect(statusAtFinish).toBe('error');
  const items = attentionItems([], [broken], [], { errorOf: () => null, formatTime: (iso) => iso, now: new Date() });
  expect(items.find((i) => i.key === `source-${sourceId}`)).toMatchObject({
    label: 'Cannot read',
    text: 'The database source Meters cannot be read, so its new rows are not sent.',
    detail: failed.error,
    page: 'sources',
  });

  // A Test that still fails leaves it; one that passes clears it.
  expect((await t.ok<{ ok: boolean }>('sources.test', { sourceId })).ok).toBe(false);
  expect((await source(sourceId)).status).toBe('error');
  renameTable('readings_old', 'readings');
  expect((await t.ok<{ ok: boolean }>('sources.test', { sourceId })).ok).toBe(true);
  expect(await source(sourceId)).toMatchObject({ status: 'idle', statusMessage: null });

  // A run that reads it again clears it too.
  renameTable('readings', 'readings_old');
  expect((await run(jobId)).status).toBe('failed');
  expect((await source(sourceId)).status).toBe('error');
  renameTable('readings_old', 'readings');
  expect((await run(jobId)).status).not.toBe('failed');
  expect(await source(sourceId)).toMatchObject({ status: 'idle', statusMessage: null });

  // So does an edit, which is tested before it is saved: here, pointing it at the table's new name.
  renameTable('readings', 'meter_readings');
  expect((await run(jobId)).status).toBe('failed');
  expect((await source(sourceId)).status).toBe('error');
  await t.ok('sources.update', { sourceId, database: { table: 'meter_readings' } });
  expect(await source(sourceId)).toMatchObject({ status: 'idle', statusMessage: null });
});

it('is not marked by a run that failed on the platform side', async () => {
  const { sourceId, jobId } = await readingsJob();
  await t.sandbox.close();
  const failed = await run(jobId);
  expect(failed.status).toBe('failed');
  expect((await source(sourceId)).status).toBe('idle');
  // The run names the account it ran as, as its timeline does, though it never signed in.
  expect(failed.serviceAccount).toBe('sandbox-client');
});

it('reads nothing from a paused source: no scheduled slot, no Run now (refused with what to do), until it is resumed', async () => {
  const { sourceId, jobId } = await readingsJob({ schedule: '0 6 * * *' });
  t.engine.sync = new SyncService(t.engine);
  await t.engine.sync.start();
  await t.ok('sources.pause', { sourceId });

  const job = (await t.ok<JobInfo[]>('jobs.list', {})).find((j) => j.id === jobId)!;
  expect(job).toMatchObject({ sourcePaused: true, nextRunAt: null, paused: false });
  const refused = await t.call('jobs.run', { jobId, wait: true });
  expect(refused.error?.code).toBe('conflict');
  expect(refused.error?.message).toContain('reads "Meters", which is paused: nothing is read from it until it is resumed. Resume it on the Sources page');
  // A slot, a catch-up or held rows coming due start nothing.
  for (const trigger of ['schedule', 'catch-up', 'held'] as const) expect(t.engine.sync.trigger(jobId, trigger)).toBeNull();
  expect(t.engine.store.runs.lastForJob(jobId)).toBeNull();

  await t.ok('sources.resume', { sourceId });
  expect((await t.ok<JobInfo[]>('jobs.list', {})).find((j) => j.id === jobId)).toMatchObject({ sourcePaused: false, nextRunAt: expect.any(String) });
  expect((await run(jobId)).status).not.toBe('failed');
});

it('Count rows reads the source as a run would: a failure marks it, a count clears it', async () => {
  const { sourceId, renameTable } = await readingsJob();
  renameTable('readings', 'readings_old');
  const failed = await t.call('sources.countRows', { sourceId });
  expect(failed.ok).toBe(false);
  expect(await source(sourceId)).toMatchObject({ status: 'error', statusMessage: expect.stringMatching(/readings/) });
  renameTable('readings_old', 'readings');
  expect((await t.ok<SourceInfo>('sources.countRows', { sourceId })).rowCount).toBe(1);
  expect(await source(sourceId)).toMatchObject({ status: 'idle', statusMessage: null });
});

it('shows what changed in a table whose columns changed, and the next run reads its rows once the mapping follows', async () => {
  const { jobId } = await readingsJob();
  const file = join(t.root, 'meters.sqlite');
  const d = new Database(file);
  d.exec('ALTER TABLE readings RENAME COLUMN kwh TO kwh_total');
  d.close();
  const stopped = await run(jobId);
  expect(stopped).toMatchObject({ status: 'needs_attention', created: 0 });
  expect(stopped.error).toContain("The table's columns changed since the mapping was saved: renamed 'kwh' → 'kwh_total'");

  type Drift = { sourceKind: string; hasDrift: boolean; renamed: { from: string; to: string }[]; fileAvailable: boolean; headers: string[] };
  const drift = await t.ok<Drift>('mappings.drift', { runId: stopped.id });
  expect(drift).toMatchObject({ sourceKind: 'database', hasDrift: true, fileAvailable: false, renamed: [{ from: 'kwh', to: 'kwh_total' }] });
  expect(drift.headers).toContain('kwh_total');

  // The mapping follows the rename (as the wizard opened from the run does): no drift left, and the next run sends the row.
  const m = t.engine.store.mappings.get('map-meters')!;
  const profile = { ...(m.profile as Record<string, unknown>), shape: { kind: 'long', valueColumn: 'kwh_total' }, headerFingerprint: headerFingerprint(['id', 'Site', 'Month', 'kwh_total'], { orderInsensitive: true }) };
  t.engine.store.mappings.save({ id: m.id, name: m.name, sourceId: m.sourceId, connectionId: m.connectionId, fingerprint: null, profile }, new Date().toISOString());
  expect(await t.ok<Drift>('mappings.drift', { runId: stopped.id })).toMatchObject({ hasDrift: false });
  expect((await run(jobId)).status).not.toMatch(/failed|needs_attention/);
});

it('reads on when a table loses or gains a column the mapping does not read, and says so', async () => {
  const { jobId } = await readingsJob();
  const d = new Database(join(t.root, 'meters.sqlite'));
  // The id the mapping never read goes (a query trimmed to the mapped columns looks the same), a note column comes.
  d.exec('CREATE TABLE r2 (Site TEXT, Month TEXT, kwh REAL, note TEXT); INSERT INTO r2 SELECT Site, Month, kwh, NULL FROM readings; DROP TABLE readings; ALTER TABLE r2 RENAME TO readings');
  d.close();
  const r = await run(jobId);
  expect(r).toMatchObject({ status: 'succeeded', created: 1 });
  expect(t.engine.store.runs.events(r.id).map((e) => e.message)).toContain("The table no longer has 'id' and now also has 'note'; the mapping does not read those columns, so its rows are read as before.");
});

it('starts over: after a rejected row\'s code is mapped, the next run reads every row again and sends it, nothing twice', async () => {
  const { jobId } = await readingsJob({}, { watermark: true });
  const file = join(t.root, 'meters.sqlite');
  // A site the mapping rejects (not held): the job's watermark moves on past it.
  const m = t.engine.store.mappings.get('map-meters')!;
  const rejecting = { ...(m.profile as { entity: Record<string, unknown> }), entity: { kind: 'column', column: 'Site', valueMap: {}, unknownEntity: 'reject', matchCatalogue: false } };
  t.engine.store.mappings.save({ id: m.id, name: m.name, sourceId: m.sourceId, connectionId: m.connectionId, fingerprint: null, profile: rejecting }, new Date().toISOString());
  const d = new Database(file);
  d.prepare('INSERT INTO readings (Site, Month, kwh, updated_at) VALUES (?, ?, ?, ?)').run('ZZZ-99', '2024-02', 50, '2024-05-01 10:00:02');
  d.close();
  const first = await run(jobId);
  expect(first).toMatchObject({ status: 'succeeded_with_rejections', rejected: 2 });
  expect(t.engine.store.jobs.get(jobId)!.cursor).toBe('2024-05-01 10:00:02');
  // Mapping the codes alone does not bring the rows back: the watermark is past the first (only
  // rows at the watermark itself are read again).

  const mapped = { ...rejecting, entity: { ...rejecting.entity, valueMap: { 'LON-01': 'ent_lon01', 'ZZZ-99': 'ent_lyo01' } } };
  t.engine.store.mappings.save({ id: m.id, name: m.name, sourceId: m.sourceId, connectionId: m.connectionId, fingerprint: null, profile: mapped }, new Date().toISOString());
  expect(await run(jobId)).toMatchObject({ read: 1, created: 1 });
  expect(t.sandbox.listSubmissions()).toHaveLength(1);
  const r = await t.ok<{ job: JobInfo; note: string }>('jobs.startOver', { jobId });
  expect(r.note).toBe('The next run of "Meters to platform" reads every row of "Meters" again (it had read up to 2024-05-01 10:00:02); values already on the platform are not sent twice.');
  expect(t.engine.store.jobs.get(jobId)!.cursor).toBeNull();
  const again = await run(jobId);
  expect(again).toMatchObject({ status: 'succeeded', read: 2, created: 1, unchanged: 1, rejected: 0 });
  expect(t.sandbox.listSubmissions()).toHaveLength(2);
  // Once more: everything is on the platform already.
  await t.ok('jobs.startOver', { jobId });
  expect(await run(jobId)).toMatchObject({ status: 'succeeded', created: 0, unchanged: 2 });
  expect(t.sandbox.listSubmissions()).toHaveLength(2);
});
