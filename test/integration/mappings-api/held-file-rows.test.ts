/**
 * "Hold the row and ask me (nothing is sent for it until mapped)" for a dropped file: the run
 * counts the held values and says how to send them; once the code is mapped, "Send the held rows"
 * reads the processed file again and sends exactly the values that were held — through the
 * engine's API, against the sandbox platform.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MappingInfo, RunSummary } from '../../../shared/dto';
import type { DriftReport } from '../../../shared/contract/mappings';
import type { MappingProfile } from '../../../shared/mapping';
import type { Engine } from '../../../main/engine/engine';
import { KeychainSecretStore } from '../../../main/engine/secrets';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { runCliInProcess } from '../../helpers/cli-in-process';
import { probeKeychain, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';
import { billsFolderJob, energyCsv, engineOnSandbox, runDroppedFile } from './helpers';

let sandbox: RunningSandbox;
let root: string;
let engine: Engine;
let ok: Awaited<ReturnType<typeof engineOnSandbox>>['ok'];

beforeEach(async () => {
  // A platform of its own per test: what one test sent must not answer for another.
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-held-rows-'));
  ({ engine, ok } = await engineOnSandbox(root, sandbox.url));
});
afterEach(async () => {
  await sandbox.close();
  await engine.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A folder job whose next file brings a site code the mapping does not know ('NEW-99', two values). */
async function billsWithNewSite(jobConfig: Record<string, unknown> = {}) {
  const { folder, source, mapping } = await billsFolderJob(engine, ok, root, jobConfig);

  // A new site appears in the next file.
  const path = join(folder, 'bills-july.csv');
  writeFileSync(path, energyCsv(['NEW-99,2024-01,500', 'NEW-99,2024-02,600']));
  const bytes = readFileSync(path);
  const before = sandbox.countSubmissions();
  return { folder, source, mapping, path, bytes, before };
}

/** What a person does in the wizard: map 'NEW-99' to a platform site, as the mapping's next version. */
async function mapNewSite(mappingId: string): Promise<void> {
  const got = await ok<{ profile: MappingProfile }>('mappings.get', { mappingId });
  const entity = got.profile.entity;
  if (entity.kind !== 'column') throw new Error('expected a site column');
  await ok<MappingInfo>('mappings.save', { id: mappingId, profile: { ...got.profile, entity: { ...entity, valueMap: { ...entity.valueMap, 'NEW-99': 'ent_lyo01' } } } });
}

const runFile = (path: string, _bytes: Buffer) => runDroppedFile(engine, 'bills', path);

