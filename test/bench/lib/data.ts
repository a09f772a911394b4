/**
 * The benchmark's input data and its mapping, plus the two "library alone" baselines the
 * ratios are measured against (csv-parse reading, csv-stringify writing).
 *
 * The CSV is a utility/ERP export of 8 columns. Every row has a distinct natural key
 * (site × metric × day), so a full ingest creates exactly one submission per row.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';

export const HEADERS = ['Site', 'Date', 'Metric', 'Value', 'Unit', 'Meter', 'Comment', 'Source'] as const;

/** Sites as the ERP writes them: the sandbox's entities' external references. */
const SITES = ['ACME-GRP', 'LON-01', 'MAN-02', 'BER-01', 'LYO-01', 'NWL', 'MAD-03'];

/**
 * Local metric names (value-mapped to platform metric ids) and the unit the file uses. MWh → kWh,
 * kg → t and kgCO2e → tCO2e are real unit conversions; 'Liter' goes through the unit value map.
 */
const METRICS: { local: string; metricId: string; unit: string }[] = [
  { local: 'Strom', metricId: 'met_elec_cons', unit: 'MWh' },
  { local: 'Oekostrom', metricId: 'met_elec_renew', unit: 'MWh' },
  { local: 'Erdgas', metricId: 'met_ngas_kwh', unit: 'kWh' },
  { local: 'Erdgas Volumen', metricId: 'met_ngas_m3', unit: 'm3' },
  { local: 'Fernwaerme', metricId: 'met_dist_heat', unit: 'MWh' },
  { local: 'Diesel', metricId: 'met_fuel_diesel', unit: 'Liter' },
  { local: 'Benzin', metricId: 'met_fuel_petrol', unit: 'Liter' },
  { local: 'Wasser', metricId: 'met_water_withdrawal', unit: 'm3' },
  { local: 'Abfall', metricId: 'met_waste_total', unit: 'kg' },
  { local: 'Sondermuell', metricId: 'met_waste_haz', unit: 'kg' },
  { local: 'Recycling', metricId: 'met_waste_recycled', unit: 'kg' },
  { local: 'Scope 1', metricId: 'met_ghg_s1', unit: 'kgCO2e' },
  { local: 'Scope 2 LB', metricId: 'met_ghg_s2_lb', unit: 'tCO2e' },
  { local: 'Scope 2 MB', metricId: 'met_ghg_s2_mb', unit: 'tCO2e' },
  { local: 'Scope 3', metricId: 'met_ghg_s3', unit: 'tCO2e' },
];

const PAIRS = SITES.length * METRICS.length;
/** Day 0 is this date; row i falls floor(i / PAIRS) days earlier, so every period is in the past. */
const LAST_DAY_MS = Date.UTC(2025, 11, 31);

export interface GeneratedCsv {
  rows: number;
  bytes: number;
}

/** One data line (without newline) of row i; `variant` changes the value so a re-sync sees updates. */
export function csvLine(i: number, variant = 0, dayCache?: { day: number; text: string }): string {
  const pair = i % PAIRS;
  const day = Math.floor(i / PAIRS);
  let date: string;
  if (dayCache && dayCache.day === day) date = dayCache.text;
  else {
    date = new Date(LAST_DAY_MS - day * 86_400_000).toISOString().slice(0, 10);
    if (dayCache) {
      dayCache.day = day;
      dayCache.text = date;
    }
  }
  const site = SITES[pair % SITES.length]!;
  const metric = METRICS[Math.floor(pair / SITES.length)]!;
  const value = (((i * 7919 + variant * 13) % 1_000_000) / 100).toFixed(2);
  const comment = i % 10 === 0 ? 'estimated' : '';
  return `${site},${date},${metric.local},${value},${metric.unit},M-${i % 9973},${comment},ERP export`;
}

/** Writes the benchmark CSV (header + `rows` lines) with back-pressure; memory stays flat. */
export async function writeBenchCsv(path: string, rows: number, variant = 0): Promise<GeneratedCsv> {
  const out = createWriteStream(path, { highWaterMark: 1024 * 1024 });
  let bytes = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`${HEADERS.join(',')}\n`);
  const dayCache = { day: -1, text: '' };
  for (let i = 0; i < rows; ) {
    const end = Math.min(rows, i + 5000);
    let chunk = '';
    for (; i < end; i++) chunk += `${csvLine(i, variant, dayCache)}\n`;
    await write(chunk);
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { rows, bytes };
}

/** The mapping: metric column with a value map, site column matched to the platform, day periods, unit column converted. */
export function benchProfile(sourceId: string, connectionId: string): MappingProfileInput {
  return {
    schemaVersion: 1,
    name: 'Bench utilities',
    sourceId,
    connectionId,
    shape: { kind: 'long', valueColumn: 'Value' },
    metric: { kind: 'column', column: 'Metric', valueMap: Object.fromEntries(METRICS.map((m) => [m.local, m.metricId])), unknownMetric: 'reject' },
    entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
    period: { kind: 'date', column: 'Date', format: 'YYYY-MM-DD', granularity: 'custom' },
    unit: { kind: 'column', column: 'Unit', valueMap: { Liter: 'L' } },
    comment: { column: 'Comment' },
    headerFingerprint: headerFingerprint([...HEADERS], { orderInsensitive: true }),
  };
}

/** Baseline: csv-parse alone reading the file (records as arrays of strings). */
export async function csvParseAlone(path: string): Promise<{ rows: number; seconds: number; cpuSeconds: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const parser = createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(parse({ delimiter: ',' }));
  let rows = -1; // the header line is not a row
  for await (const rec of parser as AsyncIterable<string[]>) {
    if (rec.length > 0) rows++;
  }
  const c = process.cpuUsage(c0);
  return { rows, seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
}

/**
 * Baseline: csv-stringify alone writing `rows` records to a file, with the options the export's
 * CSV writer uses. Records cycle through `sample` (real exported rows), so their width and
 * content match the export; taking them from an array costs next to nothing.
 */
export async function csvStringifyAlone(path: string, header: string[], sample: string[][], rows: number): Promise<{ rows: number; seconds: number; cpuSeconds: number }> {
  if (sample.length === 0) throw new Error('csv-stringify baseline needs at least one sample row');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const csv = stringify({ delimiter: ',', bom: true, record_delimiter: 'unix' });
  const done = pipeline(csv, createWriteStream(path));
  const push = async (cells: string[]) => {
    if (!csv.write(cells)) await once(csv, 'drain');
  };
  await push(header);
  for (let i = 0; i < rows; i++) await push(sample[i % sample.length]!);
  csv.end();
  await done;
  const c = process.cpuUsage(c0);
  return { rows, seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
}

/** The first `n` data records of a CSV file, parsed (for the stringify baseline's sample). */
export async function sampleCsv(path: string, n: number): Promise<{ header: string[]; rows: string[][] }> {
  const parser = createReadStream(path).pipe(parse({ bom: true, to_line: n + 1 }));
  const all: string[][] = [];
  for await (const rec of parser as AsyncIterable<string[]>) all.push(rec);
  const [header, ...rows] = all;
  if (!header) throw new Error(`${path} has no header row`);
  return { header, rows };
}
