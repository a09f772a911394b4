import type { EngineStatus, JobInfo, RunSummary } from '../../../shared/api';

export function status(over: Partial<Omit<EngineStatus, 'counts'>> & { counts?: Partial<EngineStatus['counts']> } = {}): EngineStatus {
  const { counts, ...rest } = over;
  return {
    version: '0.1.0',
    dataDir: '/data',
    logDir: '/data/logs',
    startedAt: '2026-11-23T08:00:00.000Z',
    mode: 'desktop',
    pausedUntil: null,
    secretStore: { available: true, kind: 'keychain', message: null },
    ...rest,
    counts: { connections: 1, sources: 1, mappings: 1, jobs: 2, runningRuns: 0, runsLast24h: 3, failedLast24h: 0, attentionLast24h: 0, ...counts },
  } as EngineStatus;
}

export function job(id: string, lastStatus: JobInfo['lastRun'] extends infer L ? (L extends { status: infer S } ? S : never) | null : never): JobInfo {
  return {
    id,
    name: `Job ${id}`,
    type: 'ingest',
    connectionId: 'c1',
    sourceId: 's1',
    mappingId: 'm1',
    schedule: '0 6 * * *',
    timezone: 'UTC',
    scheduleText: 'At 06:00',
    paused: false,
    lastRun: lastStatus ? { id: 1, status: lastStatus, finishedAt: '2026-11-23T06:01:00.000Z' } : null,
    nextRunAt: null,
  };
}

export function run(over: Partial<RunSummary> = {}): RunSummary {
  return {
    id: 42,
    jobId: 'j1',
    jobName: 'Electricity to platform',
    trigger: 'schedule',
    status: 'succeeded',
    startedAt: '2026-11-23T06:00:00.000Z',
    finishedAt: '2026-11-23T06:01:00.000Z',
    read: 10,
    created: 10,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    rejected: 0,
    bytes: 100,
    requests: 2,
    retries: 0,
    serviceAccount: null,
    file: null,
    watermarkFrom: null,
    watermarkTo: null,
    error: null,
    ...over,
  } as RunSummary;
}
