/** What a job is configured with: pure schema shared by the engine, the CLI and the UI. */
import { z } from 'zod';

export const IngestSettings = z.object({
  mirror: z.boolean().default(false),
  maxDeleteShare: z.number().min(0).max(1).default(0.5),
  rejectPolicy: z.enum(['send-valid', 'all-or-nothing']).default('send-valid'),
  /**
   * A value the platform already holds for a metric, site and period this agent did not send (typed
   * on the platform, another tool, or this agent's earlier data folder): replaced with this job's
   * value when true; left, with a row error, when false.
   */
  replaceExisting: z.boolean().default(false),
  batchSize: z.number().int().min(1).max(1000).default(500),
  /** Batches sent at once (the engine's default when absent); 1 for a platform that wants one request at a time. */
  batchesInFlight: z.number().int().min(1).max(8).optional(),
  /** What happens to a file after its run. */
  afterRun: z.enum(['move', 'leave', 'delete']).default('move'),
  /** File-upload platforms (Altruistiq): the datasource the mapped file is uploaded to as a new dataset. */
  datasourceId: z.string().trim().min(1).max(200).regex(/^[^/?#\s]+$/, 'A datasource id is one path segment: no slashes, spaces, ? or #.').optional(),
});
export type IngestSettings = z.infer<typeof IngestSettings>;

/**
 * How a CSV file is laid out for the program that opens it: Excel set to most European languages
 * splits columns at ";" and reads "12,5" as a number, so a comma-separated file with "12.5" opens
 * as one column of text there. Absent: comma-separated with a decimal point.
 */
export const CsvStyle = z.enum(['comma', 'semicolon', 'tab']);
export type CsvStyle = z.infer<typeof CsvStyle>;
export const CSV_STYLES: Record<CsvStyle, { delimiter: string; decimal: '.' | ','; label: string }> = {
  comma: { delimiter: ',', decimal: '.', label: 'Comma, decimal point (Excel in English)' },
  semicolon: { delimiter: ';', decimal: ',', label: 'Semicolon, decimal comma (Excel in most of Europe)' },
  tab: { delimiter: '\t', decimal: '.', label: 'Tab, decimal point' },
};

const EXTENSIONS = { csv: 'csv', xlsx: 'xlsx', json: 'json', ndjson: 'ndjson' } as const;

/**
 * A file name pattern with its extension: `{ext}` is added when the pattern has none, unless it
 * already ends with the format's own (a pattern typed as "latest.csv" writes latest.csv, not latest.csv.csv).
 */
export function patternWithExt(pattern: string, format: keyof typeof EXTENSIONS): string {
  if (pattern.includes('{ext}') || pattern.toLowerCase().endsWith(`.${EXTENSIONS[format]}`)) return pattern;
  return `${pattern}.{ext}`;
}

export const FolderDestination = z.object({
  kind: z.literal('folder'),
  path: z.string().min(1),
  format: z.enum(['csv', 'xlsx', 'json', 'ndjson']).default('csv'),
  fileName: z.string().min(1).default('{dataset}-{yyyy}{mm}{dd}-{hh}{MM}{ss}'),
  /** CSV only. */
  csvStyle: CsvStyle.optional(),
});

export const TableDestination = z.object({
  kind: z.literal('database'),
  database: z.enum(['sqlite', 'postgres', 'mysql']),
  file: z.string().optional(),
  host: z.string().optional(),
  port: z.number().int().optional(),
  name: z.string().optional(),
  user: z.string().optional(),
  /** A table name, or schema.table (PostgreSQL) / database.table (MySQL): up to 63 characters each. */
  table: z.string().min(1).max(127),
  keyColumns: z.array(z.string().min(1)).min(1).default(['id']),
});

export const ExportSettings = z.object({
  dataset: z.string().min(1),
  destination: z.discriminatedUnion('kind', [FolderDestination, TableDestination]),
  nested: z.enum(['json', 'columns']).default('json'),
  /**
   * 'changes': each run writes the rows new or changed since the last export (a file per run;
   * none when nothing changed). 'everything': each run writes the whole dataset, and a file of
   * the same name is replaced, so a fixed name is always the current data.
   */
  contents: z.enum(['changes', 'everything']).default('changes'),
});
export type ExportSettings = z.infer<typeof ExportSettings>;

/**
 * What a scheduled job does about slots passed while the computer was off or asleep: 'default'
 * follows the agent's setting (Settings.catchUp), so a person changes one place for most jobs.
 */
export const JobCatchUp = z.enum(['default', 'run-once', 'skip']);
export type JobCatchUp = z.infer<typeof JobCatchUp>;

export const JobConfig = z.object({
  /** Five- or six-field cron expression; null = only on file arrival or by hand. */
  schedule: z.string().min(1).max(120).nullable().default(null),
  timezone: z.string().min(1).default('UTC'),
  /** Absent in configs saved (or exported) before jobs had their own choice: they follow the agent's. */
  catchUp: JobCatchUp.default('default'),
  onFileArrival: z.boolean().default(true),
  ingest: IngestSettings.optional(),
  export: ExportSettings.optional(),
});
export type JobConfig = z.infer<typeof JobConfig>;
