/**
 * Stored batch answers are deflated at the fastest level now; answers stored by earlier versions
 * (default level) sit in existing sandbox files and must still replay byte for byte.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../../main/sandbox';
import { token } from '../../integration/sandbox/helpers';

const dir = mkdtempSync(join(tmpdir(), 'sandbox-idem-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const item = (day: string) => ({
  op: 'create',
  ref: day,
  data: { metric_id: 'met_elec_cons', entity_id: 'ent_lon01', period_start: day, period_end: day, value: 5, unit: 'kWh', comment: null, evidence: null },
});

async function post(url: string, t: string, key: string, body: string) {
  const res = await fetch(`${url}/v1/submissions:batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json', 'idempotency-key': key },
    body,
  });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), text: await res.text() };
}

describe('sandbox idempotency store', () => {
  it('replays its own answers and those an earlier version stored in the same file', async () => {
    const dbPath = join(dir, 'sandbox.db');
    const body = JSON.stringify({ items: [item('2024-01-01'), item('2024-01-02')] });
    let s = await startSandbox({ dbPath });
    let t = await token(s.url);
    const first = await post(s.url, t, 'k-new', body);
    expect(first.status).toBe(200);
    const stored = s.db.prepare("SELECT response_body FROM idempotency WHERE key = 'k-new'").get() as { response_body: Buffer };
    expect(inflateRawSync(stored.response_body).toString('utf8')).toBe(first.text);

    // An answer as the previous version wrote it: deflated at zlib's default level.
    const oldBody = JSON.stringify({ items: [item('2024-02-01')] });
    const oldText = JSON.stringify({
      results: [{ index: 0, ref: '2024-02-01', status: 'created', id: 'sub_old1', version: 1, reason: null }],
      summary: { created: 1, updated: 0, deleted: 0, unchanged: 0, rejected: 0 },
    });
    const client = (s.db.prepare('SELECT client_id FROM idempotency LIMIT 1').get() as { client_id: string }).client_id;
    s.db
      .prepare('INSERT INTO idempotency (client_id, key, body_hash, status, response_body, created_at) VALUES (?, ?, ?, 200, ?, ?)')
      .run(client, 'k-old', createHash('sha256').update(oldBody).digest('hex'), deflateRawSync(oldText), new Date().toISOString());
    await s.close();

    s = await startSandbox({ dbPath });
    t = await token(s.url);
    expect(await post(s.url, t, 'k-new', body)).toEqual({ status: 200, replayed: 'true', text: first.text });
    expect(await post(s.url, t, 'k-old', oldBody)).toEqual({ status: 200, replayed: 'true', text: oldText });
    expect(s.countSubmissions()).toBe(2);
    await s.close();
  });
});
