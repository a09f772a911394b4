/**
 * A mirror job deletes on the platform what is no longer in its source, but only when it read every
 * row: a row it rejected (a typo in one cell) or held (a site code not mapped yet) has no key it can
 * trust, so its value would look gone. Such a run deletes nothing and says why; the next run that
 * reads every row deletes what is really gone, and says so. And a value deleted on the platform by
 * someone else is created again when the source next changes it, not rejected for good. Against
 * the sandbox platform.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { electricityFolderJob, openFolderSyncRig, type FolderSyncRig } from '../../helpers/folder-sync-rig';

let rig: FolderSyncRig;
beforeEach(async () => {
  rig = await openFolderSyncRig();
});
afterEach(async () => {
  await rig.close();
});

const months = ['2024-01', '2024-02', '2024-03'];
const sites = ['LON-01', 'MAN-02', 'BER-01'];
const base = sites.flatMap((s, i) => months.map((m, j) => [s, m, String(1000 + 100 * i + j)]));

/** The job (a mirror unless said otherwise); `drop` also gives the run's timeline as text. */
async function setUp(unknownEntity: 'reject' | 'hold', mirror = true) {
  const job = await electricityFolderJob(rig, { unknownEntity, ingest: { mirror } });
  const drop = async (name: string, rows: string[][], after: number) => {
    const run = (await job.drop(name, rows, after))!;
    expect(run).not.toBeNull();
    const events = rig.engine.store.runs.events(run.id).map((e) => e.message).join('\n');
    return { run, events };
  };
  return { drop };
}

const live = async () => rig.sandbox.listSubmissions().map((s) => `${s.entityId} ${s.periodStart.slice(0, 7)} ${Number(s.value)}`).sort();

describe('a mirror job and rows it could not read', () => {
  it('a typo in one row deletes nothing (that row’s value stays); the next complete file deletes only the row really removed', async () => {
    const { drop } = await setUp('reject');
    const first = await drop('bills.csv', base, 0);
    expect(first.run.created).toBe(9);
    const before = await live();

    // BER-01 March is removed from the source; LON-01 February's month has a typo.
    const typo = base.filter((r) => !(r[0] === 'BER-01' && r[1] === '2024-03')).map((r) => (r[0] === 'LON-01' && r[1] === '2024-02' ? [r[0], '2024-O2', r[2]!] : r));
    const second = await drop('bills-typo.csv', typo, first.run.id);
    expect({ rejected: second.run.rejected, deleted: second.run.deleted }).toEqual({ rejected: 1, deleted: 0 });
    expect(second.events).toContain('This job mirrors its source, but 1 row could not be read (rejected, or held for a code not mapped yet), so this run deletes nothing from the platform: of the 2 values on the platform no longer found in the source, some may only look gone because their rows could not be read.');
    expect(await live()).toEqual(before);

    const fixed = base.filter((r) => !(r[0] === 'BER-01' && r[1] === '2024-03'));
    const third = await drop('bills-fixed.csv', fixed, second.run.id);
    expect({ rejected: third.run.rejected, deleted: third.run.deleted }).toEqual({ rejected: 0, deleted: 1 });
    expect(third.events).toContain('1 value on the platform is no longer in the source, and this job mirrors it: it is deleted on the platform.');
    // BER-01 March (1202) is the one value gone; LON-01 February (1001) stayed throughout.
    expect(await live()).toEqual(before.filter((v) => !v.endsWith(' 1202')));
  });

  it('a site code not mapped yet (held) deletes nothing of what that site has on the platform', async () => {
    const { drop } = await setUp('hold');
    const first = await drop('bills.csv', base, 0);
    expect(first.run.created).toBe(9);
    const before = await live();
    // MAN-02 is written under a new name the mapping does not know yet.
    const renamed = base.map((r) => (r[0] === 'MAN-02' ? ['Manchester Works', r[1]!, r[2]!] : r));
    const second = await drop('bills-renamed.csv', renamed, first.run.id);
    expect(second.run.deleted).toBe(0);
    expect(second.run.held).toBe(3);
    expect(second.events).toContain('so this run deletes nothing from the platform: of the 3 values on the platform no longer found in the source, some may only look gone');
    expect(await live()).toEqual(before);
  });
});

/** Deletes a submission on the platform as a person there would, through its API. */
async function deleteOnPlatform(id: string): Promise<void> {
  const token = (await (await fetch(`${rig.sandbox.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret' })).json()) as { access_token: string };
  const res = await fetch(`${rig.sandbox.url}/v1/submissions:batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json', 'idempotency-key': `test-delete-${id}` },
    body: JSON.stringify({ items: [{ op: 'delete', id }] }),
  });
  expect(((await res.json()) as { results: { status: string }[] }).results[0]!.status).toBe('deleted');
}

describe('a value deleted on the platform after it was sent', () => {
  it('is created again when the source changes it, instead of being rejected as deleted', async () => {
    const { drop } = await setUp('reject', false);
    const first = await drop('bills.csv', base, 0);
    expect(first.run.created).toBe(9);
    const berMarch = rig.sandbox.listSubmissions().find((s) => Number(s.value) === 1202)!;
    await deleteOnPlatform(berMarch.id);
    expect((await live()).length).toBe(8);

    const corrected = base.map((r) => (r[2] === '1202' ? [r[0]!, r[1]!, '1250'] : r));
    const second = await drop('bills-corrected.csv', corrected, first.run.id);
    expect({ created: second.run.created, updated: second.run.updated, rejected: second.run.rejected }).toEqual({ created: 1, updated: 0, rejected: 0 });
    expect(second.events).toContain('1 value had been deleted on the platform since this agent sent it (by a person or another tool there): it is created again with the value in this source.');
    expect(await live()).toContain(`${berMarch.entityId} 2024-03 1250`);
    expect((await live()).length).toBe(9);

    // The ledger points at the new record: a later change updates it.
    const third = await drop('bills-again.csv', corrected.map((r) => (r[2] === '1250' ? [r[0]!, r[1]!, '1260'] : r)), second.run.id);
    expect({ created: third.run.created, updated: third.run.updated, rejected: third.run.rejected }).toEqual({ created: 0, updated: 1, rejected: 0 });
    expect(await live()).toContain(`${berMarch.entityId} 2024-03 1260`);
  });
});
