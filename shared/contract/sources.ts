import { z } from 'zod';
import { CellValue } from '../domain';
import { Id, SourceInfo } from '../dto';

/**
 * Watched folders and database sources: add, test, look at the first rows, pause, resume and
 * remove. A database password goes IN through `sources.addDatabase` and never comes out.
 */

const Name = z.string().trim().min(1, 'The source needs a name.').max(100);
const Pattern = z.string().trim().min(1).max(200);

export const AddFolderParams = z
  .object({
    name: Name,
    path: z.string().min(1, 'Give the folder path.').max(4000),
    recursive: z.boolean().default(false),
    include: z.array(Pattern).max(50).default(['*.csv', '*.tsv', '*.txt', '*.xlsx', '*.json', '*.ndjson']),
    exclude: z.array(Pattern).max(50).default([]),
    stableMs: z.number().int().min(100).max(600_000).default(2000),
    usePolling: z.boolean().default(false),
    pollIntervalMs: z.number().int().min(250).max(3_600_000).default(5000),
    encoding: z.string().min(1).max(50).optional(),
    delimiter: z.string().min(1).max(5).optional(),
    headerRow: z.number().int().min(1).max(10_000).optional(),
    sheet: z.union([z.string().min(1).max(200), z.number().int().min(0)]).optional(),
    pointer: z.string().max(1000).optional(),
  })
  .strict();

export const AddDatabaseParams = z
  .object({
    name: Name,
    kind: z.enum(['sqlite', 'postgres', 'mysql']),
    file: z.string().min(1).max(4000).optional(),
    host: z.string().min(1).max(500).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    database: z.string().min(1).max(500).optional(),
    user: z.string().max(500).optional(),
    password: z.string().max(8192).optional(),
    schema: z.string().min(1).max(200).optional(),
    table: z.string().min(1).max(200).optional(),
    query: z.string().min(1).max(100_000).optional(),
    watermarkColumn: z.string().min(1).max(200).optional(),
    ssl: z.enum(['disable', 'require', 'no-verify']).optional(),
  })
  .strict()
  .refine((p) => Boolean(p.table) !== Boolean(p.query), { message: 'Give either a table or a query, not both.', path: ['table'] })
  .refine((p) => (p.kind === 'sqlite' ? Boolean(p.file) : Boolean(p.database)), {
    message: 'SQLite needs a file; PostgreSQL and MySQL need a database name.',
    path: ['kind'],
  });

export const SourceRowDto = z.object({ line: z.number().int(), cells: z.record(z.string(), CellValue) });

export const SampleInfo = z.object({
  format: z.enum(['csv', 'xlsx', 'json', 'ndjson', 'database']),
  encoding: z.string().nullable(),
  delimiter: z.string().nullable(),
  headerRow: z.number().int().nullable(),
  headers: z.array(z.string()),
  warnings: z.array(z.string()),
  sheet: z.string().nullable(),
  sheets: z.array(z.string()).nullable(),
});
export type SampleInfo = z.infer<typeof SampleInfo>;

export const SourceSample = z.object({
  /** Absolute path of the sampled file; null for a database. */
  file: z.string().nullable(),
  info: SampleInfo,
  rows: z.array(SourceRowDto),
  /** True when the source has more rows than returned. */
  truncated: z.boolean(),
});
export type SourceSample = z.infer<typeof SourceSample>;

const BySource = z.object({ sourceId: Id }).strict();

export const sourcesMethods = {
  'sources.addFolder': { params: AddFolderParams, result: SourceInfo },
  'sources.addDatabase': { params: AddDatabaseParams, result: SourceInfo },
  'sources.test': { params: BySource, result: z.object({ ok: z.boolean(), message: z.string() }) },
  'sources.preview': {
    params: z.object({ sourceId: Id, limit: z.number().int().min(1).max(100).default(100) }).strict(),
    result: z.object({ columns: z.array(z.string()), rows: z.array(z.record(z.string(), CellValue)), file: z.string().nullable() }),
  },
  'sources.sample': {
    params: z.object({ sourceId: Id, file: z.string().min(1).max(4000).optional(), limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    result: SourceSample,
  },
  'sources.pause': { params: BySource, result: SourceInfo },
  'sources.resume': { params: BySource, result: SourceInfo },
  'sources.remove': {
    params: BySource,
    result: z.object({ removed: z.string(), secretRemoved: z.boolean(), warning: z.string().nullable() }),
  },
} as const;