describe('values held for a site code not mapped yet, in a dropped file', () => {
  it('are counted, said, and sent by "Send the held rows" once the code is mapped; nothing else is sent twice', async () => {
    const { folder, mapping, path, bytes, before } = await billsWithNewSite();
    const first = await runFile(path, bytes);
    expect(first).toMatchObject({ status: 'succeeded_with_rejections', created: 18, held: 2, rejected: 2 });
    expect(sandbox.countSubmissions()).toBe(before + 18);
    expect(engine.store.runs.get(first.id)).toMatchObject({ held: 2 });
    const said = engine.store.runs.events(first.id).map((e) => e.message);
    expect(said).toContain(`2 rows use site or metric codes that are not mapped yet and were not sent. Map the codes in the mapping, then choose “Send the held rows” on this run's page (\`esg-sync history retry ${first.id}\`): only values never sent are sent then.`);

    // The file went to processed/; the run still knows where it is.
    const processed = join(folder, 'processed', 'bills-july.csv');
    expect(existsSync(processed)).toBe(true);
    const drift = await ok<DriftReport>('mappings.drift', { runId: first.id });
    expect(drift).toMatchObject({ file: processed, fileAvailable: true, hasDrift: false });

    // Sent before the code is mapped: held again, nothing sent, and the file stays findable.
    const early = await ok<{ queued: boolean; run: RunSummary }>('mappings.retryFile', { runId: first.id });
    expect(early.run).toMatchObject({ status: 'succeeded_with_rejections', read: 2, created: 0, unchanged: 0, held: 2 });
    expect(sandbox.countSubmissions()).toBe(before + 18);

    // The person maps the new code (the wizard opened on this run's file), then sends the held rows.
    await mapNewSite(mapping.id);
    const retried = await ok<{ queued: boolean; run: RunSummary }>('mappings.retryFile', { runId: first.id });
    expect(retried.run).toMatchObject({ status: 'succeeded', read: 2, created: 2, unchanged: 0, held: 0, rejected: 0 });
    expect(sandbox.countSubmissions()).toBe(before + 20);
    // The first run knows who sent what it held (the early retry, still held, did not).
    expect(await ok<{ heldSentBy: number | null }>('history.get', { runId: first.id })).toMatchObject({ heldSentBy: retried.run.id });
    expect(await ok<{ heldSentBy: number | null }>('history.get', { runId: early.run.id })).toMatchObject({ heldSentBy: retried.run.id });
    // Read again where it lay: not moved to a second, stamped name (its held rows listed beside it once).
    expect(readdirSync(join(folder, 'processed')).sort()).toEqual(['bills-july.csv', 'bills-july.csv.errors.csv']);
  });

  it('are sent from the command line with `esg-sync history retry RUN`, which exits 1 while they are still held', async () => {
    const { mapping, path, bytes } = await billsWithNewSite();
    const first = await runFile(path, bytes);
    expect(first.held).toBe(2);
    // The CLI opens the store itself (no agent): the connection's secret must be where it looks.
    const probe = await probeKeychain();
    const keychain = probe.ok ? new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE }) : null;
    await keychain?.set('sandbox', 'sandbox-secret');
    const saved = { ...process.env };
    Object.assign(process.env, keychain ? { ESG_SYNC_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE } : { ESG_SYNC_ALLOW_ENV_SECRETS: '1', ESG_SYNC_SECRET_SANDBOX: 'sandbox-secret' });
    try {
      const cli = (...argv: string[]) => runCliInProcess(['--data-dir', join(root, 'data'), ...argv]);
      const still = await cli('history', 'retry', String(first.id));
      expect(still.code).toBe(1);
      expect(still.stdout).toMatch(/: succeeded, some rows held\nread 2, created 0, updated 0, deleted 0, unchanged 0, rejected 0, held 2 \(codes not mapped yet, or periods not over\)\nSee the held rows with: esg-sync history show/);
      expect(still.stdout).toContain(`send the held rows with: esg-sync history retry `);

      await mapNewSite(mapping.id);
      const sent = await cli('history', 'retry', String(first.id));
      expect(sent.stderr).toBe('');
      expect(sent.code).toBe(0);
      expect(sent.stdout).toMatch(/^Run #\d+ of "Bills": succeeded\nread 2, created 2, updated 0, deleted 0, unchanged 0, rejected 0\n$/);
      const bad = await cli('history', 'retry', 'seven');
      expect(bad).toMatchObject({ code: 2 });
      expect(bad.stderr).toContain('"seven" is not a run number.');
    } finally {
      process.env = saved;
      await keychain?.delete('sandbox').catch(() => undefined);
    }
  });

  it('sends only values never sent: a value a later file changed is not put back, and a mirror job deletes nothing', async () => {
    const { folder, mapping, path, bytes } = await billsWithNewSite({ ingest: { mirror: true } });
    const first = await runFile(path, bytes);
    expect(first).toMatchObject({ created: 18, held: 2 });
    // A later file corrects one value and no longer has another.
    const later = join(folder, 'bills-august.csv');
    writeFileSync(later, energyCsv().replace('LON-01,2024-01,12500', 'LON-01,2024-01,77777').replace('MAN-02,2024-06,13550\r\n', ''));
    const laterBytes = readFileSync(later);
    expect(await runFile(later, laterBytes)).toMatchObject({ updated: 1, deleted: 1 });

    await mapNewSite(mapping.id);
    const retried = await ok<{ run: RunSummary }>('mappings.retryFile', { runId: first.id });
    expect(retried.run).toMatchObject({ status: 'succeeded', created: 2, updated: 0, deleted: 0, held: 0 });
    const lon = sandbox.listSubmissions().find((x) => x.entityId === 'ent_lon01' && x.periodStart === '2024-01-01');
    expect(lon?.value).toBe(77777);
    const said = engine.store.runs.events(retried.run.id).map((e) => e.message);
    expect(said).toContain(`Sending the held rows of run #${first.id}: those lines of its file are read again with the mapping as it is now, and only values never sent are sent (nothing is updated or deleted).`);
    // Only the two held lines were read again.
    expect(retried.run.read).toBe(2);
  });

  it('a held row mapped to a site whose value the file already sent is not sent, and the retry says so on its lines', async () => {
    const { mapping, path, bytes } = await billsWithNewSite();
    const first = await runFile(path, bytes);
    expect(first).toMatchObject({ created: 18, held: 2 });
    // 'NEW-99' turns out to be London, whose January and February this file already sent (lines 2 and 3).
    const got = await ok<{ profile: MappingProfile }>('mappings.get', { mappingId: mapping.id });
    const entity = got.profile.entity;
    if (entity.kind !== 'column') throw new Error('expected a site column');
    await ok<MappingInfo>('mappings.save', { id: mapping.id, profile: { ...got.profile, entity: { ...entity, valueMap: { ...entity.valueMap, 'NEW-99': 'ent_lon01' } } } });
    const retried = await ok<{ run: RunSummary }>('mappings.retryFile', { runId: first.id });
    expect(retried.run).toMatchObject({ status: 'succeeded_with_rejections', created: 0, updated: 0, held: 0, rejected: 2 });
    const errors = engine.store.runs.errors(retried.run.id, 0, 10);
    expect(errors.map((e) => [e.line, e.value])).toEqual([
      [20, '500'],
      [21, '600'],
    ]);
    expect(errors[0]!.reason).toMatch(/^Not sent: the platform already holds a value for this metric, site and period, sent from another row of this file or from a later file/);
    expect(sandbox.listSubmissions().find((x) => x.entityId === 'ent_lon01' && x.periodStart === '2024-01-01')?.value).toBe(12500);
  });

  it('a source that deletes synced files keeps one with held values, and reading it again leaves it in place', async () => {
    const { folder, source, mapping, path, bytes } = await billsWithNewSite();
    await ok('sources.update', { sourceId: source.id, folder: { afterRun: 'delete' } });
    const first = await runFile(path, bytes);
    expect(first.held).toBe(2);
    const kept = join(folder, 'processed', 'bills-july.csv');
    expect(existsSync(kept)).toBe(true);
    expect(engine.store.runs.events(first.id).map((e) => e.message)).toContain('Kept the file (not deleted, as the source says for files that synced) because 2 rows are held: it is read again when you send them.');
    await mapNewSite(mapping.id);
    const retried = await ok<{ run: RunSummary }>('mappings.retryFile', { runId: first.id });
    expect(retried.run.error).toBeNull();
    expect(retried.run).toMatchObject({ created: 2, held: 0 });
    // Read again, it is not deleted now either: it was dealt with after its first run.
    expect(existsSync(kept)).toBe(true);
  });

  it('with a mapping that adds rows up, a held row joins its total: the whole file is read and only totals with a held row are sent', async () => {
    const { mapping, folder } = await billsWithNewSite();
    const got = await ok<{ profile: MappingProfile }>('mappings.get', { mappingId: mapping.id });
    await ok<MappingInfo>('mappings.save', { id: mapping.id, profile: { ...got.profile, sameKeyRows: 'add' } });
    // LON-01's January twice in the file (added up), and a third January row under a code not mapped yet.
    const path = join(folder, 'bills-august.csv');
    writeFileSync(path, energyCsv(['LON-01,2024-01,100', 'NEW-99,2024-01,7']));
    const bytes = readFileSync(path);
    const first = await runFile(path, bytes);
    expect(first).toMatchObject({ status: 'succeeded_with_rejections', created: 18, held: 1 });
    const january = () => sandbox.listSubmissions().find((x) => x.entityId === 'ent_lon01' && x.periodStart === '2024-01-01')!.value;
    expect(january()).toBe(12500 + 100);

    // 'NEW-99' turns out to be London: its 7 belongs in London's January total.
    const entity = got.profile.entity;
    if (entity.kind !== 'column') throw new Error('expected a site column');
    const latest = await ok<{ profile: MappingProfile }>('mappings.get', { mappingId: mapping.id });
    await ok<MappingInfo>('mappings.save', { id: mapping.id, profile: { ...latest.profile, entity: { ...entity, valueMap: { ...entity.valueMap, 'NEW-99': 'ent_lon01' } } } });
    const retried = await ok<{ queued: boolean; run: RunSummary }>('mappings.retryFile', { runId: first.id });
    expect(retried.run).toMatchObject({ status: 'succeeded', created: 0, updated: 1, unchanged: 0, deleted: 0, held: 0, rejected: 0 });
    expect(january()).toBe(12500 + 100 + 7);
    expect(engine.store.runs.events(retried.run.id).map((e) => e.message).join('\n')).toMatch(/this mapping adds rows up, so its file is read again whole/);
  });
});
