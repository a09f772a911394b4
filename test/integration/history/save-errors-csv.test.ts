/**
 * history.saveErrorsCsv — the desktop app's "Download all as CSV": through the real dispatcher
 * (zod on params and result) it writes the very bytes the browser route GET /api/runs/:id/errors.csv
 * serves, formula cells neutralised, and refuses paths a save dialog would never hand it.
 */
import { createServer, request, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createDownloads } from '../../../main/agent/downloads';
import { CLI } from '../../helpers/agent-process';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';

let dir: string;
let out: string;
let engine: Engine;
let server: Server;
let dispatch: ReturnType<typeof createDispatcher>;
let runId: number;
let emptyRunId: number;

const ERRORS = [
  { line: 7, column: 'Site', value: '=HYPERLINK("http://x","click")', reason: 'Unknown site "=HYPERLINK…"; add it to the site list' },
  { line: 8, column: 'kWh', value: '-12', reason: 'Consumption cannot be negative' },
  { line: 9, column: 'Period', value: 'März 2026, "Q1"', reason: 'Not a date: use YYYY-MM' },
  { line: null, column: null, value: null, reason: 'File ended inside a quoted cell' },
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-errors-csv-'));
  out = join(dir, 'out');
  mkdirSync(out);
  engine = Engine.open({ dataDir: join(dir, 'data'), mode: 'headless', fileLogs: false });
  dispatch = createDispatcher(createEngineApi(engine));
  const run = engine.store.runs.create({ jobId: null, jobName: 'Electricity bills', trigger: 'file', startedAt: '2026-03-01T09:00:00.000Z' });
  runId = run.id;
  // Enough rows to need more than one chunk of the stream.
  const many = Array.from({ length: 3000 }, (_, i) => ({ line: 100 + i, column: 'kWh', value: `x${i}`, reason: 'Not a number' }));
  engine.store.runs.addErrors(runId, [...ERRORS, ...many]);
  emptyRunId = engine.store.runs.create({ jobId: null, jobName: 'Fuel cards', trigger: 'manual', startedAt: '2026-03-02T09:00:00.000Z' }).id;
  const downloads = createDownloads(engine.store);
  server = createServer((req, res) => {
    void downloads(req.url ?? '', res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await engine.stop();
  rmSync(dir, { recursive: true, force: true });
});

function httpCsv(id: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const { port } = server.address() as AddressInfo;
    request({ host: '127.0.0.1', port, path: `/api/runs/${id}/errors.csv` }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    })
      .on('error', reject)
      .end();
  });
}

const save = (params: unknown) => dispatch('history.saveErrorsCsv', params);

