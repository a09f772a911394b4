/**
 * Once the platform refused a connection's secret, its jobs' scheduled slots do not sign in with
 * the same secret again for an hour (a five-minute job would otherwise fail 288 sign-ins a day);
 * a run by hand still goes, and rotating the secret (or a passing Test) lifts it at once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { attentionItems } from '../../../shared/attention';
import type { ConnectionInfo } from '../../../shared/dto';
import { SIGN_IN_RETRY_MS, SyncService } from '../../../main/engine/sync/service';
import { startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { billsFolderJob, energyCsv, engineOnSandbox } from '../mappings-api/helpers';

let sandbox: RunningSandbox;
let root: string;
let env: Awaited<ReturnType<typeof engineOnSandbox>>;
let now = new Date('2026-03-02T06:00:00.000Z');

beforeEach(async () => {
  sandbox = await startSandbox({ port: 0 });
  root = mkdtempSync(join(tmpdir(), 'esg-sign-in-backoff-'));
  now = new Date('2026-03-02T06:00:00.000Z');
  env = await engineOnSandbox(root, sandbox.url, { clock: { now: () => now } });
});
afterEach(async () => {
  await env.engine.stop();
  await sandbox.close();
  rmSync(root, { recursive: true, force: true });
});

it('skips scheduled slots for an hour after a refused sign-in, not runs by hand, and not after the secret is rotated', async () => {
  const { engine, ok } = env;
  const { folder } = await billsFolderJob(engine, ok, root);
  const sync = new SyncService(engine);
  engine.sync = sync;
  writeFileSync(join(folder, 'bills.csv'), energyCsv());

  await engine.secrets().set('sandbox', 'rotated-on-the-platform');
  const refused = await sync.trigger('bills', 'schedule');
  expect(refused?.status).toBe('failed');
  const runsAfter = () => engine.store.runs.list({ limit: 100 }).length;
  const count = runsAfter();

  // Within the hour: the slot is skipped, no run, no sign-in.
  now = new Date(now.getTime() + 30 * 60_000);
  expect(sync.trigger('bills', 'schedule')).toBeNull();
  expect(sync.trigger('bills', 'catch-up')).toBeNull();
  expect(runsAfter()).toBe(count);
  const [conn] = await ok<ConnectionInfo[]>('connections.list', {});
  const items = attentionItems([], [], [conn!], { errorOf: () => null, formatTime: (i) => i });
  expect(items[0]?.detail).toMatch(/^A run was refused sign-in: .* at most once an hour until its secret is rotated or Test succeeds/);

  // By hand it still runs (and is refused again, which starts the hour again).
  const manual = await sync.trigger('bills', 'manual');
  expect(manual?.status).toBe('failed');
  now = new Date(now.getTime() + SIGN_IN_RETRY_MS - 60_000);
  expect(sync.trigger('bills', 'schedule')).toBeNull();

  // An hour after the last refusal, one slot tries again.
  now = new Date(now.getTime() + 2 * 60_000);
  expect((await sync.trigger('bills', 'schedule'))?.status).toBe('failed');
  expect(sync.trigger('bills', 'schedule')).toBeNull();

  // Rotating the secret (proved against the platform) lifts it at once.
  await ok('connections.rotate', { id: 'sandbox', clientSecret: 'sandbox-secret' });
  const after = await sync.trigger('bills', 'schedule');
  expect(after?.status).toBe('succeeded');
});
