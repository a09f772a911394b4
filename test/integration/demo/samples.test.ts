/**
 * The tour's sample files: realistic, repeatable, and readable by the agent's own readers with
 * the settings a person would choose — every site is one the sandbox platform knows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_SITES, electricityReport, fuelCardExport, tourFiles, wasteCollections } from '../../../main/engine/demo';
import { sampleFile } from '../../../main/engine/sources/readers';
import { SEED_ENTITIES } from '../../../main/sandbox';

const dir = mkdtempSync(join(tmpdir(), 'esg-demo-samples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function read(name: string, content: string) {
  const path = join(dir, name);
  writeFileSync(path, content);
  return sampleFile(path, 1000, {});
}

describe('sample files of the sandbox tour', () => {
  it('use only sites the sandbox platform has', () => {
    const refs = new Set(SEED_ENTITIES.map((e) => e.externalRef));
    for (const s of DEMO_SITES) expect(refs.has(s.code), s.code).toBe(true);
  });

  it('hold back the month after the one in the folder, relative to today', () => {
    const t = tourFiles(new Date('2026-01-15T10:00:00Z'));
    expect(t.initial.map((f) => f.name)).toEqual(['electricity-report-2025-11.csv', 'fuel-card-transactions-2025-11.csv', 'waste-collections-2025-11.csv']);
    expect(t.heldBack.name).toBe('electricity-report-2025-12.csv');
    // Same month, same bytes: the tour and its tests are repeatable.
    expect(tourFiles(new Date('2026-01-31T23:00:00Z')).heldBack.content).toBe(t.heldBack.content);
  });

  it('an electricity report has one row per site for its month, renewable never above the total', async () => {
    const r = await read('e.csv', electricityReport({ year: 2026, month: 9 }).content);
    expect(r.info.headers).toEqual(['Site code', 'Site name', 'Meter serial', 'Month', 'Electricity (kWh)', 'Renewable electricity (kWh)']);
    expect(r.rows.map((x) => x.cells['Site code'])).toEqual(['LON-01', 'MAN-02', 'BER-01', 'LYO-01']);
    for (const row of r.rows) {
      expect(row.cells.Month).toBe('Sep 2026');
      expect(Number(row.cells['Renewable electricity (kWh)'])).toBeLessThanOrEqual(Number(row.cells['Electricity (kWh)']));
      expect(Number(row.cells['Electricity (kWh)'])).toBeGreaterThan(10_000);
    }
  });

  it('a fuel card export never has two fill-ups of one product at one site on one day', async () => {
    const r = await read('f.csv', fuelCardExport({ year: 2026, month: 2 }).content);
    const keys = r.rows.map((x) => `${x.cells['Cost centre']}|${x.cells.Product}|${x.cells['Transaction date']}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(r.rows.every((x) => /^\d{2}\/02\/2026$/.test(String(x.cells['Transaction date'])))).toBe(true);
  });

  it('a waste log is read with its semicolons, and its weights use a decimal comma', async () => {
    const r = await read('w.csv', wasteCollections({ year: 2026, month: 9 }).content);
    expect(r.info.delimiter).toBe(';');
    expect(r.info.headers).toContain('Weight (kg)');
    expect(r.rows.length).toBeGreaterThan(8);
    expect(r.rows.every((x) => /^\d+,\d$/.test(String(x.cells['Weight (kg)'])))).toBe(true);
  });
});
