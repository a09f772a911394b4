/**
 * A totals row a colleague left at the bottom of a file ('Total' in the site column) is the sum of
 * the rows above it: the run skips it and says so, instead of holding it as a site to map.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { billsFolderJob, energyCsv, onSandboxEachTest, runDroppedFile } from '../mappings-api/helpers';

const t = onSandboxEachTest('esg-totals-');

it('skips totals rows, sends the rest, and says which line it skipped', async () => {
  const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
  const path = join(folder, 'bills-with-total.csv');
  writeFileSync(path, energyCsv(['Total,2024-06,230000', 'Grand total:,2024-06,460000', 'NEW-99,2024-06,5']));

  const run = await runDroppedFile(t.engine, 'bills', path);
  // NEW-99 is still a code to map; the totals are not.
  expect(run).toMatchObject({ created: 18, read: 21 });
  expect(run.rejected).toBe(1);
  expect(t.sandbox.countSubmissions()).toBe(18);
  const said = t.engine.store.runs.events(run.id).map((e) => e.message);
  expect(said).toContain("Line 20 ('Total') and 1 row like it look like a totals row: skipped, as a total of the rows above would count their values twice.");
  const errors = t.engine.store.runs.errors(run.id, 0, 10);
  expect(errors.map((e) => e.value)).toEqual(['NEW-99']);
});
