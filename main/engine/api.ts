import type { Engine } from './engine';
import { coreHandlers } from './handlers/core';
import { jobsHandlers } from './handlers/jobs';
import { connectionsHandlers } from './handlers/connections';
import { sourcesHandlers } from './handlers/sources';
import { mappingsHandlers } from './handlers/mappings';
import { appHandlers } from './handlers/app';
import { demoHandlers } from './handlers/demo';
import type { Handlers } from './rpc-dispatch';

/**
 * The engine's one door: every method of shared/api, implemented over the engine.
 * Each area's handlers live in handlers/, next to nothing but the engine they call.
 */
export function createEngineApi(engine: Engine): Handlers {
  return {
    ...coreHandlers(engine),
    ...jobsHandlers(engine),
    ...connectionsHandlers(engine),
    ...sourcesHandlers(engine),
    ...mappingsHandlers(engine),
    ...appHandlers(engine),
    ...demoHandlers(engine),
  };
}
