import type { Command } from 'commander';
import type { RunSummary } from '../../../shared/api';
import { callEngine } from '../engine-call';
import { CliError, EXIT } from '../exit-codes';
import { table } from '../output';
import type { GlobalContext } from '../context';


export function registerJob(program: Command, ctx: () => GlobalContext): void {
  const job = program.command('job').description('ingest and export jobs: add, list, pause, resume, remove');

  job
    .command('add <name>')
    .description('add an ingest job (source + mapping → connection) or an export job (connection dataset → folder)')
    .requiredOption('--connection <connection>', 'connection name or id')
    .option('--type <type>', 'ingest or export', 'ingest')
    .option('--source <source>', 'ingest: source name or id')
    .option('--mapping <mapping>', 'ingest: mapping name or id')
    .option('--schedule <cron>', 'cron expression, e.g. "0 6 * * *" (omit for file arrival / manual only)')
    .option('--timezone <tz>', 'time zone of the schedule', Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC')
    .option('--no-file-trigger', 'do not run when a file arrives in the source folder')
    .option('--mirror', 'the source holds the full dataset: values removed from it are deleted on the platform')
    .option('--all-or-nothing', 'send nothing from a file that has rejected rows')
    .option('--dataset <dataset>', 'export: platform dataset (e.g. submissions, portfolio-metrics)')
    .option('--out <folder>', 'export: destination folder')
    .option('--format <format>', 'export: csv, xlsx, json or ndjson', 'csv')
    .action(async (name: string, o: Record<string, string | boolean | string[] | undefined>) => {
      const { dataDir, out } = ctx();
      const type = o.type === 'export' ? 'export' : o.type === 'ingest' ? 'ingest' : null;
      if (!type) throw new CliError('--type is ingest or export.');
      const config = {
        schedule: (o.schedule as string | undefined) ?? null,
        timezone: o.timezone as string,
        onFileArrival: o.fileTrigger !== false,
        ...(type === 'ingest' ? { ingest: { mirror: Boolean(o.mirror), rejectPolicy: o.allOrNothing ? ('all-or-nothing' as const) : ('send-valid' as const) } } : {}),
        ...(type === 'export'
          ? {
              export: {
                dataset: (o.dataset as string | undefined) ?? (() => { throw new CliError('An export job needs --dataset.'); })(),
                destination: { kind: 'folder' as const, path: (o.out as string | undefined) ?? (() => { throw new CliError('An export job needs --out FOLDER.'); })(), format: o.format as 'csv' },
              },
            }
          : {}),
      };
      const info = await callEngine(dataDir, 'jobs.add', {
        name,
        type,
        connectionId: o.connection as string,
        sourceId: (o.source as string | undefined) ?? null,
        mappingId: (o.mapping as string | undefined) ?? null,
        config,
      });
      out.print(info, () => `Added job "${info.name}"${info.scheduleText ? `: ${info.scheduleText}, next run ${info.nextRunAt}` : ''}.`);
    });

  job
    .command('list')
    .description('jobs with their schedule, last and next run')
    .action(async () => {
      const { dataDir, out } = ctx();
      const jobs = await callEngine(dataDir, 'jobs.list', {});
      out.print(jobs, () =>
        jobs.length
          ? table(
              jobs.map((j) => ({ name: j.name, type: j.type, schedule: j.scheduleText ?? 'file arrival / manual', paused: j.paused ? 'yes' : '', last: j.lastRun ? `#${j.lastRun.id} ${j.lastRun.status}` : 'never', next: j.nextRunAt ?? '' })),
              ['name', 'type', 'schedule', 'paused', 'last', 'next'],
            )
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
      const dest = c.export?.destination;
      out.print(j, () =>
        [
          `${j.name} (${j.type}${j.paused ? ', paused' : ''})`,
          `  schedule: ${j.scheduleText ?? 'none'}${j.type === 'ingest' && c.onFileArrival ? '; also when a file arrives' : ''}`,
          `  next run: ${j.nextRunAt ?? '—'}`,
          `  last run: ${j.lastRun ? `#${j.lastRun.id} ${j.lastRun.status.replace(/_/g, ' ')} ${j.lastRun.finishedAt ?? ''}` : 'never'}`,
          ...(c.ingest ? [`  ingest: mirror ${c.ingest.mirror ? `on (stops above ${Math.round(c.ingest.maxDeleteShare * 100)}% deletes)` : 'off'}, ${c.ingest.rejectPolicy}, batches of ${c.ingest.batchSize}`] : []),
          ...(c.export ? [`  export: ${j.datasetLabel ?? c.export.dataset} → ${dest?.kind === 'folder' ? `${dest.format} files in ${dest.path}` : `${dest?.database} table ${dest?.table}`}`] : []),
          ...(j.cursor ? [`  cursor: ${j.cursor}`] : []),
        ].join('\n'),
      );
    });

  job
    .command('edit <job>')
    .description("change a job's name, schedule, time zone or triggers (other settings stay)")
    .option('--name <name>', 'new name')
    .option('--schedule <cron>', 'new cron expression')
    .option('--clear-schedule', 'no schedule: run on file arrival or by hand only')
    .option('--timezone <tz>', 'time zone of the schedule')
    .option('--file-trigger', 'run when a file arrives in the source folder')
    .option('--no-file-trigger', 'do not run when a file arrives')
    .option('--mirror', 'values removed from the source are deleted on the platform')
    .option('--no-mirror', 'never delete on the platform')
    .action(async (jobId: string, o: { name?: string; schedule?: string; clearSchedule?: boolean; timezone?: string; fileTrigger?: boolean; mirror?: boolean }) => {
      const { dataDir, out } = ctx();
      if (o.schedule && o.clearSchedule) throw new CliError('Use either --schedule CRON or --clear-schedule, not both.');
      const j = await callEngine(dataDir, 'jobs.get', { jobId });
      const config = {
        ...j.config,
        ...(o.schedule ? { schedule: o.schedule } : o.clearSchedule ? { schedule: null } : {}),
        ...(o.timezone ? { timezone: o.timezone } : {}),
        ...(o.fileTrigger !== undefined ? { onFileArrival: o.fileTrigger } : {}),
        ...(o.mirror !== undefined ? { ingest: { ...(j.config.ingest ?? {}), mirror: o.mirror } } : {}),
      };
      if (o.mirror !== undefined && j.type !== 'ingest') throw new CliError('--mirror applies to ingest jobs only.');
      const r = await callEngine(dataDir, 'jobs.update', { jobId: j.id, name: o.name ?? j.name, type: j.type, connectionId: j.connectionId, sourceId: j.sourceId, mappingId: j.mappingId, config });
      out.print(r, () => [`Saved "${r.job.name}"${r.job.scheduleText ? `: ${r.job.scheduleText}, next run ${r.job.nextRunAt ?? '—'}` : ': no schedule'}.`, ...r.notes].join('\n'));
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
    .option('--wait', 'wait for the run to finish (default when no agent is running)')
    .option('--confirm-deletes', 'allow a mirror run to delete more than the safety limit')
    .action(async (jobId: string, o: { wait?: boolean; confirmDeletes?: boolean }) => {
      const { dataDir, out } = ctx();
      const r = await callEngine(dataDir, 'jobs.run', { jobId, wait: o.wait ?? true, confirmDeletes: Boolean(o.confirmDeletes) });
      if (!r.run) {
        out.print(r, () => (r.queued ? 'The run was queued.' : 'The run was not started (syncs are paused or a run is already waiting).'));
        return;
      }
      const run: RunSummary = r.run;
      out.print(run, () =>
        [
          `Run #${run.id} of "${run.jobName}": ${run.status.replace(/_/g, ' ')}`,
          `read ${run.read}, created ${run.created}, updated ${run.updated}, deleted ${run.deleted}, unchanged ${run.unchanged}, rejected ${run.rejected}`,
          ...(run.error ? [run.error] : []),
          ...(run.rejected ? [`See the rejected rows with: esg-sync history show ${run.id}`] : []),
        ].join('\n'),
      );
      if (run.status === 'failed') {
        const platformDown = /unreachable|unauthori|invalid_client|could not reach|timed out|refused/i.test(run.error ?? '');
        throw Object.assign(new CliError('', platformDown ? EXIT.platform : EXIT.usage), { silent: true });
      }
      if (run.status === 'needs_attention') throw Object.assign(new CliError('', EXIT.usage), { silent: true });
      if (run.rejected > 0) throw Object.assign(new CliError('', EXIT.rejectedRows), { silent: true });
    });

}
