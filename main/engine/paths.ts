import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'ESG Sync Agent';

/**
 * The same folder Electron's app.getPath('userData') gives, so the desktop app and
 * `esg-sync agent` share one store unless --data-dir says otherwise.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.ESG_SYNC_DATA_DIR) return env.ESG_SYNC_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), PRODUCT_NAME);
}

export const logDirOf = (dataDir: string): string => join(dataDir, 'logs');

/**
 * The data folder holds the ledger, run history, settings and logs: only the user the agent runs
 * as may read them. Folders the agent creates get PRIVATE_DIR_MODE, its files PRIVATE_FILE_MODE
 * (both on POSIX only; Windows ignores the mode, and a folder under %APPDATA% is per user anyway).
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates a folder, and any missing parents, readable by this user only. A folder that already
 * exists keeps its mode: it may be one the operator chose and shares with other things (--data-dir).
 */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Takes the group and other permissions off an existing file (0644 → 0600), keeping the owner's
 * own. Best effort and quiet: a missing file, a read-only file system, a file owned by someone else
 * or Windows (where chmod only toggles read-only) leave it as it is. Returns whether it changed it.
 */
export function restrictToOwner(path: string): boolean {
  if (process.platform === 'win32') return false;
  try {
    const mode = statSync(path).mode & 0o7777;
    if ((mode & 0o077) === 0) return false;
    chmodSync(path, mode & ~0o077);
    return true;
  } catch {
    return false;
  }
}
