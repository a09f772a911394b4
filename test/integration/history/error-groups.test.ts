/**
 * "Row errors by kind": a dropped file with three kinds of bad rows, run for real against the
 * sandbox platform, reads back as three groups with their row counts, values and lines — through
 * the engine's dispatcher (zod on params and result) and in `esg-sync history show`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ErrorGroups } from '../../../shared/mapping/error-groups';
import { runCliInProcess } from '../../helpers/cli-in-process';
import { billsFolderJob, energyCsv, onSandboxEachTest, runDroppedFile } from '../mappings-api/helpers';

const t = onSandboxEachTest('esg-error-groups-');

describe('history.errorGroups', () => {
  it('groups a run’s rejected and held rows by kind, largest first, with their values and lines', async () => {
    const { folder, mapping } = await billsFolderJob(t.engine, t.ok, t.root);
    const path = join(folder, 'bills-q3.csv');
    // Lines 20-24: five values that are not numbers (two distinct); 25-26: a site not mapped yet (held); 27: a bad month.
    writeFileSync(path, energyCsv(['LON-01,2024-07,tbc', 'LON-01,2024-08,tbc', 'MAN-02,2024-07,tbc', 'MAN-02,2024-08,approx 50', 'BER-01,2024-07,tbc', 'PAR-09,2024-07,100', 'PAR-09,2024-08,200', 'LON-01,July,300']));
    const run = await runDroppedFile(t.engine, 'bills', path);
    // The run keeps which version of the mapping it mapped with.
    expect(run).toMatchObject({ rejected: 8, held: 2, mappingId: mapping.id, mappingVersion: 1 });

    const r = await t.ok<ErrorGroups>('history.errorGroups', { runId: run.id });
    expect(r.otherKinds).toBe(0);
    expect(r.groups.map((g) => ({ column: g.column, held: g.held, rows: g.rows, lines: [g.firstLine, g.lastLine], values: g.values }))).toEqual([
      { column: 'Electricity (kWh)', held: false, rows: 5, lines: [20, 24], values: [{ value: 'tbc', rows: 4 }, { value: 'approx 50', rows: 1 }] },
      { column: 'Site code', held: true, rows: 2, lines: [25, 26], values: [{ value: 'PAR-09', rows: 2 }] },
      { column: 'Month', held: false, rows: 1, lines: [27, 27], values: [{ value: 'July', rows: 1 }] },
    ]);
    expect(r.groups[1]!.example).toMatch(/^'PAR-09' is not mapped to a platform site yet/);

    // The limit keeps the largest kinds and sums up the rest.
    const top = await t.ok<ErrorGroups>('history.errorGroups', { runId: run.id, limit: 1 });
    expect(top).toMatchObject({ otherKinds: 2, otherRows: 3 });
    expect(top.groups.map((g) => g.rows)).toEqual([5]);

    const cli = await runCliInProcess(['--data-dir', join(t.root, 'data'), 'history', 'show', String(run.id)]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('Row errors by kind (3):');
    expect(cli.stdout).toContain('Mapping: Bills, version 1');
    expect(cli.stdout).toMatch(/ {6}5 rows {2}column "Electricity \(kWh\)": 'tbc' is not a number/);
    expect(cli.stdout).toContain('"tbc" ×4, "approx 50" ×1; lines 20 to 24');
    expect(cli.stdout).toMatch(/ {6}2 held {2}column "Site code": 'PAR-09' is not mapped/);
    expect(cli.stdout).toContain('"PAR-09"; lines 25 and 26');
  });

  it('narrows the row list, its pages and its CSV to one kind, through the dispatcher and `history show --kind`', async () => {
    const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
    const path = join(folder, 'bills-q4.csv');
    // Lines 20, 22, 24: not numbers; 21, 23: bad months; 25: a site not mapped yet (held).
    writeFileSync(path, energyCsv(['LON-01,2024-07,tbc', 'LON-01,Aug,1', 'MAN-02,2024-07,approx 50', 'MAN-02,Sept,2', 'BER-01,2024-07,tbc', 'PAR-09,2024-07,100']));
    const run = await runDroppedFile(t.engine, 'bills', path);
    const groups = await t.ok<ErrorGroups>('history.errorGroups', { runId: run.id });
    const notNumber = groups.groups.find((g) => g.column === 'Electricity (kWh)')!;
    const month = groups.groups.find((g) => g.column === 'Month')!;
    expect(notNumber.kind).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(groups.groups.map((g) => g.kind)).size).toBe(groups.groups.length);
    // The id is the same on every call, so a page or a link can keep it.
    expect((await t.ok<ErrorGroups>('history.errorGroups', { runId: run.id })).groups.map((g) => g.kind)).toEqual(groups.groups.map((g) => g.kind));

    type Row = { id: number; line: number | null; value: string | null };
    const lines = (rows: Row[]) => rows.map((r) => r.line);
    expect(lines(await t.ok<Row[]>('history.errors', { runId: run.id, kind: notNumber.kind }))).toEqual([20, 22, 24]);
    expect(lines(await t.ok<Row[]>('history.errors', { runId: run.id, kind: month.kind }))).toEqual([21, 23]);
    // Keyset pages of one kind: the second page starts after the first page's last row.
    const first = await t.ok<Row[]>('history.errors', { runId: run.id, kind: notNumber.kind, limit: 2 });
    expect(lines(first)).toEqual([20, 22]);
    expect(lines(await t.ok<Row[]>('history.errors', { runId: run.id, kind: notNumber.kind, afterId: first[1]!.id, limit: 2 }))).toEqual([24]);
    // A well-formed kind of no row of this run lists nothing; a malformed one is refused.
    expect(await t.ok<Row[]>('history.errors', { runId: run.id, kind: '0123456789abcdef' })).toEqual([]);
    expect((await t.call('history.errors', { runId: run.id, kind: 'Month' })).error?.code).toBe('invalid_params');

    const csvPath = join(t.root, 'months.csv');
    expect(await t.ok('history.saveErrorsCsv', { runId: run.id, path: csvPath, kind: month.kind })).toEqual({ path: csvPath, rows: 2 });
    const csv = readFileSync(csvPath, 'utf8').trim().split(/\r?\n/);
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['21,Month,Aug', '23,Month,Sept']);

    const n = groups.groups.indexOf(month) + 1;
    const dataDir = join(t.root, 'data');
    const cliCsv = join(t.root, 'cli-months.csv');
    const cli = await runCliInProcess(['--data-dir', dataDir, 'history', 'show', String(run.id), '--kind', String(n), '--errors-csv', cliCsv]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`Row errors of kind ${n} (2):`);
    expect(cli.stdout).toMatch(/line 21 {2}Month {2}Aug/);
    expect(cli.stdout).not.toMatch(/line 20 /);
    expect(cli.stderr).toContain(`Wrote 2 row errors of kind ${n} to ${cliCsv}`);
    expect(readFileSync(cliCsv, 'utf8')).toBe(readFileSync(csvPath, 'utf8'));
    const byId = await runCliInProcess(['--data-dir', dataDir, 'history', 'show', String(run.id), '--kind', notNumber.kind]);
    expect(byId.stdout).toContain(`Row errors of kind ${notNumber.kind} (3):`);

    const wrong = await runCliInProcess(['--data-dir', dataDir, 'history', 'show', String(run.id), '--kind', '9']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`Run #${run.id} lists 3 kinds of row error; --kind takes a number from 1 to 3.`);
  });

  it('refuses a run that does not exist, and a limit out of range', async () => {
    expect((await t.call('history.errorGroups', { runId: 999 })).error?.code).toBe('not_found');
    expect((await t.call('history.errorGroups', { runId: 1, limit: 0 })).error?.code).toBe('invalid_params');
  });
});
