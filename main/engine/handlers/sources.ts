import type { sourcesMethods } from '../../../shared/contract/sources';
import { ApiError, type ApiErrorCode } from '../../../shared/rpc';
import type { Engine } from '../engine';
import type { Handlers } from '../rpc-dispatch';
import { SecretStoreError } from '../secrets';
import { SourceService, SourceServiceError } from '../sources/service';

const CODE: Record<SourceServiceError['code'], ApiErrorCode> = {
  not_found: 'not_found',
  conflict: 'conflict',
  in_use: 'conflict',
  invalid: 'invalid_params',
  source: 'source',
  secrets: 'secrets',
};

/** Failures a person can act on become typed API errors; anything else stays 'internal'. */
export function sourceApiError(err: unknown): unknown {
  if (err instanceof SourceServiceError) return new ApiError(CODE[err.code], err.message);
  if (err instanceof SecretStoreError) return new ApiError('secrets', err.message);
  return err;
}

async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw sourceApiError(err);
  }
}

/** The source service as the engine's API uses it: changes are announced to the sync engine. */
export function engineSourceService(engine: Engine): SourceService {
  return new SourceService({
    store: engine.store,
    secrets: () => engine.secrets(),
    clock: engine.clock,
    logger: engine.logger,
    onChanged: (info) => engine.events.emit('source.changed', info),
    isRunning: (jobId) => engine.sync?.isRunning(jobId) ?? false,
  });
}

/** List, add, change, test, sample, pause, resume and remove watched folders and database sources. */
export function sourcesHandlers(engine: Engine, service?: SourceService): Pick<Handlers, keyof typeof sourcesMethods> {
  const sources = service ?? engineSourceService(engine);
  return {
    'sources.list': () => sources.list(),
    'sources.files': ({ sourceId, limit }) => guarded(() => sources.files(sourceId, limit)),
    'sources.checkFolder': ({ path }) => guarded(() => sources.checkFolder(path)),
    'sources.testDatabase': ({ limit, ...settings }) => guarded(() => sources.testDatabase(settings, limit)),
    'sources.addFolder': (p) => guarded(() => sources.addFolder(p)),
    'sources.addDatabase': (p) => guarded(() => sources.addDatabase(p)),
    'sources.test': ({ sourceId }) => guarded(() => sources.test(sourceId)),
    'sources.preview': ({ sourceId, limit }) => guarded(() => sources.preview(sourceId, limit)),
    'sources.sample': ({ sourceId, file, limit }) => guarded(() => sources.sample(sourceId, { file, limit })),
    'sources.countRows': ({ sourceId }) => guarded(() => sources.countRows(sourceId)),
    'sources.settings': ({ sourceId }) => guarded(() => sources.settings(sourceId)),
    'sources.update': (p) => guarded(() => sources.update(p)),
    'sources.pause': ({ sourceId }) => guarded(() => sources.pause(sourceId)),
    'sources.resume': ({ sourceId }) => guarded(() => sources.resume(sourceId)),
    'sources.remove': ({ sourceId }) => guarded(() => sources.remove(sourceId)),
  };
}
