import { randomBytes } from 'node:crypto';
import { lstat, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { ConfigFile } from '../../../shared/contract/config';
import { ApiError } from '../../../shared/rpc';
import { PRIVATE_FILE_MODE } from '../paths';

/** The export as it is written to a file, by the CLI and here: indented JSON and a final newline. */
export const configFileText = (file: ConfigFile): string => `${JSON.stringify(file, null, 2)}\n`;

/**
 * Writes the export where the desktop app's save dialog chose: absolute, ending in .json (the
 * method writes on this computer, so it replaces nothing that is not plainly a JSON file), in a
 * folder that exists. Written to a temporary name beside it and renamed, so nobody sees half a
 * file; readable by this user only (host names, paths and client IDs are nobody else's business).
 */
export async function saveConfigFile(file: ConfigFile, path: string): Promise<string> {
  if (!isAbsolute(path)) throw new ApiError('invalid_params', `"${path}" is not a full path. Choose where to save the configuration with the save dialog.`);
  if (!/\.json$/i.test(path)) throw new ApiError('invalid_params', `"${basename(path)}" does not end in .json. Save the configuration under a name ending in .json.`);
  const folder = dirname(path);
  const parent = await stat(folder).catch((e: NodeJS.ErrnoException) => {
    throw new ApiError(e.code === 'ENOENT' ? 'not_found' : 'invalid_params', e.code === 'ENOENT' ? `The folder ${folder} does not exist. Choose an existing folder.` : `The folder ${folder} cannot be read (${e.code ?? e.message}). Choose another folder.`);
  });
  if (!parent.isDirectory()) throw new ApiError('invalid_params', `${folder} is a file, not a folder. Choose a folder for the configuration file.`);
  const existing = await lstat(path).catch(() => null);
  if (existing && !existing.isFile()) throw new ApiError('invalid_params', `${path} is not an ordinary file, so it is not replaced. Choose another name.`);
  const temp = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, configFileText(file), { encoding: 'utf8', mode: PRIVATE_FILE_MODE, flag: 'wx' });
    await rename(temp, path);
    return path;
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS' ? 'this folder cannot be written to' : err.code === 'ENOSPC' ? 'the disk is full' : err.message;
    throw new ApiError('invalid_params', `Could not save the configuration to ${path}: ${why}. Choose another folder, or free space and try again.`);
  }
}
