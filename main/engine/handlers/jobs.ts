import { randomUUID } from 'node:crypto';
import cronstrue from 'cronstrue';
import type { JobInfo } from '../../../shared/dto';
import type { jobsMethods } from '../../../shared/contract/jobs';
import { JobConfig } from '../../../shared/jobs';
import { ApiError } from '../../../shared/rpc';
import type { Engine } from '../engine';
import type { Handlers } from '../rpc-dispatch';
import type { JobRecord } from '../store';
import { JobRunner } from '../sync/job-runner';
import { nextRuns, validateCron } from '../sync/scheduler';
import { ConnectionService } from '../connections';

export function describeSchedule(schedule: string): string {
  try {
    return cronstrue.toString(schedule, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return schedule;
  }
}

/** What the UI and CLI show for a job: plain-language schedule, last and next run. */
export function jobInfo(engine: Engine, j: JobRecord): JobInfo {
  const config = JobConfig.safeParse(j.config);
  const schedule = config.success ? config.data.schedule : null;
  const timezone = config.success ? config.data.timezone : 'UTC';
  const last = engine.store.runs.lastForJob(j.id);
  let nextRunAt: string | null = null;
  if (schedule && !j.paused) {
    try {
      nextRunAt = nextRuns(schedule, timezone, engine.clock.now(), 1)[0] ?? null;
    } catch {
      nextRunAt = null;
    }
  }
  return {
    id: j.id,
    name: j.name,
    type: j.type,
    connectionId: j.connectionId,
    sourceId: j.sourceId,
    mappingId: j.mappingId,
    schedule,
    timezone,
    scheduleText: schedule ? `${describeSchedule(schedule)} (${timezone})` : null,
    paused: j.paused,
    lastRun: last ? { id: last.id, status: last.status, finishedAt: last.finishedAt } : null,
    nextRunAt,
  };
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function jobsHandlers(engine: Engine): Pick<Handlers, keyof typeof jobsMethods> {
  const { store } = engine;
  const get = (jobId: string) => {
    const job = store.jobs.get(jobId);
    if (!job) throw new ApiError('not_found', `There is no job "${jobId}".`);
    return job;
  };
  const changed = () => engine.events.emit('engine.changed', engine.status());
  return {
    'jobs.add': (p) => {
      if (store.jobs.get(p.name)) throw new ApiError('conflict', `A job called "${p.name}" already exists. Choose another name.`);
      if (!store.connections.get(p.connectionId)) throw new ApiError('not_found', `There is no connection "${p.connectionId}".`);
      if (!validTimeZone(p.config.timezone)) throw new ApiError('invalid_params', `"${p.config.timezone}" is not a time zone. Use a name like Europe/London or UTC.`);
      if (p.config.schedule) {
        const problem = validateCron(p.config.schedule, p.config.timezone);
        if (problem) throw new ApiError('invalid_params', `The schedule "${p.config.schedule}" is not a valid cron expression: ${problem}`);
      }
      if (p.type === 'ingest') {
        const source = p.sourceId ? store.sources.get(p.sourceId) : null;
        const mapping = p.mappingId ? store.mappings.get(p.mappingId) : null;
        if (!source) throw new ApiError('invalid_params', 'An ingest job needs a source: choose the folder or database it reads.');
        if (!mapping) throw new ApiError('invalid_params', 'An ingest job needs a mapping: set one up on the Mappings page first.');
      } else if (!p.config.export) {
        throw new ApiError('invalid_params', 'An export job needs a dataset and a destination.');
      }
      const source = p.sourceId ? store.sources.get(p.sourceId) : null;
      const mapping = p.mappingId ? store.mappings.get(p.mappingId) : null;
      const job: JobRecord = {
        id: randomUUID(),
        name: p.name,
        type: p.type,
        connectionId: store.connections.get(p.connectionId)!.id,
        sourceId: source?.id ?? null,
        mappingId: mapping?.id ?? null,
        config: p.config,
        paused: false,
        cursor: null,
        createdAt: engine.clock.now().toISOString(),
      };
      store.jobs.insert(job);
      // Watchers re-arm on source changes; a new job may need one.
      if (source) engine.events.emit('source.changed', { ...sourceStub(source.id, source.name, source.kind), location: String(source.config.path ?? '') });
      changed();
      return jobInfo(engine, job);
    },
    'jobs.pause': ({ jobId }) => {
      const job = get(jobId);
      store.jobs.setPaused(job.id, true);
      changed();
      return jobInfo(engine, store.jobs.get(job.id)!);
    },
    'jobs.resume': ({ jobId }) => {
      const job = get(jobId);
      store.jobs.setPaused(job.id, false);
      changed();
      return jobInfo(engine, store.jobs.get(job.id)!);
    },
    'jobs.remove': ({ jobId }) => {
      const job = get(jobId);
      if (store.outbox.pending(job.id).length) {
        throw new ApiError('conflict', `"${job.name}" still has batches waiting for the platform's answer. Let it finish (or run it once more), then remove it.`);
      }
      store.jobs.remove(job.id);
      changed();
      return { removed: true as const };
    },
    'jobs.run': async ({ jobId, wait, confirmDeletes }) => {
      const job = get(jobId);
      if (engine.sync) {
        const pending = engine.sync.trigger(job.id, 'manual', { confirmDeletes });
        if (!pending) return { queued: false, run: null };
        if (!wait) {
          pending.catch(() => undefined);
          return { queued: true, run: null };
        }
        return { queued: true, run: await pending };
      }
      const runner = new JobRunner(engine, new ConnectionService({ store, secrets: () => engine.secrets(), clock: engine.clock, logger: engine.logger }));
      const run = runner.run({ jobId: job.id, trigger: 'manual', confirmDeletes });
      if (!wait) {
        run.catch(() => undefined);
        return { queued: true, run: null };
      }
      return { queued: true, run: await run };
    },
    'jobs.describeSchedule': ({ schedule, timezone }) => {
      if (!validTimeZone(timezone)) return { valid: false, text: `"${timezone}" is not a time zone.`, next: [] };
      const problem = validateCron(schedule, timezone);
      if (problem) return { valid: false, text: problem, next: [] };
      return { valid: true, text: describeSchedule(schedule), next: nextRuns(schedule, timezone, engine.clock.now(), 5) };
    },
  };
}

function sourceStub(id: string, name: string, kind: 'folder' | 'database') {
  return { id, name, kind, location: '', paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: '', lastFile: null, lastWatermark: null, filesWaiting: 0 };
}
