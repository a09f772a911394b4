import { z } from 'zod';

/** Where this agent keeps things on disk, for "Open logs folder" and support requests. */
export const appMethods = {
  'app.logs': {
    params: z.object({}).strict(),
    result: z.object({
      /** The folder holding agent.log and its rotated predecessors. */
      dir: z.string(),
      /** The file being written now. */
      currentFile: z.string(),
    }),
  },
} as const;
