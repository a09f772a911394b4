import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import type { EventPayload } from '../../shared/api';
import { client } from '../bridge/client';
import { Badge, Card, EmptyState, ErrorState, Loading, PageHeader } from '../components/ui';
import { formatTime, statusLabel, statusTone } from '../format';
import { useAction, useEngine } from '../hooks';

type Progress = EventPayload<'run.progress'>;

/** Live progress of the runs in flight, by job, from the engine's progress events. */
function useRunProgress(): Map<string, Progress> {
  const [progress, setProgress] = useState(new Map<string, Progress>());
  useEffect(() => {
    const offProgress = client.on('run.progress', (p) => {
      if (p.jobId) setProgress((prev) => new Map(prev).set(p.jobId!, p));
    });
    const offFinished = client.on('run.finished', (r) => {
      if (r.jobId)
        setProgress((prev) => {
          const next = new Map(prev);
          next.delete(r.jobId!);
          return next;
        });
    });
    return () => {
      offProgress();
      offFinished();
    };
  }, []);
  return progress;
}

function ProgressBar({ p }: { p: Progress }) {
  const share = p.totalBytes ? Math.min(1, p.bytes / p.totalBytes) : null;
  return (
    <div className="progress" role="progressbar" aria-label="Run progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={share === null ? undefined : Math.round(share * 100)}>
      <div className="progress-track">
        <div className={`progress-fill ${share === null ? 'indeterminate' : ''}`} style={share === null ? undefined : { width: `${share * 100}%` }} />
      </div>
      <span className="muted small">
        {p.read.toLocaleString()} rows read, {p.accepted.toLocaleString()} accepted, {p.rejected.toLocaleString()} rejected
        {p.etaSeconds !== null && p.etaSeconds > 0 ? `, about ${p.etaSeconds} s left` : ''}
      </span>
    </div>
  );
}

export function Jobs() {
  const list = useEngine('jobs.list', {}, ['run.started', 'run.finished', 'engine.changed']);
  const progress = useRunProgress();
  const action = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const runNow = async (jobId: string, name: string) => {
    setNotice(null);
    const r = await action.run(() => client.call('jobs.run', { jobId, wait: false }));
    if (r) setNotice(r.queued ? `“${name}” is running. Its progress shows below and the result appears in History.` : `“${name}” did not start: syncs are paused or a run is already waiting.`);
  };
  const setPaused = (jobId: string, paused: boolean) => void action.run(() => client.call(paused ? 'jobs.pause' : 'jobs.resume', { jobId }));
  return (
    <>
      <PageHeader title="Jobs" description="What is synced, when: ingest jobs send your data to the platform, export jobs bring platform data back." />
      {notice && (
        <div className="banner banner-info" role="status">
          {notice}
        </div>
      )}
      {action.error && <ErrorState message={action.error} />}
      {list.error ? (
        <ErrorState message={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading what="jobs" />
      ) : list.data.length === 0 ? (
        <EmptyState title="No jobs yet">
          A job connects a source and its mapping to a platform connection (ingest), or a platform dataset to a folder or table (export), on a schedule or whenever a
          file arrives.
        </EmptyState>
      ) : (
        <Card>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Schedule</th>
                <th scope="col">Last run</th>
                <th scope="col">Next run</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((j) => (
                <tr key={j.id}>
                  <td>
                    {j.name} {j.paused && <Badge tone="neutral">Paused</Badge>}
                  </td>
                  <td>{j.type === 'ingest' ? 'Ingest (to platform)' : 'Export (from platform)'}</td>
                  <td>{j.scheduleText ?? j.schedule ?? 'On file arrival or manual'}</td>
                  <td>
                    {j.lastRun ? (
                      <Link to={`/history/${j.lastRun.id}`}>
                        <Badge tone={statusTone(j.lastRun.status)}>{statusLabel[j.lastRun.status]}</Badge> {formatTime(j.lastRun.finishedAt)}
                      </Link>
                    ) : (
                      'Never'
                    )}
                  </td>
                  <td>{formatTime(j.nextRunAt)}</td>
                  <td className="actions">
                    <button type="button" className="button small primary" disabled={action.busy || progress.has(j.id)} onClick={() => void runNow(j.id, j.name)}>
                      Run now
                    </button>{' '}
                    <button type="button" className="button small" disabled={action.busy} onClick={() => setPaused(j.id, !j.paused)}>
                      {j.paused ? 'Resume' : 'Pause'}
                    </button>
                    {progress.get(j.id) && <ProgressBar p={progress.get(j.id)!} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
