/**
 * Wording a first-time analyst reads on the Dashboard, History, run, Sources and wizard screens:
 * an export run is never said to send values, counts agree with their nouns, numbers are shown to
 * a meaningful precision and written so no reader takes a separator the wrong way, an export's
 * output and cursor read as facts, and a new source leads to the step that really comes next.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runExport } from '../../../main/engine/sync/export/runner';
import type { ExportItem } from '../../../main/engine/platforms/types';
import { cursorText, exportOutput } from '../../../renderer/export-run';
import { formatMeasure, plainNumber, runBadge, runOutcome, triggerLabel } from '../../../renderer/format';
import { nextStep, sourceStatus } from '../../../renderer/sources/status';
import type { SourceInfo } from '../../../shared/dto';
import { runStatusWords } from '../../../shared/run-status';

const counts = { status: 'succeeded' as const, finishedAt: '2026-12-07T11:07:43.000Z', read: 23, created: 23, updated: 0, deleted: 0, unchanged: 0, rejected: 0 };

describe('runOutcome', () => {
  it('says an export run exported rows; it never says it sent values', () => {
    expect(runOutcome(counts, 'export')).toBe('23 rows exported');
    expect(runOutcome({ ...counts, read: 1, created: 1 }, 'export')).toBe('1 row exported');
    expect(runOutcome({ ...counts, read: 5, created: 2, deleted: 3 }, 'export')).toBe('5 rows exported (3 deleted on the platform)');
    expect(runOutcome({ ...counts, read: 0, created: 0 }, 'export')).toBe('no new rows to export');
    // A PACT export stores skipped footprints in read and rejected; they were not written.
    expect(runOutcome({ ...counts, status: 'succeeded_with_rejections', read: 12, created: 10, rejected: 2 }, 'export')).toBe('10 rows exported, 2 footprints skipped');
    expect(runOutcome({ ...counts, status: 'failed', read: 0, created: 0 }, 'export')).toBe('nothing exported');
    for (const t of ['export', 'ingest', null] as const) expect(runOutcome({ ...counts, finishedAt: null }, t)).toBe('in progress');
    expect(runOutcome(counts, 'export')).not.toMatch(/sent/);
  });

  it('keeps the ingest line, with nouns in the number of their counts', () => {
    expect(runOutcome(counts, 'ingest')).toBe('23 rows read, 23 values sent');
    expect(runOutcome({ ...counts, read: 1, created: 1, unchanged: 2, rejected: 1 }, null)).toBe('1 row read, 1 value sent, 2 unchanged, 1 rejected');
    // A mirror run that only deleted sent no value.
    expect(runOutcome({ ...counts, read: 5, created: 0, deleted: 3, unchanged: 15 }, 'ingest')).toBe('5 rows read, 3 deleted on the platform, 15 unchanged');
    expect(runOutcome({ ...counts, read: 5, created: 1, updated: 1, deleted: 3 }, 'ingest')).toBe('5 rows read, 2 values sent, 3 deleted on the platform');
     // Held rows are counted among the rejected: the Dashboard's line says them apart, as the run page does.
    expect(runOutcome({ ...counts, read: 85, created: 0, unchanged: 83, rejected: 2, held: 1 }, 'ingest')).toBe('85 rows read, 83 unchanged, 1 rejected, 1 held');
    expect(runOutcome({ ...counts, read: 2, created: 1, rejected: 1, held: 1 }, 'ingest')).toBe('2 rows read, 1 value sent, 1 held');
  });
});

describe('trigger labels', () => {
  it('are words, capitalised, not the stored codes', () => {
    for (const [code, label] of Object.entries(triggerLabel)) {
      expect(label).not.toBe(code);
      expect(label[0]).toBe(label[0]!.toUpperCase());
    }
    expect(triggerLabel.manual).toBe('By hand');
  });
});

describe('formatMeasure', () => {
  it('shows at most 3 decimals, and 3 significant digits below 1', () => {
    expect(formatMeasure(92723.506944, 'en-US')).toBe('92,723.507');
    expect(formatMeasure(1200, 'en-US')).toBe('1,200');
    expect(formatMeasure(0.000123456, 'en-US')).toBe('0.000123');
    expect(formatMeasure(0.5, 'en-US')).toBe('0.5');
    expect(formatMeasure(0, 'en-US')).toBe('0');
    expect(formatMeasure(-3.14159, 'de-DE')).toBe('-3,142');
  });
});

describe('plainNumber', () => {
  it('writes the number without grouping, with the chosen decimal separator, and names its parts', () => {
    expect(plainNumber(12345.6, ',')).toEqual({ text: '12345,6', whole: '12345', decimals: '6' });
    expect(plainNumber(12345.6, '.')).toEqual({ text: '12345.6', whole: '12345', decimals: '6' });
    expect(plainNumber(1234567, ',')).toEqual({ text: '1234567', whole: '1234567', decimals: null });
    expect(plainNumber(-0.25, ',')).toEqual({ text: '-0,25', whole: '-0', decimals: '25' });
  });
});

describe('an export run’s output and cursor', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'esg-export-words-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const platform = (items: ExportItem[]) => ({
    exportColumns: () => ['id', 'updated_at', 'deleted_at'],
    exportStream: () =>
      (async function* () {
        yield* items;
      })(),
  });
  const live = (id: number, at: string): ExportItem => ({ row: { id: `s${id}`, updated_at: at, deleted_at: null }, updatedAt: at });
  const gone = (id: number, at: string): ExportItem => ({ row: { id: `s${id}`, updated_at: at, deleted_at: at }, updatedAt: at, deletedAt: at });

  // Read from the runner's own summary, so a change of its wording shows here rather than as a missing fact.
  it('finds the file or table the runner says it wrote, and nothing when it wrote none', async () => {
    const file = await runExport({ adapter: platform([live(1, '2026-12-07T11:07:42.758Z'), gone(2, '2026-12-07T11:07:42.900Z')]), dataset: 'd', updatedSince: '2026-12-01T00:00:00.000Z', destination: { kind: 'folder', folder: dir, format: 'csv', fileNamePattern: 'subs.csv' } });
    const said = [{ message: 'Exporting d rows new, changed or deleted after 2026-12-01T00:00:00.000Z.' }, { message: file.summary }, { message: 'Run finished: succeeded.' }];
    expect(exportOutput(said)).toEqual({ kind: 'file', path: join(dir, 'subs.csv') });

    const table = await runExport({ adapter: platform([live(1, '2026-12-07T11:07:42.758Z')]), dataset: 'd', updatedSince: null, destination: { kind: 'table', connection: { kind: 'sqlite', file: join(dir, 'bi.sqlite') }, table: 'esg rows', keyColumns: ['id'] } });
    expect(exportOutput([{ message: table.summary }])).toEqual({ kind: 'table', table: 'esg rows' });
    // A full run that removed rows no longer on the platform, and one that found its table gone, still name it.
    const tableDest = { kind: 'table' as const, connection: { kind: 'sqlite' as const, file: join(dir, 'bi.sqlite') }, table: 'esg rows', keyColumns: ['id'] };
    await runExport({ adapter: platform([live(1, '2026-12-07T11:07:42.758Z'), live(2, '2026-12-07T11:07:42.758Z')]), dataset: 'd', updatedSince: null, destination: tableDest });
    const pruned = await runExport({ adapter: platform([live(1, '2026-12-07T11:07:42.758Z')]), dataset: 'd', updatedSince: null, destination: tableDest });
    expect(pruned.summary).toMatch(/removed 1 row no longer on the platform/);
    expect(exportOutput([{ message: pruned.summary }])).toEqual({ kind: 'table', table: 'esg rows' });
    const refilled = await runExport({ adapter: platform([live(1, '2026-12-07T11:07:42.758Z')]), dataset: 'd', updatedSince: '2026-12-01T00:00:00.000Z', destination: { ...tableDest, table: 'new table' } });
    expect(refilled.summary).toMatch(/was not there, so every row was exported again/);
    expect(exportOutput([{ message: refilled.summary }])).toEqual({ kind: 'table', table: 'new table' });

    const none = await runExport({ adapter: platform([]), dataset: 'd', updatedSince: '2026-12-01T00:00:00.000Z', destination: { kind: 'folder', folder: dir, format: 'csv', fileNamePattern: 'empty.csv' } });
    expect(exportOutput([{ message: none.summary }])).toBeNull();
    // An ingest run's "Wrote the rejected rows to …" is no export output.
    expect(exportOutput([{ message: 'Wrote the rejected rows to /x/failed/a.errors.csv.' }])).toBeNull();
  });

  it('shows a cursor that is an ISO instant in the app’s time format, and any other cursor as it is', () => {
    const fmt = (iso: string) => `formatted(${iso})`;
    expect(cursorText('2026-12-07T11:07:42.758Z', fmt)).toBe('formatted(2026-12-07T11:07:42.758Z)');
    expect(cursorText('2026-12-07T11:07:42+01:00', fmt)).toBe('formatted(2026-12-07T11:07:42+01:00)');
    expect(cursorText('2024-05-01 10:00:02', fmt)).toBe('2024-05-01 10:00:02');
    expect(cursorText('2024-05-01', fmt)).toBe('2024-05-01');
    expect(cursorText('page-token:abc', fmt)).toBe('page-token:abc');
  });
});

describe('a source’s next step', () => {
  const source = (over: Partial<SourceInfo> = {}): SourceInfo => ({
    id: 'bills',
    name: 'Utility bills',
    kind: 'folder',
    location: '/data/bills',
    paused: false,
    sandbox: false,
    status: 'idle',
    statusMessage: null,
    createdAt: '2026-12-07T11:00:00.000Z',
    lastFile: null,
    lastWatermark: null,
    filesWaiting: 0,
    usedByJobs: [],
    ...over,
  });

  it('is a mapping for this source first (a job needs one), with a link that opens the wizard on it', () => {
    const n = nextStep(source(), [{ name: 'Other', sourceId: 'erp' }])!;
    expect(n.text).toMatch(/^Next, make a mapping for it/);
    expect(n.text).not.toMatch(/Jobs page/);
    expect(n.link).toEqual({ to: '/mappings/new?sourceId=bills', label: 'Make a mapping for “Utility bills”' });
  });

  it('is a job once the source has a mapping, and nothing once a job uses it', () => {
    const n = nextStep(source(), [{ name: 'Site electricity', sourceId: 'bills' }])!;
    expect(n.text).toMatch(/^Next, create a job that sends it through the mapping “Site electricity”/);
    expect(n.link.to).toBe('/jobs/new');
    expect(nextStep(source({ usedByJobs: ['Bills to platform'] }), [])).toBeNull();
  });

  it('leaves the list’s status sentence to say how the source is, not to send the person to the Jobs page', () => {
    expect(sourceStatus(source()).detail).toBe('No job takes files from this folder yet.');
    expect(sourceStatus(source({ kind: 'database', folder: null })).detail).toBe('Read when a job uses it.');
  });
});

describe('a run that only held rows', () => {
  it('reads "succeeded, some rows held" wherever its status is shown, and a run that also rejected rows does not', () => {
    expect(runBadge({ status: 'succeeded_with_rejections', rejected: 2, held: 2 })).toEqual({ label: 'Succeeded, some rows held', tone: 'info' });
    expect(runStatusWords({ status: 'succeeded_with_rejections', rejected: 2, held: 2 })).toBe('succeeded, some rows held');
    expect(runBadge({ status: 'succeeded_with_rejections', rejected: 3, held: 2 })).toEqual({ label: 'Succeeded with rejected rows', tone: 'warn' });
    expect(runStatusWords({ status: 'succeeded_with_rejections', rejected: 3, held: 2 })).toBe('succeeded with rejections');
    // Without counts (an older shape), the status alone speaks.
    expect(runBadge({ status: 'succeeded_with_rejections' }).label).toBe('Succeeded with rejected rows');
    expect(runBadge({ status: 'failed', rejected: 0, held: 0 })).toEqual({ label: 'Failed', tone: 'bad' });
  });
});
