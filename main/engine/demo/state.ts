/**
 * What the sandbox tour created, kept in the settings table so the engine can restart the
 * sandbox after a reboot and remove exactly what the tour made — never anything else.
 */
import { z } from 'zod';
import type { Store } from '../store';

const KEY = 'sandbox.tour';

export const DemoState = z.object({
  version: z.literal(1),
  connectionId: z.string(),
  /** Source id per demo feed; the electricity feed is the one the tour walks through. */
  sources: z.object({ electricity: z.string(), fuel: z.string(), waste: z.string() }),
  /** The demo folder (inside the data folder) holding one sub-folder per feed. */
  folder: z.string(),
  /** The sample held back for "drop the next sample file", or null once dropped. */
  heldBack: z.string().nullable(),
  /** The file the wizard opens first (in the electricity feed's folder). */
  firstFile: z.string(),
  /** The sandbox platform's last port, tried first on restart so its address stays the same. */
  port: z.number().int().min(0).max(65535),
  /** The ingest job the tour created once the first mapping was saved. */
  jobId: z.string().nullable(),
  createdAt: z.string(),
});
export type DemoState = z.infer<typeof DemoState>;

export function readDemoState(store: Store): DemoState | null {
  const parsed = DemoState.safeParse(store.settings.getRaw(KEY));
  return parsed.success ? parsed.data : null;
}

export function writeDemoState(store: Store, state: DemoState): void {
  store.settings.setRaw(KEY, state);
}

export function clearDemoState(store: Store): void {
  store.settings.deleteRaw(KEY);
}
