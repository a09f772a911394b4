/** Export path (DESIGN.md "The data path"): platform adapter → writer, incremental by cursor. */
export { runExport, isLater, type RunExportOptions, type ExportResult, type ExportProgress } from './runner';
export { flattenRow, HeaderPlanner, EXTRA_COLUMN, type FlatRow, type FlatValue, type FlattenOptions } from './flatten';
export { expandFilePattern, validateFilePattern, DEFAULT_FILE_PATTERN, type FileNameValues } from './file-name';
export { ExportError, type ExportErrorCode } from './errors';
export * from './writers';
