/**
 * Smoke test of the benchmark harness (test/bench): its measurement helpers, its data generator
 * and mapping, its baselines and its report, on tiny inputs, so `npm run bench` cannot rot
 * silently between runs. The benchmarks themselves are not run here.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyProfile, parseProfile, validateRecord, type Catalogue } from '../../../shared/mapping';
import { SEED_ENTITIES, SEED_METRICS } from '../../../main/sandbox';
import { benchProfile, csvLine, csvParseAlone, csvStringifyAlone, HEADERS, sampleCsv, writeBenchCsv } from '../../bench/lib/data';
import { parseProcStat, parseProcStatus, readMemory } from '../../bench/lib/proc';
import { mergeResults, renderTable, writeReport, type BenchReport, type ReportedResult } from '../../bench/lib/report';
import { parseBenchArgs, percentile, platformCeiling, ratioFigure, spread, timeMany } from '../../bench/lib/stats';

const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench statistics', () => {
  it('percentiles use the nearest rank and spread summarises a sample', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 95)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
    expect(() => percentile([], 50)).toThrow(/empty/);
    expect(spread(xs)).toEqual({ n: 10, min: 1, p50: 5, p95: 10, max: 10 });
  });

  it('a ratio uses the fastest baseline run and checks the budget', () => {
    const f = ratioFigure(1000, 2, [{ rows: 1000, seconds: 1 }, { rows: 1000, seconds: 0.5 }], 0.3);
    expect(f.rowsPerSecond).toBe(500);
    expect(f.baselineRowsPerSecond).toBe(2000);
    expect(f.ratio).toBe(0.25);
    expect(f.pass).toBe(false);
    expect(ratioFigure(1000, 1, [{ rows: 1000, seconds: 1 }], 0.8).pass).toBe(true);
    expect(() => ratioFigure(1, 1, [], 0.3)).toThrow(/baseline/);
  });

  it('the platform ceiling is the ratio a platform taking one row at a time allows', () => {
    // 1,000 rows cost the platform 0.02 CPU-s (20 µs a row: 50,000 rows/s at most); csv-parse reads 300,000 rows/s.
    expect(platformCeiling(1000, 0.02, 300_000)).toBe(0.167);
    expect(platformCeiling(1000, 0, 300_000)).toBeNull();
  });

  it('timeMany times each call', async () => {
    let calls = 0;
    const times = await timeMany(() => void calls++, 5, 2);
    expect(times).toHaveLength(5);
    expect(calls).toBe(7);
    expect(times.every((t) => t >= 0)).toBe(true);
  });

  it('parses --quick, --only and --keep, and refuses anything else', () => {
    expect(parseBenchArgs([])).toEqual({ quick: false, only: null, keep: false });
    const a = parseBenchArgs(['--quick', '--only', '1,3', '--keep']);
    expect([...a.only!]).toEqual([1, 3]);
    expect(a.quick && a.keep).toBe(true);
    expect([...parseBenchArgs(['--only=7']).only!]).toEqual([7]);
    expect(() => parseBenchArgs(['--only', '9'])).toThrow(/no benchmark 9/);
    expect(() => parseBenchArgs(['--fast'])).toThrow(/Unknown option/);
  });
});

describe('bench process readings', () => {
  it('reads peak and current RSS from a /proc status text', () => {
    expect(parseProcStatus('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n')).toEqual({ peakRssMb: 200, rssMb: 100 });
    expect(() => parseProcStatus('Name: node\n')).toThrow(/VmHWM/);
  });

  it('reads CPU seconds from a /proc stat line whose command has spaces and parentheses', () => {
    const fields = ['S', ...Array.from({ length: 10 }, () => '0'), '250', '50', '0', '0'];
    expect(parseProcStat(`1234 (node (bench) x) ${fields.join(' ')}`)).toBe(3);
  });

  it('reads this process memory', () => {
    const m = readMemory();
    expect(m!.peakRssMb).toBeGreaterThanOrEqual(m!.rssMb * 0.5);
    expect(m!.rssMb).toBeGreaterThan(10);
  });
});

describe('bench data and baselines', () => {
  it('every generated row maps to a valid record, with the value map and unit conversions applied', () => {
    const profile = parseProfile(benchProfile('src', 'conn'));
    const catalogue: Catalogue = {
      metrics: SEED_METRICS.map((m) => ({ id: m.id, code: m.code, name: m.name, unit: m.unit, category: m.category, valueType: m.valueType, custom: m.custom, writable: m.apiWritable })),
      entities: SEED_ENTITIES.map((e) => ({ id: e.id, name: e.name, externalRef: e.externalRef, type: e.type })),
    };
    const keys = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const cells = Object.fromEntries(HEADERS.map((h, j) => [h, csvLine(i).split(',')[j]!]));
      const applied = applyProfile(profile, { line: i + 2, cells }, catalogue);
      expect(applied.errors).toEqual([]);
      expect(applied.records).toHaveLength(1);
      const rec = applied.records[0]!;
      expect(validateRecord(rec, catalogue, { now: new Date('2026-01-02T00:00:00Z') })).toEqual([]);
      keys.add(rec.naturalKey);
      if (cells.Metric === 'Strom') expect(rec.record.value).toBeCloseTo(Number(cells.Value) * 1000, 6); // MWh → kWh
      if (cells.Metric === 'Abfall') expect(rec.record.value).toBeCloseTo(Number(cells.Value) / 1000, 9); // kg → t
    }
    expect(keys.size).toBe(300);
  });

  it('writes the CSV, and the csv-parse and csv-stringify baselines count its rows', async () => {
    const file = join(dir, 'tiny.csv');
    const gen = await writeBenchCsv(file, 1234);
    expect(gen.rows).toBe(1234);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(HEADERS.join(','));
    const parsed = await csvParseAlone(file);
    expect(parsed.rows).toBe(1234);
    expect(parsed.seconds).toBeGreaterThan(0);
    const sample = await sampleCsv(file, 10);
    expect(sample.header).toEqual([...HEADERS]);
    expect(sample.rows).toHaveLength(10);
    const out = join(dir, 'stringified.csv');
    const written = await csvStringifyAlone(out, sample.header, sample.rows, 25);
    expect(written.rows).toBe(25);
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(26);
  });
});

describe('bench report', () => {
  const result = (id: number, pass: boolean, at = '2026-01-01T10:00:00.000Z'): ReportedResult => ({
    id,
    name: `Bench ${id}`,
    pass,
    headline: `figure ${id}`,
    budget: 'budget',
    details: {},
    measuredAt: at,
    commit: 'abc123',
    loadAverage1m: 1.5,
  });
  const report = (results: ReportedResult[]): BenchReport => ({
    date: '2026-01-01T10:00:00.000Z',
    commit: 'abc123',
    dirty: false,
    mode: 'full',
    machine: { cores: 2, cpuModel: 'cpu', ramGb: 4, node: 'v20', platform: 'linux x64', loadAverage1m: 1 },
    loadAverageEnd: 2,
    durationSeconds: 10,
    results,
    failures: [{ id: 4, name: 'Watcher latency', error: 'boom | bad' }],
  });

  it('a partial run replaces only its own rows', () => {
    const merged = mergeResults([result(1, true), result(2, false)], [result(2, true, '2026-01-02T00:00:00.000Z')]);
    expect(merged.map((r) => [r.id, r.pass])).toEqual([
      [1, true],
      [2, true],
    ]);
  });

  it('renders the table and keeps hand-written notes around it', () => {
    const table = renderTable(report([result(1, true), result(2, false)]));
    expect(table).toContain('| 2 | Bench 2 | figure 2 | budget | **no** |');
    expect(table).toContain('boom \\| bad');
    const md = join(dir, 'RESULTS.md');
    writeFileSync(md, `# Notes before\n\n${table}\n\n## Profiles\nkept\n`);
    writeReport(join(dir, 'results.json'), md, report([result(1, false)]));
    const text = readFileSync(md, 'utf8');
    expect(text.startsWith('# Notes before')).toBe(true);
    expect(text).toContain('## Profiles\nkept');
    expect(text).toContain('| 1 | Bench 1 | figure 1 | budget | **no** |');
    expect(text).not.toContain('Bench 2');
    expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).results).toHaveLength(1);
  });
});

describe('perf fixes keep their exact semantics', () => {
  it('canonicalRecord writes exactly what canonicalJson of the record writes (ledger hashes stay valid)', async () => {
    const fc = await import('fast-check');
    const { canonicalRecord, canonicalRecordSlow } = await import('../../../shared/mapping/apply');
    // 'binary' adds quotes, backslashes, control characters and lone surrogates to 'grapheme' text.
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }));
    fc.assert(
      fc.property(
        fc.record({
          metricId: text,
          entityId: text,
          periodStart: text,
          periodEnd: text,
          value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), text, fc.boolean(), fc.constant(-0)),
          unit: text,
          comment: fc.option(text, { nil: null }),
          evidence: fc.option(text, { nil: null }),
        }),
        (r) => canonicalRecord(r) === canonicalRecordSlow(r),
      ),
      { numRuns: 500 },
    );
  });

  it('the plain-number fast path reads numbers exactly as the full parser does', async () => {
    const fc = await import('fast-check');
    const { parseNumber } = await import('../../../shared/mapping/numbers');
    const comma = { decimal: ',', thousands: 'auto', parenthesesNegative: true, percent: 'as-number' } as const;
    fc.assert(
      fc.property(fc.boolean(), fc.stringMatching(/^\d{1,15}$/), fc.option(fc.stringMatching(/^\d{1,15}$/), { nil: undefined }), (neg, int, frac) => {
        const dot = `${neg ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}`;
        const r1 = parseNumber(dot);
        const r2 = parseNumber(dot.replace('.', ','), comma);
        // The same text with a space in front takes the full path: both must agree.
        return JSON.stringify(r1) === JSON.stringify(parseNumber(` ${dot}`)) && JSON.stringify(r2) === JSON.stringify(parseNumber(` ${dot.replace('.', ',')}`, comma));
      }),
      { numRuns: 500 },
    );
  });
});
