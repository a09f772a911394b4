import type { Output } from './output';

export interface GlobalContext {
  dataDir: string;
  out: Output;
}
