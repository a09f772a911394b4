import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { JobInfo } from '../../../shared/dto';
import { heldBackWords } from '../../../shared/held-back';
import { CSV_STYLES, CsvStyle, IngestSettings, JobCatchUp, type JobConfig } from '../../../shared/jobs';
import { callEngine } from '../engine-call';
import { finishWithRuns } from '../run-outcome';
import { followRunProgress } from '../run-progress';
import { CliError } from '../exit-codes';
import { table } from '../output';
import { describePause } from './pause';
import type { GlobalContext } from '../context';
import { cliTime } from '../time';

const catchUpOption = () =>
  new Option('--catch-up <what>', "a scheduled run missed while the computer was off or asleep: run-once (when the agent is back), skip, or default (the agent's setting)").choices(JobCatchUp.options);

/** What `job show` says about missed runs; `agent` is the agent's own setting, for a job that follows it. */
function describeCatchUp(catchUp: JobCatchUp, agent: 'run-once' | 'skip' | null): string {
  if (catchUp === 'run-once') return "run once when the agent is back (this job's setting)";
  if (catchUp === 'skip') return "skipped (this job's setting)";
  return `as the agent's setting says${agent ? ` (now: ${agent === 'run-once' ? 'run once' : 'skip'})` : ''}`;
}

/** The HELD column: how many rows wait, and for what (the lines under the table say what to do). */
function heldColumn(j: JobInfo): string {
  const h = j.heldBack;
  if (!h) return '';
  return [h.codes ? `${h.codes} for codes` : '', h.periods ? `${h.periods} for periods` : ''].filter(Boolean).join(', ');
}

/** Why a job's rows are held back, what to do, and the run that lists them: headline first. */
function heldSentences(j: JobInfo): string[] {
  const h = j.heldBack;
  if (!h) return [];
  const w = heldBackWords(h, cliTime);
  return [`${w.headline}.`, ...[w.codes, w.periods, w.rereads].filter((x): x is string => x !== null), `See: esg-sync history show ${h.runId}`];
}

/** Under the table, per held-back job. */
function heldLines(jobs: JobInfo[]): string {
  const held = jobs.filter((j) => j.heldBack);
  if (!held.length) return '';
  return `\n\n${held.map((j) => heldSentences(j).map((x, i) => (i === 0 ? `${j.name}: ${x}` : `  ${x}`)).join('\n')).join('\n')}`;
}

interface EditOptions {
  name?: string;
  schedule?: string;
  clearSchedule?: boolean;
  timezone?: string;
  fileTrigger?: boolean;
  catchUp?: JobCatchUp;
  mirror?: boolean;
  replaceExisting?: boolean;
  allOrNothing?: boolean;
  sendValid?: boolean;
  out?: string;
  format?: string;
  fileName?: string;
  csvStyle?: string;
  table?: string;
  db?: string;
  dbFile?: string;
  dbHost?: string;
  dbPort?: string;
  dbName?: string;
  dbUser?: string;
  dbPasswordStdin?: boolean;
  key?: string;
  everything?: boolean;
  changesOnly?: boolean;
}

const EXPORT_EDIT_OPTIONS = ['out', 'format', 'fileName', 'csvStyle', 'table', 'db', 'dbFile', 'dbHost', 'dbPort', 'dbName', 'dbUser', 'dbPasswordStdin', 'key', 'everything', 'changesOnly'] as const;
const FOLDER_OPTIONS = ['format', 'fileName', 'csvStyle'] as const;
const TABLE_OPTIONS = ['db', 'dbFile', 'dbHost', 'dbPort', 'dbName', 'dbUser', 'key'] as const;
const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

type Destination = NonNullable<JobConfig['export']>['destination'];

/** What identifies the dataset's rows, where the platform says (the default key of a table export). */
async function datasetKeys(dataDir: string, connection: string, dataset: string): Promise<string[] | undefined> {
  return (await callEngine(dataDir, 'jobs.datasets', { connectionId: connection })).find((d) => d.id === dataset)?.keyColumns ?? undefined;
}

