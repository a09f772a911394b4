/**
 * The options `source add-folder`, `source add-database` and `source edit` share: one definition
 * each (same names, same parsing), so an option means the same when a source is added and when
 * it is changed.
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { z } from 'zod';
import { DEFAULT_LOCK_TIMEOUT_SECONDS, RECOMMENDED_LOOKBACK_SECONDS } from '../../../shared/contract/sources';
import type { SourceInfo } from '../../../shared/dto';
import { splitPatterns } from '../../engine/sources/folder/filters';
import { CliError } from '../exit-codes';
import { readSecretFromStdin } from '../stdin-secret';
import { readOptionsOf } from './mapping';

/** Params checked by the same schema the UI's calls are checked by. */
export function parseParams<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new CliError(r.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; '));
  return r.data;
}

export function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new CliError(`${name} takes a whole number, not "${v}".`);
    return n;
  };
}

export async function passwordFromStdin(flag: boolean | undefined): Promise<string | undefined> {
  return flag ? readSecretFromStdin('database password') : undefined;
}

export function sourceLine(s: SourceInfo): string {
  return `Source "${s.name}" (id ${s.id}, ${s.kind}) at ${s.location}.`;
}

/** `--delimiter tab` or `\t` for a tab, as people can type them. */
const delimiterOf = (d: string): string => (d === '\\t' || d === 'tab' ? '\t' : d);
/** An empty text is no value (as `add` has always taken `--encoding ""`). */
const text = (v: string | undefined): string | undefined => (v === '' ? undefined : v);

/** Settings whose option is not their name in kebab case. */
const FLAG_NAMES: Record<string, string> = { watermarkLookbackSeconds: '--watermark-lookback', lockTimeoutSeconds: '--lock-timeout' };

