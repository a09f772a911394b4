import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SAMPLE_BYTES, MAX_SAMPLES, SampleError, SampleStore, safeSampleName } from '../../../main/engine/mapping/samples';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esg-samples-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function* chunks(total: number, size = 1024 * 1024): AsyncGenerator<Uint8Array> {
  const line = Buffer.from('a,b\n'.repeat(size / 4));
  for (let sent = 0; sent < total; sent += size) yield line;
}

describe('safeSampleName', () => {
  it('keeps the last path part, replaces reserved characters, and requires a table extension', () => {
    expect(safeSampleName('C:\\Users\\me\\june.CSV')).toBe('june.CSV');
    expect(safeSampleName('../../etc/report.xlsx')).toBe('report.xlsx');
    expect(safeSampleName('a<b>|c?.tsv')).toBe('a_b__c_.tsv');
    expect(safeSampleName('...hidden.json')).toBe('hidden.json');
    for (const bad of ['run.sh', 'x.exe', 'noext', '', '.csv/']) expect(() => safeSampleName(bad)).toThrow(SampleError);
  });
});

describe('SampleStore', () => {
  it('stops writing past the size limit and leaves nothing behind', async () => {
    const store = new SampleStore(dir);
    await expect(store.save('big.csv', chunks(MAX_SAMPLE_BYTES + 2 * 1024 * 1024))).rejects.toMatchObject({ code: 'too_large', message: expect.stringMatching(/larger than 20 MB/) });
    await expect(store.save('big.csv', Buffer.from('a\n1\n'), MAX_SAMPLE_BYTES + 1)).rejects.toMatchObject({ code: 'too_large' });
    expect(readdirSync(join(dir, 'samples'))).toEqual([]);
  });

  it('accepts a file right at the limit', async () => {
    const store = new SampleStore(dir);
    const s = await store.save('edge.csv', chunks(MAX_SAMPLE_BYTES));
    expect(s.size).toBe(MAX_SAMPLE_BYTES);
    expect(await store.path(s.uploadId)).toBe(join(dir, 'samples', s.uploadId, 'edge.csv'));
  });

  it('checks ids before they touch a path', async () => {
    const store = new SampleStore(dir);
    for (const id of ['..', '../../../../etc', 'a/b', 'x'.repeat(17)]) await expect(store.path(id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('prunes samples older than a day and keeps at most the newest few', async () => {
    let now = Date.now();
    const store = new SampleStore(dir, () => now);
    const old = await store.save('old.csv', Buffer.from('a\n1\n'));
    const past = (Date.now() - 2 * 24 * 3600 * 1000) / 1000;
    utimesSync(join(dir, 'samples', old.uploadId), past, past);
    const fresh = await store.save('new.csv', Buffer.from('a\n1\n'));
    expect(readdirSync(join(dir, 'samples'))).toEqual([fresh.uploadId]);
    await expect(store.path(old.uploadId)).rejects.toMatchObject({ code: 'not_found' });
    for (let i = 0; i < MAX_SAMPLES + 3; i++) {
      now += 1000;
      await store.save(`s${i}.csv`, Buffer.from('a\n1\n'));
    }
    expect(readdirSync(join(dir, 'samples')).length).toBeLessThanOrEqual(MAX_SAMPLES);
  });
});
