export { profileColumns, unitFromHeader } from './profiler';
export type { ColumnProfile, DetectedUnit, InferredType, ProfileOptions } from './profiler';
export { suggestMapping, rankMetrics, matchEntities, draftProfile } from './suggest';
export type { ColumnRole, ColumnSuggestion, EntityMatch, MappingSuggestion, MetricCandidate, SuggestInput, DraftOptions } from './suggest';
export { previewMapping } from './preview';
export type { PreviewOptions, PreviewResult, PreviewSummary, PayloadRow, HeldSummary } from './preview';
