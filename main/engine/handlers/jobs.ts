import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { isAbsolute } from 'node:path';
import cronstrue from 'cronstrue';
import type { JobInfo, ParsedParams, RunSummary } from '../../../shared/api';
import type { ExportDataset, jobsMethods, JobDetail } from '../../../shared/contract/jobs';
import { JobConfig } from '../../../shared/jobs';
import { plural } from '../../../shared/plural';
import { ApiError } from '../../../shared/rpc';
import { ConnectionService } from '../connections';
import type { Engine } from '../engine';
import { ALTRUISTIQ_DATASETS } from '../platforms/altruistiq';
import { ESG_API_DATASETS, EXPORT_COLUMNS } from '../platforms/esg-api';
import { PACT_DATASETS } from '../platforms/pact';
import type { Handlers } from '../rpc-dispatch';
import { SecretStoreError } from '../secrets';
import { assertReadableDir } from '../sources/service';
import type { ConnectionRecord, JobRecord, MappingRecord, SourceRecord } from '../store';
import { exportOverlap, type ExportJobLike } from '../sync/export/destination-overlap';
import { ExportError } from '../sync/export/errors';
import { validateFilePattern } from '../sync/export/file-name';
import { tableConnection, tablePasswordAccount } from '../sync/export/table-connection';
import { cannotWriteIn } from '../sync/export/writers/atomic-file';
import { TableWriter } from '../sync/export/writers/table';
import { JobRunner } from '../sync/job-runner';
import { nextRuns, validateCron } from '../sync/scheduler';
import { SLOT_KEY } from '../sync/service';
import { takeWaitingFiles } from '../sync/waiting-files';

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
  const done = last && last.status === 'succeeded' && last.read === 0 ? engine.store.runs.lastDoneForJob(j.id) : last;
  const waiting = j.type === 'ingest' ? engine.store.runs.filesWaitingForCodes(j.id) : null;
  const sourcePaused = j.type === 'ingest' && j.sourceId !== null && engine.store.sources.get(j.sourceId)?.paused === true;
  let nextRunAt: string | null = null;
  if (schedule && !j.paused && !sourcePaused) {
    try {
      nextRunAt = nextRuns(schedule, timezone, engine.clock.now(), 1)[0] ?? null;
    } catch {
      nextRunAt = null;
    }
  }
  // A failed scheduled run tried again before the next slot: that is the job's next run.
  const retryAt = j.paused || sourcePaused ? null : (engine.sync?.retryAt(j.id) ?? null);
  const nextRunIsRetry = retryAt !== null && (nextRunAt === null || retryAt < nextRunAt);
  if (nextRunIsRetry) nextRunAt = retryAt;
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
    sourcePaused,
    lastRun: last ? { id: last.id, status: last.status, finishedAt: last.finishedAt, rejected: last.rejected, held: last.held } : null,
    nextRunAt,
    ...(nextRunIsRetry ? { nextRunIsRetry } : {}),
    // Only database ingest jobs are noted; a lookup by key, as the list is polled.
    heldBack: j.type === 'ingest' ? engine.store.heldBack.get(j.id, j.cursor) : null,
    lastDoneRun: done ? { id: done.id, status: done.status, finishedAt: done.finishedAt, rejected: done.rejected, held: done.held } : null,
    waitingForCodes: waiting && waiting.files > 0 && waiting.runId !== null ? { files: waiting.files, rows: waiting.rows, runId: waiting.runId } : null,
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

/** The export datasets each platform offers, by connection kind. */
/**
 * What identifies one row of a dataset, where the platform's contract says so: the key an export
 * into a table upserts by. (Altruistiq's export files do not say; there the job's own choice stands.)
 */
const DATASET_KEYS: Readonly<Record<string, readonly string[]>> = {
  submissions: ['id'],
  'portfolio-metrics': ['entity_id', 'metric_id', 'period'],
  footprints: ['id'],
};

export function exportDatasets(kind: ConnectionRecord['kind']): ExportDataset[] {
  const list = kind === 'esg-api' ? ESG_API_DATASETS : kind === 'altruistiq' ? ALTRUISTIQ_DATASETS : PACT_DATASETS;
  return list.map((d) => ({
    id: d.id,
    label: d.label,
    keyColumns: DATASET_KEYS[d.id] ? [...DATASET_KEYS[d.id]!] : null,
    // Every row's fields are fixed by the ESG API's contract; PACT and Altruistiq rows nest or vary.
    columns: kind === 'esg-api' && d.id in EXPORT_COLUMNS ? [...EXPORT_COLUMNS[d.id as keyof typeof EXPORT_COLUMNS]] : null,
  }));
}

