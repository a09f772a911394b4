import { z } from 'zod';
import type { Logger } from 'pino';
import type { SourceRow } from '../../../../shared/domain';

export const DatabaseKind = z.enum(['sqlite', 'postgres', 'mysql']);
export type DatabaseKind = z.infer<typeof DatabaseKind>;

/** A source: a table/view or one read-only SELECT, optionally incremental by a watermark column. */
export const DatabaseSourceConfig = z
  .object({
    kind: DatabaseKind,
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    database: z.string().min(1).optional(),
    user: z.string().optional(),
    /** Passed in by the caller (from the keychain); never stored with the config. */
    password: z.string().optional(),
    /** SQLite file path. */
    file: z.string().min(1).optional(),
    schema: z.string().min(1).optional(),
    table: z.string().min(1).optional(),
    query: z.string().min(1).optional(),
    watermarkColumn: z.string().min(1).optional(),
    /**
     * Re-read look-back (see lookback.ts): each run reads from the saved watermark minus this many
     * seconds (date and date-time values; dates in whole days, rounded up). Unset or 0: off.
     */
    watermarkLookbackSeconds: z.number().int().min(0).optional(),
    /** The same for a numeric watermark (ids), in the column's own unit. Unset or 0: off. */
    watermarkLookbackIds: z.number().int().min(0).optional(),
    /** TLS for PostgreSQL/MySQL: 'disable' | 'require' (verify CA) | 'no-verify'. */
    ssl: z.enum(['disable', 'require', 'no-verify']).optional(),
    connectTimeoutMs: z.number().int().positive().optional(),
    /**
     * PostgreSQL and MySQL/MariaDB: how many seconds a read waits for a lock another session holds
     * on what it reads (LOCK TABLE(S), an ALTER TABLE or TRUNCATE, or one queued behind a long
     * transaction) before the run fails with LOCK_TIMEOUT. Unset: DEFAULT_LOCK_TIMEOUT_SECONDS.
     */
    lockTimeoutSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .refine((c) => Boolean(c.table) !== Boolean(c.query), { message: 'Give a table or a query: exactly one of the two.' })
  .refine((c) => (c.kind === 'sqlite' ? Boolean(c.file) : Boolean(c.database)), { message: 'SQLite needs a file; PostgreSQL and MySQL need a database name.' });
export type DatabaseSourceConfig = z.infer<typeof DatabaseSourceConfig>;

/**
 * A read waits this long for a lock before it gives up: long enough to ride out the short locks
 * of everyday work (a quick ALTER TABLE, a batch load that locks the table for a few seconds),
 * short enough that a run blocked by a lock nobody releases fails within a minute with a clear
 * message instead of showing "running" for hours (MySQL/MariaDB's own default waits a day or a
 * year for a metadata lock, PostgreSQL's forever).
 */
// One number for the engine, the contract's messages and the forms.
export { DEFAULT_LOCK_TIMEOUT_SECONDS } from '../../../../shared/contract/sources';

/**
 * TCP keepalive on database connections: the first probe after this long without traffic, so a
 * server or network that dies mid-read is noticed (after the OS's probes fail) instead of waited
 * for forever; it also keeps firewalls and NAT from dropping a connection idle between fetches.
 */
export const DATABASE_KEEPALIVE_DELAY_MS = 10_000;

/**
 * A row from a database; `watermark` is the row's watermark value as text (null without one) —
 * except for a row read again by the look-back (its value is below the saved watermark), which
 * reports the saved watermark: `watermark` is where the run's watermark may advance to once the
 * row is recorded, and the look-back never moves it back.
 */
export interface DatabaseRow extends SourceRow {
  watermark: string | null;
}

export interface DatabaseTestResult {
  ok: boolean;
  /** Server version on success, the reason on failure — phrased for a person. */
  message: string;
  code?: string;
}

export interface DatabasePreview {
  columns: string[];
  rows: DatabaseRow[];
}

export interface DatabaseReadOptions {
  /**
   * The saved watermark (as stored by the caller): rows from it on, inclusive — from it minus the
   * source's look-back when one is set.
   */
  afterWatermark?: string | null;
  /** Rows fetched per round trip. Default 1000. */
  batchSize?: number;
}

export interface DatabaseSource {
  readonly kind: DatabaseKind;
  test(): Promise<DatabaseTestResult>;
  preview(limit?: number): Promise<DatabasePreview>;
  count(opts?: { afterWatermark?: string | null }): Promise<number>;
  /** Streams rows ordered by the watermark column (when set), with bounded memory. */
  read(opts?: DatabaseReadOptions): AsyncIterable<DatabaseRow>;
  /** Largest watermark value in the source, as text; null when empty or no watermark column. */
  newestWatermark(): Promise<string | null>;
  /**
   * The columns that name one row of a table source, from the database's catalogue: its primary
   * key, else its shortest unique key (whole columns, no partial index). Null for a query, a view,
   * or a table with neither; row errors then name rows otherwise (shared/mapping/row-key.ts).
   */
  keyColumns(): Promise<string[] | null>;
  close(): Promise<void>;
}

/** The primary key when there is one, else the unique key of fewest columns; null for none. */
export function pickRowKey(keys: readonly { columns: string[]; primary: boolean }[]): string[] | null {
  const whole = keys.filter((k) => k.columns.length > 0);
  const primary = whole.find((k) => k.primary);
  if (primary) return primary.columns;
  return [...whole].sort((a, b) => a.columns.length - b.columns.length)[0]?.columns ?? null;
}

export interface DatabaseSourceDeps {
  logger?: Logger;
}

/**
 * Where a source's watermark is kept between runs. The sync engine advances it only after a
 * run's rows are recorded; the store backs it with SQLite.
 */
export interface WatermarkStore {
  get(sourceId: string): Promise<string | null> | string | null;
  set(sourceId: string, watermark: string): Promise<void> | void;
}

export class InMemoryWatermarkStore implements WatermarkStore {
  private readonly values = new Map<string, string>();
  get(sourceId: string): string | null {
    return this.values.get(sourceId) ?? null;
  }
  set(sourceId: string, watermark: string): void {
    this.values.set(sourceId, watermark);
  }
}
