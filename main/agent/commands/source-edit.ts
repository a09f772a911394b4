/**
 * `esg-sync source show` and `source edit`: a source's settings (never a password, only whether
 * one is kept), and a change to only what the options name, with the options `add-folder` and
 * `add-database` take. Both go through callEngine, so a running agent applies the change itself
 * (a watched folder is watched anew at once).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_LOCK_TIMEOUT_SECONDS, RECOMMENDED_LOOKBACK_SECONDS, UpdateSourceParams, type DatabaseSettings, type FolderSettings, type SourceSettings } from '../../../shared/contract/sources';
import { splitPatterns } from '../../engine/sources/folder/filters';
import { envVarNameFor } from '../../engine/secrets';
import { passwordAccount } from '../../engine/sources/service';
import type { GlobalContext } from '../context';
import { CliError } from '../exit-codes';
import { callEngine } from '../engine-call';
import {
  databaseOptions,
  databaseValues,
  flagOf,
  folderOptions,
  folderValues,
  parseParams,
  passwordFromStdin,
  sourceLine,
  type DatabaseFlags,
  type FolderFlags,
} from './source-flags';

/** What `--clear` takes, per kind: read options back to detection, optional database settings. */
const CLEARABLE = {
  folder: { encoding: 'encoding', delimiter: 'delimiter', 'header-row': 'headerRow', sheet: 'sheet', pointer: 'pointer', exclude: 'exclude' },
  database: {
    host: 'host',
    port: 'port',
    user: 'user',
    schema: 'schema',
    'watermark-column': 'watermarkColumn',
    'watermark-lookback': 'watermarkLookbackSeconds',
    'watermark-lookback-ids': 'watermarkLookbackIds',
    'lock-timeout': 'lockTimeoutSeconds',
    ssl: 'ssl',
  },
} as const;

const FOLDER_FLAGS = ['path', 'include', 'exclude', 'recursive', 'polling', 'pollIntervalMs', 'stableMs', 'afterRun', 'encoding', 'delimiter', 'headerRow', 'sheet', 'pointer'] as const;
const DATABASE_FLAGS = ['file', 'host', 'port', 'database', 'user', 'schema', 'table', 'query', 'watermarkColumn', 'watermarkLookback', 'watermarkLookbackIds', 'lockTimeout', 'ssl', 'passwordStdin', 'password'] as const;

interface EditOptions extends FolderFlags, DatabaseFlags {
  name?: string;
  clear?: string[];
  path?: string;
  /** false with --no-password; commander's default for a --no- flag is true. */
  password?: boolean;
}

/** The options given on the command line, by their names there. */
function given(o: EditOptions, keys: readonly (keyof EditOptions)[]): string[] {
  return keys.filter((k) => (k === 'password' ? o.password === false : o[k] !== undefined)).map((k) => (k === 'password' ? '--no-password' : flagOf(k)));
}

function clearedOf(kind: 'folder' | 'database', list: string[] | undefined): string[] {
  const names = splitPatterns(list ?? []).flatMap((n) => n.split(','));
  const allowed = CLEARABLE[kind] as Record<string, string>;
  const wrong = names.filter((n) => !(n in allowed));
  if (wrong.length) throw new CliError(`--clear does not take ${wrong.map((w) => `"${w}"`).join(', ')} for a ${kind} source. It takes: ${Object.keys(allowed).join(', ')}.`);
  return names.map((n) => allowed[n]!);
}

/** Cleared settings first, then the values given; a setting both cleared and given is a contradiction. */
function changesOf(cleared: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
  const changes: Record<string, unknown> = { ...cleared };
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    if (k in cleared) throw new CliError(`${flagOf(k)} and --clear ${flagOf(k).slice(2)} contradict each other; give one of them.`);
    changes[k] = v;
  }
  return changes;
}

function folderChangesOf(o: EditOptions, cleared: string[]): Record<string, unknown> {
  const nulls = Object.fromEntries(cleared.map((k) => [k, k === 'exclude' ? [] : null]));
  return changesOf(nulls, { path: o.path === undefined ? undefined : resolve(o.path), ...folderValues(o) });
}

/** --table on a query source reads the table instead (the query goes), --query the reverse (the table and its schema go). */
function databaseChangesOf(o: EditOptions, cleared: string[], now: DatabaseSettings, password: string | undefined): Record<string, unknown> {
  const changes = changesOf(Object.fromEntries(cleared.map((k) => [k, null])), databaseValues(o));
  if (o.query !== undefined) Object.assign(changes, { table: null, ...(now.schema && o.schema === undefined ? { schema: null } : {}) });
  if (o.table !== undefined) changes.query = null;
  if (password !== undefined) changes.password = password;
  if (o.password === false) changes.password = null;
  return changes;
}

