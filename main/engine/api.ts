import type { Engine } from './engine';
import { coreHandlers } from './handlers/core';
import type { Handlers } from './rpc-dispatch';

/**
 * The engine's one door: every method of shared/api, implemented over the engine.
 * Each area's handlers live in handlers/, next to nothing but the engine they call.
 */
export function createEngineApi(engine: Engine): Handlers {
  return {
    ...coreHandlers(engine),
  };
}
