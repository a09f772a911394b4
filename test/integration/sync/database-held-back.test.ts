/**
 * A database job whose watermark is held back by rows it holds says so where people look: jobs.list
 * (the Jobs page, `esg-sync job list`) carries why and since when, `esg-sync status` counts codes
 * left unmapped for a week (not periods still running, not a code that appeared yesterday), and all
 * of it clears once the codes are mapped and a run sends the rows. A real SQLite source, the
 * sandbox platform, and an engine clock the test moves (the CLI's own clock is the real one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { attentionItems } from '../../../shared/attention';
import type { JobDetail } from '../../../shared/contract/jobs';
import type { JobInfo, RunSummary, SourceInfo } from '../../../shared/dto';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { runCliInProcess } from '../../helpers/cli-in-process';
import { engineOnSandbox } from '../mappings-api/helpers';

const DAY = 24 * 3600_000;
let root: string;
let sandbox: RunningSandbox;
let t: Awaited<ReturnType<typeof engineOnSandbox>>;
/** The engine's clock: runs start "days ago", so the CLI (real time) sees a hold that old. */
let clock = 0;
const at = (ms: number) => new Date(ms).toISOString();

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-held-back-'));
  sandbox = await startSandbox({ port: 0 });
  clock = Date.now() - 10 * DAY;
  t = await engineOnSandbox(root, sandbox.url, { clock: { now: () => new Date(clock) } });
});

