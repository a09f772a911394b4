/**
 * A connection whose secret the platform stops accepting (rotated there, not here): the runs are
 * refused, and the connection says "Sign-in failing" from the first refused run — not only after
 * a person presses Test. The first run that signs in again clears it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { billsFolderJob, energyCsv, onSandboxEachTest, runDroppedFile } from '../mappings-api/helpers';

const t = onSandboxEachTest('esg-sign-in-');

it('marks the connection failing when a run is refused sign-in, and signed in again after a run that signs in', async () => {
  const { folder } = await billsFolderJob(t.engine, t.ok, t.root);
  const conn = () => t.engine.store.connections.get('sandbox')!;
  expect(conn().lastTestOk).toBe(true);

  await t.engine.secrets().set('sandbox', 'rotated-on-the-platform');
  const path = join(folder, 'bills.csv');
  writeFileSync(path, energyCsv());
  const refused = await runDroppedFile(t.engine, 'bills', path);
  expect(refused.status).toBe('failed');
  expect(conn().lastTestOk).toBe(false);
  expect(conn().lastTestMessage).toMatch(/^A run was refused sign-in: /);

  await t.engine.secrets().set('sandbox', 'sandbox-secret');
  const again = await runDroppedFile(t.engine, 'bills', path);
  expect(again.status).toBe('succeeded');
  expect(conn()).toMatchObject({ lastTestOk: true, lastTestMessage: 'Signed in: a run used this connection successfully.' });
});
