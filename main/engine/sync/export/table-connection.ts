/**
 * The database connection of a job's table destination, as its runs open it and as the job form's
 * check opens it before saving: one construction, so the check cannot test another server than
 * the one the runs write to.
 */
import type { z } from 'zod';
import type { TableDestination } from '../../../../shared/jobs';
import type { TableConnection } from './writers';

export function tableConnection(d: z.output<typeof TableDestination>, password: string | undefined): TableConnection {
  if (d.database === 'sqlite') return { kind: 'sqlite', file: d.file ?? '' };
  return { kind: d.database, host: d.host ?? '127.0.0.1', port: d.port ?? (d.database === 'postgres' ? 5432 : 3306), database: d.name ?? '', user: d.user ?? '', password };
}

/** Keychain account of an export job's destination database password. */
export const tablePasswordAccount = (jobId: string) => `job:${jobId}:database`;
