import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { RunRequestDto, RunSummary } from '../../../shared/api';
import { RunStatus, RunTrigger } from '../../../shared/domain';
import { Store } from '../../engine/store';
import { CliError } from '../exit-codes';
import { table } from '../output';
import { callEngine, runningAgent } from '../engine-call';
import { countsLine, finishWithRun } from '../run-outcome';
import type { GlobalContext } from '../context';
import { cliTime } from '../time';
import { saveErrorsCsv } from '../../engine/history/errors-csv';
import { ErrorKindId, kindLines, type ErrorGroups } from '../../../shared/mapping/error-groups';
import { plural } from '../../../shared/plural';
import { exportCounts } from '../../../shared/run-counts';
import { runStatusWords } from '../../../shared/run-status';
import { ApiError } from '../../../shared/rpc';

const duration = (r: RunSummary): string => {
  if (!r.finishedAt) return '';
  const s = Math.round((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

/** A day (local midnight, plus `addDays` for an inclusive end) or an exact ISO time, as an ISO instant. */
function dateBound(flag: string, text: string, addDays: number): string {
  const bad = () => new CliError(`${flag} "${text}" is not a date. Use YYYY-MM-DD (e.g. 2026-03-01) or an ISO time (2026-03-01T08:00:00Z).`);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const check = new Date(y, m - 1, d);
    // Date rolls 2026-02-30 over to March; a real day comes back unchanged.
    if (check.getFullYear() !== y || check.getMonth() !== m - 1 || check.getDate() !== d) throw bad();
    return new Date(y, m - 1, d + addDays).toISOString();
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(Date.parse(text))) throw bad();
  return new Date(text).toISOString();
}

function requestTable(requests: RunRequestDto[]): string {
  return table(
    requests.map((r) => ({
      at: r.startedAt.slice(11, 23),
      method: r.method,
      host: r.host,
      path: r.kind === 'token' ? `${r.path} (token)` : r.path,
      status: r.status ?? '-',
      ms: r.durationMs,
      attempt: r.attempt,
      error: r.error ?? '',
    })),
    ['at', 'method', 'host', 'path', 'status', 'ms', 'attempt', 'error'],
  )
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

export function registerHistory(program: Command, ctx: () => GlobalContext): void {
  const history = program
    .command('history')
    .description('list runs, newest first')
    .option('--job <job>', 'only runs of this job (name or id)')
    .option('--status <status>', `only runs with this status (${RunStatus.options.join(', ')})`)
    .option('--trigger <trigger>', `only runs started this way (${RunTrigger.options.join(', ')})`)
    .option('--since <date>', 'only runs started on or after this day or time (YYYY-MM-DD, or an ISO time)')
    .option('--until <date>', 'only runs started before the end of this day (YYYY-MM-DD), or before this ISO time')
    .option('--limit <n>', 'how many runs', '50')
    .action((opts: { job?: string; status?: string; trigger?: string; since?: string; until?: string; limit: string }) => {
      const { dataDir, out } = ctx();
      const limit = Number.parseInt(opts.limit, 10);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--limit takes a whole number from 1 to 1000.');
      const status = opts.status === undefined ? undefined : RunStatus.safeParse(opts.status);
      if (status && !status.success) throw new CliError(`Unknown status "${opts.status}". Use one of: ${RunStatus.options.join(', ')}.`);
      const trigger = opts.trigger === undefined ? undefined : RunTrigger.safeParse(opts.trigger);
      if (trigger && !trigger.success) throw new CliError(`Unknown trigger "${opts.trigger}". Use one of: ${RunTrigger.options.join(', ')}.`);
      const from = opts.since === undefined ? undefined : dateBound('--since', opts.since, 0);
      const to = opts.until === undefined ? undefined : dateBound('--until', opts.until, 1);
      if (from && to && to <= from) throw new CliError(`--until (${opts.until}) is not after --since (${opts.since}), so no run can match.`);
      const store = Store.open(dataDir);
      try {
        let jobId: string | undefined;
        if (opts.job) {
          const job = store.jobs.get(opts.job);
          if (!job) throw new CliError(`There is no job called "${opts.job}". See \`esg-sync job list\`.`);
          jobId = job.id;
        }
        const runs = store.runs.list({ jobId, status: status?.data, trigger: trigger?.data, from, to, limit });
        // With no agent on the folder, a run still marked running was cut off (the next start marks it so).
        const noAgent = runningAgent(dataDir) === null;
        out.print(runs, () =>
          runs.length
            ? table(
                runs.map((r) => ({
                  run: r.id,
                  job: r.jobName,
                  trigger: r.trigger,
                  status: r.status === 'running' && noAgent ? 'interrupted (no agent runs)' : runStatusWords(r),
                  started: cliTime(r.startedAt),
                  took: duration(r),
                  // An export sends nothing: its rows written, and no values created, updated or unchanged.
                  ...(r.jobType === 'export'
                    ? { read: `${exportCounts(r).written} written`, created: '—', updated: '—', deleted: r.deleted, unchanged: '—', rejected: r.rejected, held: '—' }
                    : {
                        read: r.read,
                        created: r.created,
                        updated: r.updated,
                        deleted: r.deleted,
                        unchanged: r.unchanged,
                        // Held rows wait to be sent; counted apart, as on the run's page.
                        rejected: r.rejected - r.held,
                        held: r.held,
                      }),
                })),
                ['run', 'job', 'trigger', 'status', 'started', 'took', 'read', 'created', 'updated', 'deleted', 'unchanged', 'rejected', 'held'],
              )
            : 'No runs yet.',
        );
      } finally {
        store.close();
      }
    });

  history
    .command('show <run>')
    .description('one run with its events and row errors (and, with --requests, its platform requests)')
    .option('--errors-csv <path>', 'write every row error of the run to this CSV file')
    .option('--kind <n>', 'only the row errors of one kind: its number in "Row errors by kind" (or its id from --json), for the list and --errors-csv')
    .option('--requests', 'list every platform request of the run: method, host, path, status or error, duration, attempt')
    .action(async (runArg: string, opts: { errorsCsv?: string; kind?: string; requests?: boolean }) => {
      const { dataDir, out } = ctx();
      const runId = Number.parseInt(runArg, 10);
      if (!Number.isInteger(runId) || runId < 1) throw new CliError(`"${runArg}" is not a run number. See \`esg-sync history\`.`);
      const store = Store.open(dataDir);
      try {
        const run = store.runs.get(runId);
        if (!run) throw new CliError(`There is no run #${runId}.`);
        const events = store.runs.events(runId);
        const allErrors = store.runs.errorCount(runId);
        const errorGroups = allErrors > 1 || opts.kind !== undefined ? store.runs.errorGroups(runId, KINDS_LISTED) : null;
        const kind = opts.kind === undefined ? undefined : chosenKind(opts.kind, errorGroups!, runId, (k) => {
          let n = 0;
          for (const _ of store.runs.iterateErrors(runId, k)) n++;
          return n;
        });
        const errorCount = kind ? kind.rows : allErrors;
        const errors = store.runs.errors(runId, 0, 50, kind?.kind);
        const requestCount = store.runs.requestCount(runId);
        const requests = opts.requests ? [...store.runs.iterateRequests(runId)] : undefined;
        if (opts.errorsCsv) {
          // The same writer as the UI's download and the desktop save: BOM, neutralised formula
          // cells, written to a temporary name and renamed so nobody reads half a file.
          const target = resolve(opts.errorsCsv);
          const saved = await saveErrorsCsv(store, runId, target, kind?.kind).catch((e: unknown) => {
            throw e instanceof ApiError ? new CliError(e.message) : e;
          });
          out.info(`Wrote ${plural(saved.rows, 'row error')}${kind ? ` of kind ${opts.kind}` : ''} to ${target}`);
        }
        out.print({ run, events, errorCount, errorGroups, errors, requestCount, ...(requests ? { requests } : {}) }, () => {
          const lines = [
            `Run #${run.id} — ${run.jobName}${run.jobNameAtRun ? ` (named "${run.jobNameAtRun}" then)` : ''} (${run.trigger}) — ${runStatusWords(run)}`,
            `Started ${cliTime(run.startedAt)}${run.finishedAt ? `, finished ${cliTime(run.finishedAt)}` : ''}`,
            `${countsLine(run).replace(/^r/, 'R')}`,
          ];
          lines.push(`Platform requests ${run.requests} (${run.retries} retried)${run.serviceAccount ? ` as ${run.serviceAccount}` : ''}`);
          if (run.file) lines.push(`File: ${run.file}`);
          if (run.mappingId) lines.push(`Mapping: ${store.mappings.get(run.mappingId)?.name ?? `${run.mappingId} (since removed)`}, version ${run.mappingVersion}`);
          if (run.error) lines.push(`Error: ${run.error}`);
          if (events.length) lines.push('', 'Events:', ...events.map((e) => `  ${e.at}  ${e.level.padEnd(5)}  ${e.message}`));
          if (errorGroups) lines.push('', ...errorGroupLines(errorGroups));
          if (errorCount) {
            const which = kind ? ` of kind ${opts.kind}` : '';
            lines.push('', `Row errors${which} (${errorCount}${errorCount > errors.length ? `, first ${errors.length} shown; use --errors-csv for all` : ''}):`);
            lines.push(...errors.map((e) => `  ${e.row ? `row ${e.row}` : `line ${e.line ?? '-'}`}  ${e.column ?? ''}  ${e.value ?? ''}  ${e.reason}`));
          }
          if (requests) {
            lines.push('', requests.length ? `Platform requests (${requests.length}${requestCount < run.requests ? ` of ${run.requests}; the rest were not itemised` : ''}):` : 'Platform requests: none recorded.');
            if (requests.length) lines.push(requestTable(requests));
          } else if (requestCount) {
            lines.push('', `${requestCount} platform requests recorded; add --requests to list them.`);
          }
          return lines.join('\n');
        });
      } finally {
        store.close();
      }
    });

  history
    .command('retry <run>')
    .description('read the file of a run again with the mapping as it is now: sends held rows once their codes are mapped, or a file whose columns changed once the mapping is updated')
    .action(async (runArg: string) => {
      const { dataDir, out } = ctx();
      const runId = Number.parseInt(runArg, 10);
      if (!Number.isInteger(runId) || runId < 1) throw new CliError(`"${runArg}" is not a run number. See \`esg-sync history\`.`);
      const r = await callEngine(dataDir, 'mappings.retryFile', { runId, wait: true });
      if (!r.run) {
        out.print(r, () => 'The run was not started (syncs are paused or a run of the job is already waiting).');
        return;
      }
      finishWithRun(out, r.run);
    });
}

/** The run's errors by kind, largest first, as `history show` prints them above the first rows. */
const KINDS_LISTED = 10;

/** `--kind`: a kind's number as listed (1 = the largest) or its id; an error in words otherwise. */
function chosenKind(arg: string, groups: ErrorGroups, runId: number, countOf: (kind: string) => number): { kind: string; rows: number } {
  const listed = groups.groups;
  if (/^\d{1,3}$/.test(arg)) {
    const g = listed[Number(arg) - 1];
    if (g) return { kind: g.kind, rows: g.rows };
    throw new CliError(
      listed.length === 0
        ? `Run #${runId} has no row errors, so there is no kind ${arg}.`
        : `Run #${runId} lists ${plural(listed.length, 'kind')} of row error; --kind takes a number from 1 to ${listed.length}${groups.otherKinds ? ', or the id of a kind not listed (see --json)' : ''}.`,
    );
  }
  const id = ErrorKindId.safeParse(arg);
  if (!id.success) throw new CliError(`"${arg}" is not a kind of row error: give its number in "Row errors by kind" (1 to ${listed.length}) or its 16-digit id from --json.`);
  const g = listed.find((x) => x.kind === arg);
  // A kind beyond the ones listed (or of another run: zero rows) is counted the long way.
  return { kind: arg, rows: g ? g.rows : countOf(arg) };
}

function errorGroupLines(r: ErrorGroups): string[] {
  const lines = [`Row errors by kind (${r.groups.length + r.otherKinds}):`];
  r.groups.forEach((g, i) => {
    const values = g.values.map((v) => (v.value === null ? '(empty)' : `"${v.value}"`) + (g.values.length > 1 || g.moreValues ? ` ×${v.rows}` : ''));
    const where = g.firstLine === null ? 'no line' : kindLines(g);
    const counted = g.lines > 0 && g.lines < g.rows ? `${g.held ? 'held values' : 'values'} in ${g.lines} row${g.lines === 1 ? '' : 's'}` : g.held ? 'held' : g.rows === 1 ? 'row' : 'rows';
    lines.push(`  ${`${i + 1}.`.padEnd(4)}${String(g.rows).padStart(7)} ${counted}  ${g.column ? `column "${g.column}": ` : ''}${g.example}`);
    lines.push(`               ${values.length ? `${values.join(', ')}${g.moreValues ? ` and ${g.moreValues} more` : ''}; ` : ''}${where}`);
  });
  if (r.otherKinds) lines.push(`  and ${r.otherKinds} other kinds (${r.otherRows} rows)`);
  if (r.groups.length > 1) lines.push('  (--kind N lists only kind N; with --errors-csv FILE, saves only its rows)');
  return lines;
}
