/**
 * The sandbox's submissions export page by page: the exact JSON a page carries (field order and
 * values as the contract shows them), and the same rows whichever filters build the query.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openSandboxDb, type SandboxDb } from '../../../main/sandbox/db';
import { exportSubmissions, type PageQuery } from '../../../main/sandbox/exports';

const dbs: SandboxDb[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function seeded(): SandboxDb {
  const db = openSandboxDb(':memory:');
  dbs.push(db);
  const ins = db.prepare(
    `INSERT INTO submissions (id, metric_id, entity_id, period_start, period_end, value_json, value_num, unit, comment, evidence,
       version, created_at, created_by, updated_at, updated_by, deleted_at) VALUES (?, 'met_elec_cons', 'ent_lon01', ?, ?, ?, NULL, 'kWh', ?, ?, ?, ?, 'c1', ?, 'c2', ?)`,
  );
  const values = ['12.5', '"=SUM(A1)"', 'true', 'false', '0', '-3', '"text"'];
  for (let i = 0; i < 23; i++) {
    const day = `2024-01-${String(i + 1).padStart(2, '0')}`;
    // Pairs of rows share an updated_at, so the cursor's tie-break on seq is exercised.
    const stamp = `2025-01-01T00:00:${String(Math.floor(i / 2)).padStart(2, '0')}.000Z`;
    ins.run(`sub_${i}`, day, day, values[i % values.length], i % 3 === 0 ? 'note' : null, i % 4 === 0 ? 'e.pdf' : null, 1 + (i % 2), '2024-12-31T00:00:00.000Z', stamp, i % 5 === 4 ? stamp : null);
  }
  return db;
}

function all(db: SandboxDb, q: Omit<PageQuery, 'cursor'> & { includeDeleted: boolean }) {
  const rows: unknown[] = [];
  let cursor: string | null = null;
  do {
    const page = exportSubmissions(db, { ...q, cursor });
    rows.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return rows;
}

describe('sandbox exportSubmissions', () => {
  it('returns each row with the contract fields in order, the value parsed from its JSON', () => {
    const db = seeded();
    const page = exportSubmissions(db, { limit: 2, cursor: null, updatedSince: null, includeDeleted: false });
    expect(JSON.stringify(page.data)).toBe(
      JSON.stringify([
        {
          id: 'sub_0',
          metric_id: 'met_elec_cons',
          metric_code: 'ELEC_CONS',
          entity_id: 'ent_lon01',
          entity_external_ref: 'LON-01',
          period_start: '2024-01-01',
          period_end: '2024-01-01',
          unit: 'kWh',
          comment: 'note',
          evidence: 'e.pdf',
          version: 1,
          created_at: '2024-12-31T00:00:00.000Z',
          created_by: 'c1',
          updated_at: '2025-01-01T00:00:00.000Z',
          updated_by: 'c2',
          deleted_at: null,
          value: 12.5,
        },
        {
          id: 'sub_1',
          metric_id: 'met_elec_cons',
          metric_code: 'ELEC_CONS',
          entity_id: 'ent_lon01',
          entity_external_ref: 'LON-01',
          period_start: '2024-01-02',
          period_end: '2024-01-02',
          unit: 'kWh',
          comment: null,
          evidence: null,
          version: 2,
          created_at: '2024-12-31T00:00:00.000Z',
          created_by: 'c1',
          updated_at: '2025-01-01T00:00:00.000Z',
          updated_by: 'c2',
          deleted_at: null,
          value: '=SUM(A1)',
        },
      ]),
    );
    expect(page.next_cursor).not.toBeNull();
  });

  it('pages every filter combination without gaps or repeats, in (updated_at, seq) order', () => {
    const db = seeded();
    const ids = (rows: unknown[]) => rows.map((r) => (r as { id: string }).id);
    const live = Array.from({ length: 23 }, (_, i) => i)
      .filter((i) => i % 5 !== 4)
      .map((i) => `sub_${i}`);
    for (const limit of [1, 3, 1000]) {
      expect(ids(all(db, { limit, updatedSince: null, includeDeleted: false }))).toEqual(live);
      expect(ids(all(db, { limit, updatedSince: null, includeDeleted: true }))).toEqual(Array.from({ length: 23 }, (_, i) => `sub_${i}`));
      // Rows 10 and 11 share 00:05; only later ones are newer than it.
      expect(ids(all(db, { limit, updatedSince: '2025-01-01T00:00:05.000Z', includeDeleted: false }))).toEqual(live.filter((id) => Number(id.slice(4)) >= 12));
      expect(ids(all(db, { limit, updatedSince: '2025-01-01T00:00:05.000Z', includeDeleted: true }))).toEqual(
        Array.from({ length: 11 }, (_, i) => `sub_${i + 12}`),
      );
    }
    const values = all(db, { limit: 1000, updatedSince: null, includeDeleted: true }).map((r) => (r as { value: unknown }).value);
    expect(values.slice(0, 7)).toEqual([12.5, '=SUM(A1)', true, false, 0, -3, 'text']);
  });
});
