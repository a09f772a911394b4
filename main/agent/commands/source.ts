import { basename, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { SourceInfo } from '../../../shared/dto';
import { AddDatabaseParams, AddFolderParams, RECOMMENDED_LOOKBACK_SECONDS } from '../../../shared/contract/sources';
import type { GlobalContext } from '../context';
import { cliTime } from '../time';
import { CliError, EXIT } from '../exit-codes';
import { callEngine } from '../engine-call';
import { table } from '../output';
import { registerShowAndEdit } from './source-edit';
import {
  databaseOptions,
  databaseValues,
  definedOnly,
  folderOptions,
  folderValues,
  int,
  parseParams,
  passwordFromStdin,
  sourceLine,
  type DatabaseFlags,
  type FolderFlags,
} from './source-flags';

/** `scheduled`: the names of jobs that run on a schedule (a database is read only by them, or by Run now). */
function statusText(s: SourceInfo, scheduled: ReadonlySet<string>): string {
  if (s.paused) return 'paused';
  if (s.kind === 'database') {
    if (!s.usedByJobs?.length) return 'not used by a job';
    return s.usedByJobs.some((name) => scheduled.has(name)) ? 'polled by schedule' : 'read on Run now only (no job has a schedule)';
  }
  if (s.status === 'watching' && s.folder?.usePolling) return `polling every ${s.folder.pollIntervalMs / 1000} s`;
  if (s.status === 'idle' && !s.usedByJobs?.length) return 'not watched (no job)';
  return s.statusMessage ? `${s.status}: ${s.statusMessage}` : s.status;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v).replace(/\s+/g, ' ');
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

/**
 * `esg-sync source add-folder|add-database|list|show|edit|files|test|preview|pause|resume|remove`: each through
 * callEngine, so a running agent applies the change at once (watchers re-armed, paused folders let go).
 */
export function registerSource(program: Command, ctx: () => GlobalContext): void {
  const source = program.command('source').description('add, list, show, change, test, preview or remove watched folders and database sources');

  folderOptions(source.command('add-folder <name> <path>').description('watch a folder for files (CSV, TSV, TXT, XLSX, JSON, NDJSON)'), 'add').action(
    async (name: string, path: string, o: FolderFlags) => {
      const params = parseParams(AddFolderParams, { name, path: resolve(path), ...definedOnly(folderValues(o)) });
      const c = ctx();
      // Through the engine: a running agent learns of the folder at once.
      const s = await callEngine(c.dataDir, 'sources.addFolder', params);
      c.out.print(s, () => `${sourceLine(s)}\nIt is watched while a job takes files from it (\`esg-sync job add ... --source ${s.id}\`).`);
    },
  );

  databaseOptions(
    source
      .command('add-database <name>')
      .description('read a table, view or SELECT from SQLite, PostgreSQL or MySQL/MariaDB (tested before saving)')
      .addOption(new Option('--kind <kind>', 'database kind').choices(['sqlite', 'postgres', 'mysql']).makeOptionMandatory()),
    'add',
  ).action(async (name: string, o: DatabaseFlags & { kind: 'sqlite' | 'postgres' | 'mysql' }) => {
    // A watermark column comes with the recommended re-read look-back unless one is given.
    const lookback = o.watermarkLookback === undefined && o.watermarkColumn ? { watermarkLookbackSeconds: RECOMMENDED_LOOKBACK_SECONDS } : {};
    const password = await passwordFromStdin(o.passwordStdin);
    const params = parseParams(AddDatabaseParams, { name, kind: o.kind, ...lookback, ...definedOnly(databaseValues(o)), ...(password ? { password } : {}) });
    const c = ctx();
    const s = await callEngine(c.dataDir, 'sources.addDatabase', params);
    c.out.print(s, () => `${sourceLine(s)}${password ? ' Its password is in the OS keychain.' : ''}`);
  });

  registerShowAndEdit(source, ctx);

  source
    .command('list')
    .description('list sources with their status, last file or watermark, files seen and rows counted')
    .action(async () => {
      const c = ctx();
      const list = await callEngine(c.dataDir, 'sources.list', {});
      const scheduled = new Set(list.some((s) => s.kind === 'database') ? (await callEngine(c.dataDir, 'jobs.list', {})).filter((j) => j.schedule).map((j) => j.name) : []);
      c.out.print(list, () =>
        list.length
          ? table(
              list.map((s) => ({
                id: s.id,
                name: s.name,
                kind: s.kind === 'folder' ? 'folder' : (s.database?.kind ?? 'database'),
                location: s.location,
                status: statusText(s, scheduled),
                'last file': s.lastFile ? basename(s.lastFile) : '',
                watermark: s.database?.watermarkColumn ? `${s.database.watermarkColumn} = ${s.lastWatermark ?? '(nothing read yet)'}` : '',
                files: s.kind === 'folder' ? (s.filesSeen ?? 0) : '',
                waiting: s.kind === 'folder' ? s.filesWaiting : '',
                rows: rowCountText(s, new Date()),
              })),
              ['id', 'name', 'kind', 'location', 'status', 'last file', 'watermark', 'files', 'waiting', 'rows'],
            )
          : 'No sources yet. Add one with `esg-sync source add-folder NAME PATH` or `esg-sync source add-database NAME --kind ...`.',
      );
    });

  source
    .command('files <source>')
    .description('the files a watched folder has seen, newest first: content hash, outcome and run')
    .option('--limit <n>', 'files to show (1-500)', int('--limit'), 20)
    .action(async (name: string, o: { limit: number }) => {
      if (o.limit < 1 || o.limit > 500) throw new CliError('--limit takes a whole number from 1 to 500.');
      const c = ctx();
      const r = await callEngine(c.dataDir, 'sources.files', { sourceId: name, limit: o.limit });
      c.out.print(r, () =>
        r.files.length
          ? [
              table(
                r.files.map((f) => ({
                  file: f.name,
                  hash: f.sha256.slice(0, 12),
                  size: f.size,
                  seen: cliTime(f.seenAt),
                  status: f.duplicateOf ? `duplicate of ${basename(f.duplicateOf)}` : f.status,
                  run: f.runId ?? '',
                })),
                ['file', 'hash', 'size', 'seen', 'status', 'run'],
              ),
              r.total > r.files.length ? `(newest ${r.files.length} of ${r.total}; see more with --limit)` : '',
            ]
              .filter(Boolean)
              .join('\n')
          : 'No files yet. Files are listed once a job watching the folder has taken them.',
      );
    });

  source
    .command('count <source>')
    .description("count a database source's rows now (one COUNT query); list shows the count with its time")
    .action(async (name: string) => {
      const c = ctx();
      const s = await callEngine(c.dataDir, 'sources.countRows', { sourceId: name });
      c.out.print(s, () => `"${s.name}" has ${(s.rowCount ?? 0).toLocaleString('en-US')} row${s.rowCount === 1 ? '' : 's'}.`);
    });

  source
    .command('test <source>')
    .description('check that the folder is readable or the database answers')
    .action(async (name: string) => {
      const c = ctx();
      const r = await callEngine(c.dataDir, 'sources.test', { sourceId: name });
      c.out.print(r, () => (r.ok ? `OK: ${r.message}` : `Failed: ${r.message}`));
      if (!r.ok) throw new CliError(r.message, EXIT.usage);
    });

  source
    .command('preview <source>')
    .description("the first rows: a database's, or the newest file's in a folder")
    .option('--limit <n>', 'rows to show (1-100)', int('--limit'), 20)
    .option('--file <path>', 'a file inside the folder instead of the newest')
    .action(async (name: string, o: { limit: number; file?: string }) => {
      if (o.limit < 1 || o.limit > 100) throw new CliError('--limit takes a whole number from 1 to 100.');
      const c = ctx();
      const s = await callEngine(c.dataDir, 'sources.sample', { sourceId: name, limit: o.limit, ...(o.file ? { file: resolve(o.file) } : {}) });
      const columns = s.info.headers;
      c.out.print({ file: s.file, info: s.info, columns, rows: s.rows.map((r) => r.cells) }, () =>
        [
          s.file ? `File: ${s.file} (${s.info.format}${s.info.encoding ? `, ${s.info.encoding}` : ''})` : '',
          ...s.info.warnings.map((w) => `Note: ${w}`),
          s.rows.length
            ? table(
                s.rows.map((r) => Object.fromEntries(columns.map((h) => [h, cellText(r.cells[h])]))),
                columns,
              )
            : 'No rows.',
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });

  for (const [verb, doc] of [
    ['pause', 'stop taking files or rows from the source until resumed'],
    ['resume', 'take files or rows from the source again'],
  ] as const) {
    source
      .command(`${verb} <source>`)
      .description(doc)
      .action(async (name: string) => {
        const c = ctx();
        // Through the engine, so a running agent stops or re-arms the folder's watcher at once.
        const s = await callEngine(c.dataDir, verb === 'pause' ? 'sources.pause' : 'sources.resume', { sourceId: name });
        c.out.print(s, () => `Source "${s.name}" ${verb === 'pause' ? 'paused: no files or rows are taken until it is resumed' : 'resumed'}.`);
      });
  }

  source
    .command('remove <source>')
    .description('remove a source (refused while a job uses it) and its keychain password')
    .action(async (name: string) => {
      const c = ctx();
      const r = await callEngine(c.dataDir, 'sources.remove', { sourceId: name });
      c.out.print(r, () => [`Removed the source "${r.removed}"${r.secretRemoved ? ' and its password in the keychain' : ''}.`, r.warning ?? ''].filter(Boolean).join('\n'));
    });
}

/**
 * "12,345 (counted 5 min ago)" for a database source; counted on test, preview, run or
 * `source count`, never by `list` itself.
 */
function rowCountText(s: SourceInfo, now: Date): string {
  if (s.kind !== 'database') return '';
  if (s.rowCount === null || s.rowCount === undefined) return '(not counted yet)';
  if (!s.rowCountAt) return s.rowCount.toLocaleString('en-US');
  const min = Math.max(0, Math.floor((now.getTime() - Date.parse(s.rowCountAt)) / 60_000));
  const ago = min < 1 ? 'just now' : min < 60 ? `${min} min ago` : min < 48 * 60 ? `${Math.floor(min / 60)} h ago` : `${Math.floor(min / 1440)} days ago`;
  return `${s.rowCount.toLocaleString('en-US')} (counted ${ago})`;
}
