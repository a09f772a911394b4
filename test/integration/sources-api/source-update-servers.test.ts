/**
 * A database password rotated on the server, changed in place with `sources.update` against the
 * local MariaDB and PostgreSQL servers: the wrong password is refused by the connection test and
 * changes nothing; the right one replaces the kept one, and the job's watermark stays (only how to
 * connect changed). A user with a password of its own is created for the test and dropped after.
 * Skipped, with the reason printed, where a server does not answer, or (PostgreSQL) where it
 * accepts any password from this host (trust authentication), so a wrong one cannot be told apart.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpdateSourceResult } from '../../../shared/contract/sources';
import type { SourceInfo } from '../../../shared/dto';
import type { Engine } from '../../../main/engine/engine';
import { MemorySecrets } from '../mappings-api/helpers';
import { insertConnection, openEngineApi, type EngineApi } from './api';

const PG_URL = process.env.ESG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env.ESG_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const suffix = randomBytes(4).toString('hex');
const USER = `esg_edit_${suffix}`;
const TABLE = `esg_edit_${suffix}`;
const OLD_PW = `old-${randomBytes(8).toString('hex')}`;
const NEW_PW = `new-${randomBytes(8).toString('hex')}`;

/** Talks to one server as its admin (the URL's user), and says why the test cannot run there. */
interface Server {
  name: string;
  base: Record<string, unknown>;
  admin(sql: string): Promise<void>;
  /** Null when a wrong password is refused; else why the test is skipped. */
  refusesWrongPassword(): Promise<string | null>;
  createUser(): Promise<void>;
  rotate(): Promise<void>;
  drop(): Promise<void>;
}

const mariadb: Server = (() => {
  const url = new URL(MYSQL_URL);
  const database = url.pathname.slice(1);
  const admin = async (sql: string) => {
    const c = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 2000 });
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const login = (password: string) => mysql.createConnection({ host: url.hostname, port: Number(url.port || 3306), user: USER, password, database, connectTimeout: 2000 }).then((c) => c.end());
  return {
    name: 'MariaDB / MySQL',
    base: { kind: 'mysql', host: url.hostname, port: Number(url.port || 3306), database, user: USER, table: TABLE, watermarkColumn: 'updated_at' },
    admin,
    async refusesWrongPassword() {
      try {
        await login('certainly-not-it');
        return 'it accepts any password for a user that has one';
      } catch {
        return null;
      }
    },
    async createUser() {
      await admin(`CREATE USER '${USER}'@'%' IDENTIFIED BY '${OLD_PW}'`);
      await admin(`CREATE TABLE ${TABLE} (id BIGINT PRIMARY KEY, site VARCHAR(20), kwh DECIMAL(10,3), updated_at DATETIME)`);
      await admin(`INSERT INTO ${TABLE} VALUES (1, 'LON-01', 1.5, '2024-01-01 00:00:00'), (2, 'LON-01', 2.5, '2024-01-02 00:00:00')`);
      await admin(`GRANT SELECT ON ${database}.${TABLE} TO '${USER}'@'%'`);
    },
    rotate: () => admin(`ALTER USER '${USER}'@'%' IDENTIFIED BY '${NEW_PW}'`),
    async drop() {
      await admin(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
      await admin(`DROP USER IF EXISTS '${USER}'@'%'`).catch(() => undefined);
    },
  };
})();

const postgres: Server = (() => {
  const url = new URL(PG_URL);
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    name: 'PostgreSQL',
    base: { kind: 'postgres', host: url.hostname, port: Number(url.port || 5432), database: url.pathname.slice(1), user: USER, schema: 'public', table: TABLE, watermarkColumn: 'updated_at' },
    admin,
    async refusesWrongPassword() {
      const c = new pg.Client({ host: url.hostname, port: Number(url.port || 5432), database: url.pathname.slice(1), user: USER, password: 'certainly-not-it', connectionTimeoutMillis: 2000 });
      try {
        await c.connect();
        await c.end();
        return `it accepts any password from ${url.hostname} (trust authentication in pg_hba.conf), so a wrong password cannot be told from the right one`;
      } catch {
        return null;
      }
    },
    async createUser() {
      await admin(`CREATE ROLE ${USER} LOGIN PASSWORD '${OLD_PW}'`);
      await admin(`CREATE TABLE public.${TABLE} (id bigint PRIMARY KEY, site text, kwh numeric, updated_at timestamptz)`);
      await admin(`INSERT INTO public.${TABLE} VALUES (1, 'LON-01', 1.5, '2024-01-01T00:00:00Z'), (2, 'LON-01', 2.5, '2024-01-02T00:00:00Z')`);
      await admin(`GRANT SELECT ON public.${TABLE} TO ${USER}`);
    },
    rotate: () => admin(`ALTER ROLE ${USER} PASSWORD '${NEW_PW}'`),
    async drop() {
      await admin(`DROP TABLE IF EXISTS public.${TABLE}`).catch(() => undefined);
      await admin(`DROP ROLE IF EXISTS ${USER}`).catch(() => undefined);
    },
  };
})();

