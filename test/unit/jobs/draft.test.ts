import { describe, expect, it } from 'vitest';
import { methods } from '../../../shared/api';
import { JobConfig } from '../../../shared/jobs';
import { draftFromJob, draftToParams, emptyDraft, fileNamePreview, isFullPath, validateDraft, type JobDraft } from '../../../renderer/jobs/draft';
import type { JobDetail } from '../../../shared/contract/jobs';

const ingest = (): JobDraft => ({ ...emptyDraft('Europe/London'), name: 'Bills', connectionId: 'c1', sourceId: 's1', mappingId: 'm1' });
const exportDraft = (patch: Partial<JobDraft['export']> = {}): JobDraft => {
  const d = emptyDraft('UTC');
  return { ...d, name: 'Submissions out', type: 'export', connectionId: 'c1', export: { ...d.export, dataset: 'submissions', folder: '/srv/out', ...patch } };
};

/** A saved job as jobs.get returns it, built from the params the form sent. */
function detailOf(params: ReturnType<typeof draftToParams>): JobDetail {
  return {
    id: 'j1',
    name: params.name,
    type: params.type,
    connectionId: params.connectionId,
    sourceId: params.sourceId ?? null,
    mappingId: params.mappingId ?? null,
    schedule: params.config.schedule ?? null,
    timezone: params.config.timezone ?? 'UTC',
    scheduleText: null,
    paused: false,
    lastRun: null,
    nextRunAt: null,
    config: JobConfig.parse(params.config),
    cursor: null,
    createdAt: '2026-01-01T00:00:00Z',
    databasePasswordSaved: false,
    datasetLabel: null,
  };
}