const orDetected = (v: string | number | null): string => (v === null ? 'detected' : String(v));

function folderText(f: FolderSettings): string[] {
  const after = { move: 'moved to processed/ or failed/', leave: 'left in the folder', delete: 'deleted after success (kept in failed/ after a failure)' }[f.afterRun];
  return [
    `  path: ${f.path}`,
    `  include: ${f.include.join(', ')}`,
    `  exclude: ${f.exclude.length ? f.exclude.join(', ') : '(nothing)'}`,
    `  sub-folders: ${f.recursive ? 'watched too' : 'not watched'}`,
    `  new files noticed by: ${f.usePolling ? `polling every ${f.pollIntervalMs} ms` : 'file-system events'}`,
    `  a file is taken once unchanged for: ${f.stableMs} ms`,
    `  after its run a file is: ${after}`,
    `  encoding: ${orDetected(f.encoding)}`,
    `  delimiter: ${f.delimiter === '\t' ? 'tab' : orDetected(f.delimiter)}`,
    `  header row: ${orDetected(f.headerRow)}`,
    // Positions are kept from 0 and typed from 1, as `--sheet 1` means the first sheet.
    `  sheet: ${typeof f.sheet === 'number' ? `${f.sheet + 1} (position)` : orDetected(f.sheet)}`,
    `  JSON pointer: ${f.pointer ?? 'detected'}`,
  ];
}

/** Where the agent reads a database source's password: the OS keychain, or (opted in) an environment variable. */
export type PasswordPlace = { kind: 'keychain' } | { kind: 'environment'; variable: string };

function databaseText(d: DatabaseSettings, place: PasswordPlace = { kind: 'keychain' }): string[] {
  const password = d.passwordInKeychain
    ? [place.kind === 'environment' ? `  password: read from the environment variable ${place.variable} (secrets come from the environment on this agent; never shown)` : '  password: kept in the OS keychain (never shown)']
    : [];
  return [
    ...(d.kind === 'sqlite'
      ? [`  file: ${d.file ?? ''}`, ...password]
      : [
          `  host: ${d.host ?? 'localhost'}${d.port ? `:${d.port}` : ''}`,
          `  database: ${d.database ?? ''}`,
          `  user: ${d.user ?? '(none given)'}`,
          ...(password.length ? password : ['  password: none']),
          `  TLS: ${d.ssl ?? 'the driver default'}`,
          lockWaitText(d),
        ]),
    d.table ? `  table: ${d.schema ? `${d.schema}.` : ''}${d.table}` : `  query: ${d.query ?? ''}`,
    `  watermark column: ${d.watermarkColumn ?? '(none: every run reads every row)'}`,
    ...(d.watermarkColumn ? lookbackText(d) : []),
  ];
}

/** How long a read of a PostgreSQL or MySQL source waits for another session's lock (`source show`). */
export function lockWaitText(d: Pick<DatabaseSettings, 'lockTimeoutSeconds'>): string {
  return d.lockTimeoutSeconds === undefined ? `  lock wait: ${DEFAULT_LOCK_TIMEOUT_SECONDS} s (default)` : `  lock wait: ${d.lockTimeoutSeconds} s`;
}

/** What the re-read look-back does, in words (`source show`). */
export function lookbackText(d: Pick<DatabaseSettings, 'watermarkLookbackSeconds' | 'watermarkLookbackIds'>): string[] {
  const seconds = d.watermarkLookbackSeconds ?? 0;
  const ids = d.watermarkLookbackIds ?? 0;
  const days = Math.ceil(seconds / 86400);
  return [
    seconds > 0
      ? `  re-read look-back: ${seconds} s — each run reads from ${seconds} s before the last date-time value seen (a date column: ${days} day${days === 1 ? '' : 's'} before), so a row committed late with an older value is still read; rows read again are found unchanged and not sent twice`
      : `  re-read look-back: off — a row committed after a run with an older value than the last one seen is never read (e.g. a long transaction's now()); --watermark-lookback ${RECOMMENDED_LOOKBACK_SECONDS} re-reads the last ${RECOMMENDED_LOOKBACK_SECONDS} s`,
    ids > 0
      ? `  re-read look-back for a numeric watermark: ${ids} — each run reads from ${ids} below the last value seen (e.g. the last ${ids} ids), so an id committed after a higher one is still read`
      : '  re-read look-back for a numeric watermark: off — an id handed out before a higher one but committed after it is missed; set --watermark-lookback-ids, or use an updated-at column',
  ];
}

/** `source show` in words. */
export function settingsText(s: SourceSettings, place?: PasswordPlace): string {
  const head = `${s.name} (${s.kind === 'folder' ? 'folder' : s.database.kind}, id ${s.sourceId})`;
  return [head, ...(s.kind === 'folder' ? folderText(s.folder) : databaseText(s.database, place))].join('\n');
}