/**
 * An export destination from the command's options: a new one (`job add`), or the job's current
 * one with only the named options changed (`job edit`; --out or --table switch its kind, keeping
 * what still applies). Shapes are checked by the engine's contract, whose message names the field.
 */
function exportDestination(o: Record<string, string | boolean | undefined>, current: Destination | null, defaultKeys: string[] | undefined): Record<string, unknown> {
  // Paths are the person's, relative to where they typed the command, not to the agent's folder.
  const str = (k: string) => (typeof o[k] === 'string' ? ((k === 'out' || k === 'dbFile') ? resolve(o[k] as string) : (o[k] as string)) : undefined);
  if (str('table') && str('out')) throw new CliError('Give either --out FOLDER or --table TABLE, not both.');
  const toTable = str('table') !== undefined || (current?.kind === 'database' && str('out') === undefined);
  const misplaced = (toTable ? FOLDER_OPTIONS : TABLE_OPTIONS).find((k) => o[k] !== undefined);
  if (misplaced) throw new CliError(`--${kebab(misplaced)} applies to an export ${toTable ? 'to a folder' : 'to a table'}; this one writes to ${toTable ? 'a table' : 'a folder'}.`);
  if (!toTable) {
    const was = current?.kind === 'folder' ? current : null;
    const format = str('format') ?? was?.format ?? 'csv';
    const csvStyle = str('csvStyle') ?? was?.csvStyle;
    if (csvStyle !== undefined && !CsvStyle.safeParse(csvStyle).success) throw new CliError(`--csv-style is ${CsvStyle.options.join(', ')}; "${csvStyle}" is not one.`);
    if (str('csvStyle') !== undefined && format !== 'csv') throw new CliError(`--csv-style applies to CSV files; this export writes ${format}.`);
    return {
      kind: 'folder',
      path: str('out') ?? was?.path,
      format,
      ...((str('fileName') ?? was?.fileName) ? { fileName: str('fileName') ?? was?.fileName } : {}),
      // Kept while another format is chosen, so switching back to CSV finds it; a run uses it for CSV only.
      ...(csvStyle !== undefined ? { csvStyle } : {}),
    };
  }
  const was = current?.kind === 'database' ? current : null;
  const db = str('db') ?? was?.database ?? 'postgres';
  if (db !== 'postgres' && db !== 'mysql' && db !== 'sqlite') throw new CliError('--db is postgres, mysql or sqlite.');
  const port = str('dbPort');
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new CliError(`--db-port takes a port number; "${port}" is not one.`);
  // An option the chosen database does not use would be dropped without a word.
  const serverOnly = (['dbHost', 'dbPort', 'dbName', 'dbUser'] as const).find((k) => o[k] !== undefined);
  if (db === 'sqlite' && serverOnly) throw new CliError(`--${kebab(serverOnly)} applies to a PostgreSQL or MariaDB/MySQL table; a SQLite table lives in the file given by --db-file.`);
  if (db !== 'sqlite' && o.dbFile !== undefined) throw new CliError(`--db-file applies to a SQLite table; for ${db === 'postgres' ? 'PostgreSQL' : 'MariaDB/MySQL'} give --db-host, --db-name and --db-user.`);
  const sameServer = was?.database === db;
  const name = str('dbName') ?? (sameServer ? was?.name : undefined);
  const user = str('dbUser') ?? (sameServer ? was?.user : undefined);
  if (db !== 'sqlite' && (!name || !user)) {
    const missing = [!name ? '--db-name' : null, !user ? '--db-user' : null].filter(Boolean).join(' and ');
    throw new CliError(`A ${db === 'postgres' ? 'PostgreSQL' : 'MariaDB/MySQL'} table needs ${missing} (and --db-password-stdin if the user has a password).`);
  }
  if (db === 'sqlite' && !(str('dbFile') ?? (sameServer ? was?.file : undefined))) throw new CliError('A SQLite table needs --db-file: the database file to write into.');
  return {
    kind: 'database',
    database: db,
    table: str('table') ?? was?.table,
    keyColumns: str('key') !== undefined ? str('key')!.split(',').map((k) => k.trim()).filter(Boolean) : (was?.keyColumns ?? defaultKeys ?? ['id']),
    ...(db === 'sqlite'
      ? { file: str('dbFile') ?? (sameServer ? was?.file : undefined) }
      : {
          host: str('dbHost') ?? (sameServer ? was?.host : undefined) ?? '127.0.0.1',
          name,
          user,
          ...((port ?? (sameServer ? was?.port : undefined)) !== undefined ? { port: Number(port ?? was?.port) } : {}),
        }),
  };
}

