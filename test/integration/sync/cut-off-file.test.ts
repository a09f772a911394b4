/**
 * A colleague's copy that pauses half-way: the file's last line stops mid-row with no line end.
 * The run sends nothing, leaves the file where it is (not in failed/), and once the copy completes
 * the whole file is sent — the cut row included, not read as a row with empty cells.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { billsFolderJob, energyCsv, onSandboxEachTest, runDroppedFile } from '../mappings-api/helpers';

const t = onSandboxEachTest('esg-cut-off-');

it('sends nothing from a file cut off mid-row, keeps it, and sends it whole once the copy completes', async () => {
  const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
  const path = join(folder, 'bills-copying.csv');
  const whole = energyCsv(['BER-01,2024-07,4200']);
  const cut = whole.indexOf('BER-01,2024-07') + 'BER-01,20'.length;
  writeFileSync(path, whole.slice(0, cut));

  const first = await runDroppedFile(t.engine, 'bills', path);
  expect(first.status).toBe('failed');
  expect(t.sandbox.countSubmissions()).toBe(0);
  expect(t.engine.store.runs.get(first.id)!.error).toContain('(line 20) stops after 2 of its 3 fields, with no line end: the file looks cut off');
  const said = t.engine.store.runs.events(first.id).map((e) => e.message);
  expect(said).toContain('Left bills-copying.csv where it is, to be read again once the copy is complete.');
  expect(existsSync(path)).toBe(true);
  expect(existsSync(join(folder, 'failed', 'bills-copying.csv'))).toBe(false);

  appendFileSync(path, whole.slice(cut));
  const second = await runDroppedFile(t.engine, 'bills', path);
  expect(second).toMatchObject({ status: 'succeeded', created: 19, rejected: 0 });
  expect(t.sandbox.listSubmissions().some((s) => s.value === 4200 && s.periodStart === '2024-07-01')).toBe(true);
});
