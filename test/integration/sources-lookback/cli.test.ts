/**
 * The re-read look-back on the command line: `source add-database` gives a source with a watermark
 * column the recommended look-back unless `--watermark-lookback` says otherwise, `source edit`
 * changes or clears it (keeping the jobs' watermarks), and `source show` says what it does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceSettings } from '../../../shared/contract/sources';
import { Store } from '../../../main/engine/store';
import { runCliInProcess } from '../../helpers/cli-in-process';

const root = mkdtempSync(join(tmpdir(), 'esg-lookback-cli-'));
const dataDir = join(root, 'data');
const dbFile = join(root, 'meters.sqlite');
const cli = (...argv: string[]) => runCliInProcess(['--data-dir', dataDir, ...argv]);
const settingsOf = async (name: string) => (JSON.parse((await cli('--json', 'source', 'show', name)).stdout) as SourceSettings & { kind: 'database' }).database;

beforeAll(() => {
  const db = new Database(dbFile);
  db.exec("CREATE TABLE readings (id INTEGER PRIMARY KEY, site TEXT, kwh REAL, updated_at TEXT); INSERT INTO readings (site, kwh, updated_at) VALUES ('LON-01', 1, '2024-01-01 10:00:00')");
  db.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('source add-database / edit / show --watermark-lookback', () => {
  it('gives a new source with a watermark column the recommended 300 s look-back, and none without a watermark column', async () => {
    const r = await cli('source', 'add-database', 'Meters', '--kind', 'sqlite', '--file', dbFile, '--table', 'readings', '--watermark-column', 'updated_at');
    expect(r.code, r.stderr).toBe(0);
    expect(await settingsOf('Meters')).toMatchObject({ watermarkColumn: 'updated_at', watermarkLookbackSeconds: 300 });
    expect(await settingsOf('Meters')).not.toHaveProperty('watermarkLookbackIds');

    const show = (await cli('source', 'show', 'Meters')).stdout;
    expect(show).toContain('  watermark column: updated_at\n  re-read look-back: 300 s — each run reads from 300 s before the last date-time value seen (a date column: 1 day before)');
    expect(show).toContain('rows read again are found unchanged and not sent twice');
    expect(show).toContain('  re-read look-back for a numeric watermark: off');

    expect((await cli('source', 'add-database', 'All rows', '--kind', 'sqlite', '--file', dbFile, '--table', 'readings')).code).toBe(0);
    expect(await settingsOf('All rows')).not.toHaveProperty('watermarkLookbackSeconds');
    expect((await cli('source', 'show', 'All rows')).stdout).not.toContain('look-back');
  });

  it('takes --watermark-lookback and --watermark-lookback-ids when a source is added (0 is off)', async () => {
    const r = await cli('source', 'add-database', 'By id', '--kind', 'sqlite', '--file', dbFile, '--table', 'readings', '--watermark-column', 'id', '--watermark-lookback', '0', '--watermark-lookback-ids', '500');
    expect(r.code, r.stderr).toBe(0);
    expect(await settingsOf('By id')).toMatchObject({ watermarkLookbackSeconds: 0, watermarkLookbackIds: 500 });
    const show = (await cli('source', 'show', 'By id')).stdout;
    expect(show).toContain('  re-read look-back: off — a row committed after a run with an older value than the last one seen is never read');
    expect(show).toContain('  re-read look-back for a numeric watermark: 500 — each run reads from 500 below the last value seen (e.g. the last 500 ids)');
  });

  it('changes and clears the look-back with source edit, keeping the watermark of the jobs', async () => {
    const store = Store.open(dataDir);
    try {
      const at = new Date().toISOString();
      store.connections.insert({ id: 'c', name: 'P', kind: 'esg-api', baseUrl: 'http://127.0.0.1:9', authUrl: null, clientId: 'x', scopes: [], sandbox: true, createdAt: at, lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
      store.jobs.insert({ id: 'j', name: 'Meters job', type: 'ingest', connectionId: 'c', sourceId: 'meters', mappingId: null, config: {}, paused: false, cursor: '2024-01-01 10:00:00', createdAt: at });
    } finally {
      store.close();
    }
    const r = await cli('source', 'edit', 'Meters', '--watermark-lookback', '900');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('Note:');
    expect(await settingsOf('Meters')).toMatchObject({ watermarkLookbackSeconds: 900 });
    expect((await cli('source', 'show', 'Meters')).stdout).toContain('  re-read look-back: 900 s');

    expect((await cli('source', 'edit', 'Meters', '--clear', 'watermark-lookback')).code).toBe(0);
    expect(await settingsOf('Meters')).not.toHaveProperty('watermarkLookbackSeconds');
    expect((await cli('source', 'show', 'Meters')).stdout).toContain('  re-read look-back: off');

    const kept = Store.open(dataDir);
    try {
      expect(kept.jobs.get('j')!.cursor).toBe('2024-01-01 10:00:00');
    } finally {
      kept.close();
    }
  });

  it('refuses a look-back that is not a whole number in range, and contradictions, with exit code 2 and the reason', async () => {
    const cases: [string[], RegExp][] = [
      [['source', 'edit', 'Meters', '--watermark-lookback', 'soon'], /--watermark-lookback takes a whole number, not "soon"/],
      [['source', 'edit', 'Meters', '--watermark-lookback', '-1'], /The re-read look-back is 0 \(off\) or more seconds/],
      [['source', 'edit', 'Meters', '--watermark-lookback', '2592001'], /The re-read look-back is at most 2,592,000 seconds \(30 days\)/],
      [['source', 'edit', 'Meters', '--watermark-lookback', '60', '--clear', 'watermark-lookback'], /--watermark-lookback and --clear watermark-lookback contradict each other/],
      [['source', 'add-database', 'Bad', '--kind', 'sqlite', '--file', dbFile, '--table', 'readings', '--watermark-column', 'id', '--watermark-lookback-ids', '-3'], /The re-read look-back for a numeric watermark is 0 \(off\) or more/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(message);
    }
  });

  it('documents the options in --help', async () => {
    const add = await cli('source', 'add-database', '--help');
    expect(add.stdout.replace(/\s+/g, ' ')).toMatch(/--watermark-lookback <seconds> .*re-read look-back .*\(default with --watermark-column: 300\)/);
    expect(add.stdout).toContain('--watermark-lookback-ids <n>');
    const edit = await cli('source', 'edit', '--help');
    expect(edit.stdout).toContain('esg-sync source edit ERP --watermark-lookback 600');
  });
});