/** Null when the server can run the test (the user is then created); else the reason to skip. */
async function prepare(server: Server): Promise<string | null> {
  try {
    await server.admin('SELECT 1');
  } catch (err) {
    return `no server answers (${(err as Error).message})`;
  }
  try {
    await server.createUser();
  } catch (err) {
    await server.drop();
    return `a user with a password could not be created (${(err as Error).message})`;
  }
  const why = await server.refusesWrongPassword();
  if (why) await server.drop();
  return why;
}

const reasons = new Map<Server, string | null>();
for (const server of [mariadb, postgres]) {
  const why = await prepare(server);
  reasons.set(server, why);
  if (why) console.warn(`[skip] sources.update password change on ${server.name}: ${why}`);
}

let root: string;
let engine: Engine;
let secrets: MemorySecrets;
let call: EngineApi['call'];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-src-edit-servers-'));
  secrets = new MemorySecrets();
  ({ engine, call } = await openEngineApi(join(root, 'data'), { store: secrets }));
  insertConnection(engine);
});

afterAll(async () => {
  await engine.stop();
  rmSync(root, { recursive: true, force: true });
  for (const [server, why] of reasons) if (why === null) await server.drop();
});

for (const server of [mariadb, postgres]) {
  describe.skipIf(reasons.get(server) !== null)(server.name, () => {
    it('refuses a wrong new password, keeping the old one; takes the rotated one and keeps the watermark', async () => {
      const added = await call('sources.addDatabase', { ...server.base, name: `ERP ${server.name}`, password: OLD_PW });
      expect(added.ok, added.error?.message).toBe(true);
      const s = added.result as SourceInfo;
      const account = `source:${s.id}`;
      engine.store.jobs.insert({ id: `j-${s.id}`, name: `Job ${s.id}`, type: 'ingest', connectionId: 'c1', sourceId: s.id, mappingId: null, config: {}, paused: false, cursor: '2024-01-02 00:00:00', createdAt: new Date().toISOString() });

      // The DBA rotates the password: the kept one no longer works.
      await server.rotate();
      const stale = (await call('sources.test', { sourceId: s.id })).result as { ok: boolean };
      expect(stale.ok).toBe(false);

      const wrong = await call('sources.update', { sourceId: s.id, database: { password: 'not-the-new-one' } });
      expect(wrong.ok).toBe(false);
      expect(wrong.error?.code).toBe('source');
      expect(wrong.error?.message).toMatch(/^The database source was not changed: /);
      expect(wrong.error?.message).toMatch(/password|denied|authentication/i);
      expect(wrong.error?.message).not.toContain('not-the-new-one');
      expect(await secrets.get(account)).toBe(OLD_PW);

      const right = await call('sources.update', { sourceId: s.id, database: { password: NEW_PW } });
      expect(right.ok, right.error?.message).toBe(true);
      expect((right.result as UpdateSourceResult).notes).toEqual(['The new password worked and now replaces the one kept in the OS keychain.']);
      expect(await secrets.get(account)).toBe(NEW_PW);
      expect(engine.store.jobs.get(`j-${s.id}`)!.cursor).toBe('2024-01-02 00:00:00');
      expect(((await call('sources.test', { sourceId: s.id })).result as { ok: boolean }).ok).toBe(true);

      // A later change that leaves the password out connects with the kept (new) one.
      const later = await call('sources.update', { sourceId: s.id, database: { watermarkColumn: null } });
      expect(later.ok, later.error?.message).toBe(true);
      expect(engine.store.jobs.get(`j-${s.id}`)!.cursor).toBeNull();
    });
  });
}
