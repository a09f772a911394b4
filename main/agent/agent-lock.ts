import { closeSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makePrivateDir } from '../engine/paths';
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
 * Who a pid is, beyond its number: on Linux the boot and the process's start time (field 22 of
 * /proc/PID/stat), so a lock left by a killed agent is not mistaken for a live one when another
 * process got the same pid — after a reboot, pids start small again and are soon reused.
 * Elsewhere null, and the pid alone decides.
 */
export function processIdentity(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return fields[19] ? `${boot}/${fields[19]}` : null;
  } catch {
    return null;
  }
}

/**
 * The lock file names its holder: the pid on the first line, its identity (if known) on the
 * second, and the data folder it locked (its real path) on the third.
 */
export function readLockHolder(text: string): { pid: number; identity: string | null; folder: string | null; command: string | null } {
  const [pidLine = '', identity = '', folder = '', command = ''] = text.split('\n');
  return { pid: Number.parseInt(pidLine.trim(), 10), identity: identity.trim() || null, folder: folder.trim() || null, command: command.trim() || null };
}

/** What the desktop app writes as its command in the lock. */
export const DESKTOP_APP = 'desktop app';

/**
 * The command that holds the folder, for the message another command shows: its words only
 * (`run "Big" --wait`), never a value after an option that might be sensitive — secrets come on
 * stdin by design, but a path or host is no one else's business either.
 */
function holderCommand(argv: readonly string[]): string {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 4; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      if (a === '--data-dir' || a === '--json') {
        if (a === '--data-dir') i++;
        continue;
      }
      break;
    }
    words.push(/^[\w.-]+$/.test(a) ? a : JSON.stringify(a));
  }
  return words.join(' ');
}

/** The folder's real path (a copy, a link or a relative path compare as the place they are). */
export function folderIdentity(dataDir: string): string {
  try {
    return realpathSync(dataDir);
  } catch {
    return dataDir;
  }
}

/**
 * Whether the process that wrote a lock or agent.json still runs, and is that process — not
 * another that got its pid since (pid reuse, or a reboot). Without a recorded identity (other
 * systems, older files) the pid alone decides.
 */
export function sameProcessAlive(pid: number, identity: string | null | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return false;
  if (!identity) return true;
  const now = processIdentity(pid);
  return now === null || now === identity;
}

/** Whether the process that wrote the lock still runs (and is that process, not a reuse of its pid). */
export function holderAlive(holder: { pid: number; identity: string | null }): boolean {
  if (holder.pid === process.pid) return false;
  return sameProcessAlive(holder.pid, holder.identity);
}

/**
 * One agent (desktop or headless) per data folder: two schedulers over one store would run
 * every job twice. A lock left by a killed process is taken over when its pid is gone, or now
 * belongs to another process.
 */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function acquireAgentLock(dataDir: string, command: string = holderCommand(process.argv.slice(2))): () => void {
  const path = join(dataDir, 'agent.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // A first start on a new data folder: the lock is the first thing written there.
      makePrivateDir(dataDir);
      const fd = openSync(path, 'wx', 0o600);
      const identity = processIdentity(process.pid);
      writeSync(fd, `${process.pid}\n${identity ?? ''}\n${folderIdentity(dataDir)}\n${command}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readLockHolder(readFileSync(path, 'utf8')).pid === process.pid) rmSync(path);
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
      if (code === 'ENOTDIR' || code === 'EEXIST' && !isFolder(dataDir)) {
        throw new CliError(`${dataDir} is a file, not a folder. --data-dir takes the folder that holds esg-sync.db (and the logs), not the database file itself.`);
      }
      if (code !== 'EEXIST') throw err;
      const holder = readLockHolder(readFileSync(path, 'utf8'));
      // A lock copied along with the folder (a backup, a test copy) names the folder it was taken
      // on: its holder runs there, not here.
      if (holder.folder !== null && holder.folder !== folderIdentity(dataDir)) {
        rmSync(path, { force: true });
        continue;
      }
      if (holderAlive(holder)) {
        // A one-off command (`esg-sync run JOB --wait`) holds the folder only while it works.
        if (holder.command === DESKTOP_APP) {
          throw new CliError(
            `The ESG Sync Agent desktop app (process ${holder.pid}) is using the data folder ${dataDir}, and the command line cannot use it at the same time. ` +
              'Do this in the app, or quit the app (tray menu → Quit) and run this again.',
          );
        }
        if (holder.command && holder.command !== 'agent' && !holder.command.startsWith('agent ')) {
          throw new CliError(
            `The data folder ${dataDir} is in use by the command \`esg-sync ${holder.command}\` (process ${holder.pid}), which runs without an agent. ` +
              'It ends by itself: wait for it, then run this again. (With `esg-sync agent` running, commands go through it and do not wait for each other.)',
          );
        }
        throw new CliError(
          `Another ESG Sync Agent (process ${holder.pid}) is already running on the data folder ${dataDir}. ` +
            'Stop it first, or use a different folder with --data-dir.',
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new CliError(`Could not take the agent lock ${path}.`);
}
