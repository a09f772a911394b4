import type { mappingsMethods } from '../../../shared/contract/mappings';
import { ApiError } from '../../../shared/rpc';
import { ConnectionError, ConnectionService } from '../connections';
import type { Engine } from '../engine';
import { MappingService, MappingServiceError } from '../mapping/service';
import { PlatformError } from '../platforms/errors';
import type { Handlers } from '../rpc-dispatch';
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
  const mappings =
    service ??
    new MappingService({
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
    'mappings.suggest': ({ sourceId, connectionId, file }) => guarded(() => mappings.suggest({ sourceId, connectionId, file })),
    'mappings.preview': ({ profile, sourceId, file, limit }) => guarded(() => mappings.preview({ profile, sourceId, file, limit })),
    'mappings.save': ({ profile, id }) => guarded(() => mappings.save({ profile, id })),
    'mappings.get': ({ mappingId }) => guarded(() => mappings.get(mappingId)),
    'mappings.remove': ({ mappingId }) => guarded(() => mappings.remove(mappingId)),
  };
}
