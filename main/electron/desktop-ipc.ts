import { isAbsolute } from 'node:path';
import { z } from 'zod';

/** The only desktop requests the page can make: pick a folder, open one of two known folders. */
export const DesktopRequest = z.discriminatedUnion('action', [
  z.object({ action: z.literal('pick-folder') }).strict(),
  z.object({ action: z.literal('open-path'), kind: z.enum(['logs', 'data']) }).strict(),
]);

export interface DesktopDeps {
  showOpenDialog(options: { title: string; properties: ('openDirectory' | 'createDirectory')[] }): Promise<{ canceled: boolean; filePaths: string[] }>;
  openPath(path: string): Promise<string>;
  paths(): { logs: string; data: string };
  log: { warn(obj: object, msg: string): void };
}

/**
 * Answers a desktop request from the page. The page never names a path to open (only a kind),
 * and a picked folder comes back only when the dialog gave an absolute path.
 */
export async function handleDesktopRequest(raw: unknown, deps: DesktopDeps): Promise<string | null> {
  const req = DesktopRequest.safeParse(raw);
  if (!req.success) {
    deps.log.warn({ issues: req.error.issues.length }, 'refused a malformed desktop request');
    return null;
  }
  if (req.data.action === 'pick-folder') {
    const result = await deps.showOpenDialog({ title: 'Choose the folder to watch', properties: ['openDirectory', 'createDirectory'] });
    const picked = result.canceled ? null : (result.filePaths[0] ?? null);
    return picked && isAbsolute(picked) ? picked : null;
  }
  const path = deps.paths()[req.data.kind];
  const error = await deps.openPath(path);
  if (error) deps.log.warn({ path, error }, 'could not open folder');
  return null;
}
