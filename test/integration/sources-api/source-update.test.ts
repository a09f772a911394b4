/**
 * `sources.settings` and `sources.update` through the engine's API exactly as the edit form calls
 * them: real folders, a real SQLite database, jobs and mappings in the store, and an in-memory
 * secret store standing in for the keychain (the keychain itself: source-update-keychain.test.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SourceSettings, UpdateSourceResult } from '../../../shared/contract/sources';
import type { SourceInfo } from '../../../shared/dto';
import { headerFingerprint, type MappingProfileInput } from '../../../shared/mapping';
import type { Engine } from '../../../main/engine/engine';
import { SourceService } from '../../../main/engine/sources/service';
import { MemorySecrets } from '../mappings-api/helpers';
import { insertConnection, openEngineApi, type EngineApi } from './api';

let root: string;
let engine: Engine;
let secrets: MemorySecrets;
let changed: SourceInfo[];
let ok: EngineApi['ok'];
let fails: EngineApi['fails'];

const update = (params: Record<string, unknown>) => ok<UpdateSourceResult>('sources.update', params);

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'esg-src-edit-'));
  secrets = new MemorySecrets();
  ({ engine, ok, fails } = await openEngineApi(join(root, 'data'), { store: secrets }));
  changed = [];
  engine.events.subscribe((event, payload) => {
    if (event === 'source.changed') changed.push(payload as SourceInfo);
  });
  insertConnection(engine);
});

afterEach(async () => {
  await engine.stop();
  rmSync(root, { recursive: true, force: true });
});

function dir(name: string): string {
  const p = join(root, name);
  mkdirSync(p, { recursive: true });
  return p;
}

function addJob(id: string, sourceId: string, config: Record<string, unknown> = {}, cursor: string | null = null, mappingId: string | null = null): void {
  engine.store.jobs.insert({ id, name: `Job ${id}`, type: 'ingest', connectionId: 'c1', sourceId, mappingId, config, paused: false, cursor, createdAt: new Date().toISOString() });
}

describe('folder sources', () => {
  it('shows the settings the edit form starts from, read options left to detection as null', async () => {
    const s = await ok<SourceInfo>('sources.addFolder', { name: 'Bills', path: dir('bills'), include: ['*.csv'], encoding: 'windows-1252', sheet: 0 });
    expect(await ok<SourceSettings>('sources.settings', { sourceId: 'Bills' })).toEqual({
      kind: 'folder',
      sourceId: s.id,
      name: 'Bills',
      folder: {
        path: join(root, 'bills'),
        recursive: false,
        include: ['*.csv'],
        exclude: [],
        stableMs: 2000,
        usePolling: false,
        pollIntervalMs: 5000,
        afterRun: 'move',
        encoding: 'windows-1252',
        delimiter: null,
        headerRow: null,
        sheet: 0,
        pointer: null,
      },
    });
    expect((await fails('sources.settings', { sourceId: 'Nope' })).code).toBe('not_found');
  });

  it('changes only what is named: a new path, patterns and polling; null puts a read option back to detection', async () => {
    const s = await ok<SourceInfo>('sources.addFolder', { name: 'Bills', path: dir('bills'), encoding: 'windows-1252', delimiter: ';', headerRow: 3 });
    addJob('j1', s.id, { onFileArrival: false });
    const moved = dir('share/bills-2025');
    const r = await update({ sourceId: s.id, name: 'Utility bills', folder: { path: moved, include: ['*.xlsx'], usePolling: true, pollIntervalMs: 10_000, encoding: null, delimiter: null } });

    expect(r.source).toMatchObject({ id: s.id, name: 'Utility bills', location: moved, folder: { include: ['*.xlsx'], usePolling: true, pollIntervalMs: 10_000, stableMs: 2000, afterRun: 'move' } });
    const config = engine.store.sources.get(s.id)!.config;
    expect(config).toMatchObject({ path: moved, headerRow: 3, recursive: false });
    expect(config).not.toHaveProperty('encoding');
    expect(config).not.toHaveProperty('delimiter');
    // The job still reads the same source, now under its new name.
    expect(engine.store.jobs.get('j1')!.sourceId).toBe(s.id);
    expect(r.source.usedByJobs).toEqual(['Job j1']);
    // What happens to the files already there, said truthfully: this job has no file trigger.
    expect(r.notes).toEqual([
      `Files already in ${moved} that match the source's patterns are taken as new files at the next "Run now" of the job "Job j1"; a file with the same content as one this source has already taken is recorded as a duplicate and not synced again. Files in ${join(root, 'bills')} are no longer picked up.`,
    ]);
    expect(changed.at(-1)).toMatchObject({ id: s.id, name: 'Utility bills', location: moved });
  });

  it('says a watched folder takes the files already in its new folder at once', async () => {
    const s = await ok<SourceInfo>('sources.addFolder', { name: 'Drop', path: dir('a') });
    addJob('j1', s.id, { onFileArrival: true });
    const r = await update({ sourceId: s.id, folder: { path: dir('b') } });
    expect(r.notes[0]).toMatch(/are taken as new files as soon as the agent watches the new folder;/);
    // The same path again (or no path) is no move, and says nothing.
    expect((await update({ sourceId: s.id, folder: { path: join(root, 'b'), stableMs: 500 } })).notes).toEqual([]);
  });

  it('refuses a bad path, database settings and a name another source has, with the add form\'s reasons, saving nothing', async () => {
    const s = await ok<SourceInfo>('sources.addFolder', { name: 'Bills', path: dir('bills') });
    await ok('sources.addFolder', { name: 'Other', path: dir('other') });
    const before = engine.store.sources.get(s.id);
    writeFileSync(join(root, 'a.csv'), 'x\n1\n');

    expect(await fails('sources.update', { sourceId: s.id, folder: { path: join(root, 'nope') } })).toMatchObject({ code: 'invalid_params', message: expect.stringMatching(/does not exist/) });
    expect((await fails('sources.update', { sourceId: s.id, folder: { path: join(root, 'a.csv') } })).message).toMatch(/is a file, not a folder/);
    expect((await fails('sources.update', { sourceId: s.id, folder: { path: 'relative/dir' } })).message).toMatch(/not absolute/);
    expect(await fails('sources.update', { sourceId: s.id, database: { table: 'energy' } })).toEqual({
      code: 'invalid_params',
      message: '"Bills" is a folder source, so database settings (table) do not apply to it. Change its folder settings instead, or add a database source.',
    });
    expect(await fails('sources.update', { sourceId: s.id, name: 'Other' })).toMatchObject({ code: 'conflict', message: 'A source called "Other" already exists. Choose another name.' });
    // Limits are said in words, not as the validator's own text.
    const tooSoon = await fails('sources.update', { sourceId: s.id, folder: { stableMs: 5, headerRow: 0 } });
    expect(tooSoon).toMatchObject({ code: 'invalid_params' });
    expect((tooSoon as { details?: { message: string }[] }).details?.map((d) => d.message).sort()).toEqual([
      'The header row is counted from 1 (the first line).',
      'The waiting time before a file counts as fully written is at least 100 ms.',
    ]);
    // An encoding is checked when it is set, not when the next file fails on it.
    expect(await fails('sources.update', { sourceId: s.id, folder: { encoding: 'klingon' } })).toMatchObject({ code: 'invalid_params', message: expect.stringMatching(/^The encoding "klingon" is not known\./) });
    expect(await fails('sources.addFolder', { name: 'Klingon', path: dir('other'), encoding: 'klingon' })).toMatchObject({ code: 'invalid_params' });
    // Nor another source's id: commands take either, and could not tell the two apart.
    const other = engine.store.sources.get('Other')!;
    expect(await fails('sources.update', { sourceId: s.id, name: other.id })).toMatchObject({ code: 'conflict', message: `"${other.id}" is the id of the source "Other", so commands could not tell the two apart. Choose another name.` });
    expect(engine.store.sources.get(s.id)).toEqual(before);

    // Its own name is not a clash.
    expect((await update({ sourceId: s.id, name: 'Bills', folder: { recursive: true } })).source).toMatchObject({ name: 'Bills', folder: { recursive: true } });
  });
});

describe('database sources (SQLite)', () => {
  function meters(file = join(root, 'meters.sqlite')): string {
    const db = new Database(file);
    db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, Site TEXT, Month TEXT, kwh REAL, updated_at TEXT)');
    db.exec('CREATE TABLE readings_2025 (id INTEGER PRIMARY KEY, Site TEXT, Month TEXT, energy REAL, updated_at TEXT)');
    const ins = db.prepare('INSERT INTO readings (Site, Month, kwh, updated_at) VALUES (?, ?, ?, ?)');
    for (let m = 1; m <= 3; m++) ins.run('LON-01', `2024-0${m}`, 100 * m, `2024-0${m}-28 00:00:00`);
    db.close();
    return file;
  }

  const profile = (sourceId: string): MappingProfileInput => ({
    schemaVersion: 1,
    name: 'Meters',
    sourceId,
    connectionId: 'c1',
    shape: { kind: 'long', valueColumn: 'kwh' },
    metric: { kind: 'fixed', metricId: 'met_elec_cons' },
    entity: { kind: 'column', column: 'Site', unknownEntity: 'reject' },
    period: { kind: 'date', column: 'Month', format: 'YYYY-MM', granularity: 'month' },
    headerFingerprint: headerFingerprint(['id', 'Site', 'Month', 'kwh', 'updated_at'], { orderInsensitive: true }),
  });

  it('shows the settings without the password, only that one is kept', async () => {
    const file = meters();
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file, table: 'readings', watermarkColumn: 'updated_at', password: 'kept-pw' });
    const settings = await ok<SourceSettings>('sources.settings', { sourceId: s.id });
    expect(settings).toEqual({
      kind: 'database',
      sourceId: s.id,
      name: 'Meters',
      database: { kind: 'sqlite', file, host: null, port: null, database: null, user: null, schema: null, table: 'readings', query: null, watermarkColumn: 'updated_at', ssl: null, passwordInKeychain: true },
    });
    expect(JSON.stringify(settings)).not.toContain('kept-pw');
  });

  it('tests the new settings first: a table that is not there changes nothing and says so', async () => {
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file: meters(), table: 'readings' });
    const before = engine.store.sources.get(s.id);
    const count = changed.length;
    const err = await fails('sources.update', { sourceId: s.id, name: 'Renamed', database: { table: 'nope' } });
    expect(err.code).toBe('source');
    expect(err.message).toMatch(/^The database source was not changed: .*nope/);
    expect(engine.store.sources.get(s.id)).toEqual(before);
    expect(changed).toHaveLength(count);
    // A SQLite file that is not there is refused as when the source was added.
    expect((await fails('sources.update', { sourceId: s.id, database: { file: join(root, 'typo.sqlite') } })).message).toBe(`There is no SQLite database file at "${join(root, 'typo.sqlite')}". Check the path.`);
  });

  it('keeps "a table or a query" and the location rules, with the add form\'s sentences; a query replaces the table when the table is cleared', async () => {
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file: meters(), table: 'readings' });
    expect(await fails('sources.update', { sourceId: s.id, database: { query: 'SELECT Site, Month, kwh FROM readings' } })).toEqual({ code: 'invalid_params', message: 'Give a table or a query: exactly one of the two.' });
    expect((await fails('sources.update', { sourceId: s.id, database: { table: null } })).message).toBe('Give a table or a query: exactly one of the two.');
    expect((await fails('sources.update', { sourceId: s.id, folder: { path: root } })).message).toMatch(/^"Meters" is a database source, so folder settings \(path\) do not apply to it\./);

    const r = await update({ sourceId: s.id, database: { table: null, query: 'SELECT Site, Month, kwh FROM readings' } });
    expect(r.source.database).toMatchObject({ table: null, query: true });
    expect(engine.store.sources.get(s.id)!.config).not.toHaveProperty('table');
    expect((await ok<SourceSettings & { kind: 'database' }>('sources.settings', { sourceId: s.id })).database).toMatchObject({ table: null, query: 'SELECT Site, Month, kwh FROM readings' });
  });

  it('clears the watermarks of its jobs when what is read changes, and says the ledger keeps rows from being sent twice', async () => {
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file: meters(), table: 'readings', watermarkColumn: 'updated_at' });
    addJob('j1', s.id, {}, '2024-03-28 00:00:00');
    addJob('j2', s.id, { ingest: { mirror: true, maxDeleteShare: 0.2 } }, '2024-02-28 00:00:00');
    expect((await ok<SourceInfo[]>('sources.list', {}))[0]!.lastWatermark).not.toBeNull();

    // Only how to connect changes (SQLite ignores these, but the rule is the rule): watermarks stay.
    const connect = await update({ sourceId: s.id, database: { ssl: 'require', password: 'pw-1' } });
    // The watermark note is not there; the password one is.
    expect(connect.notes).toEqual(['The new password worked and now replaces the one kept in the OS keychain.']);
    expect(engine.store.jobs.get('j1')!.cursor).toBe('2024-03-28 00:00:00');

    const r = await update({ sourceId: s.id, database: { table: 'readings_2025' } });
    expect(engine.store.jobs.get('j1')!.cursor).toBeNull();
    expect(engine.store.jobs.get('j2')!.cursor).toBeNull();
    expect(r.source.lastWatermark).toBeNull();
    expect(r.notes).toContain(
      'The watermark of the jobs "Job j1", "Job j2" was cleared: the next run reads every row of the source again. Rows already sent are recognised by the ledger and not sent twice; values that differ are sent as updates.',
    );
    expect(r.notes).toContain(
      'The job "Job j2" mirrors this source: at its next run, values it sent before that the source no longer returns are deleted on the platform (a run that would delete more than 20% of them stops and asks first).',
    );
    // The count is the new table's (empty), not the old one's.
    expect(r.source.rowCount).toBe(0);
  });

  it('names a mapping that reads columns the database no longer returns, and still saves', async () => {
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file: meters(), table: 'readings' });
    engine.store.mappings.save({ id: 'm1', name: 'Meters electricity', sourceId: s.id, connectionId: 'c1', fingerprint: null, profile: profile(s.id) }, new Date().toISOString());
    addJob('j1', s.id, {}, null, 'm1');

    const r = await update({ sourceId: s.id, database: { table: null, query: 'SELECT id, Site, updated_at FROM readings' } });
    expect(r.notes).toEqual([
      `The mapping "Meters electricity" reads the columns 'Month', 'kwh' that the database no longer returns. Runs with this mapping stop as "needs attention" until the mapping is updated or the source returns those columns again.`,
    ]);
    expect(engine.store.sources.get(s.id)!.config.query).toBe('SELECT id, Site, updated_at FROM readings');

    // Every column back, one more: the mapping's saved header no longer matches, and runs stop too.
    const more = await update({ sourceId: s.id, database: { query: 'SELECT id, Site, Month, kwh, updated_at, 1 AS meter FROM readings' } });
    expect(more.notes).toEqual([
      `The database now returns other columns than the mapping "Meters electricity" was saved with (with 'meter' added). Runs with this mapping stop as "needs attention" until the mapping is reviewed and saved again.`,
    ]);
    expect((await update({ sourceId: s.id, database: { query: null, table: 'readings' } })).notes).toEqual([]);
  });

  it('replaces the kept password only after the test passes, removes it with null, and never returns it', async () => {
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file: meters(), table: 'readings', password: 'old-pw' });
    const account = `source:${s.id}`;

    await fails('sources.update', { sourceId: s.id, database: { table: 'nope', password: 'new-pw' } });
    expect(await secrets.get(account)).toBe('old-pw');

    const r = await update({ sourceId: s.id, database: { password: 'new-pw' } });
    expect(await secrets.get(account)).toBe('new-pw');
    expect(r.source.database?.passwordInKeychain).toBe(true);
    expect(JSON.stringify(r)).not.toContain('new-pw');
    expect(JSON.stringify(engine.store.sources.get(s.id)!.config)).not.toContain('new-pw');

    expect((await fails('sources.update', { sourceId: s.id, database: { password: '' } })).message).toMatch(/new password of "Meters" is empty/);

    const removed = await update({ sourceId: s.id, database: { password: null } });
    expect(await secrets.get(account)).toBeNull();
    expect(removed.source.database?.passwordInKeychain).toBe(false);
    expect(engine.store.sources.get(s.id)!.config).not.toHaveProperty('passwordRef');
  });

  it('a kept password missing from the keychain can be given again with the change', async () => {
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file: meters(), table: 'readings', password: 'old-pw' });
    await secrets.delete(`source:${s.id}`);
    const err = await fails('sources.update', { sourceId: s.id, database: { ssl: 'require' } });
    expect(err).toMatchObject({ code: 'secrets', message: expect.stringContaining('esg-sync source edit "Meters" --password-stdin') });
    await update({ sourceId: s.id, database: { ssl: 'require', password: 'found-again' } });
    expect(await secrets.get(`source:${s.id}`)).toBe('found-again');
  });

  it('puts the old password back when the store refuses the new settings', async () => {
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file: meters(), table: 'readings', password: 'old-pw' });
    const spy = vi.spyOn(engine.store.sources, 'update').mockImplementationOnce(() => {
      throw new Error('database is locked');
    });
    expect((await fails('sources.update', { sourceId: s.id, database: { password: 'new-pw' } })).message).toMatch(/locked|internal/i);
    spy.mockRestore();
    expect(await secrets.get(`source:${s.id}`)).toBe('old-pw');
  });

  it('refuses to change what is read while a run of its job is reading it; a new password may still go in', async () => {
    const s = await ok<SourceInfo>('sources.addDatabase', { name: 'Meters', kind: 'sqlite', file: meters(), table: 'readings', watermarkColumn: 'updated_at' });
    addJob('j1', s.id, {}, '2024-03-28 00:00:00');
    const service = new SourceService({ store: engine.store, secrets: () => secrets, isRunning: (id) => id === 'j1' });
    await expect(service.update({ sourceId: s.id, database: { table: 'readings_2025' } })).rejects.toMatchObject({
      code: 'in_use',
      message: 'A run of "Job j1" is reading "Meters" now, so what the source reads cannot change under it. Try again once the run has finished.',
    });
    expect(engine.store.jobs.get('j1')!.cursor).toBe('2024-03-28 00:00:00');
    expect((await service.update({ sourceId: s.id, database: { password: 'pw' } })).notes).toEqual(['The new password worked and now replaces the one kept in the OS keychain.']);
  });
});
