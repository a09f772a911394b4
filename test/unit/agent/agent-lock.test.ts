import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireAgentLock, DESKTOP_APP, processIdentity, readLockHolder } from '../../../main/agent/agent-lock';

const onLinux = process.platform === 'linux';
let dir: string;
const children: ChildProcess[] = [];

/** A live process that is not an agent, standing in for whatever got a dead agent's pid. */
function otherProcess(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esg-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

describe('agent lock', () => {
  it('is taken on a data folder that does not exist yet, creating it (a first `esg-sync agent`)', () => {
    const fresh = join(dir, 'new', 'data');
    const release = acquireAgentLock(fresh);
    expect(readLockHolder(readFileSync(join(fresh, 'agent.lock'), 'utf8')).pid).toBe(process.pid);
    release();
    expect(existsSync(join(fresh, 'agent.lock'))).toBe(false);
  });

  it('names its holder by pid and, on Linux, by boot and start time; release removes it', () => {
    const release = acquireAgentLock(dir);
    const holder = readLockHolder(readFileSync(join(dir, 'agent.lock'), 'utf8'));
    expect(holder.pid).toBe(process.pid);
    if (onLinux) expect(holder.identity).toBe(processIdentity(process.pid));
    release();
    expect(existsSync(join(dir, 'agent.lock'))).toBe(false);
  });

  it('refuses while the process that holds it still runs', () => {
    const other = otherProcess();
    writeFileSync(join(dir, 'agent.lock'), `${other.pid}\n${processIdentity(other.pid!) ?? ''}\n`);
    expect(() => acquireAgentLock(dir)).toThrow(`Another ESG Sync Agent (process ${other.pid}) is already running`);
  });

  it('names a one-off command that holds the folder, and says it ends by itself', () => {
    const other = otherProcess();
    writeFileSync(join(dir, 'agent.lock'), `${other.pid}\n${processIdentity(other.pid!) ?? ''}\n${dir}\nrun Big\n`);
    expect(() => acquireAgentLock(dir)).toThrow(`The data folder ${dir} is in use by the command \`esg-sync run Big\` (process ${other.pid}), which runs without an agent. It ends by itself`);
    writeFileSync(join(dir, 'agent.lock'), `${other.pid}\n${processIdentity(other.pid!) ?? ''}\n${dir}\nagent\n`);
    expect(() => acquireAgentLock(dir)).toThrow(`Another ESG Sync Agent (process ${other.pid}) is already running`);
  });

  it('is taken by the desktop app too, and a command is told to use the app or quit it', () => {
    const other = otherProcess();
    writeFileSync(join(dir, 'agent.lock'), `${other.pid}\n${processIdentity(other.pid!) ?? ''}\n${dir}\ndesktop app\n`);
    expect(() => acquireAgentLock(dir)).toThrow(`The ESG Sync Agent desktop app (process ${other.pid}) is using the data folder ${dir}, and the command line cannot use it at the same time. Do this in the app, or quit the app`);
    rmSync(join(dir, 'agent.lock'));
    const release = acquireAgentLock(dir, DESKTOP_APP);
    expect(readLockHolder(readFileSync(join(dir, 'agent.lock'), 'utf8')).command).toBe('desktop app');
    release();
  });

  it('records the command words only, without option values', () => {
    const argv = process.argv;
    process.argv = [argv[0]!, 'esg-sync', '--data-dir', '/srv/data', 'run', 'Big job', '--wait', '--host', 'db.internal'];
    try {
      const release = acquireAgentLock(dir);
      expect(readLockHolder(readFileSync(join(dir, 'agent.lock'), 'utf8')).command).toBe('run "Big job"');
      release();
    } finally {
      process.argv = argv;
    }
  });

  it('refuses for a lock of an older version (pid only) whose process runs', () => {
    const other = otherProcess();
    writeFileSync(join(dir, 'agent.lock'), String(other.pid));
    expect(() => acquireAgentLock(dir)).toThrow(/already running/);
  });

  it('takes over the lock of a process that is gone', async () => {
    const gone = otherProcess();
    await new Promise((r) => {
      gone.once('exit', r);
      gone.kill('SIGKILL');
    });
    writeFileSync(join(dir, 'agent.lock'), `${gone.pid}\n`);
    acquireAgentLock(dir)();
  });

  it.runIf(onLinux)('takes over a lock whose pid now belongs to another process (pid reused after a crash or reboot)', () => {
    const other = otherProcess();
    const identity = processIdentity(other.pid!);
    expect(identity).toMatch(/^[0-9a-f-]+\/\d+$/);
    // Same pid, but the process that wrote the lock started at another time (or before a reboot).
    writeFileSync(join(dir, 'agent.lock'), `${other.pid}\n${identity!.replace(/\d+$/, (t) => String(Number(t) + 1))}\n`);
    const release = acquireAgentLock(dir);
    expect(readLockHolder(readFileSync(join(dir, 'agent.lock'), 'utf8')).pid).toBe(process.pid);
    release();
  });
});

describe('agent lock on a copied or mistaken data folder', () => {
  it('takes over a lock copied from another folder, though its holder still runs (there)', () => {
    const other = otherProcess();
    const original = mkdtempSync(join(tmpdir(), 'esg-lock-original-'));
    try {
      // What `cp -a original copy` leaves: the original agent's lock, naming the original folder.
      writeFileSync(join(dir, 'agent.lock'), `${other.pid}\n${processIdentity(other.pid!) ?? ''}\n${original}\n`);
      const release = acquireAgentLock(dir);
      expect(readLockHolder(readFileSync(join(dir, 'agent.lock'), 'utf8'))).toMatchObject({ pid: process.pid, folder: dir });
      release();
      // On the folder it names, the same lock still keeps a second agent out.
      writeFileSync(join(original, 'agent.lock'), `${other.pid}\n${processIdentity(other.pid!) ?? ''}\n${original}\n`);
      expect(() => acquireAgentLock(original)).toThrow(/Another ESG Sync Agent \(process \d+\) is already running/);
    } finally {
      rmSync(original, { recursive: true, force: true });
    }
  });

  it('says a data folder given as a file is not a folder', () => {
    const db = join(dir, 'esg-sync.db');
    writeFileSync(db, '');
    expect(() => acquireAgentLock(db)).toThrow(/esg-sync\.db is a file, not a folder\. --data-dir takes the folder that holds esg-sync\.db/);
  });
});