describe('job form draft', () => {
  it('an ingest draft becomes params the contract accepts, and reads back unchanged', () => {
    const d = ingest();
    d.ingest = { mirror: true, maxDeletePercent: '25', rejectPolicy: 'all-or-nothing', replaceExisting: true, batchSize: '200', afterRun: 'leave', datasourceId: '' };
    d.schedule = { kind: 'weekly', weekday: 3, time: '07:15' };
    d.catchUp = 'skip';
    expect(validateDraft(d, { sourceKind: 'folder' })).toEqual({});
    const params = draftToParams(d);
    const parsed = methods['jobs.add'].params.parse(params);
    expect(parsed.config).toMatchObject({ schedule: '15 7 * * 3', timezone: 'Europe/London', catchUp: 'skip', ingest: { mirror: true, maxDeleteShare: 0.25, rejectPolicy: 'all-or-nothing', replaceExisting: true, batchSize: 200, afterRun: 'leave' } });
    expect(parsed.config.export).toBeUndefined();
    expect(draftFromJob(detailOf(params))).toEqual(d);
  });

  it('an export to PostgreSQL carries the password only when one is typed, and never reads one back', () => {
    const d = exportDraft({ destination: 'database', database: 'postgres', dbName: 'bi', user: 'esg', password: 's3cret', table: 'esg_submissions', keyColumns: 'id, period' });
    expect(validateDraft(d)).toEqual({});
    const params = draftToParams(d);
    const parsed = methods['jobs.add'].params.parse(params);
    expect(parsed.databasePassword).toBe('s3cret');
    expect(parsed.sourceId).toBeNull();
    expect(parsed.config.export!.destination).toEqual({ kind: 'database', database: 'postgres', host: '127.0.0.1', name: 'bi', user: 'esg', table: 'esg_submissions', keyColumns: ['id', 'period'] });
    const back = draftFromJob(detailOf(params));
    expect(back.catchUp).toBe('default'); // a new job follows the agent's setting
    expect(draftToParams({ ...back, catchUp: 'run-once' }).config.catchUp).toBe('run-once');
    expect(back.export.password).toBe('');
    expect(back.export.keyColumns).toBe('id, period');
    expect(draftToParams({ ...d, export: { ...d.export, password: '' } })).not.toHaveProperty('databasePassword');
  });

  it('an export says what each run writes: changes by default, or everything, and reads it back', () => {
    const changes = draftToParams(exportDraft());
    expect(methods['jobs.add'].params.parse(changes).config.export!.contents).toBe('changes');
    const d = exportDraft({ contents: 'everything', fileName: 'esg-latest' });
    const params = draftToParams(d);
    expect(methods['jobs.add'].params.parse(params).config.export).toMatchObject({ contents: 'everything', destination: { kind: 'folder', fileName: 'esg-latest' } });
    expect(draftFromJob(detailOf(params)).export.contents).toBe('everything');
    // Saved before the choice existed: the incremental export it always was.
    expect(JobConfig.parse({ export: { dataset: 'submissions', destination: { kind: 'folder', path: '/srv/out' } } }).export!.contents).toBe('changes');
  });

  it('carries an Altruistiq datasource id, and saved settings the form does not edit, through an edit', () => {
    const d = { ...ingest(), ingest: { ...ingest().ingest, datasourceId: ' ds-42 ' } };
    expect(validateDraft({ ...d, ingest: { ...d.ingest, datasourceId: '' } }, { connectionKind: 'altruistiq' }).datasourceId).toMatch(/give the id of the datasource/);
    expect(validateDraft({ ...d, ingest: { ...d.ingest, datasourceId: 'a/b' } }, { connectionKind: 'altruistiq' }).datasourceId).toMatch(/one path segment/);
    expect(validateDraft(d, { connectionKind: 'altruistiq' })).toEqual({});
    expect(validateDraft({ ...d, ingest: { ...d.ingest, datasourceId: '' } }, { connectionKind: 'esg-api' })).toEqual({});
    const params = draftToParams(d);
    expect(params.config.ingest).toMatchObject({ datasourceId: 'ds-42' });
    // A setting a newer engine saved, unknown to this form, survives: load → save sends it back.
    const detail = detailOf(params);
    (detail.config.ingest as Record<string, unknown>).futureSetting = 'keep me';
    const again = draftToParams(draftFromJob(detail));
    expect(again.config.ingest).toMatchObject({ datasourceId: 'ds-42', futureSetting: 'keep me', mirror: false });
  });

  it('names each missing or wrong field in words', () => {
    const blank = { ...emptyDraft('UTC'), schedule: { kind: 'none' as const } };
    const e = validateDraft(blank, { sourceKind: 'database' });
    expect(Object.keys(e).sort()).toEqual(['connectionId', 'mappingId', 'name', 'schedule', 'sourceId']);
    expect(e.schedule).toMatch(/only run by hand/);
    // A folder job may rely on file arrival alone.
    expect(validateDraft({ ...ingest(), schedule: { kind: 'none' } }, { sourceKind: 'folder' })).toEqual({});
    expect(validateDraft({ ...ingest(), ingest: { ...ingest().ingest, batchSize: '5000' } }).batchSize).toMatch(/1 to 1000/);
    expect(validateDraft({ ...ingest(), ingest: { ...ingest().ingest, mirror: true, maxDeletePercent: '150' } }).maxDeletePercent).toMatch(/0 to 100/);

    expect(validateDraft(exportDraft({ folder: 'exports' })).folder).toMatch(/full path/);
    expect(validateDraft(exportDraft({ fileName: 'out/{dataset}' })).fileName).toMatch(/cannot contain/);
    expect(validateDraft(exportDraft({ fileName: '{dataset}-{week}' })).fileName).toMatch(/Unknown token \{week\}/);
    const db = validateDraft(exportDraft({ destination: 'database', database: 'mysql', table: 'a.b.c', keyColumns: ' , ', port: '70000' }));
    expect(Object.keys(db).sort()).toEqual(['dbName', 'keyColumns', 'port', 'table', 'user']);
    expect(validateDraft(exportDraft({ destination: 'database', database: 'sqlite', file: 'bi.sqlite', table: 't' })).file).toMatch(/full path/);
  });

  it('previews the export file name as the engine builds it', () => {
    const now = new Date(2026, 10, 23, 6, 5, 9);
    expect(fileNamePreview('{dataset}-{yyyy}{mm}{dd}-{hh}{MM}{ss}', { dataset: 'submissions', job: 'x', format: 'csv', now })).toEqual({ name: 'submissions-20261123-060509.csv' });
    expect(fileNamePreview('{job}_{date}.{ext}', { dataset: 'd', job: 'Q4/report', format: 'xlsx', now })).toEqual({ name: 'Q4_report_2026-11-23.xlsx' });
    expect(fileNamePreview('a:b', { dataset: 'd', job: 'j', format: 'csv', now })).toHaveProperty('problem');
    // The preview names the file as the run will: by the job's time zone.
    const tokyoMorning = new Date(Date.UTC(2026, 10, 22, 17, 30, 0));
    expect(fileNamePreview('{date}', { dataset: 'd', job: 'j', format: 'csv', now: tokyoMorning, timeZone: 'Asia/Tokyo' })).toEqual({ name: '2026-11-23.csv' });
  });

  it('recognises full paths on POSIX and Windows', () => {
    for (const p of ['/srv/x', 'C:\\Exports', 'd:/out', '\\\\server\\share']) expect(isFullPath(p)).toBe(true);
    for (const p of ['exports', './x', '~/x', '']) expect(isFullPath(p)).toBe(false);
  });
});
