export {
  createEsgApiAdapter,
  ESG_API_DATASETS,
  EXPORT_COLUMNS,
  ESG_API_OPERATIONS,
  EsgApiAdapterError,
  MAX_BATCH_OPS,
  MAX_PAGE_LIMIT,
  buildBatchItems,
  type EsgApiAdapter,
  type EsgApiAdapterOptions,
} from './adapter';
