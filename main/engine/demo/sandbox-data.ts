/**
 * Finding and deleting what belongs to the sandbox: connections and sources carry a `sandbox`
 * flag; jobs, mappings, runs and ledger entries belong to the sandbox through them. Only rows
 * reachable from a flagged connection or source are ever touched.
 */
import type { Store } from '../store';

export interface SandboxIds {
  connectionIds: string[];
  sourceIds: string[];
  mappingIds: string[];
  jobIds: string[];
}

const ids = (rows: unknown[]): string[] => (rows as { id: string }[]).map((r) => r.id);

export function sandboxIds(store: Store): SandboxIds {
  const db = store.db;
  const connectionIds = ids(db.prepare('SELECT id FROM connections WHERE sandbox = 1 ORDER BY name').all());
  const sourceIds = ids(db.prepare('SELECT id FROM sources WHERE sandbox = 1 ORDER BY name').all());
  const mappingIds = ids(
    db
      .prepare(
        `SELECT id FROM mapping_profiles
         WHERE source_id IN (SELECT id FROM sources WHERE sandbox = 1)
            OR connection_id IN (SELECT id FROM connections WHERE sandbox = 1) ORDER BY name`,
      )
      .all(),
  );
  const jobIds = ids(
    db
      .prepare(
        `SELECT id FROM jobs
         WHERE connection_id IN (SELECT id FROM connections WHERE sandbox = 1)
            OR source_id IN (SELECT id FROM sources WHERE sandbox = 1) ORDER BY name`,
      )
      .all(),
  );
  return { connectionIds, sourceIds, mappingIds, jobIds };
}

export function markSourceSandbox(store: Store, sourceId: string): void {
  store.db.prepare('UPDATE sources SET sandbox = 1 WHERE id = ?').run(sourceId);
}

export interface DeletedCounts {
  jobs: number;
  runs: number;
  mappings: number;
  sources: number;
}

/**
 * Deletes the sandbox's jobs with their runs (events, row errors and request logs cascade),
 * outbox batches, staging rows and ledger entries, then its mappings and sources, in one
 * transaction. Connections go separately, through the connection service, so their secrets
 * leave the keychain too.
 */
export function deleteSandboxRows(store: Store, found: SandboxIds): DeletedCounts {
  const db = store.db;
  const inList = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  return store.transaction(() => {
    let runs = 0;
    if (found.jobIds.length) {
      const jobs = inList(found.jobIds.length);
      db.prepare(`DELETE FROM staging WHERE run_id IN (SELECT id FROM runs WHERE job_id IN (${jobs}))`).run(...found.jobIds);
      runs = db.prepare(`DELETE FROM runs WHERE job_id IN (${jobs})`).run(...found.jobIds).changes;
      db.prepare(`DELETE FROM outbox WHERE job_id IN (${jobs})`).run(...found.jobIds);
      for (const id of found.jobIds) store.settings.deleteRaw(`schedule.lastSlot.${id}`);
      db.prepare(`DELETE FROM jobs WHERE id IN (${jobs})`).run(...found.jobIds);
    }
    if (found.mappingIds.length) {
      db.prepare(`DELETE FROM ledger WHERE mapping_id IN (${inList(found.mappingIds.length)})`).run(...found.mappingIds);
      db.prepare(`DELETE FROM mapping_profiles WHERE id IN (${inList(found.mappingIds.length)})`).run(...found.mappingIds);
    }
    if (found.connectionIds.length) {
      db.prepare(`DELETE FROM ledger WHERE connection_id IN (${inList(found.connectionIds.length)})`).run(...found.connectionIds);
    }
    if (found.sourceIds.length) db.prepare(`DELETE FROM sources WHERE id IN (${inList(found.sourceIds.length)})`).run(...found.sourceIds);
    return { jobs: found.jobIds.length, runs, mappings: found.mappingIds.length, sources: found.sourceIds.length };
  });
}

/**
 * Runs whose job was already removed by hand (the connection removed with its jobs) keep only
 * their file path: those that read a file of the demo folder are the sandbox's.
 */
export function deleteOrphanDemoRuns(store: Store, folder: string): number {
  const prefix = folder.endsWith('/') || folder.endsWith('\\') ? folder : `${folder}${folder.includes('\\') ? '\\' : '/'}`;
  return store.transaction(() => {
    const where = 'job_id IS NULL AND file IS NOT NULL AND substr(file, 1, length(?)) = ?';
    store.db.prepare(`DELETE FROM staging WHERE run_id IN (SELECT id FROM runs WHERE ${where})`).run(prefix, prefix);
    return store.db.prepare(`DELETE FROM runs WHERE ${where}`).run(prefix, prefix).changes;
  });
}
