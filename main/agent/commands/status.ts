import type { Command } from 'commander';
import { attentionItems, type AttentionItem } from '../../../shared/attention';
import { callEngine, runningAgent } from '../engine-call';
import { EXIT, CliError } from '../exit-codes';
import type { GlobalContext } from '../context';
import { describePause } from './pause';
import { plural } from '../../../shared/plural';
import { cliTime } from '../time';


/** Where a person looks next, as a command. */
function lookAt(a: AttentionItem): string {
  if (a.key === 'agent-not-running') return 'esg-sync agent --help';
  if (a.key === 'paused-until-resumed') return 'esg-sync resume --help';
  if (a.runId !== null) return `esg-sync history show ${a.runId}`;
  return a.page === 'sources' ? 'esg-sync source list' : 'esg-sync connection test NAME';
}

/**
 * `esg-sync status`: the dashboard on a server. Whether an agent runs on the data folder, whether
 * syncs are paused, what there is, and what needs a person — the dashboard's list, the same
 * sentences. Exit 0 when nothing needs anyone, 1 when something does: a cron job or a monitoring
 * check can mail the output.
 */
export function registerStatus(program: Command, ctx: () => GlobalContext): void {
  program
    .command('status')
    .description('what the agent is doing and what needs you (exit 1 when something does)')
    .action(async () => {
      const { dataDir, out } = ctx();
      const agent = runningAgent(dataDir);
      // One after the other: without an agent, each call opens the store under the agent lock.
      const status = await callEngine(dataDir, 'engine.status', {});
      const connections = await callEngine(dataDir, 'connections.list', {});
      const sources = await callEngine(dataDir, 'sources.list', {});
      const jobs = await callEngine(dataDir, 'jobs.list', {});
      const problemRuns = [...(await callEngine(dataDir, 'history.list', { limit: 20, status: 'failed' })), ...(await callEngine(dataDir, 'history.list', { limit: 20, status: 'needs_attention' }))];
      const errorOf = new Map(problemRuns.map((r) => [r.id, r.error]));
      const attention = attentionItems(jobs, sources, connections, { errorOf: (id) => errorOf.get(id) ?? null, formatTime: cliTime });
      // Jobs that should run on their own while nothing runs them: for a monitoring check, the first thing to say.
      const onArrival = new Set(agent ? [] : (await callEngine(dataDir, 'jobs.details', {})).filter((d) => (d.config as { onFileArrival?: unknown }).onFileArrival !== false).map((d) => d.id));
      const unattended = agent ? [] : jobs.filter((j) => !j.paused && (j.schedule !== null || (onArrival.has(j.id) && sources.some((x) => x.id === j.sourceId && x.kind === 'folder'))));
      if (unattended.length) {
        attention.unshift({
          key: 'agent-not-running',
          tone: 'bad',
          label: 'Agent not running',
          subject: dataDir,
          text: `No agent runs on this data folder, so ${plural(unattended.length, 'job')} with a schedule or a watched folder ${unattended.length === 1 ? 'does' : 'do'} not run.`,
          detail: `Start it with \`esg-sync agent --data-dir ${dataDir}\` (as a service, so it starts with the server).`,
          runId: null,
          page: 'sources',
        });
      }
      // Paused until someone resumes: nothing runs for good, so a monitoring check must hear of it.
      if (status.pausedUntil === 'forever') {
        attention.unshift({
          key: 'paused-until-resumed',
          tone: 'warn',
          label: 'Syncs paused',
          subject: dataDir,
          text: 'All syncs are paused until someone resumes them: no schedule runs and no dropped file is taken.',
          detail: 'Resume them with `esg-sync resume` (or "Resume syncs" on the Jobs page).',
          runId: null,
          page: 'history',
        });
      }
      const pausedJobs = jobs.filter((j) => j.paused);
      const next = jobs
        .filter((j) => j.nextRunAt && !j.paused && !status.pausedUntil)
        .sort((a, b) => Date.parse(a.nextRunAt!) - Date.parse(b.nextRunAt!))[0];
      const c = status.counts;
      out.print(
        { agent: agent ? { running: true, url: agent.url, version: agent.version ?? null } : { running: false }, status, attention },
        () =>
          [
            agent ? `ESG Sync Agent ${status.version}: an agent is running on this data folder (${agent.url}).` : `ESG Sync Agent ${status.version}: no agent is running on this data folder, so nothing is watched or scheduled. Start one with \`esg-sync agent\`.`,
            `Data folder: ${dataDir}`,
            status.pausedUntil ? describePause(status) : agent ? 'Syncs are not paused.' : 'Syncs are not paused (they run while an agent runs).',
            `${plural(connections.length, 'connection')} (${connections.filter((x) => x.lastTestOk === true).length} signed in), ${plural(sources.length, 'source')} (${plural(sources.reduce((n, s) => n + s.filesWaiting, 0), 'file')} waiting), ${plural(jobs.length, 'job')}${next ? `; next run: ${next.name} at ${cliTime(next.nextRunAt)}` : ''}.`,
            ...(pausedJobs.length ? [`Paused ${pausedJobs.length === 1 ? 'job' : 'jobs'}: ${pausedJobs.map((j) => j.name).join(', ')}.`] : []),
            `Last 24 hours: ${plural(c.runsLast24h, 'run')}, ${c.failedLast24h} failed, ${c.attentionLast24h} waiting for a decision${c.runningRuns ? `; ${c.runningRuns} running now` : ''}.`,
            ...(status.secretStore.available ? [] : [`Credential storage: ${status.secretStore.message ?? 'the system keychain is not available.'}`]),
            '',
            ...(attention.length
              ? [`Needs your attention (${attention.length}):`, ...attention.flatMap((a) => [`  [${a.label}] ${a.text} See: ${lookAt(a)}`, ...(a.detail ? [`      ${a.detail}`] : [])])]
              : [jobs.length ? "Nothing needs you: every job's last run went through, every source is readable and every connection signs in." : 'Nothing is set up yet: add a connection, a source and a job (see `esg-sync --help`).']),
          ].join('\n'),
      );
      if (attention.length) throw Object.assign(new CliError('', EXIT.rejectedRows), { silent: true });
    });
}
