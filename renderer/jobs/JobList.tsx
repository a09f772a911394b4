import { Fragment, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import type { JobDetail } from '../../shared/contract/jobs';
import { client } from '../bridge/client';
import { Badge, Card, EmptyState, ErrorState, Loading, PageHeader, SandboxLabel } from '../components/ui';
import { useSandboxIds } from '../firstrun/sandbox';
import { formatTime, formatTimeExact, formatTimeInZone, localTimeZone, runBadge, sameTimeZone } from '../format';
import { useAction, useEngine } from '../hooks';
import { ConfirmDialog } from './ConfirmDialog';
import { HeldBackNote } from './HeldBackNote';
import { PauseAllControl, PausedBanner, useGlobalPause } from './PauseAll';
import { RunProgressBar, useRunStates } from './RunProgress';
import { fromNow } from './schedule';
import './jobs.css';

const FORMAT: Record<string, string> = { csv: 'CSV', xlsx: 'XLSX', json: 'JSON', ndjson: 'NDJSON' };
const DATABASE: Record<string, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MariaDB/MySQL' };

/** "→" on screen, a word for screen readers. */
function Arrow({ word }: { word: string }) {
  return (
    <>
      <span className="arrow" aria-hidden="true">
        →
      </span>
      <span className="visually-hidden"> {word} </span>
    </>
  );
}

export function JobList() {
  const jobs = useEngine('jobs.details', {}, ['run.started', 'run.finished', 'engine.changed']);
  const connections = useEngine('connections.list', {});
  const sources = useEngine('sources.list', {});
  const mappings = useEngine('mappings.list', {});
  const sandbox = useSandboxIds();
  const runs = useRunStates();
  const action = useAction();
  const navigate = useNavigate();
  const location = useLocation();
  const [notice, setNotice] = useState<string | null>((location.state as { notice?: string } | null)?.notice ?? null);
  const [removing, setRemoving] = useState<JobDetail | null>(null);
  const [removeError, setRemoveError] = useState<string | null>(null);
  const [startingOver, setStartingOver] = useState<JobDetail | null>(null);
  const [startOverError, setStartOverError] = useState<string | null>(null);
  const globalPause = useGlobalPause();

  const nameOf = (list: { id: string; name: string }[] | undefined, id: string | null) => (id ? (list?.find((x) => x.id === id)?.name ?? 'a removed item') : '—');

  const runNow = async (job: JobDetail) => {
    setNotice(null);
    const r = await action.run(() => client.call('jobs.run', { jobId: job.id, wait: false }));
    if (r && !r.queued) setNotice(`“${job.name}” did not start: a run of it is already waiting.`);
    // By hand, a folder job takes the files already waiting in its folder (and resends what still waits for the platform).
    else if (r && job.type === 'ingest' && sources.data?.find((s) => s.id === job.sourceId)?.kind === 'folder') {
      setNotice(`“${job.name}” is running: it takes the files waiting in the folder (fully written, not synced before) and resends anything still waiting for the platform's answer. Each file gets its own run in History.`);
    }
  };
  const setPaused = async (job: JobDetail) => {
    setNotice(null);
    const r = await action.run(() => client.call(job.paused ? 'jobs.resume' : 'jobs.pause', { jobId: job.id }));
    if (r) setNotice(r.paused ? `Paused “${r.name}”: its schedule and file trigger wait until you resume it.` : `Resumed “${r.name}”.${r.nextRunAt ? ` Next run ${formatTimeInZone(r.nextRunAt, r.timezone)}.` : ''}`);
  };
  const remove = async () => {
    if (!removing) return;
    setRemoveError(null);
    try {
      await client.call('jobs.remove', { jobId: removing.id });
      setNotice(`Removed “${removing.name}”. Its runs stay in History.`);
      setRemoving(null);
    } catch (err) {
      setRemoveError(err instanceof Error ? err.message : String(err));
    }
  };

  const startOver = async () => {
    if (!startingOver) return;
    setStartOverError(null);
    try {
      const r = await client.call('jobs.startOver', { jobId: startingOver.id });
      setNotice(r.note);
      setStartingOver(null);
    } catch (err) {
      setStartOverError(err instanceof Error ? err.message : String(err));
    }
  };
  /** Jobs that keep a place to go on from: exports, and database ingest (a folder job goes by its files). */
  const canStartOver = (j: JobDetail) => j.cursor !== null && (j.type === 'export' || sources.data?.find((s) => s.id === j.sourceId)?.kind === 'database');

  const what = (j: JobDetail) => {
    if (j.type === 'ingest') {
      return (
        <>
          {nameOf(sources.data, j.sourceId)}
          <Arrow word="through" />
          {nameOf(mappings.data, j.mappingId)}
          <Arrow word="to" />
          {nameOf(connections.data, j.connectionId)}
        </>
      );
    }
    const d = j.config.export?.destination;
    const where = !d ? (
      '—'
    ) : d.kind === 'folder' ? (
      <>
        {FORMAT[d.format]} files{d.format === 'csv' && d.csvStyle && d.csvStyle !== 'comma' ? ` (${d.csvStyle === 'semicolon' ? 'semicolons, decimal commas' : 'tab-separated'})` : ''} in <span className="job-path">{d.path}</span>
      </>
    ) : (
      `${DATABASE[d.database]} table ${d.table}`
    );
    return (
      <>
        {nameOf(connections.data, j.connectionId)}: {j.datasetLabel ?? '—'}
        <Arrow word="to" />
        {where}
        {d && <span className="muted small job-contents"> · {j.config.export?.contents === 'everything' ? 'the whole dataset each run' : 'changes since the last export'}</span>}
      </>
    );
  };

  const when = (j: JobDetail) => {
    const parts = [j.scheduleText ?? (j.type === 'ingest' && j.config.onFileArrival ? 'When a file arrives' : 'Only by hand')];
    if (j.scheduleText && j.type === 'ingest' && j.config.onFileArrival) parts.push('and when a file arrives');
    return parts.join(', ');
  };

  return (
    <>
      <PageHeader
        title="Jobs"
        description="What is synced, when: ingest jobs send your data to the platform, export jobs bring platform data back."
        actions={
          <div className="jobs-header-actions">
            <PauseAllControl g={globalPause} />
            <Link to="/jobs/new" className="button primary">
              New job
            </Link>
          </div>
        }
      />
      <PausedBanner g={globalPause} />
      {notice && (
        <div className="banner banner-info" role="status">
          {notice}
          <button type="button" className="button small" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}
      {action.error && <ErrorState message={action.error} />}
      {jobs.error ? (
        <ErrorState message={jobs.error} onRetry={jobs.reload} />
      ) : !jobs.data ? (
        <Loading what="jobs" />
      ) : jobs.data.length === 0 ? (
        <EmptyState
          title="No jobs yet"
          action={
            <Link to="/jobs/new" className="button primary">
              New job
            </Link>
          }
        >
          A job connects a source and its mapping to a platform connection (ingest), or a platform dataset to a folder or table (export), on a schedule or whenever a file arrives.
        </EmptyState>
      ) : (
        <Card className="jobs-card">
          <table className="table jobs-table">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">When</th>
                <th scope="col">Last run</th>
                <th scope="col">Next run</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.map((j) => {
                const run = runs.get(j.id);
                const running = run?.phase === 'running';
                const below = [run && 'has-progress', j.heldBack && 'has-note'].filter(Boolean).join(' ');
                return (
                  <Fragment key={j.id}>
                    <tr className={below || undefined} aria-label={j.name}>
                      <td>
                        <div className="job-name">
                          {j.name} {sandbox.job(j.id) && <SandboxLabel />} {j.paused && <Badge tone="neutral">Paused</Badge>}
                        </div>
                        <div className="job-what muted">
                          {j.type === 'ingest' ? 'Ingest: ' : 'Export: '}
                          {what(j)}
                        </div>
                      </td>
                      <td>
                        {when(j)}
                        {j.scheduleText && j.config.catchUp !== 'default' && (
                          <div className="muted small">{j.config.catchUp === 'skip' ? 'Skips runs missed while off' : 'Catches up a missed run once'}</div>
                        )}
                      </td>
                      <td>
                        {j.lastRun ? (
                          <Link to={`/history/${j.lastRun.id}`}>
                            <Badge tone={runBadge(j.lastRun).tone}>{runBadge(j.lastRun).label}</Badge> {formatTime(j.lastRun.finishedAt)}
                          </Link>
                        ) : (
                          'Never'
                        )}
                      </td>
                      <td>
                        {j.paused ? (
                          <span className="muted">Paused</span>
                        ) : j.sourcePaused ? (
                          <span className="muted">
                            Its source is paused (<Link to="/sources">Sources</Link>)
                          </span>
                        ) : j.nextRunAt ? (
                          <>
                            <time dateTime={j.nextRunAt} title={sameTimeZone(j.timezone, localTimeZone()) ? undefined : `${formatTime(j.nextRunAt)} your time`}>
                              {formatTimeInZone(j.nextRunAt, j.timezone)}
                            </time>
                            <div className="muted small job-next">
                              {fromNow(j.nextRunAt, new Date())}
                              {j.nextRunIsRetry ? ' · automatic retry: the last scheduled run failed for a reason that may pass' : ''}
                            </div>
                          </>
                        ) : (
                          <span className="muted">Not scheduled</span>
                        )}
                      </td>
                      <td>
                        <div className="actions">
                          <button type="button" className="button small primary" disabled={action.busy || running} onClick={() => void runNow(j)} aria-label={`Run ${j.name} now`}>
                            {running ? 'Running…' : 'Run now'}
                          </button>
                          <button type="button" className="button small" disabled={action.busy} onClick={() => void setPaused(j)} aria-label={`${j.paused ? 'Resume' : 'Pause'} ${j.name}`}>
                            {j.paused ? 'Resume' : 'Pause'}
                          </button>
                          <button type="button" className="button small" onClick={() => navigate(`/jobs/${encodeURIComponent(j.id)}/edit`)} aria-label={`Edit ${j.name}`}>
                            Edit
                          </button>
                          {canStartOver(j) && (
                            <button
                              type="button"
                              className="button small"
                              disabled={running}
                              onClick={() => {
                                setStartOverError(null);
                                setStartingOver(j);
                              }}
                              aria-label={`Start ${j.name} over`}
                            >
                              Start over…
                            </button>
                          )}
                          <button
                            type="button"
                            className="button small danger"
                            disabled={running}
                            onClick={() => {
                              setRemoveError(null);
                              setRemoving(j);
                            }}
                            aria-label={`Remove ${j.name}`}
                          >
                            Remove
                          </button>
                        </div>
                      </td>
                    </tr>
                    {run && (
                      <tr className={j.heldBack ? 'job-progress-row has-note' : 'job-progress-row'}>
                        <td colSpan={5}>
                          <RunProgressBar state={run} jobName={j.name} />
                        </td>
                      </tr>
                    )}
                    {j.heldBack && (
                      <tr className="job-held-row">
                        <td colSpan={5}>
                          <HeldBackNote job={j} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </Card>
      )}
      {startingOver && (
        <ConfirmDialog
          title={`Start “${startingOver.name}” over?`}
          confirmLabel={startingOver.type === 'export' ? 'Export everything next run' : 'Read every row next run'}
          error={startOverError}
          onConfirm={() => void startOver()}
          onCancel={() => setStartingOver(null)}
        >
          {startingOver.type === 'export' ? (
            <p>
              Its next run exports the whole dataset again, not only what changed since {formatTimeExact(startingOver.cursor)}. Use it when the destination lost rows (a table emptied, files deleted).
            </p>
          ) : (
            <p>
              Its next run reads every row of its source again, not only those after {startingOver.cursor}: rows rejected before are read with the mapping as it is now, and values
              already on the platform are not sent twice.
            </p>
          )}
        </ConfirmDialog>
      )}
      {removing && (
        <ConfirmDialog title={`Remove “${removing.name}”?`} confirmLabel="Remove job" error={removeError} onConfirm={() => void remove()} onCancel={() => setRemoving(null)}>
          <p>
            It stops running on its schedule{removing.type === 'ingest' ? ' and when files arrive' : ''}. Its runs stay in History
            {removing.type === 'ingest' ? ', and what it already sent stays on the platform' : ''}.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
