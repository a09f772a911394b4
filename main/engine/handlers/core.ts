import { HistoryFilter, keepsFolderFilesLess } from '../../../shared/api';
import { ApiError } from '../../../shared/rpc';
import type { Engine } from '../engine';
import { saveErrorsCsv } from '../history/errors-csv';
import type { Handlers } from '../rpc-dispatch';
import { connectionInfo } from './connections';
import { jobInfo } from './jobs';
import type { coreMethods } from '../../../shared/contract/core';

/** Engine state, settings, listings and history. */
export function coreHandlers(engine: Engine): Pick<Handlers, keyof typeof coreMethods> {
  const errorGroupsCache = new Map<string, ReturnType<Engine['store']['runs']['errorGroups']>>();
  const { store } = engine;
  return {
    'engine.status': () => engine.status(),
    'engine.pause': ({ minutes }) => {
      engine.pause(minutes);
      return engine.status();
    },
    'engine.resume': () => {
      engine.resume();
      return engine.status();
    },

    'settings.get': () => store.settings.get(),
    'settings.update': (patch) => {
      const before = store.settings.get();
      const next = store.settings.update(patch);
      // Tighter retention applies at once (in the background, in small steps), not at the next daily pass.
      if (next.retentionDays < before.retentionDays || next.retentionRuns < before.retentionRuns || keepsFolderFilesLess(before, next)) void engine.maintenance.runNow().catch(() => undefined);
      return next;
    },

    'connections.list': () =>
      store.connections.list().map((c) => connectionInfo({ ...c, usedByJobs: store.connections.jobsUsing(c.id) })),

    'mappings.list': () =>
      store.mappings.list().map((m) => ({
        id: m.id,
        name: m.name,
        version: m.version,
        sourceId: m.sourceId,
        connectionId: m.connectionId,
        updatedAt: m.updatedAt,
      })),

    'jobs.list': () => store.jobs.list().map((j) => jobInfo(engine, j)),

    'history.list': (filter) => store.runs.list(HistoryFilter.parse(filter)),
    'history.get': ({ runId }) => {
      const run = store.runs.get(runId);
      if (!run) throw new ApiError('not_found', `There is no run #${runId}. It may have been removed by the history retention setting.`);
      return {
        run,
        events: store.runs.events(runId),
        errorCount: store.runs.errorCount(runId),
        requestCount: store.runs.requestCount(runId),
        heldSentBy: run.held > 0 ? store.runs.heldSentBy(runId) : null,
        heldWhy: run.held > 0 ? store.runs.heldWhy(runId) : null,
        ...fileFacts(run.file, run.file ? store.runs.fileWhereabouts(runId) : null),
      };
    },
    'history.errors': ({ runId, afterId, limit, kind }) => {
      if (!store.runs.get(runId)) throw new ApiError('not_found', `There is no run #${runId}.`);
      return store.runs.errors(runId, afterId, limit, kind);
    },
    'history.errorGroups': ({ runId, limit }) => {
      const run = store.runs.get(runId);
      if (!run) throw new ApiError('not_found', `There is no run #${runId}. It may have been removed by the history retention setting.`);
      // Grouping reads all of a run's errors (~0.3 s for 100,000); a run page asks again after each refresh.
      const key = `${runId}:${run.startedAt}:${limit}:${store.runs.errorCount(runId)}`;
      const hit = errorGroupsCache.get(key);
      if (hit) return hit;
      const groups = store.runs.errorGroups(runId, limit);
      if (errorGroupsCache.size >= 20) errorGroupsCache.delete(errorGroupsCache.keys().next().value!);
      errorGroupsCache.set(key, groups);
      return groups;
    },
    'history.requests': ({ runId, afterId, limit }) => {
      if (!store.runs.get(runId)) throw new ApiError('not_found', `There is no run #${runId}. It may have been removed by the history retention setting.`);
      return store.runs.requests(runId, afterId, limit);
    },
    'history.saveErrorsCsv': ({ runId, path, kind }) => saveErrorsCsv(store, runId, path, kind),
    'history.prune': () => engine.maintenance.runNow(),
    'history.activity': ({ days }) => {
      const now = engine.clock.now();
      const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
      const rows = new Map(store.runs.activity(since.toISOString()).map((r) => [r.day, r]));
      // Every day appears, so a chart shows quiet days as zero rather than skipping them.
      return Array.from({ length: days }, (_, i) => {
        const day = new Date(since.getTime() + i * 86_400_000).toISOString().slice(0, 10);
        return rows.get(day) ?? { day, rowsSynced: 0, runs: 0, failures: 0 };
      });
    },
  };
}

/** Where a run's file is now when that is not where it was read, and when the folder clean-up removed it. */
function fileFacts(readAt: string | null, now: { path: string; removedAt: string | null } | null): { fileNow: string | null; fileRemovedAt: string | null } {
  if (!readAt || !now) return { fileNow: null, fileRemovedAt: null };
  return { fileNow: now.path !== readAt ? now.path : null, fileRemovedAt: now.removedAt };
}
