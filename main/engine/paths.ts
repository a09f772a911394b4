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
