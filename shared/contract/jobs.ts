import { z } from 'zod';
import { Id, JobInfo, RunSummary } from '../dto';
import { JobConfig } from '../jobs';

/**
 * What a person chooses for a job, the same for adding and editing. A database destination's
 * password is write-only: it goes to the OS keychain and is never sent back.
 */
const JobFields = {
  name: z.string().trim().min(1).max(120),
  type: z.enum(['ingest', 'export']),
  connectionId: Id,
  sourceId: Id.nullable().default(null),
  mappingId: Id.nullable().default(null),
  config: JobConfig,
  databasePassword: z.string().min(1).max(1000).optional(),
  /**
   * Whether saving opens a table destination first, as the job's first run would. Off only where
   * it cannot be checked yet: a configuration import on a new server, whose destination password
   * is entered after the import.
   */
  checkDestination: z.boolean().default(true),
};

/** One job with everything its edit form needs (and nothing secret). */
export const JobDetail = JobInfo.extend({
  config: JobConfig,
  /** Export: the updated-since cursor; database ingest: the watermark. Null = from the beginning. */
  cursor: z.string().nullable(),
  createdAt: z.string(),
  /** Whether a password for the destination database is saved in the keychain. */
  databasePasswordSaved: z.boolean(),
  /** Export: the dataset's name as the platform's users know it. */
  datasetLabel: z.string().nullable(),
});
export type JobDetail = z.infer<typeof JobDetail>;

export const ExportDataset = z.object({
  id: z.string(),
  label: z.string(),
  /** What identifies a row, where the platform says: the key columns a table export should use. */
  keyColumns: z.array(z.string()).nullable().default(null),
  /** The row's columns, where the platform fixes them (null: they vary or nest). */
  columns: z.array(z.string()).nullable().default(null),
});
export type ExportDataset = z.infer<typeof ExportDataset>;

/** Create, edit, schedule, pause and run jobs. */
export const jobsMethods = {
  'jobs.add': {
    params: z.object(JobFields).strict(),
    result: JobInfo,
  },
  'jobs.get': { params: z.object({ jobId: Id }).strict(), result: JobDetail },
  /** Every job with its settings, for the Jobs page (jobs.list is the short form). */
  'jobs.details': { params: z.object({}).strict(), result: z.array(JobDetail) },
  'jobs.update': {
    params: z.object({ jobId: Id, ...JobFields }).strict(),
    result: z.object({
      job: JobInfo,
      /** What the change reset, said in words (e.g. "the export starts again from the beginning"). */
      notes: z.array(z.string()),
    }),
  },
  'jobs.pause': { params: z.object({ jobId: Id }).strict(), result: JobInfo },
  'jobs.resume': { params: z.object({ jobId: Id }).strict(), result: JobInfo },
  'jobs.remove': { params: z.object({ jobId: Id }).strict(), result: z.object({ removed: z.literal(true) }) },
  /**
   * Forgets how far the job has read or exported: a database job's next run reads every row again
   * (values already on the platform are not sent twice), an export's next run exports everything.
   */
  'jobs.startOver': { params: z.object({ jobId: Id }).strict(), result: z.object({ job: JobInfo, note: z.string() }) },
  'jobs.run': {
    params: z.object({ jobId: Id, wait: z.boolean().default(false), confirmDeletes: z.boolean().default(false) }).strict(),
    /**
     * `run`: the run (with wait), the last one where "Run now" took several waiting files;
     * `runs`: every run this call made, in order (empty without wait).
     */
    result: z.object({ queued: z.boolean(), run: RunSummary.nullable(), runs: z.array(RunSummary).default([]) }),
  },
  'jobs.describeSchedule': {
    params: z.object({ schedule: z.string().min(1).max(120), timezone: z.string().min(1).default('UTC') }).strict(),
    result: z.object({ valid: z.boolean(), text: z.string(), next: z.array(z.string()) }),
  },
  /** The datasets an export job can take from a connection's platform. */
  'jobs.datasets': {
    params: z.object({ connectionId: Id }).strict(),
    result: z.array(ExportDataset),
  },
} as const;
