import { extname, isAbsolute } from 'node:path';
import { z } from 'zod';

/** A suggested file name only: no folder part, so the page cannot steer the dialog to a place. */
const PlainFileName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^/\\:*?"<>|]+$/)
  .refine((n) => n !== '.' && n !== '..' && ![...n].some((c) => c.charCodeAt(0) < 0x20));

/** The only desktop requests the page can make: pick a folder, choose where to save a CSV (or a configuration export), open one of two known folders. */
export const DesktopRequest = z.discriminatedUnion('action', [
  z.object({ action: z.literal('pick-folder') }).strict(),
  z.object({ action: z.literal('save-file'), suggestedName: PlainFileName, kind: z.enum(['csv', 'json']) }).strict(),
  z.object({ action: z.literal('open-path'), kind: z.enum(['logs', 'data']) }).strict(),
]);

export interface DesktopDeps {
  showOpenDialog(options: { title: string; properties: ('openDirectory' | 'createDirectory')[] }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(options: { title: string; defaultPath: string; filters: { name: string; extensions: string[] }[] }): Promise<{ canceled: boolean; filePath?: string }>;
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
  if (req.data.action === 'save-file') {
    const csv = req.data.kind === 'csv';
    const result = await deps.showSaveDialog({
      title: csv ? 'Save as CSV' : 'Save the configuration file',
      defaultPath: req.data.suggestedName,
      filters: [csv ? { name: 'CSV (comma-separated)', extensions: ['csv'] } : { name: 'Configuration file (JSON)', extensions: ['json'] }],
    });
    const chosen = result.canceled ? null : (result.filePath ?? null);
    if (!chosen || !isAbsolute(chosen)) return null;
    // Some Linux dialogs return the typed name without the filter's extension.
    const ext = `.${req.data.kind}`;
    return extname(chosen).toLowerCase() === ext ? chosen : `${chosen}${ext}`;
  }
  const path = deps.paths()[req.data.kind];
  const error = await deps.openPath(path);
  if (error) deps.log.warn({ path, error }, 'could not open folder');
  return null;
}
