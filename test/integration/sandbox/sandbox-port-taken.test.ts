/**
 * A sandbox whose port is taken fails to start without keeping its database file open: the tour
 * retries on another port with the same file, and a leaked handle per attempt would pile up.
 */
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startSandbox } from '../../../main/sandbox/server';

const handlesTo = (file: string): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;

it.skipIf(process.platform !== 'linux')('releases its database when the port is taken', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'esg-sandbox-port-'));
  const dbPath = join(dir, 'platform.db');
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    await expect(startSandbox({ dbPath, port })).rejects.toThrow(/EADDRINUSE/);
    expect(handlesTo(dbPath)).toBe(0);
    const sandbox = await startSandbox({ dbPath, port: 0 });
    expect(handlesTo(dbPath)).toBeGreaterThan(0);
    await sandbox.close();
    expect(handlesTo(dbPath)).toBe(0);
  } finally {
    await new Promise((r) => blocker.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
