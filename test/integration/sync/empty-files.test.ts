/**
 * What a colleague's empty export tells the person reading the run: a file with only its header
 * "succeeded" with nothing sent, and says so; a 0-byte file fails, and what is written beside it in
 * failed/ is the reason, not "rejected rows".
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { billsFolderJob, onSandboxEachTest, runDroppedFile } from '../mappings-api/helpers';

const t = onSandboxEachTest('esg-empty-files-');

it('says a header-only file sent nothing, and writes a 0-byte file’s reason beside it', async () => {
  const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
  const headerOnly = join(folder, 'header-only.csv');
  writeFileSync(headerOnly, 'Site code,Month,Electricity (kWh)\r\n');
  const a = await runDroppedFile(t.engine, 'bills', headerOnly);
  expect(a).toMatchObject({ status: 'succeeded', read: 0 });
  expect(t.engine.store.runs.events(a.id).map((e) => e.message)).toContain('header-only.csv has its header row but no data rows, so nothing was sent. If rows were expected, check the export that wrote it.');

  const empty = join(folder, 'empty.csv');
  writeFileSync(empty, '');
  const b = await runDroppedFile(t.engine, 'bills', empty);
  expect(b.status).toBe('failed');
  const said = t.engine.store.runs.events(b.id).map((e) => e.message);
  expect(said.some((m) => m.startsWith('Wrote why the file failed to '))).toBe(true);
  expect(said.some((m) => m.startsWith('Wrote the rejected rows to'))).toBe(false);
  expect(existsSync(join(folder, 'failed', 'empty.csv'))).toBe(true);
});
