/**
 * A database source's lock wait (`lockTimeoutSeconds`, 1–86,400, default 60) set by people: through
 * `sources.addDatabase` / `sources.update` (saved in the source's config, read back by
 * `sources.settings`, and reaching the DatabaseSourceConfig the job runner opens the source with:
 * the session's lock_timeout / lock_wait_timeout), and on the command line (`source add-database
 * --lock-timeout`, `source edit --lock-timeout` / `--clear lock-timeout`, `source show`).
 * Against the local PostgreSQL and MariaDB servers; skipped, with the reason printed, without one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseSettings, SourceSettings, UpdateSourceResult } from '../../../shared/contract/sources';
import { DEFAULT_LOCK_TIMEOUT_SECONDS } from '../../../shared/contract/sources';
import type { SourceInfo } from '../../../shared/dto';
import { configFromUrl } from '../../../main/engine/sources/database';
import { DatabaseSourceConfig, DEFAULT_LOCK_TIMEOUT_SECONDS as ENGINE_DEFAULT } from '../../../main/engine/sources/database/types';
import { runCliInProcess } from '../../helpers/cli-in-process';
import { MemorySecrets } from '../mappings-api/helpers';
import { insertConnection, openEngineApi, type EngineApi } from './api';
import { MYSQL_URL, PG_URL, whyNoMysql, whyNoPostgres } from '../../helpers/table-servers';


const pgReason = await whyNoPostgres();
const myReason = await whyNoMysql();
if (pgReason) console.warn(`[skip] lock wait on PostgreSQL: no server at ${PG_URL} (${pgReason})`);
if (myReason) console.warn(`[skip] lock wait on MariaDB: no server at ${MYSQL_URL} (${myReason})`);

const PG_QUERY = "SELECT current_setting('lock_timeout') AS lock_timeout";
const MY_QUERY = 'SELECT @@SESSION.lock_wait_timeout AS mdl, @@SESSION.innodb_lock_wait_timeout AS innodb';

let root: string;
let api: EngineApi;
let sqliteFile: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-lock-wait-'));
  sqliteFile = join(root, 'meters.sqlite');
  const db = new Database(sqliteFile);
  db.exec("CREATE TABLE readings (id INTEGER PRIMARY KEY, site TEXT); INSERT INTO readings (site) VALUES ('LON-01')");
  db.close();
  api = await openEngineApi(join(root, 'data'), { store: new MemorySecrets() });
  insertConnection(api.engine);
});

afterAll(async () => {
  await api?.engine.stop();
  rmSync(root, { recursive: true, force: true });
});

const settingsOf = async (id: string) => (await api.ok<SourceSettings & { kind: 'database' }>('sources.settings', { sourceId: id })).database;
/** What the job runner opens the source with (job-runner: createDatabaseSource({ ...source.config, password })). */
const runnerConfigOf = (id: string) => DatabaseSourceConfig.parse(api.engine.store.sources.get(id)!.config);
const firstRow = async (id: string) => (await api.ok<{ rows: Record<string, unknown>[] }>('sources.preview', { sourceId: id, limit: 1 })).rows[0];

it('the contract and the engine agree on the default', () => {
  expect(DEFAULT_LOCK_TIMEOUT_SECONDS).toBe(ENGINE_DEFAULT);
  expect(DEFAULT_LOCK_TIMEOUT_SECONDS).toBe(60);
});

