import { z } from 'zod';
import { Id, JobInfo, RunSummary } from '../dto';
import { JobConfig } from '../jobs';

/** Create, schedule, pause and run jobs. */
export const jobsMethods = {
  'jobs.add': {
    params: z
      .object({
        name: z.string().trim().min(1).max(120),
        type: z.enum(['ingest', 'export']),
        connectionId: Id,
        sourceId: Id.nullable().default(null),
        mappingId: Id.nullable().default(null),
        config: JobConfig,
      })
      .strict(),
    result: JobInfo,
  },
  'jobs.pause': { params: z.object({ jobId: Id }).strict(), result: JobInfo },
  'jobs.resume': { params: z.object({ jobId: Id }).strict(), result: JobInfo },
  'jobs.remove': { params: z.object({ jobId: Id }).strict(), result: z.object({ removed: z.literal(true) }) },
  'jobs.run': {
    params: z.object({ jobId: Id, wait: z.boolean().default(false), confirmDeletes: z.boolean().default(false) }).strict(),
    result: z.object({ queued: z.boolean(), run: RunSummary.nullable() }),
  },
  'jobs.describeSchedule': {
    params: z.object({ schedule: z.string().min(1).max(120), timezone: z.string().min(1).default('UTC') }).strict(),
    result: z.object({ valid: z.boolean(), text: z.string(), next: z.array(z.string()) }),
  },
} as const;
