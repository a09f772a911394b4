import type { ConnectionConfig } from '../types';
import { PactAdapter, type PactAdapterOptions } from './adapter';

export { PactAdapter, PACT_DATASETS, footprintHash, type FootprintMemory, type InvalidFootprint, type PactAdapterOptions, type PactExportOptions } from './adapter';
export { ProductFootprint, CarbonFootprint, validateFootprint, splitValidationError } from './schema';

export function createPactAdapter(config: ConnectionConfig, opts: PactAdapterOptions = {}): PactAdapter {
  return new PactAdapter(config, opts);
}