describe.skipIf(pgReason !== null)('sources API on PostgreSQL', () => {
  const base = { ...configFromUrl(PG_URL), query: PG_QUERY };

  it('saves the lock wait given when a source is added, and the session waits that long', async () => {
    const s = await api.ok<SourceInfo>('sources.addDatabase', { name: 'PG lock wait', ...base, lockTimeoutSeconds: 5 });
    expect(await settingsOf(s.id)).toMatchObject({ lockTimeoutSeconds: 5 });
    expect(runnerConfigOf(s.id).lockTimeoutSeconds).toBe(5);
    expect((await firstRow(s.id))!.lock_timeout).toBe('5s');
  });

  it('leaves it out (the default, 60 s) when not given', async () => {
    const s = await api.ok<SourceInfo>('sources.addDatabase', { name: 'PG default wait', ...base });
    expect(await settingsOf(s.id)).not.toHaveProperty('lockTimeoutSeconds');
    expect(runnerConfigOf(s.id).lockTimeoutSeconds).toBeUndefined();
    expect((await firstRow(s.id))!.lock_timeout).toBe('1min');
  });

  it('sources.update changes it (keeping the jobs\' watermarks) and null puts it back to the default', async () => {
    const s = api.engine.store.sources.get('PG lock wait')!;
    const at = new Date().toISOString();
    api.engine.store.jobs.insert({ id: 'pg-job', name: 'PG job', type: 'ingest', connectionId: 'c1', sourceId: s.id, mappingId: null, config: {}, paused: false, cursor: '2024-01-01', createdAt: at });
    const r = await api.ok<UpdateSourceResult>('sources.update', { sourceId: s.id, database: { lockTimeoutSeconds: 900 } });
    expect(r.notes).toEqual([]);
    expect(api.engine.store.jobs.get('pg-job')!.cursor).toBe('2024-01-01');
    expect(await settingsOf(s.id)).toMatchObject({ lockTimeoutSeconds: 900 });
    expect(runnerConfigOf(s.id).lockTimeoutSeconds).toBe(900);
    expect((await firstRow(s.id))!.lock_timeout).toBe('15min');

    await api.ok('sources.update', { sourceId: s.id, database: { lockTimeoutSeconds: null } });
    expect(await settingsOf(s.id)).not.toHaveProperty('lockTimeoutSeconds');
    expect(runnerConfigOf(s.id).lockTimeoutSeconds).toBeUndefined();
    expect((await firstRow(s.id))!.lock_timeout).toBe('1min');
  });

  it('refuses a lock wait out of range, saying what is allowed, and saves nothing', async () => {
    const s = api.engine.store.sources.get('PG lock wait')!;
    const cases: [number, RegExp][] = [
      [0, /The lock wait is at least 1 second/],
      [86_401, /The lock wait is at most 86,400 seconds \(a day\)/],
      [1.5, /The lock wait is a whole number of seconds/],
    ];
    for (const [bad, words] of cases) {
      const e = await api.fails('sources.update', { sourceId: s.id, database: { lockTimeoutSeconds: bad } });
      expect(e.code).toBe('invalid_params');
      // The sentence comes with the error (its details), as the UI shows it.
      expect(JSON.stringify(e)).toMatch(words);
      expect(JSON.stringify(await api.fails('sources.addDatabase', { name: 'PG bad', ...base, lockTimeoutSeconds: bad }))).toMatch(words);
    }
    expect(api.engine.store.sources.get('PG bad')).toBeNull();
    expect(await settingsOf(s.id)).not.toHaveProperty('lockTimeoutSeconds');
  });
});

describe.skipIf(myReason !== null)('sources API on MariaDB / MySQL', () => {
  const base = { ...configFromUrl(MYSQL_URL), query: MY_QUERY };

  it('saves the lock wait, the session waits that long, and an update changes it', async () => {
    const s = await api.ok<SourceInfo>('sources.addDatabase', { name: 'My lock wait', ...base, lockTimeoutSeconds: 7 });
    expect(await settingsOf(s.id)).toMatchObject({ lockTimeoutSeconds: 7 });
    expect(runnerConfigOf(s.id).lockTimeoutSeconds).toBe(7);
    expect(await firstRow(s.id)).toEqual({ mdl: 7, innodb: 7 });
    await api.ok('sources.update', { sourceId: s.id, database: { lockTimeoutSeconds: 120 } });
    expect(runnerConfigOf(s.id).lockTimeoutSeconds).toBe(120);
    expect(await firstRow(s.id)).toEqual({ mdl: 120, innodb: 120 });
  });
});

describe('SQLite', () => {
  it('takes no lock wait: refused with the reason, on add and on update', async () => {
    const params = { name: 'Lite', kind: 'sqlite', file: sqliteFile, table: 'readings' };
    const e = await api.fails('sources.addDatabase', { ...params, lockTimeoutSeconds: 30 });
    expect(JSON.stringify(e)).toMatch(/The lock wait applies to PostgreSQL and MySQL sources only/);
    const s = await api.ok<SourceInfo>('sources.addDatabase', params);
    const u = await api.fails('sources.update', { sourceId: s.id, database: { lockTimeoutSeconds: 30 } });
    expect(u.message).toMatch(/The lock wait applies to PostgreSQL and MySQL sources only/);
    expect(await settingsOf(s.id)).not.toHaveProperty('lockTimeoutSeconds');
  });
});

