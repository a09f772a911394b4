import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { mappingsMethods } from '../../../shared/contract/mappings';
import { ApiError } from '../../../shared/rpc';
import { ConnectionError, ConnectionService } from '../connections';
import type { Engine } from '../engine';
import { SampleError, SampleStore } from '../mapping/samples';
import { checkProfileAgainstCatalogue, refusalMessage } from '../mapping/catalogue-check';
import { MappingService, MappingServiceError, type CatalogueView } from '../mapping/service';
import { PlatformError } from '../platforms/errors';
import type { Handlers } from '../rpc-dispatch';
import { JobRunner } from '../sync/job-runner';
import { engineSourceService, sourceApiError } from './sources';

/** "shape.valueColumn: Required" → { path, message }, as the dispatcher reports zod issues. */
function details(issues: string[]): { path: string; message: string }[] {
  return issues.slice(0, 50).map((i) => {
    const at = i.indexOf(': ');
    return at > 0 ? { path: i.slice(0, at), message: i.slice(at + 2) } : { path: '(profile)', message: i };
  });
}

function toApiError(err: unknown): unknown {
  if (err instanceof MappingServiceError) {
    const code = err.code === 'invalid' ? 'invalid_params' : err.code === 'not_found' ? 'not_found' : 'conflict';
    return new ApiError(code, err.message, err.issues.length ? details(err.issues) : undefined);
  }
  if (err instanceof ConnectionError) return new ApiError(err.code === 'not_found' ? 'not_found' : err.code === 'secrets' ? 'secrets' : 'conflict', err.message);
  if (err instanceof PlatformError) return new ApiError('platform', err.message);
  if (err instanceof SampleError) return new ApiError(err.code === 'not_found' ? 'not_found' : 'invalid_params', err.message);
  return sourceApiError(err);
}

async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApiError(err);
  }
}

