import { expect, it } from 'vitest';
import { exportCounts, exportCountsPhrase, runCountStats } from '../../../shared/run-counts';

const base = { read: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, rejected: 0, held: 0 };

it("reads an export run's stored counts back as rows written, deleted on the platform and footprints skipped", () => {
  // As job-runner stores them: read = rows + skipped, created = rows - deleted, rejected = skipped.
  expect(exportCounts({ ...base, read: 105, created: 97, deleted: 3, rejected: 5 })).toEqual({ written: 100, deletedOnPlatform: 3, skipped: 5 });
});

it('labels an export run in rows, never in values created or updated', () => {
  const stats = runCountStats({ ...base, read: 10, created: 9, deleted: 1 }, true);
  expect(stats.map((s) => [s.label, s.value])).toEqual([
    ['Rows written', 10],
    ['Deleted on the platform', 1],
  ]);
  expect(runCountStats({ ...base, read: 12, created: 10, rejected: 2 }, true).at(-1)).toEqual({ label: 'Skipped', value: 2, tone: 'warn' });
});

it('labels an ingest run in values, held apart from rejected', () => {
  const stats = runCountStats({ ...base, read: 20, created: 10, updated: 2, unchanged: 3, rejected: 5, held: 2 }, false);
  expect(Object.fromEntries(stats.map((s) => [s.label, s.value]))).toEqual({ 'Rows read': 20, Created: 10, Updated: 2, Deleted: 0, Unchanged: 3, Rejected: 3, Held: 2 });
  expect(stats.find((s) => s.label === 'Rejected')?.tone).toBe('warn');
});

it('says an export in a phrase with the numbers formatted as asked', () => {
  expect(exportCountsPhrase({ ...base, read: 1, created: 1 })).toBe('1 row written');
  expect(exportCountsPhrase({ ...base, read: 1500, created: 1498, deleted: 2 }, (n) => n.toLocaleString('de-DE'))).toBe('1.500 rows written (2 of them deleted on the platform)');
});
