import type { ConnectionConfig } from '../types';
import { AltruistiqAdapter, type AltruistiqAdapterOptions } from './adapter';

export { AltruistiqAdapter, ALTRUISTIQ_DATASETS, facilityToEntity, type AltruistiqAdapterOptions, type AltruistiqUploadSession } from './adapter';
export type { PartRef as AltruistiqPartRef } from './schemas';
export { clampPartSize, planParts, MIN_PART_BYTES, MAX_PART_BYTES, DEFAULT_PART_BYTES } from './parts';
export { parseExportFile, ExportFileError, type ExportCompression } from './export-file';
export { paths as altruistiqPaths } from './schemas';

export function createAltruistiqAdapter(config: ConnectionConfig, opts: AltruistiqAdapterOptions = {}): AltruistiqAdapter {
  return new AltruistiqAdapter(config, opts);
}
