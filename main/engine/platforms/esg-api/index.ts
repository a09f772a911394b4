export {
  createEsgApiAdapter,
  ESG_API_DATASETS,
  ESG_API_OPERATIONS,
  EsgApiAdapterError,
  MAX_BATCH_OPS,
  buildBatchItems,
  type EsgApiAdapter,
  type EsgApiAdapterOptions,
} from './adapter';