describe('history.saveErrorsCsv', () => {
  it('writes the same bytes as the browser download, formula cells neutralised', async () => {
    const path = join(out, 'run errors.csv');
    const r = await save({ runId, path });
    expect(r).toEqual({ ok: true, result: { path, rows: ERRORS.length + 3000 } });
    const file = readFileSync(path);
    expect(file.equals(await httpCsv(runId))).toBe(true);
    const text = file.toString('utf8');
    expect(text.startsWith('\uFEFFline,column,value,reason\n')).toBe(true);
    expect(text).toContain(`7,Site,"'=HYPERLINK(""http://x"",""click"")",`);
    // A plain negative number stays the number it is in the source (a spreadsheet never runs it).
    expect(text).toContain(`\n8,kWh,-12,Consumption cannot be negative`);
    expect(text).toContain(`9,Period,"März 2026, ""Q1""",Not a date: use YYYY-MM`);
    expect(text.split('\n').filter(Boolean)).toHaveLength(1 + ERRORS.length + 3000);
    // Only the finished file is left: the temporary name was renamed, not copied.
    expect(readdirSync(out)).toEqual(['run errors.csv']);
  });

  it('replaces an existing file with the complete CSV, and writes a header-only CSV for a run without errors', async () => {
    const path = join(out, 'again.csv');
    writeFileSync(path, 'old content that must go');
    expect(await save({ runId: emptyRunId, path })).toEqual({ ok: true, result: { path, rows: 0 } });
    expect(readFileSync(path).equals(await httpCsv(emptyRunId))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('\uFEFFline,column,value,reason\n');
  });

  it('refuses a relative path, a missing folder, a folder as target and a name that is not .csv', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ runId, path: 'errors.csv' }, 'invalid_params', /not a full path/],
      [{ runId, path: join(dir, 'no-such-folder', 'errors.csv') }, 'not_found', /no-such-folder does not exist/],
      [{ runId, path: join(out, 'run errors.csv', 'x.csv') }, 'invalid_params', /is a file, not a folder/],
      [{ runId, path: join(out, 'report.txt') }, 'invalid_params', /does not end in \.csv/],
      [{ runId, path: join(dir, '.bashrc') }, 'invalid_params', /does not end in \.csv/],
      [{ runId, path: '' }, 'invalid_params', /./],
      [{ runId, path: join(out, 'x.csv'), extra: 1 }, 'invalid_params', /./],
    ];
    mkdirSync(join(out, 'folder.csv'));
    cases.push([{ runId, path: join(out, 'folder.csv') }, 'invalid_params', /is a folder/]);
    for (const [params, code, message] of cases) {
      const r = await save(params);
      expect(r.ok, JSON.stringify(params)).toBe(false);
      if (!r.ok) {
        expect(r.error.code, JSON.stringify(params)).toBe(code);
        expect(r.error.message).toMatch(message);
      }
    }
    expect(existsSync(join(out, 'x.csv'))).toBe(false);
  });

  it('says so for a run that does not exist, and writes nothing', async () => {
    const path = join(out, 'missing-run.csv');
    const r = await save({ runId: 999_999, path });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'not_found', message: expect.stringMatching(/no run #999999/) });
    expect(existsSync(path)).toBe(false);
  });

  it('says the folder cannot be written to, and leaves no temporary file behind', async () => {
    // As root a mode-0500 folder is still writable, so there the read-only sysfs stands in.
    const asRoot = process.getuid?.() === 0;
    if (asRoot && !existsSync('/sys/kernel')) {
      console.log('skip: running as root without a read-only /sys, so no unwritable folder to try');
      return;
    }
    const locked = asRoot ? '/sys' : join(dir, 'locked');
    if (!asRoot) mkdirSync(locked, { mode: 0o500 });
    const before = readdirSync(locked);
    const r = await save({ runId, path: join(locked, 'errors.csv') });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/cannot be written to\. Choose another folder/);
    expect(readdirSync(locked)).toEqual(before);
  });

  it('refuses a name that is a symbolic link, leaving the file it points to untouched', async () => {
    const target = join(dir, 'precious.csv');
    writeFileSync(target, 'keep me');
    const link = join(out, 'link.csv');
    symlinkSync(target, link);
    const r = await save({ runId: emptyRunId, path: link });
    expect(r.ok).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
  });
});

describe('esg-sync history show --errors-csv', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, '--data-dir', join(dir, 'data'), ...args], { encoding: 'utf8' });

  it('writes the same bytes as the download, and refuses a target that is not a CSV in an existing folder', async () => {
    const target = join(out, 'cli-errors.csv');
    const r = cli('history', 'show', String(runId), '--errors-csv', target);
    expect(r.stderr).toMatch(/Wrote 3,004 row errors/);
    expect(r.status).toBe(0);
    expect(readFileSync(target).equals(await httpCsv(runId))).toBe(true);
    const wrong = cli('history', 'show', String(runId), '--errors-csv', join(out, 'errors.txt'));
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/does not end in \.csv/);
    const missing = cli('history', 'show', String(runId), '--errors-csv', join(out, 'nowhere', 'e.csv'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
  });

  it("names a database run's rows by their key: in the listing, and in the CSV's row column", async () => {
    const dbRun = engine.store.runs.create({ jobId: null, jobName: 'ERP readings', trigger: 'manual', startedAt: '2026-03-03T09:00:00.000Z' }).id;
    engine.store.runs.addErrors(dbRun, [
      { line: 2, row: 'id=1042', column: 'kwh', value: 'abc', reason: "Row id=1042, column 'kwh': 'abc' is not a number." },
      { line: 5, row: 'where site="=cmd", month=2024-02', column: 'kwh', value: 'x', reason: 'Row where site="=cmd", month=2024-02, column \'kwh\': \'x\' is not a number.' },
    ]);
    const shown = cli('history', 'show', String(dbRun));
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain("  row id=1042  kwh  abc  Row id=1042, column 'kwh': 'abc' is not a number.");
    expect(shown.stdout).not.toMatch(/line 2 /);
    const csv = (await httpCsv(dbRun)).toString('utf8');
    expect(csv).toBe(
      '\uFEFFrow,line,column,value,reason\n' +
        `id=1042,2,kwh,abc,"Row id=1042, column 'kwh': 'abc' is not a number."\n` +
        `"where site=""=cmd"", month=2024-02",5,kwh,x,"Row where site=""=cmd"", month=2024-02, column 'kwh': 'x' is not a number."\n`,
    );
  });
});
