import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, Store } from '../../../main/engine/store';
import { Staging } from '../../../main/engine/sync/staging';

let store: Store;
beforeEach(() => {
  store = new Store(openDatabase(':memory:'));
});
afterEach(() => store.db.close());

const staged = (key: string, line: number, hash = `h-${key}`) => ({ naturalKey: key, line, valueColumn: 'Value', recordJson: JSON.stringify({ key, line }), hash });
const ledger = (key: string, hash: string, remoteId = `r-${key}`) =>
  store.ledger.upsert({ mappingId: 'm', naturalKey: key, connectionId: 'c', remoteId, contentHash: hash, lastRunId: null, updatedAt: 't' });

describe('Staging', () => {
  it('diffs in natural-key order across pages, reading records only for rows that changed', () => {
    const s = new Staging(store.db, 1);
    // Keys in file order are scattered; 2,500 rows make several pages of 1,000.
    const keys = Array.from({ length: 2500 }, (_, i) => `k${String((i * 7919) % 2500).padStart(5, '0')}`);
    keys.forEach((k, i) => s.add(staged(k, i + 2)));
    ledger('k00010', 'h-k00010'); // unchanged
    ledger('k00020', 'old'); // changed
    const rows = [...s.diff('m')];
    expect(rows.map((r) => r.naturalKey)).toEqual([...keys].sort());
    const byKey = new Map(rows.map((r) => [r.naturalKey, r]));
    expect(byKey.get('k00010')).toMatchObject({ record: null, ledgerHash: 'h-k00010', remoteId: 'r-k00010' });
    expect(byKey.get('k00020')).toMatchObject({ record: { key: 'k00020' }, ledgerHash: 'old', remoteId: 'r-k00020' });
    expect(byKey.get('k00030')).toMatchObject({ record: { key: 'k00030' }, ledgerHash: null, remoteId: null, line: keys.indexOf('k00030') + 2 });
    // The changed-only pass leaves out exactly the unchanged rows, which countUnchanged counts.
    const changed = [...s.diff('m', { changedOnly: true, pageSize: 7 })];
    expect(changed.map((r) => r.naturalKey)).toEqual(rows.filter((r) => r.record !== null).map((r) => r.naturalKey));
    expect(s.countUnchanged('m')).toBe(1);
    const tally = s.tally('m');
    expect(tally).toEqual({ staged: 2500, unchanged: 1 });
    expect(changed).toHaveLength(tally.staged - tally.unchanged);
    // A limit ends the walk after that many changed rows, across page boundaries; 0 reads nothing.
    expect([...s.diff('m', { changedOnly: true, pageSize: 7, limit: 10 })].map((r) => r.naturalKey)).toEqual(changed.slice(0, 10).map((r) => r.naturalKey));
    expect([...s.diff('m', { changedOnly: true, pageSize: 1000, limit: 2499 })]).toHaveLength(2499);
    expect([...s.diff('m', { changedOnly: true, limit: 0 })]).toEqual([]);
    s.clear();
  });

  it('lists every line of a duplicated key, and after dropping them the diff holds each remaining key once', () => {
    const s = new Staging(store.db, 2);
    s.add(staged('b', 2));
    s.add(staged('a', 3, 'x'));
    s.add(staged('c', 4));
    s.add(staged('a', 5, 'y'));
    s.add(staged('a', 9, 'x'));
    const dups = s.duplicates();
    expect(dups.map((d) => [d.naturalKey, d.line, d.others])).toEqual([
      ['a', 3, [5, 9]],
      ['a', 5, [3, 9]],
      ['a', 9, [3, 5]],
    ]);
    // Before the drop no row of the key is skipped by paging.
    expect([...s.diff('m', { pageSize: 1 })].map((r) => `${r.naturalKey}${r.line}`)).toEqual(['a3', 'a9', 'a5', 'b2', 'c4']);
    s.dropKeys(['a']);
    expect([...s.diff('m', { pageSize: 1 })].map((r) => r.naturalKey)).toEqual(['b', 'c']);
    s.clear();
  });

  it('finds the same duplicates whether it checks the suspected keys or, past its limit, every key', () => {
    const make = (runId: number, maxSuspects?: number) => {
      const s = new Staging(store.db, runId, maxSuspects);
      // 20,000 distinct keys (some share a hash bit by chance) and 30 keys written twice or three times.
      for (let i = 0; i < 20_000; i++) s.add(staged(`metric=m|entity=e${i % 97}|period=${i}`, i + 2));
      for (let i = 0; i < 30; i++) for (let n = 0; n < 1 + (i % 2); n++) s.add(staged(`metric=m|entity=e${(i * 600) % 97}|period=${i * 600}`, 30_000 + i * 3 + n));
      return s;
    };
    const suspected = make(4);
    const scanned = make(5, 0);
    const a = suspected.duplicates();
    expect(a).toHaveLength(30 * 2 + 15);
    expect(a).toEqual(scanned.duplicates());
    suspected.clear();
    scanned.clear();
  });

  it('finds no duplicates in a file without any', () => {
    const s = new Staging(store.db, 3);
    for (let i = 0; i < 50; i++) s.add(staged(`k${i}`, i + 2));
    expect(s.duplicates()).toEqual([]);
    s.clear();
  });
});