afterEach(async () => {
  await t.engine.stop();
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCliInProcess(['--data-dir', join(root, 'data'), ...args]);
const listed = async (name: string) => (await t.ok<JobInfo[]>('jobs.list', {})).find((j) => j.name === name)!;
const run = async (jobId: string) => (await t.ok<{ run: RunSummary }>('jobs.run', { jobId, wait: true })).run;
const attention = (jobs: JobInfo[], now: number) => attentionItems(jobs, [], [], { errorOf: () => null, formatTime: (iso) => iso, now: new Date(now) });

/** A SQLite table of meter readings, a mapping that holds unknown sites, and a job reading it by `updated_at`. */
async function metersJob(name: string, rows: [site: string, month: string, kwh: number, updatedAt: string][]) {
  const file = join(root, `${name}.sqlite`);
  const db = new Database(file);
  db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, Site TEXT, Month TEXT, kwh REAL, updated_at TEXT)');
  const ins = db.prepare('INSERT INTO readings (Site, Month, kwh, updated_at) VALUES (?, ?, ?, ?)');
  for (const r of rows) ins.run(...r);
  db.close();
  const src = await t.ok<SourceInfo>('sources.addDatabase', { name, kind: 'sqlite', file, table: 'readings', watermarkColumn: 'updated_at' });
  const connectionId = t.engine.store.connections.get('Sandbox')!.id;
  const mappingId = `map-${name}`;
  const saveMapping = (valueMap: Record<string, string>) => {
    const profile: MappingProfileInput = {
      schemaVersion: 1,
      name,
      sourceId: src.id,
      connectionId,
      shape: { kind: 'long', valueColumn: 'kwh' },
      metric: { kind: 'fixed', metricId: 'met_elec_cons' },
      entity: { kind: 'column', column: 'Site', valueMap, unknownEntity: 'hold' },
      period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
      headerFingerprint: headerFingerprint(['id', 'Site', 'Month', 'kwh', 'updated_at'], { orderInsensitive: true }),
    };
    t.engine.store.mappings.save({ id: mappingId, name, sourceId: src.id, connectionId, fingerprint: null, profile }, at(clock));
  };
  saveMapping({});
  const job = await t.ok<{ id: string }>('jobs.add', { name: `${name} to platform`, type: 'ingest', connectionId, sourceId: src.id, mappingId, config: {} });
  return { jobId: job.id, jobName: `${name} to platform`, sourceId: src.id, mappingId, saveMapping };
}

it('reports rows held for codes, since when, through runs and a moved watermark; status counts them after a week; mapping clears it', async () => {
  const { jobId, jobName, saveMapping } = await metersJob('Meters', [
    ['LON-01', '2024-01', 100, '2024-05-01 10:00:01'],
    ['PAR-09', '2024-01', 200, '2024-05-01 10:00:02'],
    ['LON-01', '2024-02', 300, '2024-05-01 10:00:03'],
    ['BER-77', '2024-02', 400, '2024-05-01 10:00:04'],
    ['PAR-09', '2024-02', 500, '2024-05-01 10:00:05'],
  ]);
  const t0 = clock;
  const first = await run(jobId);
  expect(first).toMatchObject({ status: 'succeeded_with_rejections', created: 2, held: 3 });
  const held = {
    watermark: '2024-05-01 10:00:02',
    since: at(t0),
    sinceRunId: first.id,
    runId: first.id,
    codes: 3,
    codesSince: at(t0),
    codeValues: ['BER-77', 'PAR-09'],
    moreCodes: false,
    codeSteps: ['Sites & periods'],
    periods: 0,
    periodsEnd: null,
    rejectedOther: 0,
  };
  expect((await listed(jobName)).heldBack).toEqual(held);
  // The Jobs page reads jobs.details: the same.
  expect((await t.ok<JobDetail[]>('jobs.details', {})).find((j) => j.id === jobId)!.heldBack).toEqual(held);
  // A day in, nothing for the dashboard: not the hold, and not "rows rejected" for rows only held.
  expect(attention(await t.ok<JobInfo[]>('jobs.list', {}), t0 + DAY)).toEqual([]);

  // Read again the next day, still not mapped: the same hold, now said by the newer run.
  clock = t0 + DAY;
  const second = await run(jobId);
  expect((await listed(jobName)).heldBack).toEqual({ ...held, runId: second.id });
  expect(attention(await t.ok<JobInfo[]>('jobs.list', {}), t0 + 6 * DAY)).toEqual([]);
  const week = attention(await t.ok<JobInfo[]>('jobs.list', {}), t0 + 7 * DAY);
  expect(week).toEqual([
    expect.objectContaining({ key: `held-${jobId}`, tone: 'warn', label: 'Codes not mapped', runId: second.id, page: 'history' }),
  ]);
  expect(week[0]!.text).toBe(`${jobName} has held back 3 rows since ${at(t0)}: their site codes are not mapped yet, so they are not sent, and every run reads again from watermark 2024-05-01 10:00:02.`);
  expect(week[0]!.detail).toBe("Map BER-77, PAR-09 in the mapping's “Sites & periods” step, then run the job; the run's page lists the rows.");

  // Without its note (as after an upgrade), the next run finds from history when the hold began.
  t.engine.store.heldBack.clear(jobId);
  clock = t0 + 1.5 * DAY;
  const third = await run(jobId);
  expect((await listed(jobName)).heldBack).toMatchObject({ since: at(t0), sinceRunId: first.id, runId: third.id, codesSince: at(t0) });

  // The CLI, on the same data folder, ten days after the hold began (its own clock is the real one).
  const list = await cli('job', 'list');
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(/NAME\s+TYPE\s+SCHEDULE\s+PAUSED\s+LAST\s+NEXT\s+HELD/);
  expect(list.stdout).toMatch(new RegExp(`${jobName}\\s+ingest.*\\s3 for codes\\n`));
  expect(list.stdout).toContain(`${jobName}: Held back since 2024-05-01 10:00:02.\n  3 rows wait for their site codes to be mapped (BER-77, PAR-09), since `);
  expect(list.stdout).toContain(`: map them in the mapping's “Sites & periods” step, then run the job, and they are sent.\n  Every run reads again from there until they are sent`);
  expect(list.stdout).toContain(`  See: esg-sync history show ${third.id}`);
  const json = await cli('--json', 'job', 'list');
  expect((JSON.parse(json.stdout) as JobInfo[]).find((j) => j.id === jobId)!.heldBack).toMatchObject({ codes: 3, runId: third.id });
  const show = await cli('job', 'show', jobName);
  expect(show.stdout).toContain('  held back: Held back since 2024-05-01 10:00:02.\n    3 rows wait for');
  const status = await cli('status');
  expect(status.code).toBe(1);
  expect(status.stdout).toContain(`  [Codes not mapped] ${jobName} has held back 3 rows since `);
  expect(status.stdout).toContain(`See: esg-sync history show ${third.id}`);

  // PAR-09 mapped: its rows are sent and the watermark moves on to BER-77's row, a new hold of
  // the watermark; rows have waited for a code all along, so that still counts from the start.
  saveMapping({ 'PAR-09': 'ent_lyo01' });
  clock = t0 + 2 * DAY;
  const fourth = await run(jobId);
  expect(fourth).toMatchObject({ status: 'succeeded_with_rejections', created: 2, held: 1 });
  expect((await listed(jobName)).heldBack).toEqual({ ...held, watermark: '2024-05-01 10:00:04', since: at(t0 + 2 * DAY), sinceRunId: fourth.id, runId: fourth.id, codes: 1, codeValues: ['BER-77'] });

  // BER-77 mapped too: the row is sent, the watermark moves to the last row, nothing is held back.
  saveMapping({ 'PAR-09': 'ent_lyo01', 'BER-77': 'ent_ber01' });
  clock = t0 + 3 * DAY;
  expect(await run(jobId)).toMatchObject({ status: 'succeeded', created: 1, rejected: 0 });
  expect(t.engine.store.jobs.get(jobId)!.cursor).toBe('2024-05-01 10:00:05');
  expect((await listed(jobName)).heldBack).toBeNull();
  expect(attention(await t.ok<JobInfo[]>('jobs.list', {}), Date.now())).toEqual([]);
  const after = await cli('job', 'list');
  expect(after.stdout).not.toContain('HELD');
  expect((await cli('status')).code).toBe(0);
});

it('says rows waiting for their period to end as information: never attention, however long', async () => {
  const thisMonth = new Date(clock).toISOString().slice(0, 7);
  const { jobId, jobName } = await metersJob('Early', [
    ['LON-01', '2024-03', 100, '2024-05-01 10:00:01'],
    ['LON-01', thisMonth, 200, '2024-05-01 10:00:02'],
  ]);
  const r = await run(jobId);
  expect(r).toMatchObject({ status: 'succeeded', created: 1, held: 1, rejected: 1 });
  const heldBack = (await listed(jobName)).heldBack!;
  expect(heldBack).toMatchObject({ watermark: '2024-05-01 10:00:02', runId: r.id, codes: 0, codesSince: null, codeValues: [], codeSteps: [], periods: 1, rejectedOther: 0 });
  expect(heldBack.periodsEnd).toMatch(new RegExp(`^${thisMonth}-\\d\\d$`));
  expect(attention(await t.ok<JobInfo[]>('jobs.list', {}), clock + 90 * DAY)).toEqual([]);
  expect((await cli('status')).code).toBe(0);
  expect((await cli('job', 'list')).stdout).toContain(`${jobName}: Held back since 2024-05-01 10:00:02.\n  1 row waits for its period to end (the last on ${heldBack.periodsEnd}): it is sent on its own then, nothing to do.`);
});

it('forgets the hold when the job is pointed at another source', async () => {
  const { jobId, jobName } = await metersJob('Moved', [['PAR-09', '2024-01', 1, '2024-05-01 10:00:01']]);
  await run(jobId);
  expect((await listed(jobName)).heldBack).toMatchObject({ codes: 1 });
  const other = await metersJob('Other', [['LON-01', '2024-01', 1, '2024-05-01 10:00:01']]);
  const job = t.engine.store.jobs.get(jobId)!;
  await t.ok('jobs.update', { jobId, name: job.name, type: 'ingest', connectionId: job.connectionId, sourceId: other.sourceId, mappingId: other.mappingId, config: job.config });
  expect((await listed(jobName)).heldBack).toBeNull();
});