const passwordAccount = tablePasswordAccount;

/** Where the job form's check points to: the person is on it (or on `job add`/`job edit`). */
const FIX_AT_SAVE = ' in the destination settings';

type JobInput = Omit<ParsedParams<'jobs.add'>, 'databasePassword' | 'checkDestination'>;

interface Resolved {
  connection: ConnectionRecord;
  source: SourceRecord | null;
  mapping: MappingRecord | null;
  /** The config as saved: only the half that belongs to the job's type. */
  config: JobConfig;
}

/**
 * Everything a job must satisfy beyond its shape, checked the same way on add and on edit, with
 * messages that say which field is wrong and what to do about it.
 */
function resolveJob(engine: Engine, p: JobInput, existingId: string | null): Resolved {
  const { store } = engine;
  const clash = store.jobs.get(p.name);
  if (clash && clash.id !== existingId) throw new ApiError('conflict', `A job called "${p.name}" already exists. Choose another name.`);
  const connection = store.connections.get(p.connectionId);
  if (!connection) throw new ApiError('not_found', `There is no connection "${p.connectionId}". Add it (Connections page, or \`esg-sync connection add\`), or choose another.`);
  if (!validTimeZone(p.config.timezone)) throw new ApiError('invalid_params', `"${p.config.timezone}" is not a time zone. Use a name like Europe/London or UTC.`);
  if (p.config.schedule) {
    const problem = validateCron(p.config.schedule, p.config.timezone);
    if (problem) throw new ApiError('invalid_params', `The schedule "${p.config.schedule}" is not a valid cron expression: ${problem}`);
  }

  if (p.type === 'ingest') {
    const source = p.sourceId ? store.sources.get(p.sourceId) : null;
    const mapping = p.mappingId ? store.mappings.get(p.mappingId) : null;
    if (!source) throw new ApiError('invalid_params', p.sourceId ? `There is no source "${p.sourceId}".` : 'An ingest job needs a source: choose the folder or database it reads.');
    if (!mapping) throw new ApiError('invalid_params', p.mappingId ? `There is no mapping "${p.mappingId}".` : 'An ingest job needs a mapping: set one up first (Mappings page, or `esg-sync mapping suggest` then `mapping import`).');
    if (mapping.connectionId && mapping.connectionId !== connection.id) {
      const madeFor = store.connections.get(mapping.connectionId)?.name ?? mapping.connectionId;
      throw new ApiError(
        'invalid_params',
        `The mapping "${mapping.name}" was made for the connection "${madeFor}": its metrics and sites come from that platform. Choose "${madeFor}", or make a mapping for "${connection.name}".`,
      );
    }
    // As the job form offers: a mapping made for one source reads that source's columns.
    if (mapping.sourceId && mapping.sourceId !== source.id) {
      const madeFor = store.sources.get(mapping.sourceId)?.name ?? mapping.sourceId;
      throw new ApiError(
        'invalid_params',
        `The mapping "${mapping.name}" was made for the source "${madeFor}", whose columns it reads. Choose "${madeFor}" as the source, or make a mapping for "${source.name}".`,
      );
    }
    if (connection.kind === 'altruistiq' && !p.config.ingest?.datasourceId) {
      throw new ApiError(
        'invalid_params',
        `"${connection.name}" is an Altruistiq connection: Altruistiq takes files into a datasource. Give the datasource id (from the datasource's page in Altruistiq) so the agent knows where to upload.`,
      );
    }
    const { export: _unused, ...config } = p.config;
    return { connection, source, mapping, config: { ...config, onFileArrival: source.kind === 'folder' && config.onFileArrival } };
  }

  const settings = p.config.export;
  if (!settings) throw new ApiError('invalid_params', 'An export job needs a dataset and a destination.');
  const datasets = exportDatasets(connection.kind);
  const dataset = datasets.find((x) => x.id === settings.dataset);
  if (!dataset) {
    throw new ApiError('invalid_params', `The platform of "${connection.name}" has no dataset "${settings.dataset}". Choose one of: ${datasets.map((d) => `${d.id} (${d.label})`).join(', ')}.`);
  }
  const d = settings.destination;
  // A key column the dataset's rows never have fails every run at its first row: said now instead.
  const unknownKeys = d.kind === 'database' && dataset.columns ? d.keyColumns.filter((k) => !dataset.columns!.includes(k)) : [];
  if (unknownKeys.length) {
    const usual = dataset.keyColumns ? ` Its rows are identified by ${dataset.keyColumns.join(', ')} (--key ${dataset.keyColumns.join(',')}).` : '';
    throw new ApiError(
      'invalid_params',
      `${unknownKeys.map((k) => `"${k}"`).join(' and ')} ${unknownKeys.length === 1 ? 'is not a column' : 'are not columns'} of the dataset "${dataset.id}", so no row could be written by that key.${usual} Its columns: ${dataset.columns!.join(', ')}.`,
    );
  }
  if (d.kind === 'folder' && !isAbsolute(d.path)) {
    throw new ApiError('invalid_params', `The destination folder "${d.path}" is not a full path. Give it from the root, e.g. /srv/exports or C:\\Exports.`);
  }
  if (d.kind === 'folder') {
    try {
      validateFilePattern(d.fileName);
    } catch (err) {
      throw new ApiError('invalid_params', err instanceof Error ? err.message : String(err));
    }
  }
  if (d.kind === 'database') {
    if (d.database === 'sqlite' && !(d.file && isAbsolute(d.file))) throw new ApiError('invalid_params', 'A SQLite destination needs the full path of its database file.');
    if (d.database !== 'sqlite' && (!d.name || !d.user)) throw new ApiError('invalid_params', `A ${d.database === 'postgres' ? 'PostgreSQL' : 'MariaDB/MySQL'} destination needs a database name and a user.`);
  }
  const { ingest: _unused, ...config } = p.config;
  return { connection, source: null, mapping: null, config: { ...config, onFileArrival: false } };
}

