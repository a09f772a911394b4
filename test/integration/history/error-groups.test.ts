/**
 * "Row errors by kind": a dropped file with three kinds of bad rows, run for real against the
 * sandbox platform, reads back as three groups with their row counts, values and lines — through
 * the engine's dispatcher (zod on params and result) and in `esg-sync history show`.
 */
import { writeFileSync } from 'node:fs';
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
    expect(cli.stdout).toContain('"tbc" ×4, "approx 50" ×1; lines 20–24');
    expect(cli.stdout).toMatch(/ {6}2 held {2}column "Site code": 'PAR-09' is not mapped/);
    expect(cli.stdout).toContain('"PAR-09"; lines 25–26');
  });

  it('refuses a run that does not exist, and a limit out of range', async () => {
    expect((await t.call('history.errorGroups', { runId: 999 })).error?.code).toBe('not_found');
    expect((await t.call('history.errorGroups', { runId: 1, limit: 0 })).error?.code).toBe('invalid_params');
  });
});
