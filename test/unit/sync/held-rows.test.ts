import { expect, it } from 'vitest';
import type { RowError } from '../../../shared/domain';
import { HeldRows } from '../../../main/engine/sync/held-rows';

const heldValue = (column: string): RowError => ({ line: 4, column, value: '2026-12', reason: 'the period has not ended yet', held: true });
const rejectedValue = (column: string): RowError => ({ line: 4, column, value: 'abc', reason: 'not a number' });

it("counts a held row once among the rejected, as `held` counts it, so 'rejected − held' is what was really rejected", () => {
  // A wide row (electricity and gas) for a month not over: one row held, nothing rejected.
  expect(HeldRows.rejectedCount([heldValue('Electricity'), heldValue('Gas')], true)).toBe(1);
  // A row held for a code, with one value that is not a number either: 1 rejected + 1 held.
  expect(HeldRows.rejectedCount([heldValue('Electricity'), rejectedValue('Gas')], true)).toBe(2);
  expect(HeldRows.rejectedCount([rejectedValue('Electricity'), rejectedValue('Gas')], false)).toBe(2);
});

it('does not count rows only waiting for their period against the file', () => {
  const held = new HeldRows();
  held.endRow(true); // a code not mapped: a person maps it
  const early = new HeldRows();
  // A record whose only problem is its period: held, and the row ends as held for it.
  const problems = early.problems({ record: { periodEnd: '2026-12-31' } } as never, [heldValue('Electricity')]);
  expect(problems[0]!.held).toBe(true);
  expect(early.endRow(false)).toBe(true);
  expect(early.againstFile(1)).toBe(0);
  expect(held.againstFile(1)).toBe(1);
});
