import { z } from 'zod';

const none = z.object({}).strict();

/**
 * Where the sandbox tour stands, and which rows are sandbox data (so every page can label them):
 * 'start' nothing yet; 'map' the sample folder is ready and the first file waits for a mapping;
 * 'drop' a mapping is saved and the next month's file can be dropped; 'done' it was dropped.
 */
export const DemoStatus = z.object({
  step: z.enum(['start', 'map', 'drop', 'done']),
  /** The sandbox platform runs in the agent's process at this address. */
  running: z.boolean(),
  url: z.string().nullable(),
  folder: z.string().nullable(),
  connectionId: z.string().nullable(),
  /** The electricity reports source the tour maps first, and its first file. */
  firstSourceId: z.string().nullable(),
  firstFile: z.string().nullable(),
  /** The mapping saved for that source, once there is one. */
  mappingId: z.string().nullable(),
  /** File name of the sample held back for "drop the next sample file". */
  nextFile: z.string().nullable(),
  jobId: z.string().nullable(),
  sandbox: z.object({
    connectionIds: z.array(z.string()),
    sourceIds: z.array(z.string()),
    mappingIds: z.array(z.string()),
    jobIds: z.array(z.string()),
  }),
});
export type DemoStatus = z.infer<typeof DemoStatus>;

/** The first-run sandbox tour: start it, drop the next sample, remove everything it made. */
export const demoMethods = {
  'demo.status': { params: none, result: DemoStatus },
  'demo.start': { params: none, result: DemoStatus },
  'demo.dropNext': {
    params: none,
    result: z.object({ file: z.string(), jobId: z.string(), status: DemoStatus }),
  },
  'demo.remove': {
    params: none,
    result: z.object({
      connections: z.number().int(),
      sources: z.number().int(),
      mappings: z.number().int(),
      jobs: z.number().int(),
      runs: z.number().int(),
      folderRemoved: z.boolean(),
      /** Something left for the person to do by hand (e.g. a keychain entry that could not be deleted). */
      warnings: z.array(z.string()),
    }),
  },
} as const;