/** `--watermark-column` for `watermarkColumn`, as an option is named on the command line. */
export const flagOf = (key: string): string => FLAG_NAMES[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export interface FolderFlags {
  include?: string[];
  exclude?: string[];
  recursive?: boolean;
  polling?: boolean;
  pollIntervalMs?: number;
  stableMs?: number;
  afterRun?: 'move' | 'leave' | 'delete';
  encoding?: string;
  delimiter?: string;
  headerRow?: number;
  sheet?: string;
  pointer?: string;
}

export interface DatabaseFlags {
  file?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  passwordStdin?: boolean;
  schema?: string;
  table?: string;
  query?: string;
  watermarkColumn?: string;
  /** `--watermark-lookback SECONDS` */
  watermarkLookback?: number;
  watermarkLookbackIds?: number;
  /** `--lock-timeout SECONDS` */
  lockTimeout?: number;
  ssl?: 'disable' | 'require' | 'no-verify';
}

/** On `edit` every option says which kind of source it applies to, and none has a default. */
type Scope = 'add' | 'edit';

export function folderOptions(cmd: Command, scope: Scope): Command {
  const p = scope === 'edit' ? 'folder: ' : '';
  const afterRun = new Option('--after-run <what>', `${p}after a file's run: move it to processed/ or failed/, leave it, or delete it after success`).choices(['move', 'leave', 'delete']);
  cmd
    .option('--include <patterns...>', `${p}file patterns to take, e.g. "*.csv;*.xlsx"${scope === 'add' ? ' (default: all supported types)' : ''}`)
    .option('--exclude <patterns...>', `${p}file patterns to ignore`)
    .option('--recursive', `${p}also watch sub-folders`);
  if (scope === 'edit') cmd.option('--no-recursive', `${p}watch the folder itself only`);
  cmd.option('--polling', `${p}poll instead of file-system events (network drives: SMB/NFS)`);
  if (scope === 'edit') cmd.option('--no-polling', `${p}use file-system events`);
  return cmd
    .option('--poll-interval-ms <ms>', `${p}polling interval`, int('--poll-interval-ms'))
    .option('--stable-ms <ms>', `${p}how long a file must stay unchanged before it is taken`, int('--stable-ms'))
    .addOption(scope === 'add' ? afterRun.default('move') : afterRun)
    .option('--encoding <name>', `${p}text encoding instead of detection (e.g. windows-1252, utf-16le)`)
    .option('--delimiter <char>', `${p}CSV delimiter instead of sniffing ("tab" for a tab)`)
    .option('--header-row <n>', `${p}the 1-based row holding the header`, int('--header-row'))
    .option('--sheet <name>', `${p}workbook sheet: its name, or its position (1 for the first sheet)`)
    .option('--pointer <json-pointer>', `${p}JSON pointer to the array of records`);
}

export function databaseOptions(cmd: Command, scope: Scope): Command {
  const p = scope === 'edit' ? 'database: ' : '';
  return cmd
    .option('--file <path>', `${p}SQLite database file`)
    .option('--host <host>', `${p}server host`)
    .option('--port <port>', `${p}server port`, int('--port'))
    .option('--database <name>', `${p}database name`)
    .option('--user <user>', `${p}user name`)
    .option(
      '--password-stdin',
      scope === 'add' ? 'read the password from standard input (kept in the OS keychain)' : `${p}read a new password from standard input (replaces the kept one once the connection test passes)`,
    )
    .option('--schema <schema>', `${p}schema of the table`)
    .option('--table <table>', scope === 'add' ? 'table or view to read' : `${p}read this table or view (instead of the query)`)
    .option('--query <sql>', scope === 'add' ? 'a read-only SELECT instead of a table' : `${p}read this SELECT (instead of the table and its schema)`)
    .option('--watermark-column <column>', `${p}read incrementally: each run reads the rows from the last value of this column seen on (rows sharing it again, found unchanged)`)
    .option(
      '--watermark-lookback <seconds>',
      `${p}re-read look-back for a date or date-time watermark: each run starts this many seconds before the last value seen (dates: whole days), so a row committed late with an older value is still read; rows read again are found unchanged and not sent twice; 0 turns it off${scope === 'add' ? ` (default with --watermark-column: ${RECOMMENDED_LOOKBACK_SECONDS})` : ''}`,
      int('--watermark-lookback'),
    )
    .option(
      '--watermark-lookback-ids <n>',
      `${p}the same for a numeric watermark (an id from a sequence or auto-increment, which is handed out before its row commits): each run starts this many below the last id seen; 0 turns it off${scope === 'add' ? ' (default: 0)' : ''}`,
      int('--watermark-lookback-ids'),
    )
    .option(
      '--lock-timeout <seconds>',
      `${p}PostgreSQL/MySQL: how long a read waits for a table locked by another session (a nightly batch load, say) before the run gives up and says so; 1 to 86400${scope === 'add' ? ` (default: ${DEFAULT_LOCK_TIMEOUT_SECONDS})` : ''}`,
      int('--lock-timeout'),
    )
    .addOption(new Option('--ssl <mode>', `${p}TLS for PostgreSQL/MySQL`).choices(['disable', 'require', 'no-verify']));
}

/** The folder settings the options give, as the contract names them; undefined where not given. */
export function folderValues(o: FolderFlags): Record<string, unknown> {
  return {
    include: o.include && splitPatterns(o.include),
    exclude: o.exclude && splitPatterns(o.exclude),
    recursive: o.recursive,
    usePolling: o.polling,
    pollIntervalMs: o.pollIntervalMs,
    stableMs: o.stableMs,
    afterRun: o.afterRun,
    encoding: text(o.encoding),
    delimiter: text(o.delimiter) === undefined ? undefined : delimiterOf(o.delimiter!),
    headerRow: o.headerRow,
    // Positions count from 1, as people (and `mapping suggest --sheet`) count sheets.
    sheet: o.sheet === undefined ? undefined : readOptionsOf({ sheet: o.sheet })!.sheet,
    pointer: o.pointer,
  };
}

/** The database settings the options give (never the password), as the contract names them. */
export function databaseValues(o: DatabaseFlags): Record<string, unknown> {
  return {
    file: text(o.file) === undefined ? undefined : resolve(o.file!),
    host: text(o.host),
    port: o.port,
    database: text(o.database),
    user: text(o.user),
    schema: text(o.schema),
    table: text(o.table),
    query: text(o.query),
    watermarkColumn: text(o.watermarkColumn),
    watermarkLookbackSeconds: o.watermarkLookback,
    watermarkLookbackIds: o.watermarkLookbackIds,
    lockTimeoutSeconds: o.lockTimeout,
    ssl: o.ssl,
  };
}

/** Only the values given. */
export function definedOnly(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}
