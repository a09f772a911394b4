/**
 * A dropped file written with the other decimal separator than the mapping's: '12.500,5' is
 * rejected cell by cell, but '98.001' reads under either convention and would be sent a thousand
 * times too small. The run sends nothing and waits for a person; once the mapping reads decimal
 * commas, the same file sends the values it meant. A file of the mapping's own convention with one
 * typo still sends its good rows, and says what the typo looks like.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MappingInfo, RunSummary } from '../../../shared/dto';
import type { MappingProfile } from '../../../shared/mapping';
import { billsFolderJob, onSandboxEachTest, runDroppedFile } from '../mappings-api/helpers';

const t = onSandboxEachTest('esg-number-format-');

const header = 'Site code,Month,Electricity (kWh)';
const europeanRows = ['LON-01,2024-01,"12.500,5"', 'LON-01,2024-02,98.001', 'MAN-02,2024-01,60.000', 'MAN-02,2024-02,"812,4"', 'BER-01,2024-01,700'];

describe('a file written with the other decimal separator', () => {
  it('sends nothing, waits, and sends the meant values once the mapping reads decimal commas', async () => {
    const { folder, mapping } = await billsFolderJob(t.engine, t.ok, t.root);
    const path = join(folder, 'bills-eu.csv');
    writeFileSync(path, [header, ...europeanRows].join('\n') + '\n');

    const run = await runDroppedFile(t.engine, 'bills', path);
    expect(run.status).toBe('needs_attention');
    expect(t.sandbox.countSubmissions()).toBe(0);
    const stored = t.engine.store.runs.get(run.id)!;
    expect(stored.error).toContain("written with ',' as the decimal separator (e.g. '12.500,5' on line 2, column 'Electricity (kWh)'), but the mapping reads '.'");
    expect(stored.error).toContain("2 values such as '98.001' (line 3) would have been sent as 98.001 instead of 98001, so nothing was sent.");
    // The file waits in the folder for the decision, as a file whose columns changed does.
    expect(existsSync(path)).toBe(true);

    const got = await t.ok<{ profile: MappingProfile }>('mappings.get', { mappingId: mapping.id });
    await t.ok<MappingInfo>('mappings.save', { id: mapping.id, profile: { ...got.profile, transforms: { ...got.profile.transforms, number: { ...got.profile.transforms.number, decimal: ',' } } } });
    const again = await t.ok<{ queued: boolean; run: RunSummary }>('mappings.retryFile', { runId: run.id });
    expect(again.run).toMatchObject({ status: 'succeeded', created: 5, rejected: 0 });
    const values = t.sandbox
      .listSubmissions()
      .map((s) => s.value)
      .sort((a, b) => Number(a) - Number(b));
    expect(values).toEqual([700, 812.4, 12500.5, 60000, 98001]);
  });

  it('in a file of the mapping’s own convention, a typo is rejected alone and said to look like a decimal comma', async () => {
    const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
    const path = join(folder, 'bills-typo.csv');
    writeFileSync(path, [header, 'LON-01,2024-01,1234.56', 'LON-01,2024-02,"12,5"', 'MAN-02,2024-01,98.001', 'MAN-02,2024-02,17.25'].join('\n') + '\n');

    const run = await runDroppedFile(t.engine, 'bills', path);
    expect(run).toMatchObject({ status: 'succeeded_with_rejections', created: 3, rejected: 1 });
    expect(t.sandbox.countSubmissions()).toBe(3);
    const said = t.engine.store.runs.events(run.id).map((e) => e.message);
    expect(said).toContain(
      "1 rejected value looks written with ',' as the decimal separator (e.g. '12,5' on line 3, column 'Electricity (kWh)'); the mapping reads '.'. If the export changed, set the decimal separator to ',' in the Units step (Update mapping) and send the file again; otherwise correct the file and drop it again.",
    );
  });
});