/** The platform library, suggestions, previews and versioned mapping profiles. */
export function mappingsHandlers(engine: Engine, service?: MappingService): Pick<Handlers, keyof typeof mappingsMethods> {
  const samples = new SampleStore(engine.opts.dataDir);
  const connections = () =>
    new ConnectionService({ store: engine.store, secrets: () => engine.secrets(), clock: engine.clock, logger: engine.logger });
  const mappings =
    service ??
    new MappingService({
      samples,
      store: engine.store,
      sources: engineSourceService(engine),
      connections: new ConnectionService({
        store: engine.store,
        secrets: () => engine.secrets(),
        clock: engine.clock,
        logger: engine.logger,
        onStatus: (e) => engine.events.emit('connection.status', e),
      }),
      clock: engine.clock,
      logger: engine.logger,
    });
  return {
    'catalogue.get': ({ connectionId }) => guarded(() => mappings.catalogue(connectionId)),
    'mappings.suggest': (p) => guarded(() => mappings.suggest(p)),
    'mappings.preview': (p) => guarded(() => mappings.preview(p)),
    'mappings.save': ({ profile, id, force }) =>
      guarded(async () => {
        const warnings = await checkBeforeSave(engine, mappings, profile, force);
        const info = mappings.save({ profile, id });
        return warnings.length ? { ...info, warnings } : info;
      }),
    'mappings.get': ({ mappingId }) => guarded(() => mappings.get(mappingId)),
    'mappings.remove': ({ mappingId }) => guarded(() => mappings.remove(mappingId)),
    'mappings.uploadSample': ({ name, contentBase64 }) => guarded(() => samples.save(name, Buffer.from(contentBase64, 'base64'))),
    'mappings.drift': ({ runId }) => guarded(() => mappings.drift(runId)),
    'mappings.retryFile': ({ runId, wait }) =>
      guarded(async () => {
        const asked = engine.store.runs.get(runId);
        const from = asked?.jobId ? engine.store.sources.get(engine.store.jobs.get(asked.jobId)?.sourceId ?? '') : null;
        // A database run has no file to read again: its held rows are read by the job's next run.
        if (asked && from?.kind === 'database') {
          throw new ApiError(
            'conflict',
            `Run #${runId} read the database "${from.name}", not a file. Rows it held are read again by every run of "${asked.jobName}" (its watermark stays at the first held row) and sent once their codes are mapped: map them, then run the job (Run now, or \`esg-sync run "${asked.jobName}"\`).`,
          );
        }
        const report = await mappings.drift(runId);
        if (!report.fileAvailable) {
          const removedAt = engine.store.runs.fileWhereabouts(runId)?.removedAt ?? null;
          throw new ApiError(
            'not_found',
            removedAt
              ? `The file ${report.file} was removed on ${removedAt.slice(0, 10)} by the clean-up of old files in processed/ and failed/ (Settings → Files in watched folders), so run #${runId} cannot be read again. Drop the file into the watched folder again: it is read as a new file, and values already on the platform are not sent twice.`
              : `The file ${report.file} is no longer there, so run #${runId} cannot be read again. Put the file back at that path, then try again.`,
          );
        }
        if (report.missing.length || report.renamed.length || report.added.length) {
          throw new ApiError('conflict', `The file's columns still differ from the mapping "${report.mappingName}". Update the mapping first, then retry.`);
        }
        const run = engine.store.runs.get(runId)!;
        const jobId = run.jobId!;
        const file = { path: report.file, size: (await stat(report.file)).size, sha256: await sha256Of(report.file) };
        // A file that synced but held rows sends only what it never sent; one that stopped before
        // sending anything (changed columns) is synced whole, as its first run would have.
        const heldOf = run.held > 0 && run.status !== 'needs_attention' ? runId : undefined;
        const pending = engine.sync
          ? engine.sync.trigger(jobId, 'manual', { file, heldOf })
          : new JobRunner(engine, connections()).run({ jobId, trigger: 'manual', file, heldOf });
        if (!pending) return { queued: false, run: null };
        if (!wait) {
          pending.catch(() => undefined);
          return { queued: true, run: null };
        }
        return { queued: true, run: await pending };
      }),
  };
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** How long a save waits for the platform's catalogue before it saves unchecked (with a warning). */
const CHECK_TIMEOUT_MS = 20_000;

/**
 * The catalogue check of `mappings.save`: problems refuse the save (ApiError, exit code 2 on the
 * command line) unless `force`, which saves and returns them as warnings. A profile naming a
 * source or connection that is not here is left to the save, which says so; a platform that does
 * not answer leaves the profile unchecked, with a warning, so the wizard can still save offline.
 */
async function checkBeforeSave(engine: Engine, mappings: MappingService, input: unknown, force: boolean): Promise<string[]> {
  const profile = mappings.parse(input);
  const connection = engine.store.connections.get(profile.connectionId);
  if (!connection || !engine.store.sources.get(profile.sourceId)) return [];
  let catalogue: CatalogueView;
  let timer: NodeJS.Timeout | undefined;
  try {
    catalogue = await Promise.race([
      mappings.catalogue(connection.id),
      new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`it did not answer within ${CHECK_TIMEOUT_MS / 1000} seconds`)), CHECK_TIMEOUT_MS);
        timer.unref();
      }),
    ]);
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
    engine.logger.warn({ connection: connection.id, reason }, 'mapping saved without the catalogue check');
    return [
      `The mapping was not checked against the platform of "${connection.name}" (${reason}): its metric ids, site ids and units may not fit. Preview it in the wizard once the platform answers.`,
    ];
  } finally {
    clearTimeout(timer);
  }
  const problems = checkProfileAgainstCatalogue(profile, catalogue, connection.name);
  // 'conflict': the profile is well formed but does not fit this platform (the UI offers to save anyway).
  if (problems.length && !force) throw new ApiError('conflict', refusalMessage(profile.name.trim(), connection.name, problems));
  return problems.map((p) => p.message);
}