export function registerJob(program: Command, ctx: () => GlobalContext): void {
  const job = program.command('job').description('ingest and export jobs: add, list, show, edit, start-over, pause, resume, remove');

  job
    .command('add <name>')
    .description('add an ingest job (source + mapping → connection) or an export job (connection dataset → folder or database table)')
    .requiredOption('--connection <connection>', 'connection name or id')
    .option('--type <type>', 'ingest or export', 'ingest')
    .option('--source <source>', 'ingest: source name or id')
    .option('--mapping <mapping>', 'ingest: mapping name or id')
    .option('--schedule <cron>', 'cron expression, e.g. "0 6 * * *" (omit for file arrival / manual only)')
    .option('--timezone <tz>', 'time zone of the schedule', Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC')
    .option('--no-file-trigger', 'do not run when a file arrives in the source folder')
    .addOption(catchUpOption())
    .option('--mirror', 'the source holds the full dataset: values removed from it are deleted on the platform')
    .option('--all-or-nothing', 'send nothing from a file that has rejected rows')
    .option('--replace-existing', 'replace values already on the platform that this agent did not send (a move to a new data folder, values typed there)')
    .option('--datasource <id>', 'ingest to Altruistiq: the datasource the files are uploaded into')
    .option('--dataset <dataset>', 'export: platform dataset (e.g. submissions, portfolio-metrics)')
    .option('--out <folder>', 'export: destination folder')
    .option('--format <format>', 'export: csv (the default), xlsx, json or ndjson')
    .option('--file-name <pattern>', 'export: file name pattern, e.g. "{dataset}-{date}"')
    .option('--csv-style <style>', 'export: CSV layout: comma (the default: comma-separated, decimal point), semicolon (semicolon-separated, decimal comma, as Excel in most European languages expects) or tab')
    .option('--everything', 'export: write the whole dataset every run (a file of the same name is replaced), not only rows changed since the last export')
    .option('--table <table>', 'export: destination table (instead of --out)')
    .option('--db <kind>', 'export to a table: postgres (the default), mysql or sqlite')
    .option('--db-file <path>', 'export to a SQLite table: the database file')
    .option('--db-host <host>', 'export to a table: server host (default 127.0.0.1)')
    .option('--db-port <port>', 'export to a table: server port (default 5432 / 3306)')
    .option('--db-name <name>', 'export to a table: database name')
    .option('--db-user <user>', 'export to a table: user')
    .option('--db-password-stdin', 'export to a table: read the database password from standard input (kept in the OS keychain)')
    .option('--key <columns>', "export to a table: key column(s), comma-separated (default: what identifies the dataset's rows, e.g. id)")
    .action(async (name: string, o: Record<string, string | boolean | undefined>) => {
      const { dataDir, out } = ctx();
      const type = o.type === 'export' ? 'export' : o.type === 'ingest' ? 'ingest' : null;
      if (!type) throw new CliError('--type is ingest or export.');
      const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
      let databasePassword: string | undefined;
      let exportConfig: Record<string, unknown> | undefined;
      if (type === 'export') {
        const dataset = str('dataset');
        if (!dataset) throw new CliError('An export job needs --dataset (e.g. submissions).');
        if (!str('table') && !str('out')) throw new CliError('An export job needs a destination: --out FOLDER, or --table TABLE with the --db-* options.');
        // Without --key, a table is keyed as the dataset's rows are identified (the platform says which).
        const keyColumns = str('key') || !str('table') ? undefined : await datasetKeys(dataDir, str('connection')!, dataset);
        const destination = exportDestination(o, null, keyColumns);
        if (o.dbPasswordStdin) databasePassword = await passwordFromStdin();
        exportConfig = { dataset, destination, contents: o.everything ? ('everything' as const) : ('changes' as const) };
      }
      const config = {
        schedule: str('schedule') ?? null,
        timezone: str('timezone'),
        catchUp: str('catchUp'),
        onFileArrival: o.fileTrigger !== false,
        ...(type === 'ingest' ? { ingest: { mirror: Boolean(o.mirror), replaceExisting: Boolean(o.replaceExisting), rejectPolicy: o.allOrNothing ? ('all-or-nothing' as const) : ('send-valid' as const), ...(str('datasource') ? { datasourceId: str('datasource') } : {}) } } : {}),
        ...(exportConfig ? { export: exportConfig } : {}),
      };
      const info = await callEngine(dataDir, 'jobs.add', {
        name,
        type,
        connectionId: str('connection')!,
        sourceId: str('source') ?? null,
        mappingId: str('mapping') ?? null,
        // Shapes are checked by the engine's contract; its message names the field.
        config: config as Parameters<typeof callEngine<'jobs.add'>>[2]['config'],
        ...(databasePassword ? { databasePassword } : {}),
      });
      out.print(info, () => `Added job "${info.name}"${info.scheduleText ? `: ${info.scheduleText}, next run ${cliTime(info.nextRunAt)}` : ''}.`);
    });

  job
    .command('list')
    .description('jobs with their schedule, last and next run')
    .action(async () => {
      const { dataDir, out } = ctx();
      const jobs = await callEngine(dataDir, 'jobs.list', {});
      if (out.json) return out.print(jobs, () => '');
      // One after the other: without an agent, each call opens the store under the agent lock.
      const sources = await callEngine(dataDir, 'sources.list', {});
      const status = await callEngine(dataDir, 'engine.status', {});
      const folders = new Set(sources.filter((s) => s.kind === 'folder').map((s) => s.id));
      // Without a schedule, only a folder's new files start an ingest job; anything else waits for `run`.
      const trigger = (j: (typeof jobs)[number]) => j.scheduleText ?? (j.type === 'ingest' && j.sourceId && folders.has(j.sourceId) ? 'file arrival / manual' : 'manual only');
      const paused = status.pausedUntil ? `\n\n${describePause(status)}` : '';
      // The HELD column only when a job holds rows back: most agents never have one.
      const anyHeld = jobs.some((j) => j.heldBack);
      out.print(jobs, () =>
        jobs.length
          ? table(
              jobs.map((j) => ({ name: j.name, type: j.type, schedule: trigger(j), paused: j.paused ? 'yes' : '', last: j.lastRun ? `#${j.lastRun.id} ${j.lastRun.status}` : 'never', next: j.nextRunAt ? `${cliTime(j.nextRunAt)}${j.nextRunIsRetry ? ' (retry)' : ''}` : '', held: heldColumn(j) })),
              ['name', 'type', 'schedule', 'paused', 'last', 'next', ...(anyHeld ? ['held'] : [])],
            ) +
            heldLines(jobs) +
            paused
          : 'No jobs yet. Add one with `esg-sync job add`.',
      );
    });

  job
    .command('show <job>')
    .description("one job's settings, schedule, cursor, last and next run")
    .action(async (jobId: string) => {
      const { dataDir, out } = ctx();
      const j = await callEngine(dataDir, 'jobs.get', { jobId });
      const c = j.config;
      // Saved without ingest settings (older, or made by hand): the defaults the runs use.
      const ingest = c.ingest ?? (j.type === 'ingest' ? IngestSettings.parse({}) : null);
      const dest = c.export?.destination;
      // The agent's setting is looked up only where the words need it (and not for --json).
      const agentCatchUp = !out.json && c.schedule && c.catchUp === 'default' ? (await callEngine(dataDir, 'settings.get', {})).catchUp : null;
      out.print(j, () =>
        [
          `${j.name} (${j.type}${j.paused ? ', paused' : ''})`,
          `  schedule: ${j.scheduleText ?? 'none'}${j.type === 'ingest' && c.onFileArrival ? '; also when a file arrives' : ''}`,
          `  next run: ${cliTime(j.nextRunAt)}${j.nextRunIsRetry ? ' (an automatic retry: the last scheduled run failed for a reason that may pass)' : ''}`,
          ...(c.schedule || c.catchUp !== 'default' ? [`  missed runs: ${describeCatchUp(c.catchUp, agentCatchUp)}`] : []),
          `  last run: ${j.lastRun ? `#${j.lastRun.id} ${j.lastRun.status.replace(/_/g, ' ')} ${j.lastRun.finishedAt ? cliTime(j.lastRun.finishedAt) : ''}` : 'never'}`,
          ...(ingest
            ? [
                `  ingest: mirror ${ingest.mirror ? `on (stops above ${Math.round(ingest.maxDeleteShare * 100)}% deletes)` : 'off'}, batches of ${ingest.batchSize}`,
                `  a file with rejected rows: ${ingest.rejectPolicy === 'all-or-nothing' ? 'sends nothing (all or nothing)' : 'sends its valid rows'}`,
                `  values on the platform this agent did not send: ${ingest.replaceExisting ? 'replaced' : 'left as they are (a row error says so)'}`,
              ]
            : []),
          ...(c.export
            ? [
                `  export: ${j.datasetLabel ?? c.export.dataset} → ${dest?.kind === 'folder' ? `${dest.format}${dest.format === 'csv' && dest.csvStyle && dest.csvStyle !== 'comma' ? ` (${dest.csvStyle}-separated${CSV_STYLES[dest.csvStyle].decimal === ',' ? ', decimal comma' : ''})` : ''} files in ${dest.path}` : `${dest?.database} table ${dest?.table}`}`,
                `  each run writes: ${c.export.contents === 'everything' ? `everything${dest?.kind === 'folder' ? ' (a file of the same name is replaced)' : ''}` : 'rows new or changed since the last export'}`,
              ]
            : []),
          ...(j.cursor ? [`  cursor: ${j.cursor}`] : []),
          ...heldSentences(j).map((x, i) => (i === 0 ? `  held back: ${x}` : `    ${x}`)),
        ].join('\n'),
      );
    });

  job
    .command('edit <job>')
    .description("change a job's name, schedule, time zone, triggers, missed-run choice, ingest switches or export destination (other settings stay)")
    .option('--name <name>', 'new name')
    .option('--schedule <cron>', 'new cron expression')
    .option('--clear-schedule', 'no schedule: run on file arrival or by hand only')
    .option('--timezone <tz>', 'time zone of the schedule')
    .option('--file-trigger', 'run when a file arrives in the source folder')
    .option('--no-file-trigger', 'do not run when a file arrives')
    .addOption(catchUpOption())
    .option('--mirror', 'values removed from the source are deleted on the platform')
    .option('--no-mirror', 'never delete on the platform')
    .option('--replace-existing', 'replace values already on the platform that this agent did not send')
    .option('--no-replace-existing', 'leave such values, with a row error (the default)')
    .option('--all-or-nothing', 'send nothing from a file that has rejected rows')
    .option('--send-valid', 'send the valid rows of a file that has rejected rows (the default)')
    .option('--out <folder>', 'export: write files to this folder instead')
    .option('--format <format>', 'export to a folder: csv, xlsx, json or ndjson')
    .option('--file-name <pattern>', 'export to a folder: file name pattern, e.g. "{dataset}-{date}"')
    .option('--csv-style <style>', 'export: CSV layout: comma (the default: comma-separated, decimal point), semicolon (semicolon-separated, decimal comma, as Excel in most European languages expects) or tab')
    .option('--table <table>', 'export: write to this table instead (with the --db-* options, or those it has)')
    .option('--db <kind>', 'export to a table: postgres, mysql or sqlite')
    .option('--db-file <path>', 'export to a SQLite table: the database file')
    .option('--db-host <host>', 'export to a table: server host')
    .option('--db-port <port>', 'export to a table: server port')
    .option('--db-name <name>', 'export to a table: database name')
    .option('--db-user <user>', 'export to a table: user')
    .option('--db-password-stdin', 'export to a table: read a new database password from standard input (tested by the next run, kept in the OS keychain)')
    .option('--key <columns>', 'export to a table: key column(s), comma-separated')
    .option('--everything', 'export: write the whole dataset every run')
    .option('--changes-only', 'export: write only the rows new, changed or deleted since the last export')
    .action(async (jobId: string, o: EditOptions) => {
      const { dataDir, out } = ctx();
      if (o.schedule && o.clearSchedule) throw new CliError('Use either --schedule CRON or --clear-schedule, not both.');
      if (o.everything && o.changesOnly) throw new CliError('Use either --everything or --changes-only, not both.');
      if (o.allOrNothing && o.sendValid) throw new CliError('Use either --all-or-nothing or --send-valid, not both.');
      const rejectPolicy = o.allOrNothing ? ('all-or-nothing' as const) : o.sendValid ? ('send-valid' as const) : undefined;
      const j = await callEngine(dataDir, 'jobs.get', { jobId });
      const exportEdit = EXPORT_EDIT_OPTIONS.filter((k) => o[k] !== undefined);
      if (exportEdit.length && j.type !== 'export') throw new CliError(`--${kebab(exportEdit[0]!)} applies to export jobs only.`);
      const current = j.config.export;
      const destinationEdit = exportEdit.filter((k) => k !== 'everything' && k !== 'changesOnly' && k !== 'dbPasswordStdin');
      const exportConfig =
        current && exportEdit.length
          ? {
              ...current,
              ...(destinationEdit.length ? { destination: exportDestination(o as Record<string, string | boolean | undefined>, current.destination, o.table && current.destination.kind !== 'database' && !o.key ? await datasetKeys(dataDir, j.connectionId, current.dataset) : undefined) } : {}),
              ...(o.everything ? { contents: 'everything' as const } : o.changesOnly ? { contents: 'changes' as const } : {}),
            }
          : undefined;
      const databasePassword = o.dbPasswordStdin ? await passwordFromStdin() : undefined;
      const config = {
        ...j.config,
        ...(exportConfig ? { export: exportConfig } : {}),
        ...(o.schedule ? { schedule: o.schedule } : o.clearSchedule ? { schedule: null } : {}),
        ...(o.timezone ? { timezone: o.timezone } : {}),
        ...(o.fileTrigger !== undefined ? { onFileArrival: o.fileTrigger } : {}),
        ...(o.catchUp ? { catchUp: o.catchUp } : {}),
        ...(o.mirror !== undefined || o.replaceExisting !== undefined || rejectPolicy
          ? { ingest: { ...(j.config.ingest ?? {}), ...(o.mirror !== undefined ? { mirror: o.mirror } : {}), ...(o.replaceExisting !== undefined ? { replaceExisting: o.replaceExisting } : {}), ...(rejectPolicy ? { rejectPolicy } : {}) } }
          : {}),
      };
      if (o.mirror !== undefined && j.type !== 'ingest') throw new CliError('--mirror applies to ingest jobs only.');
      if (o.replaceExisting !== undefined && j.type !== 'ingest') throw new CliError('--replace-existing applies to ingest jobs only.');
      if (rejectPolicy && j.type !== 'ingest') throw new CliError(`--${rejectPolicy} applies to ingest jobs only.`);
      const r = await callEngine(dataDir, 'jobs.update', { jobId: j.id, name: o.name ?? j.name, type: j.type, connectionId: j.connectionId, sourceId: j.sourceId, mappingId: j.mappingId, config: config as Parameters<typeof callEngine<'jobs.update'>>[2]['config'], ...(databasePassword ? { databasePassword } : {}) });
      // What the options changed, said back: a switch flipped should not pass unconfirmed.
      const onOff = (v: boolean) => (v ? 'on' : 'off');
      const changed = [
        ...(o.mirror !== undefined ? [`Mirror the source (delete on the platform what is no longer in it): ${onOff(o.mirror)}.`] : []),
        ...(o.replaceExisting !== undefined ? [`Replace values already on the platform that this agent did not send: ${onOff(o.replaceExisting)}.`] : []),
        ...(rejectPolicy ? [rejectPolicy === 'all-or-nothing' ? 'A file with rejected rows sends nothing.' : 'A file with rejected rows sends its valid rows.'] : []),
        ...(o.fileTrigger !== undefined ? [`Run when a file arrives: ${onOff(o.fileTrigger)}.`] : []),
        ...(o.catchUp ? [`Missed scheduled runs: ${o.catchUp === 'default' ? "the agent's setting" : o.catchUp === 'skip' ? 'skipped' : 'run once when the agent is back'}.`] : []),
        ...(o.everything ? ['Each run writes everything.'] : o.changesOnly ? ['Each run writes the rows new or changed since the last export.'] : []),
        ...(databasePassword ? ["The destination database's password was replaced."] : []),
      ];
      out.print(r, () => [`Saved "${r.job.name}"${r.job.scheduleText ? `: ${r.job.scheduleText}, next run ${cliTime(r.job.nextRunAt)}` : ': no schedule'}.`, ...changed, ...r.notes].join('\n'));
    });

  job
    .command('start-over <job>')
    .description('forget how far a database or export job has got: its next run reads every row again (values already on the platform are not sent twice), or exports everything again')
    .action(async (jobId: string) => {
      const { dataDir, out } = ctx();
      const r = await callEngine(dataDir, 'jobs.startOver', { jobId });
      out.print(r, () => r.note);
    });

  for (const [cmd, method, verb] of [
    ['pause', 'jobs.pause', 'Paused'],
    ['resume', 'jobs.resume', 'Resumed'],
  ] as const) {
    job
      .command(`${cmd} <job>`)
      .description(`${cmd} a job's schedule and file trigger`)
      .action(async (jobId: string) => {
        const { dataDir, out } = ctx();
        const info = await callEngine(dataDir, method, { jobId });
        out.print(info, () => `${verb} "${info.name}".`);
      });
  }

  job
    .command('remove <job>')
    .description('remove a job (its history stays)')
    .action(async (jobId: string) => {
      const { dataDir, out } = ctx();
      const r = await callEngine(dataDir, 'jobs.remove', { jobId });
      out.print(r, () => `Removed "${jobId}".`);
    });

  program
    .command('run <job>')
    .description('run one job now and print its summary')
    .option('--wait', 'wait for the run and exit with its outcome (the default)')
    .option('--no-wait', 'hand the run to the running agent and return at once')
    .option('--confirm-deletes', 'allow a mirror run to delete more than the safety limit')
    .option('--no-progress', 'do not print progress while waiting (it goes to standard error)')
    .action(async (jobId: string, o: { wait?: boolean; confirmDeletes?: boolean; progress: boolean }) => {
      const { dataDir, out } = ctx();
      // Waiting is the default with or without an agent, so a script's exit code means the same
      // either way; --no-wait hands the run to the running agent and returns at once.
      const wait = o.wait ?? true;
      const progress = wait && o.progress ? followRunProgress(jobId, { write: (s) => process.stderr.write(s), isTTY: Boolean(process.stderr.isTTY) }) : null;
      const r = await callEngine(dataDir, 'jobs.run', { jobId, wait, confirmDeletes: Boolean(o.confirmDeletes) }, { onEvent: progress?.onEvent }).finally(() => progress?.done());
      if (!r.run) {
        out.print(r, () =>
          r.queued
            ? 'The agent started the run. Follow it with `esg-sync history`, or pass --wait to wait for its summary here.'
            : 'The run was not started (syncs are paused or a run is already waiting).',
        );
        return;
      }
      finishWithRuns(out, r.runs.length ? r.runs : [r.run]);
    });

}

/** A destination database password, from standard input only (never an argument: shell history, process list). */
async function passwordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Database password (end with Enter): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  chunks.forEach((c) => c.fill(0));
  if (!password) throw new CliError('Standard input was empty: no database password was given.');
  return password;
}