export function registerShowAndEdit(source: Command, ctx: () => GlobalContext): void {
  source
    .command('show <source>')
    .description("one source's settings (a password is never shown; only whether one is kept)")
    .action(async (name: string) => {
      const c = ctx();
      const s = await callEngine(c.dataDir, 'sources.settings', { sourceId: name });
      const secrets = s.kind === 'database' && s.database.passwordInKeychain && !c.out.json ? (await callEngine(c.dataDir, 'engine.status', {})).secretStore : null;
      const place: PasswordPlace = secrets?.kind === 'environment' ? { kind: 'environment', variable: envVarNameFor(passwordAccount(s.sourceId)) } : { kind: 'keychain' };
      c.out.print(s, () => settingsText(s, place));
    });

  const edit = source
    .command('edit <source>')
    .description('change a source in place; only what the options name changes (jobs and mappings keep using it)')
    .option('--name <name>', 'new name')
    .option('--clear <settings...>', `back to detection or unset: ${Object.keys(CLEARABLE.folder).join(', ')} (folder); ${Object.keys(CLEARABLE.database).join(', ')} (database)`)
    .option('--path <path>', 'folder: the new folder to watch');
  folderOptions(edit, 'edit');
  databaseOptions(edit, 'edit')
    .option('--no-password', 'database: connect without a password and delete the kept one from the OS keychain')
    .addHelpText(
      'after',
      [
        '',
        'A database source is tested with the new settings (and the new or kept password) before',
        'anything is saved; when the test fails nothing changes. Reading another file, database,',
        'table, query or watermark column clears the watermarks of its jobs: their next run reads',
        'every row again, and rows already sent are recognised and not sent twice. Changing the',
        're-read look-back or the lock wait keeps the watermarks (--clear watermark-lookback: no',
        `look-back; --clear lock-timeout: the default lock wait of ${DEFAULT_LOCK_TIMEOUT_SECONDS} s).`,
        '',
        'Examples:',
        '  esg-sync source edit Bills --path /mnt/new-share/bills --polling',
        '  esg-sync source edit Bills --clear encoding delimiter',
        '  printf %s "$NEW_PASSWORD" | esg-sync source edit ERP --password-stdin',
        '  esg-sync source edit ERP --query "SELECT site, month, kwh FROM energy_v2" --watermark-column updated_at',
        '  esg-sync source edit ERP --watermark-lookback 600',
        '  esg-sync source edit ERP --lock-timeout 900',
      ].join('\n'),
    )
    .action(async (name: string, o: EditOptions) => {
      const c = ctx();
      const now = await callEngine(c.dataDir, 'sources.settings', { sourceId: name });
      const [mine, theirs] = now.kind === 'folder' ? [FOLDER_FLAGS, DATABASE_FLAGS] : [DATABASE_FLAGS, FOLDER_FLAGS];
      const wrong = given(o, theirs);
      if (wrong.length) {
        throw new CliError(`"${now.name}" is a ${now.kind} source: ${wrong.join(', ')} ${wrong.length === 1 ? 'applies' : 'apply'} to ${now.kind === 'folder' ? 'database' : 'folder'} sources only. See \`esg-sync source edit --help\`.`);
      }
      if (o.name === undefined && !o.clear?.length && given(o, mine).length === 0) {
        throw new CliError(`Nothing to change: name what changes, e.g. --name, ${now.kind === 'folder' ? '--path or --include' : '--table, --host or --password-stdin'}. See \`esg-sync source edit --help\`.`);
      }
      const cleared = clearedOf(now.kind, o.clear);
      if (o.table !== undefined && o.query !== undefined) throw new CliError('Give either --table or --query, not both: a source reads a table or a query.');
      if (o.passwordStdin && o.password === false) throw new CliError('Give either --password-stdin or --no-password, not both.');
      if (now.kind === 'database' && o.file !== undefined && now.database.kind !== 'sqlite') {
        throw new CliError(`--file applies to SQLite sources; "${now.name}" is ${now.database.kind}. Use --host, --port and --database.`);
      }
      // Read only once every option was checked: a mistake must not swallow piped input first.
      const password = now.kind === 'database' ? await passwordFromStdin(o.passwordStdin) : undefined;
      const params = parseParams(UpdateSourceParams, {
        sourceId: now.sourceId,
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(now.kind === 'folder' ? { folder: folderChangesOf(o, cleared) } : { database: databaseChangesOf(o, cleared, now.database, password) }),
      });
      const r = await callEngine(c.dataDir, 'sources.update', params);
      c.out.print(r, () => [`Saved the changes to ${sourceLine(r.source).replace(/^Source /, 'source ')}`, ...r.notes.map((n) => `Note: ${n}`)].join('\n'));
    });
}
