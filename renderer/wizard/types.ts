/**
 * The shapes the wizard receives from the engine, taken from the shared contract (whose zod
 * schemas the client checks every result against), so the wizard cannot drift from the engine.
 */
import type { Params, Result } from '../../shared/api';
import type { ColumnRole as ColumnRoleSchema, MappingSuggestion as MappingSuggestionSchema } from '../../shared/contract/mappings';
import type { z } from 'zod';

export type SuggestResult = Result<'mappings.suggest'>;
export type SampleResult = SuggestResult['sample'];
export type SampleInfo = SampleResult['info'];
export type TopRow = SuggestResult['topRows'][number];
export type ColumnProfile = SuggestResult['profiles'][number];
export type CatalogueResult = Result<'catalogue.get'>;
export type MappingSuggestion = z.infer<typeof MappingSuggestionSchema>;
export type ColumnSuggestion = MappingSuggestion['columns'][number];
export type ColumnRole = z.infer<typeof ColumnRoleSchema>;
export type PreviewResult = Result<'mappings.preview'>;
export type PayloadRow = PreviewResult['payload'][number];
export type PreviewSummary = PreviewResult['summary'];
export type HeldSummary = PreviewResult['held'][number];
export type SavedMapping = Result<'mappings.save'>;
export type LoadedMapping = Result<'mappings.get'>;
export type StoredSample = Result<'mappings.uploadSample'>;
export type DriftReport = Result<'mappings.drift'>;
export type ReadChoice = NonNullable<Params<'mappings.suggest'>['read']>;