/** A failure to save a password in the keychain, said as the API's 'secrets' error. */
async function savePassword(engine: Engine, jobId: string, password: string): Promise<void> {
  try {
    await engine.secrets().set(passwordAccount(jobId), password);
  } catch (err) {
    if (err instanceof SecretStoreError) throw new ApiError('secrets', `The job was saved, but its database password could not be stored: ${err.message}`);
    throw err;
  }
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function jobsHandlers(engine: Engine): Pick<Handlers, keyof typeof jobsMethods> {
  const { store } = engine;
  const get = (jobId: string) => {
    const job = store.jobs.get(jobId);
    if (!job) throw new ApiError('not_found', `There is no job "${jobId}". It may have been removed.`);
    return job;
  };
  const changed = () => engine.events.emit('engine.changed', engine.status());
  /** Folder watchers re-arm on source.changed; a job change can start or stop one. */
  const announceSource = (sourceId: string | null) => {
    const s = sourceId ? store.sources.get(sourceId) : null;
    if (!s) return;
    engine.events.emit('source.changed', {
      id: s.id,
      name: s.name,
      kind: s.kind,
      location: String(s.config.path ?? s.config.location ?? ''),
      paused: s.paused,
      sandbox: s.sandbox,
      status: s.status,
      statusMessage: s.statusMessage,
      createdAt: s.createdAt,
      lastFile: store.sources.lastFile(s.id),
      lastWatermark: null,
      filesWaiting: store.sources.pendingFiles(s.id),
    });
  };
  const passwordSaved = async (jobId: string): Promise<boolean> => {
    try {
      return (await engine.secrets().get(passwordAccount(jobId))) !== null;
    } catch {
      return false; // no keychain: nothing can be saved there either
    }
  };

  const detail = async (job: JobRecord): Promise<JobDetail> => {
    const parsed = JobConfig.safeParse(job.config);
    const config = parsed.success ? parsed.data : JobConfig.parse({});
    const dataset = config.export?.dataset ?? null;
    const kind = store.connections.get(job.connectionId)?.kind;
    const destination = config.export?.destination;
    return {
      ...jobInfo(engine, job),
      config,
      cursor: job.cursor,
      createdAt: job.createdAt,
      databasePasswordSaved: destination?.kind === 'database' && destination.database !== 'sqlite' ? await passwordSaved(job.id) : false,
      datasetLabel: dataset && kind ? (exportDatasets(kind).find((d) => d.id === dataset)?.label ?? dataset) : dataset,
    };
  };

  const assertOwnDestination = (job: ExportJobLike) => {
    const overlap = exportOverlap(job, store.jobs.list(), engine.clock.now());
    if (overlap) throw new ApiError('conflict', overlap);
  };

  return {
    'jobs.add': async ({ databasePassword, checkDestination, ...p }) => {
      const r = resolveJob(engine, p, null);
      assertOwnDestination({ id: null, name: p.name, type: p.type, config: r.config });
      await assertExportFolder(r.config);
      if (checkDestination) await assertExportTable(engine, r.config, null, databasePassword);
      const job: JobRecord = {
        id: randomUUID(),
        name: p.name,
        type: p.type,
        connectionId: r.connection.id,
        sourceId: r.source?.id ?? null,
        mappingId: r.mapping?.id ?? null,
        config: r.config,
        paused: false,
        cursor: null,
        createdAt: engine.clock.now().toISOString(),
      };
      store.jobs.insert(job);
      if (databasePassword && r.config.export?.destination.kind === 'database') await savePassword(engine, job.id, databasePassword);
      announceSource(job.sourceId);
      changed();
      return jobInfo(engine, job);
    },

    'jobs.get': ({ jobId }) => detail(get(jobId)),

    'jobs.details': () => Promise.all(store.jobs.list().map(detail)),

    'jobs.update': async ({ jobId, databasePassword, checkDestination, ...p }) => {
      const before = get(jobId);
      const r = resolveJob(engine, p, before.id);
      const oldConfig = JobConfig.safeParse(before.config);
      const old = oldConfig.success ? oldConfig.data : null;
      // Checked when the folder is new to the job: a folder that went away later is said by its runs.
      const oldFolder = old?.export?.destination.kind === 'folder' ? old.export.destination.path : null;
      const newFolder = r.config.export?.destination.kind === 'folder' ? r.config.export.destination.path : null;
      if (before.name !== p.name || before.type !== p.type || !sameJson(old?.export, r.config.export) || old?.timezone !== r.config.timezone) {
        assertOwnDestination({ id: before.id, name: p.name, type: p.type, config: r.config });
      }
      if (newFolder !== oldFolder) await assertExportFolder(r.config);
      // Checked when the table settings or the password change: a server down later is said by its runs.
      if (checkDestination && (databasePassword !== undefined || !sameJson(old?.export?.destination, r.config.export?.destination))) await assertExportTable(engine, r.config, before.id, databasePassword);
      const notes: string[] = [];
      const wiringChanged = before.type !== p.type || before.connectionId !== r.connection.id || before.mappingId !== (r.mapping?.id ?? null) || before.sourceId !== (r.source?.id ?? null);

      // Batches already written for the old wiring must reach the platform they were meant for.
      if (wiringChanged && store.outbox.pending(before.id).length) {
        throw new ApiError('conflict', `"${before.name}" still has batches waiting for the platform's answer. Run it once more so they are delivered, then change its type, connection, source or mapping.`);
      }
      // The ledger holds the first platform's record ids: sending them to another platform would update the wrong records.
      if (before.type === 'ingest' && before.mappingId && before.connectionId !== r.connection.id) {
        const sent = store.ledger.count(before.mappingId);
        if (sent > 0) {
          throw new ApiError(
            'conflict',
            `"${before.name}" has already sent ${plural(sent, 'value')} through its current connection, and this agent tracks them by that platform's record ids. Keep the connection, or add a new job (with a mapping made for the other connection).`,
          );
        }
      }

      let cursor = before.cursor;
      if (cursor !== null) {
        const exportChanged = p.type === 'export' && (before.type !== 'export' || before.connectionId !== r.connection.id || !sameJson(old?.export?.dataset, r.config.export?.dataset) || !sameJson(old?.export?.destination, r.config.export?.destination));
        const sourceChanged = p.type === 'ingest' && (before.type !== 'ingest' || before.sourceId !== r.source?.id);
        if (exportChanged) {
          cursor = null;
          notes.push('Its next run exports everything again, because its connection, dataset or destination changed.');
        } else if (sourceChanged) {
          cursor = null;
          notes.push('Its next run reads the new source from the beginning.');
        }
      }
      if (p.type === 'ingest' && before.mappingId && r.mapping && before.mappingId !== r.mapping.id && store.ledger.count(before.mappingId) > 0) {
        notes.push(`Values sent with the mapping it used before stay on the platform; the new mapping "${r.mapping.name}" keeps its own record of what it sends.`);
      }

      store.jobs.update({ id: before.id, name: p.name, type: p.type, connectionId: r.connection.id, sourceId: r.source?.id ?? null, mappingId: r.mapping?.id ?? null, config: r.config, cursor });
      // Rows of the old source no longer hold anything back (a null cursor would still match a note).
      if (cursor !== before.cursor || before.sourceId !== (r.source?.id ?? null) || p.type !== 'ingest') store.heldBack.clear(before.id);
      // A new schedule starts fresh: slots of the old one are not "missed" runs of the new one.
      if (!old || old.schedule !== r.config.schedule || old.timezone !== r.config.timezone) store.settings.deleteRaw(SLOT_KEY(before.id));
      if (r.config.export?.destination.kind === 'database' && databasePassword) await savePassword(engine, before.id, databasePassword);

      announceSource(before.sourceId);
      if (r.source && r.source.id !== before.sourceId) announceSource(r.source.id);
      changed();
      return { job: jobInfo(engine, store.jobs.get(before.id)!), notes };
    },

    'jobs.startOver': ({ jobId }) => {
      const job = get(jobId);
      const source = job.type === 'ingest' && job.sourceId ? store.sources.get(job.sourceId) : null;
      if (source?.kind === 'folder') {
        throw new ApiError('invalid_params', `"${job.name}" takes files as they arrive; it keeps no place to start over from. To send a file again, open its run in History and use "Send the file again", or drop the file into the folder again.`);
      }
      if (store.runs.lastForJob(job.id)?.status === 'running') {
        throw new ApiError('conflict', `"${job.name}" is running now. Start over once its run has finished.`);
      }
      const from = job.cursor;
      store.transaction(() => {
        store.jobs.setCursor(job.id, null);
        // Rows it held back are read again with everything else.
        if (job.type === 'ingest') store.heldBack.clear(job.id);
      });
      engine.logger.info({ jobId: job.id, job: job.name, from }, 'job starts over');
      changed();
      const note =
        job.type === 'export'
          ? `The next run of "${job.name}" exports the whole dataset again${from ? ` (it had exported up to ${from})` : ''}.`
          : `The next run of "${job.name}" reads every row of "${source?.name ?? 'its source'}" again${from ? ` (it had read up to ${from})` : ''}; values already on the platform are not sent twice.`;
      return { job: jobInfo(engine, store.jobs.get(job.id)!), note };
    },

    'jobs.pause': ({ jobId }) => {
      const job = get(jobId);
      store.jobs.setPaused(job.id, true);
      announceSource(job.sourceId);
      changed();
      return jobInfo(engine, store.jobs.get(job.id)!);
    },

    'jobs.resume': ({ jobId }) => {
      const job = get(jobId);
      // Slots passed while a person had the job paused were skipped on purpose, not missed: no catch-up on resume.
      if (job.paused) store.settings.deleteRaw(SLOT_KEY(job.id));
      store.jobs.setPaused(job.id, false);
      announceSource(job.sourceId);
      changed();
      // Files that waited in its folder for it are taken now, not at the next file to arrive.
      void engine.sync?.takeWaiting(job.id).catch((err: unknown) => engine.logger.warn({ jobId: job.id, err: err instanceof Error ? err.message : String(err) }, 'files waiting for a resumed job could not be taken'));
      return jobInfo(engine, store.jobs.get(job.id)!);
    },

    'jobs.remove': async ({ jobId }) => {
      const job = get(jobId);
      if (store.outbox.pending(job.id).length) {
        throw new ApiError('conflict', `"${job.name}" still has batches waiting for the platform's answer. Let it finish (or run it once more), then remove it.`);
      }
      if (engine.sync?.isRunning(job.id)) throw new ApiError('busy', `"${job.name}" is running right now. Remove it when the run has finished.`);
      store.jobs.remove(job.id);
      store.settings.deleteRaw(SLOT_KEY(job.id));
      store.heldBack.clear(job.id);
      if (job.type === 'export') {
        // Best effort: a keychain that does not answer must not keep a removed job alive.
        await Promise.resolve()
          .then(() => engine.secrets().delete(passwordAccount(job.id)))
          .catch((err: unknown) => engine.logger.warn({ jobId: job.id, err: err instanceof Error ? err.message : String(err) }, 'could not delete the job database password'));
      }
      announceSource(job.sourceId);
      changed();
      return { removed: true as const };
    },

    'jobs.run': async ({ jobId, wait, confirmDeletes }) => {
      const job = get(jobId);
      const source = job.type === 'ingest' && job.sourceId ? store.sources.get(job.sourceId) : null;
      // A paused source gives nothing, not even to Run now: resuming it is the one way back.
      if (source?.paused) {
        throw new ApiError('conflict', `"${job.name}" reads "${source.name}", which is paused: nothing is read from it until it is resumed. Resume it on the Sources page (or \`esg-sync source resume "${source.name}"\`), then run the job.`);
      }
      // A folder that is gone (an unmounted share) is said now, not found empty by a run that "succeeds".
      if (source?.kind === 'folder') {
        await assertReadableDir(String(source.config.path)).catch((err: unknown) => {
          throw new ApiError('source', `"${job.name}" cannot take files from "${source.name}": ${(err as Error).message}`);
        });
      }
      let runs: Promise<RunSummary[]> | null;
      if (engine.sync) runs = engine.sync.runNow(job.id, { confirmDeletes });
      else {
        // No agent (a CLI command on its own): the same "Run now" as the agent's, one file at a time.
        const runner = new JobRunner(engine, new ConnectionService({ store, secrets: () => engine.secrets(), clock: engine.clock, logger: engine.logger }));
        runs =
          source?.kind === 'folder'
            ? (async () => {
                const stillWriting: string[] = [];
                const files = await takeWaitingFiles(store, source, { now: () => engine.clock.now().toISOString(), stillWriting });
                const done: RunSummary[] = [];
                for (const file of files) done.push(await runner.run({ jobId: job.id, trigger: 'manual', confirmDeletes, file: { path: file.path, sha256: file.sha256, size: file.size } }));
                return done.length ? done : [await runner.run({ jobId: job.id, trigger: 'manual', confirmDeletes, stillWriting })];
              })()
            : runner.run({ jobId: job.id, trigger: 'manual', confirmDeletes }).then((run) => [run]);
      }
      if (!runs) return { queued: false, run: null, runs: [] };
      if (!wait) {
        runs.catch(() => undefined);
        return { queued: true, run: null, runs: [] };
      }
      const done = await runs;
      return { queued: true, run: done[done.length - 1] ?? null, runs: done };
    },

    'jobs.describeSchedule': ({ schedule, timezone }) => {
      if (!validTimeZone(timezone)) return { valid: false, text: `"${timezone}" is not a time zone.`, next: [] };
      const problem = validateCron(schedule, timezone);
      if (problem) return { valid: false, text: problem, next: [] };
      return { valid: true, text: describeSchedule(schedule), next: nextRuns(schedule, timezone, engine.clock.now(), 5) };
    },

    'jobs.datasets': ({ connectionId }) => {
      const connection = store.connections.get(connectionId);
      if (!connection) throw new ApiError('not_found', `There is no connection "${connectionId}".`);
      return exportDatasets(connection.kind);
    },
  };
}

/** An export's destination folder exists, as its runs need (they write into it, never create it). */
async function assertExportFolder(config: JobConfig): Promise<void> {
  const d = config.export?.destination;
  if (d?.kind !== 'folder') return;
  let info;
  try {
    info = await stat(d.path);
  } catch {
    throw new ApiError('invalid_params', `The export folder ${d.path} does not exist. Create it (or connect the drive or share it is on), or choose another folder.`);
  }
  if (!info.isDirectory()) throw new ApiError('invalid_params', `${d.path} is a file, not a folder. Give the folder the exports are to be written into.`);
  // A read-only share or a folder the agent's user may not write in fails every run: said now.
  try {
    await access(d.path, fsConstants.W_OK);
  } catch (err) {
    throw new ApiError('invalid_params', cannotWriteIn(d.path, err as NodeJS.ErrnoException));
  }
}

/**
 * An export's destination table, checked as its first run would open it (server, user and
 * password, database, schema, an existing table's key), so a wrong setting is said while the
 * person is on the form, not by a failed run at night. The password is the one typed, else the
 * one the keychain holds for the job.
 */
async function assertExportTable(engine: Engine, config: JobConfig, jobId: string | null, typed: string | undefined): Promise<void> {
  const d = config.export?.destination;
  if (d?.kind !== 'database') return;
  let password = typed;
  if (password === undefined && d.database !== 'sqlite' && jobId !== null) {
    password = (await engine.secrets().get(passwordAccount(jobId)).catch(() => null)) ?? undefined;
  }
  try {
    await TableWriter.check(tableConnection(d, password), { table: d.table, keyColumns: d.keyColumns, fix: FIX_AT_SAVE });
  } catch (err) {
    if (err instanceof ExportError) throw new ApiError('invalid_params', err.message);
    throw err;
  }
}
