/**
 * A database source's password changed in place on the REAL OS keychain (gnome-keyring in a
 * private D-Bus session via scripts/with-keyring.sh), through the engine's API as the edit form
 * calls it: replaced under the same account once the connection test passes, deleted with null,
 * and never written anywhere in the data folder. Skips visibly where no keychain answers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceSettings, UpdateSourceResult } from '../../../shared/contract/sources';
import type { SourceInfo } from '../../../shared/dto';
import { Engine } from '../../../main/engine/engine';
import { dataDirBytes, folderKeychain, keychainOrSkipReason, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';
import { openEngineApi, type EngineApi } from './api';

const probe = await keychainOrSkipReason();
const OLD = `src-old-${randomBytes(12).toString('hex')}`;
const NEW = `src-new-${randomBytes(12).toString('hex')}`;
const keychain = folderKeychain(() => engine.store.settings.storeId());

let root: string;
let engine: Engine;
let call: EngineApi['call'];
let ok: EngineApi['ok'];

describe.skipIf(!probe.ok)('a database source password changed in place, on the real keychain', () => {
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'esg-src-edit-kc-'));
    // With the log file: the scan below reads it too.
    ({ engine, call, ok } = await openEngineApi(join(root, 'data'), { service: TEST_KEYCHAIN_SERVICE }, { fileLogs: true }));
  });
  afterEach(async () => {
    for (const s of engine.store.sources.list()) await keychain.delete(`source:${s.id}`).catch(() => undefined);
    await engine.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('replaces the password under the same account after the test, deletes it with null, and writes it nowhere else', async () => {
    const file = join(root, 'meters.sqlite');
    const db = new Database(file);
    db.exec("CREATE TABLE readings (id INTEGER PRIMARY KEY, kwh REAL); INSERT INTO readings (kwh) VALUES (1), (2)");
    db.close();
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file, table: 'readings', password: OLD });
    const account = `source:${s.id}`;
    expect(await keychain.get(account)).toBe(OLD);

    // A test that fails leaves the keychain alone.
    expect((await call('sources.update', { sourceId: s.id, database: { table: 'nope', password: NEW } })).ok).toBe(false);
    expect(await keychain.get(account)).toBe(OLD);

    const r = await ok<UpdateSourceResult>('sources.update', { sourceId: s.id, name: 'Meters (rotated)', database: { password: NEW } });
    expect(r.source.database?.passwordInKeychain).toBe(true);
    expect(await keychain.get(account)).toBe(NEW);
    expect(engine.store.sources.get(s.id)!.config.passwordRef).toBe(account);
    expect((await ok<SourceSettings & { kind: 'database' }>('sources.settings', { sourceId: s.id })).database.passwordInKeychain).toBe(true);
    expect(((await call('sources.test', { sourceId: s.id })).result as { ok: boolean }).ok).toBe(true);

    await ok('sources.update', { sourceId: s.id, database: { password: null } });
    expect(await keychain.get(account)).toBeNull();
    expect((await ok<SourceSettings & { kind: 'database' }>('sources.settings', { sourceId: s.id })).database.passwordInKeychain).toBe(false);

    await engine.stop();
    const bytes = dataDirBytes(join(root, 'data'));
    expect(bytes).toContain('Meters (rotated)'); // the scan does see the store and the log
    expect(bytes).not.toContain(OLD);
    expect(bytes).not.toContain(NEW);
    engine = Engine.open({ dataDir: join(root, 'data'), mode: 'headless' }); // for afterEach
  });
});
