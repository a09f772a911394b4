/**
 * An export job's table destination is checked while the job is saved, as its first run would
 * open it: a wrong path, server, database, schema, password, or an existing table that cannot be
 * upserted into by the key columns is said on the form (and `job add`/`job edit`), and nothing is
 * saved. Against real SQLite files, and PostgreSQL and MariaDB where they answer.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import type { CallResponse } from '../../../shared/rpc';
import { memorySecretStore } from '../../helpers/memory-secrets';
import { MYSQL_URL, PG_URL, serverConn, whyNoMysql, whyNoPostgres } from '../../helpers/table-servers';

let dir: string;
let engine: Engine;
let dispatch: ReturnType<typeof createDispatcher>;
const noPostgres = await whyNoPostgres();
const noMysql = await whyNoMysql();
const pgc = serverConn('postgres', PG_URL);
const my = serverConn('mysql', MYSQL_URL);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esg-dest-check-'));
  engine = Engine.open({ dataDir: join(dir, 'data'), mode: 'headless', fileLogs: false });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
  dispatch = createDispatcher(createEngineApi(engine));
  engine.store.connections.insert({ id: 'c1', name: 'Production', kind: 'esg-api', baseUrl: 'https://example.test', authUrl: null, clientId: 'c1', scopes: [], sandbox: false, createdAt: new Date().toISOString(), lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
});
afterEach(async () => {
  await engine.stop();
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
});

const job = (destination: Record<string, unknown>, patch: Record<string, unknown> = {}) => ({
  name: 'To BI',
  type: 'export',
  connectionId: 'c1',
  config: { schedule: '0 6 * * *', timezone: 'UTC', export: { dataset: 'submissions', destination } },
  ...patch,
});
const sqlite = (file: string, table = 'esg_submissions') => ({ kind: 'database', database: 'sqlite', file, table });
function refusal(r: CallResponse): string {
  if (r.ok) throw new Error('expected the job to be refused');
  expect(r.error.code).toBe('invalid_params');
  return r.error.message;
}
function saved(r: CallResponse): { id: string } {
  if (!r.ok) throw new Error(`expected the job to be saved, got ${r.error.message}`);
  return (r.result as { job?: { id: string } }).job ?? (r.result as { id: string });
}
const jobCount = () => engine.store.jobs.list().length;

describe('a SQLite destination', () => {
  it('in a folder that does not exist is refused; in one that does, nothing is created until a run', async () => {
    const missing = join(dir, 'no-such-folder', 'bi.sqlite');
    expect(refusal(await dispatch('jobs.add', job(sqlite(missing))))).toBe(
      `The SQLite file ${missing} cannot be created: the folder ${join(dir, 'no-such-folder')} does not exist or the agent cannot write into it. Create the folder, or choose another path in the destination settings.`,
    );
    expect(jobCount()).toBe(0);
    const file = join(dir, 'bi.sqlite');
    saved(await dispatch('jobs.add', job(sqlite(file))));
    expect(() => new Database(file, { fileMustExist: true })).toThrow();
  });

  it('whose table exists without a key on the key columns is refused before anything changes', async () => {
    const file = join(dir, 'bi.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE esg_submissions (id TEXT, value TEXT)');
    db.close();
    expect(refusal(await dispatch('jobs.add', job(sqlite(file))))).toMatch(
      /^The existing table "esg_submissions" in SQLite file .* has no primary key or unique constraint on its key column "id", so rows cannot be updated by key\. Add a primary key or unique constraint on it, or choose another table name in the destination settings so the agent creates a table of its own\. Nothing was changed\.$/,
    );
    expect(jobCount()).toBe(0);
  });

  it('is checked again when an edit changes it, not when it changes only the schedule', async () => {
    const folder = join(dir, 'bi');
    mkdirSync(folder);
    const { id } = saved(await dispatch('jobs.add', job(sqlite(join(folder, 'bi.sqlite')))));
    // The share goes away later: its runs say so; an edit of the schedule is still saved.
    rmSync(folder, { recursive: true });
    saved(await dispatch('jobs.update', { jobId: id, ...job(sqlite(join(folder, 'bi.sqlite')), { config: { schedule: '0 7 * * *', timezone: 'UTC', export: { dataset: 'submissions', destination: sqlite(join(folder, 'bi.sqlite')) } } }) }));
    expect(refusal(await dispatch('jobs.update', { jobId: id, ...job(sqlite(join(folder, 'bi.sqlite'), 'other')) }))).toMatch(/cannot be created: the folder .* does not exist/);
    expect(engine.store.jobs.get(id)!.config.export).toMatchObject({ destination: { table: 'esg_submissions' } });
  });
});

describe.skipIf(noPostgres !== null)(`a PostgreSQL destination${noPostgres ? ` (skipped: ${noPostgres})` : ''}`, () => {
  const dest = (patch: Record<string, unknown> = {}) => ({ kind: 'database', database: 'postgres', host: pgc.host, port: pgc.port, name: pgc.database, user: pgc.user, table: 'esg_dest_check', ...patch });

  it('is refused for a database or schema the server does not have, and for a closed port', async () => {
    expect(refusal(await dispatch('jobs.add', job(dest({ name: 'no_such_db_here' }))))).toBe(
      `PostgreSQL at ${pgc.host}:${pgc.port} has no database "no_such_db_here". Check the database name in the destination settings.`,
    );
    expect(refusal(await dispatch('jobs.add', job(dest({ table: 'no_such_schema.esg' }))))).toMatch(
      /^The schema "no_such_schema" does not exist in .*, so the table "no_such_schema\.esg" cannot be created in it\. Create it first \(CREATE SCHEMA "no_such_schema";\), or change the table name in the destination settings\.$/,
    );
    expect(refusal(await dispatch('jobs.add', job(dest({ host: '127.0.0.1', port: 1 }))))).toMatch(/^Cannot reach PostgreSQL at 127\.0\.0\.1:1 to export to \(ECONNREFUSED\)\. Check the host and port in the destination settings, and that the server is running\.$/);
    expect(jobCount()).toBe(0);
  });

  it('is saved when the table is not there yet (a run creates it) or can be upserted into', async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query('DROP TABLE IF EXISTS esg_dest_check');
      const first = saved(await dispatch('jobs.add', job(dest())));
      // One job per table: the first goes before the same table is given to another.
      expect((await dispatch('jobs.remove', { jobId: first.id })).ok).toBe(true);
      const exists = await c.query("SELECT to_regclass('esg_dest_check') AS t");
      expect(exists.rows[0].t).toBeNull();
      await c.query('CREATE TABLE esg_dest_check (id TEXT PRIMARY KEY, value TEXT)');
      saved(await dispatch('jobs.add', job(dest(), { name: 'To BI 2' })));
    } finally {
      await c.query('DROP TABLE IF EXISTS esg_dest_check');
      await c.end();
    }
  });
});

describe.skipIf(noMysql !== null)(`a MariaDB destination${noMysql ? ` (skipped: ${noMysql})` : ''}`, () => {
  it('is checked with the password typed on the form', async () => {
    const dest = { kind: 'database', database: 'mysql', host: my.host, port: my.port, name: my.database, user: my.user, table: 'esg_dest_check' };
    if (my.password === null) {
      // The test account has no password: one typed anyway is refused by the server, as a wrong one would be.
      expect(refusal(await dispatch('jobs.add', { ...job(dest), databasePassword: 'not-the-password' }))).toMatch(
        new RegExp(`^MySQL/MariaDB at ${my.host}:${my.port} refused the user "${my.user}": wrong password or no access\\. Enter the password again in the destination settings\\.$`),
      );
    }
    saved(await dispatch('jobs.add', { ...job(dest), ...(my.password ? { databasePassword: my.password } : {}) }));
    const conn = await mysql.createConnection({ uri: MYSQL_URL });
    const [rows] = await conn.query("SHOW TABLES LIKE 'esg_dest_check'");
    await conn.end();
    expect(rows).toEqual([]);
  });
});

describe.skipIf(noPostgres !== null)(`a PostgreSQL user that does not exist${noPostgres ? ` (skipped: ${noPostgres})` : ''}`, () => {
  it('is said as a user that may not log in, not as a wrong password', async () => {
    const dest = { kind: 'database', database: 'postgres', host: pgc.host, port: pgc.port, name: pgc.database, user: 'no_such_role_here', table: 'esg_dest_check' };
    const message = refusal(await dispatch('jobs.add', job(dest)));
    expect(message).toMatch(/^PostgreSQL at .* does not let the user "no_such_role_here" log in \(.*\)\. Choose another user in the destination settings, or ask the database administrator to let this one log in from this computer\.$/);
    expect(message).not.toMatch(/password/);
  });
});
