import type { Engine } from './engine';
import { coreHandlers } from './handlers/core';
import { jobsHandlers } from './handlers/jobs';
import { connectionsHandlers } from './handlers/connections';
import { sourcesHandlers } from './handlers/sources';
import { mappingsHandlers } from './handlers/mappings';
import { appHandlers } from './handlers/app';
import { demoHandlers } from './handlers/demo';
import { configHandlers } from './handlers/config';
import type { Handlers } from './rpc-dispatch';

/**
 * The engine's one door: every method of shared/api, implemented over the engine.
 * Each area's handlers live in handlers/, next to nothing but the engine they call.
 */
export function createEngineApi(engine: Engine): Handlers {
  const handlers: Handlers = {
    ...coreHandlers(engine),
    ...jobsHandlers(engine),
    ...connectionsHandlers(engine),
    ...sourcesHandlers(engine),
    ...mappingsHandlers(engine),
    ...appHandlers(engine),
    ...demoHandlers(engine),
    // Export and import call the handlers above, through a dispatcher, as the UI would.
    ...configHandlers(engine, () => handlers),
  };
  return handlers;
}
