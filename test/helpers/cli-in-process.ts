import { vi } from 'vitest';
import { runCli } from '../../main/agent/cli';

/** Runs the CLI inside this process (no agent, no build) and captures what it prints. */
export async function runCliInProcess(argv: string[], opts: { cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  // Tests run in forks (vitest.config.ts), where a process may change its working folder.
  const cwd = process.cwd();
  if (opts.cwd) process.chdir(opts.cwd);
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    return { code: await runCli(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.chdir(cwd);
  }
}
