import { Link } from 'react-router-dom';
import { ActivityChart } from '../components/ActivityChart';
import { Badge, Card, EmptyState, ErrorState, Loading, PageHeader, Stat } from '../components/ui';
import { client } from '../bridge/client';
import { formatTime, statusLabel, statusTone } from '../format';
import { useAction, useEngine } from '../hooks';

export function Dashboard() {
  const status = useEngine('engine.status', {}, ['engine.changed', 'run.started', 'run.finished']);
  const runs = useEngine('history.list', { limit: 8 }, ['run.started', 'run.finished']);
  const activity = useEngine('history.activity', { days: 30 }, ['run.finished']);
  const attention = useEngine('history.list', { status: 'needs_attention', limit: 5 }, ['run.finished']);
  const failed = useEngine('history.list', { status: 'failed', limit: 5 }, ['run.finished']);
  const action = useAction();

  if (status.error) return <ErrorState message={status.error} onRetry={status.reload} />;
  if (!status.data) return <Loading what="the agent's status" />;
  const s = status.data;
  const attentionRuns = [...(attention.data ?? []), ...(failed.data ?? [])].sort((a, b) => b.id - a.id).slice(0, 5);
  const nothingSetUp = s.counts.connections === 0 && s.counts.jobs === 0;

  return (
    <>
      <PageHeader
        title="Dashboard"
        description="What the agent is doing, and anything that needs you."
        actions={
          s.pausedUntil ? (
            <button type="button" className="button primary" disabled={action.busy} onClick={() => void action.run(() => client.call('engine.resume', {}))}>
              Resume syncs
            </button>
          ) : (
            <button type="button" className="button" disabled={action.busy} onClick={() => void action.run(() => client.call('engine.pause', { minutes: 60 }))}>
              Pause syncs for 1 hour
            </button>
          )
        }
      />
      {action.error && <ErrorState message={action.error} />}
      {s.pausedUntil && (
        <div className="banner banner-warn" role="status">
          Syncs are paused {s.pausedUntil === 'forever' ? 'until you resume them' : `until ${formatTime(s.pausedUntil)}`}. Scheduled and file-triggered runs wait.
        </div>
      )}
      {!s.secretStore.available && (
        <div className="banner banner-warn" role="status">
          Credential storage: {s.secretStore.message ?? 'the system keychain is not available.'}
        </div>
      )}

      {attentionRuns.length > 0 && (
        <Card title="Needs your attention" className="card-attention">
          <ul className="list">
            {attentionRuns.map((r) => (
              <li key={r.id}>
                <Badge tone={statusTone(r.status)}>{statusLabel[r.status]}</Badge> <Link to={`/history/${r.id}`}>{r.jobName} — run #{r.id}</Link>{' '}
                <span className="muted">{formatTime(r.startedAt)}</span>
                {r.error && <div className="muted small">{r.error}</div>}
              </li>
            ))}
          </ul>
        </Card>
      )}

      {nothingSetUp && (
        <Card>
          <EmptyState title="Connect to your platform" action={<Link className="button primary" to="/connections">Add a connection</Link>}>
            Add the service account your ESG platform gave you (client ID and secret). Then point the agent at a folder or a database, map your columns to the
            platform's metrics once, and choose when to sync.
          </EmptyState>
        </Card>
      )}

      <div className="stats" aria-label="Summary">
        <Stat label="Connections" value={s.counts.connections} />
        <Stat label="Sources" value={s.counts.sources} />
        <Stat label="Mappings" value={s.counts.mappings} />
        <Stat label="Jobs" value={s.counts.jobs} />
        <Stat label="Runs in the last 24 h" value={s.counts.runsLast24h} />
        <Stat label="Failed in the last 24 h" value={s.counts.failedLast24h} tone={s.counts.failedLast24h ? 'bad' : 'ok'} />
      </div>

      <div className="grid-2">
        <Card title="Activity, last 30 days">
          {activity.error ? <ErrorState message={activity.error} /> : activity.data ? <ActivityChart days={activity.data} /> : <Loading what="activity" />}
        </Card>
        <Card title="Latest runs">
          {runs.error ? (
            <ErrorState message={runs.error} onRetry={runs.reload} />
          ) : !runs.data ? (
            <Loading what="runs" />
          ) : runs.data.length === 0 ? (
            <p className="muted">No runs yet. Runs appear here as soon as a job runs on its schedule, on a new file, or when you press “Run now”.</p>
          ) : (
            <ul className="list">
              {runs.data.map((r) => (
                <li key={r.id}>
                  <Badge tone={statusTone(r.status)}>{statusLabel[r.status]}</Badge> <Link to={`/history/${r.id}`}>{r.jobName}</Link>{' '}
                  <span className="muted">{formatTime(r.startedAt)}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <p className="muted small">
        Agent {s.version} · {s.mode === 'desktop' ? 'desktop app' : 'headless'} · running since {formatTime(s.startedAt)}
      </p>
    </>
  );
}
