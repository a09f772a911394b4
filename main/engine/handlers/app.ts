import { join } from 'node:path';
import type { appMethods } from '../../../shared/contract/app';
import type { Engine } from '../engine';
import { LOG_FILE_NAME } from '../log';
import type { Handlers } from '../rpc-dispatch';

/** Paths of the running agent (the logs folder); opening them is the desktop shell's job. */
export function appHandlers(engine: Engine): Pick<Handlers, keyof typeof appMethods> {
  return {
    'app.logs': () => ({ dir: engine.logDir, currentFile: join(engine.logDir, LOG_FILE_NAME) }),
  };
}
