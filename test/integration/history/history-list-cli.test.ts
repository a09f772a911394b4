/**
 * `esg-sync history`: held rows (waiting for a code to be mapped or a period to end) are not
 * counted as rejected, as on the run's page and in History; they have their own column.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Store } from '../../../main/engine/store';
import { removeDir } from '../../helpers/agent-process';
import { runCliInProcess } from '../../helpers/cli-in-process';

const dataDir = mkdtempSync(join(tmpdir(), 'esg-history-list-'));
afterAll(() => removeDir(dataDir));

it('lists held rows apart from the rejected', async () => {
  const store = Store.open(dataDir);
  const run = store.runs.create({ jobId: null, jobName: 'Meters', trigger: 'manual', startedAt: '2026-12-07T10:00:00.000Z' });
  // The run counts held values among the rejected (1 rejected, 2 held).
  store.runs.update(run.id, { status: 'succeeded_with_rejections', finishedAt: '2026-12-07T10:00:05.000Z', read: 10, created: 7, rejected: 3, held: 2 });
  store.close();
  const r = await runCliInProcess(['--data-dir', dataDir, 'history']);
  expect(r.code).toBe(0);
  const [head, row] = r.stdout.trim().split('\n');
  const cells = (line: string) => line.trim().split(/\s{2,}/);
  const at = (name: string) => cells(row!)[cells(head!).indexOf(name)];
  expect([at('REJECTED'), at('HELD'), at('CREATED')]).toEqual(['1', '2', '7']);
  // In words, as everywhere else: not the stored code.
  expect(at('STATUS')).toBe('succeeded with rejections');
  const json = JSON.parse((await runCliInProcess(['--data-dir', dataDir, '--json', 'history'])).stdout) as { rejected: number; held: number }[];
  expect(json[0]).toMatchObject({ rejected: 3, held: 2 });
});

it('says a run whose only unsent rows are held as succeeded with rows held', async () => {
  const store = Store.open(dataDir);
  const run = store.runs.create({ jobId: null, jobName: 'Held only', trigger: 'manual', startedAt: '2026-12-07T10:30:00.000Z' });
  store.runs.update(run.id, { status: 'succeeded_with_rejections', finishedAt: '2026-12-07T10:30:05.000Z', read: 2, created: 1, rejected: 1, held: 1 });
  store.close();
  const r = await runCliInProcess(['--data-dir', dataDir, 'history']);
  const line = r.stdout.split('\n').find((l) => l.trim().startsWith(String(run.id)))!;
  expect(line).toContain('succeeded, some rows held');
  expect(line).not.toContain('succeeded_with_rejections');
});

it('shows a run still marked running while no agent runs as interrupted', async () => {
  const store = Store.open(dataDir);
  const cut = store.runs.create({ jobId: null, jobName: 'Cut off', trigger: 'schedule', startedAt: '2026-12-07T11:00:00.000Z' });
  store.close();
  const r = await runCliInProcess(['--data-dir', dataDir, 'history']);
  const line = r.stdout.split('\n').find((l) => l.trim().startsWith(String(cut.id)))!;
  expect(line).toContain('interrupted (no agent runs)');
});
