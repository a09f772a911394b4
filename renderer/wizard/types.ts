/**
 * The shapes the wizard receives from the engine's sources/catalogue/mappings methods, as the
 * renderer sees them. Kept here so the wizard's components depend on one small module.
 */
import type { Entity, Metric, PlatformRecord, RowError, SourceRow } from '../../shared/domain';
import type { MappingProfileInput } from '../../shared/mapping/profile';

export interface SampleInfo {
  format: string;
  encoding: string | null;
  delimiter: string | null;
  headerRow: number | null;
  headers: string[];
  warnings: string[];
  sheet: string | null;
  sheets: string[];
}

export interface SampleResult {
  file: string | null;
  info: SampleInfo;
  rows: SourceRow[];
}

export interface CatalogueResult {
  metrics: Metric[];
  entities: Entity[];
}

export type ColumnRole =
  | 'value'
  | 'metric'
  | 'entity'
  | 'period'
  | 'period-start'
  | 'period-end'
  | 'year'
  | 'month'
  | 'unit'
  | 'comment'
  | 'evidence'
  | 'ignore';

export interface ColumnSuggestion {
  column: string;
  role: ColumnRole;
  metricId?: string;
  confidence: number;
  reason: string;
  alternatives: Array<{ metricId: string; confidence: number; reason: string }>;
  period?: { kind: 'fixed'; start: string; end: string } | { kind: 'month'; month: number };
  unit?: string;
}

export interface MappingSuggestion {
  shape: 'long' | 'wide';
  wideKind: 'per-metric' | 'per-period' | null;
  columns: ColumnSuggestion[];
  entityValueMap: Array<{ local: string; entityId: string | null; confidence: number; reason: string }>;
  metricValueMap: Array<{ local: string; metricId: string | null; confidence: number; reason: string }>;
  warnings: string[];
}

export interface SuggestResult {
  sample: SampleResult;
  suggestion: MappingSuggestion;
  draft: MappingProfileInput;
}

export interface PayloadRow {
  line: number;
  column: string;
  naturalKey: string;
  hash: string;
  record: PlatformRecord;
}

export interface PreviewSummary {
  rowsIn: number;
  recordsOut: number;
  rejected: number;
  rejectedRows?: number;
  skippedRows?: number;
  heldRows?: number;
  metricsTouched: string[];
  periodRange: { start: string; end: string } | null;
}

export interface HeldSummary {
  kind: string;
  column: string;
  value: string;
  firstLine: number;
  rows: number;
}

export interface PreviewResult {
  payload: PayloadRow[];
  rejected: RowError[];
  held: HeldSummary[];
  summary: PreviewSummary;
}

export interface SavedMapping {
  id: string;
  name: string;
  version: number;
}
