/**
 * The sandbox tour as the UI sees it: where it stands and which connections, sources, mappings
 * and jobs are sandbox data. Any page can label sandbox rows with `useSandboxIds()`; a run is
 * sandbox data when its job is.
 */
import { useMemo } from 'react';
import type { Result } from '../../shared/api';
import { useEngine } from '../hooks';

export type DemoStatus = Result<'demo.status'>;

export function useDemo() {
  return useEngine('demo.status', {}, ['engine.changed', 'source.changed', 'run.finished', 'connection.status']);
}

export interface SandboxIds {
  connection: (id: string | null | undefined) => boolean;
  source: (id: string | null | undefined) => boolean;
  mapping: (id: string | null | undefined) => boolean;
  job: (id: string | null | undefined) => boolean;
}

export function useSandboxIds(): SandboxIds {
  const demo = useDemo();
  const s = demo.data?.sandbox;
  return useMemo(() => {
    const has = (list: string[] | undefined) => {
      const set = new Set(list ?? []);
      return (id: string | null | undefined) => Boolean(id && set.has(id));
    };
    return { connection: has(s?.connectionIds), source: has(s?.sourceIds), mapping: has(s?.mappingIds), job: has(s?.jobIds) };
  }, [s]);
}

/** The mapping wizard, opened on the tour's first sample file with the sandbox connection chosen. */
export function wizardPathFor(status: DemoStatus): string {
  const q = new URLSearchParams();
  if (status.firstSourceId) q.set('sourceId', status.firstSourceId);
  if (status.connectionId) q.set('connectionId', status.connectionId);
  if (status.firstFile) q.set('file', status.firstFile);
  return `/mappings/new?${q.toString()}`;
}
