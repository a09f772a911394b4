/** A secret passed any way but standard input is refused, with the example of the command typed. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { removeDir } from '../../helpers/agent-process';
import { runCliInProcess } from '../../helpers/cli-in-process';

const dataDir = mkdtempSync(join(tmpdir(), 'esg-secret-hint-'));
afterAll(() => removeDir(dataDir));

it('rotate without --client-secret-stdin shows how to rotate, and add how to add', async () => {
  const rotate = await runCliInProcess(['--data-dir', dataDir, 'connection', 'rotate', 'Main platform']);
  expect(rotate.code).toBe(2);
  expect(rotate.stderr).toContain("`cat secret.txt | esg-sync connection rotate 'Main platform' --client-secret-stdin`");
  const add = await runCliInProcess(['--data-dir', dataDir, 'connection', 'add', '--kind', 'esg-api', '--name', 'X', '--base-url', 'https://p.example', '--client-id', 'a']);
  expect(add.stderr).toContain('`cat secret.txt | esg-sync connection add ... --client-secret-stdin`');
});
