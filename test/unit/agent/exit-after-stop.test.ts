import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const FIXTURE = join(import.meta.dirname, 'fixtures/lingering-handle.ts');

function run(mode: string, code: number): Promise<{ code: number | null; stderr: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, mode, String(code)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) =>
    child.once('exit', (exitCode) => {
      clearTimeout(killer);
      resolve({ code: exitCode, stderr, ms: Date.now() - t0 });
    }),
  );
}

describe('exitAfterStop', () => {
  it('ends a stopped process that a forgotten handle would keep alive, and names the handle', async () => {
    const r = await run('linger', 0);
    expect(r.code).toBe(0); // without the guard the interval keeps it running until the test kills it (null)
    expect(r.stderr).toMatch(/still open: .*Timeout/);
  });

  it('lets a process with nothing open end at once with its code, saying nothing', async () => {
    const r = await run('clean', 3);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('');
  });
});
