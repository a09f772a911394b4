import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './exit-codes';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One agent (desktop or headless) per data folder: two schedulers over one store would run
 * every job twice. A lock left by a killed process is taken over when its pid is gone.
 */
export function acquireAgentLock(dataDir: string): () => void {
  const path = join(dataDir, 'agent.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
        throw new CliError(
          `The data folder ${dataDir} cannot be written to (${code === 'EROFS' ? 'it is on a read-only file system' : 'permission denied'}). ` +
            'The agent keeps its store, history and logs there: make the folder writable for this user, or choose another with --data-dir.',
        );
      }
      if (code === 'ENOSPC') {
        throw new CliError(`The disk holding the data folder ${dataDir} is full. Free some space, then start the agent again.`);
      }
      if (code !== 'EEXIST') throw err;
      const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      if (Number.isFinite(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new CliError(
          `Another ESG Sync Agent (process ${pid}) is already running on the data folder ${dataDir}. ` +
            'Stop it first, or use a different folder with --data-dir.',
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new CliError(`Could not take the agent lock ${path}.`);
}