describe.skipIf(pgReason !== null)('esg-sync source add-database / edit / show --lock-timeout', () => {
  const pgc = configFromUrl(PG_URL);
  const location = ['--kind', 'postgres', '--host', pgc.host ?? '127.0.0.1', '--port', String(pgc.port ?? 5432), '--database', pgc.database!, ...(pgc.user ? ['--user', pgc.user] : []), '--query', PG_QUERY];
  let dataDir: string;
  const cli = (...argv: string[]) => runCliInProcess(['--data-dir', dataDir, ...argv]);
  const shown = async (name: string) => (JSON.parse((await cli('--json', 'source', 'show', name)).stdout) as SourceSettings & { kind: 'database' }).database as DatabaseSettings;
  beforeAll(() => {
    dataDir = join(root, 'cli-data');
  });

  it('add-database --lock-timeout saves it, and show prints it; without one show prints the default', async () => {
    const r = await cli('source', 'add-database', 'ERP', ...location, '--lock-timeout', '30');
    expect(r.code, r.stderr).toBe(0);
    expect(await shown('ERP')).toMatchObject({ lockTimeoutSeconds: 30 });
    expect((await cli('source', 'show', 'ERP')).stdout).toContain('  lock wait: 30 s\n');

    expect((await cli('source', 'add-database', 'ERP default', ...location)).code).toBe(0);
    expect(await shown('ERP default')).not.toHaveProperty('lockTimeoutSeconds');
    expect((await cli('source', 'show', 'ERP default')).stdout).toContain('  lock wait: 60 s (default)\n');
  });

  it('edit --lock-timeout changes it, --clear lock-timeout puts the default back', async () => {
    const r = await cli('source', 'edit', 'ERP', '--lock-timeout', '900');
    expect(r.code, r.stderr).toBe(0);
    expect(await shown('ERP')).toMatchObject({ lockTimeoutSeconds: 900 });
    expect((await cli('source', 'show', 'ERP')).stdout).toContain('  lock wait: 900 s\n');

    expect((await cli('source', 'edit', 'ERP', '--clear', 'lock-timeout')).code).toBe(0);
    expect(await shown('ERP')).not.toHaveProperty('lockTimeoutSeconds');
    expect((await cli('source', 'show', 'ERP')).stdout).toContain('  lock wait: 60 s (default)\n');
  });

  it('refuses a lock wait out of range or not a number, and contradictions, with exit code 2 and the reason', async () => {
    const cases: [string[], RegExp][] = [
      [['source', 'edit', 'ERP', '--lock-timeout', '0'], /The lock wait is at least 1 second/],
      [['source', 'edit', 'ERP', '--lock-timeout', '86401'], /The lock wait is at most 86,400 seconds \(a day\)/],
      [['source', 'edit', 'ERP', '--lock-timeout', 'soon'], /--lock-timeout takes a whole number, not "soon"/],
      [['source', 'edit', 'ERP', '--lock-timeout', '60', '--clear', 'lock-timeout'], /--lock-timeout and --clear lock-timeout contradict each other/],
      [['source', 'add-database', 'Bad', ...location, '--lock-timeout', '-5'], /The lock wait is at least 1 second/],
      [['source', 'add-database', 'Lite', '--kind', 'sqlite', '--file', sqliteFile, '--table', 'readings', '--lock-timeout', '30'], /The lock wait applies to PostgreSQL and MySQL sources only/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(message);
    }
    expect(await shown('ERP')).not.toHaveProperty('lockTimeoutSeconds');
  });

  it('documents the option in --help', async () => {
    const add = (await cli('source', 'add-database', '--help')).stdout.replace(/\s+/g, ' ');
    expect(add).toMatch(/--lock-timeout <seconds> .*locked by another session .*\(default: 60\)/);
    const edit = (await cli('source', 'edit', '--help')).stdout;
    expect(edit).toContain('--lock-timeout <seconds>');
    expect(edit).toContain('lock-timeout');
  });
});
