import type { ConnectionConfig } from '../types';
import { PactAdapter, type PactAdapterOptions } from './adapter';

export { PactAdapter, PACT_DATASETS, type InvalidFootprint, type PactAdapterOptions } from './adapter';
export { ProductFootprint, CarbonFootprint, validateFootprint } from './schema';

export function createPactAdapter(config: ConnectionConfig, opts: PactAdapterOptions = {}): PactAdapter {
  return new PactAdapter(config, opts);
}
