import type { demoMethods } from '../../../shared/contract/demo';
import { DemoService } from '../demo';
import type { Engine } from '../engine';
import type { Handlers } from '../rpc-dispatch';

/** The first-run sandbox tour. */
export function demoHandlers(engine: Engine): Pick<Handlers, keyof typeof demoMethods> {
  const demo = new DemoService(engine);
  return {
    'demo.status': () => demo.status(),
    'demo.start': () => demo.start(),
    'demo.dropNext': () => demo.dropNext(),
    'demo.remove': () => demo.remove(),
  };
}
