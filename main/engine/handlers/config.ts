import type { configMethods } from '../../../shared/contract/config';
import { callThrough, type EngineCall } from '../config-transfer/call';
import { checkConfigFile } from '../config-transfer/check-file';
import { exportConfig } from '../config-transfer/export';
import { importConfig } from '../config-transfer/import';
import { saveConfigFile } from '../config-transfer/save-file';
import type { Engine } from '../engine';
import { createDispatcher, type Handlers } from '../rpc-dispatch';

/**
 * Moving the configuration to another computer (Settings page, `esg-sync config`). Both are made
 * of the engine's own methods, called through a dispatcher over all handlers (`handlers()` is the
 * complete table, read at call time), so what they add is checked exactly as when added by hand.
 */
export function configHandlers(engine: Engine, handlers: () => Handlers): Pick<Handlers, keyof typeof configMethods> {
  let call: EngineCall | null = null;
  const engineCall: EngineCall = (method, params) => {
    call ??= callThrough(createDispatcher(handlers(), engine.logger));
    return call(method, params);
  };
  return {
    'config.export': async ({ path }) => {
      const exported = await exportConfig(engineCall);
      return { ...exported, savedTo: path === undefined ? null : await saveConfigFile(exported.file, path) };
    },
    'config.import': ({ file, dryRun, force, fileName }) =>
      importConfig(engineCall, checkConfigFile(file, fileName), { dryRun, force, dataDir: engine.dataDir }),
  };
}
