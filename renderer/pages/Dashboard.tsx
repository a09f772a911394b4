import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router-dom';
import type { ConnectionInfo, JobInfo, SourceInfo } from '../../shared/api';
import { attentionItems, type AttentionItem } from '../../shared/attention';
import { ActivityChart } from '../components/ActivityChart';
import { Badge, Card, ErrorState, Loading, PageHeader, SandboxLabel } from '../components/ui';
import { client } from '../bridge/client';
import { FirstRunChoices } from '../firstrun/FirstRunChoices';
import { useDemo, useSandboxIds, type SandboxIds } from '../firstrun/sandbox';
import { formatTime, formatTimeInZone, runBadge, runOutcome, statusLabel } from '../format';
import { useAction, useEngine } from '../hooks';

type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'neutral';

const fileName = (p: string | null) => (p ? (p.split(/[\\/]/).pop() ?? p) : null);

/** A sentence with its subject (a job, file, source or connection name) in bold. */
function withSubject(text: string, subject: string): ReactNode {
  const at = text.indexOf(subject);
  if (at < 0) return text;
  return (
    <>
      {text.slice(0, at)}
      <strong>{subject}</strong>
      {text.slice(at + subject.length)}
    </>
  );
}

const PAGE_LINK: Record<AttentionItem['page'], { to: string; text: string }> = {
  history: { to: '/history', text: 'See what happened' },
  sources: { to: '/sources', text: 'Check the source' },
  connections: { to: '/connections', text: 'Check the connection' },
};

function linkOf(a: AttentionItem): { to: string; text: string } {
  if (a.runId === null) return PAGE_LINK[a.page];
  if (a.key.startsWith('held-')) return { to: `/history/${a.runId}`, text: 'See the held rows' };
  return { to: `/history/${a.runId}`, text: a.key.startsWith('waiting-') ? `See run #${a.runId}` : 'See what happened' };
}

function sourceHealth(s: SourceInfo): { tone: Tone; text: string } {
  if (s.paused) return { tone: 'neutral', text: 'Paused' };
  if (s.status === 'watching') return { tone: 'ok', text: 'Watching' };
  if (s.status === 'missing') return { tone: 'bad', text: 'Folder missing' };
  if (s.status === 'error') return { tone: 'bad', text: 'Cannot read' };
  if (s.status === 'starting') return { tone: 'info', text: 'Starting' };
  if (s.kind === 'database') return (s.scheduledBy ?? s.usedByJobs ?? []).length ? { tone: 'ok', text: 'Read on schedule' } : { tone: 'neutral', text: (s.usedByJobs ?? []).length ? 'Read by hand' : 'No job reads it yet' };
  return { tone: 'neutral', text: 'No job reads it yet' };
}

function connectionHealth(c: ConnectionInfo): { tone: Tone; text: string } {
  if (c.lastTestOk === true) return { tone: 'ok', text: 'Signed in' };
  if (c.lastTestOk === false) return { tone: 'bad', text: 'Sign-in failing' };
  return { tone: 'neutral', text: 'Not checked yet' };
}

export function Dashboard() {
  const location = useLocation();
  const notice = (location.state as { message?: string } | null)?.message ?? null;
  const status = useEngine('engine.status', {}, ['engine.changed', 'run.started', 'run.finished']);
  const demo = useDemo();
  const sandbox = useSandboxIds();
  const connections = useEngine('connections.list', {}, ['connection.status', 'engine.changed']);
  const sources = useEngine('sources.list', {}, ['source.changed', 'engine.changed', 'run.finished']);
  const jobs = useEngine('jobs.list', {}, ['engine.changed', 'run.started', 'run.finished']);
  const runs = useEngine('history.list', { limit: 8 }, ['run.started', 'run.finished']);
  const activity = useEngine('history.activity', { days: 30 }, ['run.finished']);
  // The reasons of the latest problem runs, for the attention list.
  const attentionRuns = useEngine('history.list', { limit: 10, status: 'needs_attention' }, ['run.finished']);
  const failedRuns = useEngine('history.list', { limit: 10, status: 'failed' }, ['run.finished']);
  const action = useAction();

  if (status.error) return <ErrorState message={status.error} onRetry={status.reload} />;
  // The tour's state only decides whether the first-run choices show; if it cannot be read, the dashboard still works.
  if (!status.data || (!demo.data && !demo.error)) return <Loading what="the agent's status" />;
  const s = status.data;
  const nothingSetUp = s.counts.connections === 0 && s.counts.sources === 0 && s.counts.jobs === 0 && (demo.data?.step ?? 'start') === 'start';
  const errorOf = new Map([...(runs.data ?? []), ...(attentionRuns.data ?? []), ...(failedRuns.data ?? [])].map((r) => [r.id, r.error]));
  const attention = attentionItems(jobs.data ?? [], sources.data ?? [], connections.data ?? [], { errorOf: (id) => errorOf.get(id) ?? null, formatTime, label: (st) => statusLabel[st] });
  const sourceName = new Map((sources.data ?? []).map((x) => [x.id, x.name]));
  const sourceKind = new Map((sources.data ?? []).map((x) => [x.id, x.kind]));

  return (
    <>
      <PageHeader
        title="Dashboard"
        description="What the agent is doing, and anything that needs you."
        actions={
          nothingSetUp ? undefined : s.pausedUntil ? (
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
      {notice && (
        <div className="banner banner-ok" role="status">
          {notice}
        </div>
      )}
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

      {nothingSetUp ? (
        <FirstRunChoices />
      ) : (
        <>
          {attention.length > 0 && (
            <Card title={`Needs your attention (${attention.length})`} className="card-attention">
              <ul className="list attention-list">
                {attention.map((a) => (
                  <li key={a.key}>
                    <Badge tone={a.tone}>{a.label}</Badge> {withSubject(a.text, a.subject)} <Link to={linkOf(a).to}>{linkOf(a).text}</Link>
                    {a.detail && <div className="muted small">{a.detail}</div>}
                  </li>
                ))}
              </ul>
            </Card>
          )}
          {attention.length === 0 && s.counts.jobs > 0 && (
            <p className="all-clear" role="status">
              <Badge tone="ok">All clear</Badge> Nothing needs you: every job's last run went through, every source is readable and every connection signs in.
            </p>
          )}

          <div className="grid-2 equal">
            <Card title="Platform connections" actions={<Link to="/connections">Manage</Link>}>
              <HealthList
                loading={!connections.data}
                error={connections.error}
                empty={
                  <>
                    No platform connection yet. <Link to="/connections?add=1">Connect to your platform</Link>
                  </>
                }
                rows={(connections.data ?? []).map((c) => ({
                  key: c.id,
                  name: c.name,
                  sandbox: sandbox.connection(c.id) || c.sandbox,
                  health: connectionHealth(c),
                  detail: c.lastUsedAt ? `Last used ${formatTime(c.lastUsedAt)}` : 'Not used by a run yet',
                }))}
              />
            </Card>
            <Card title="Sources" actions={<Link to="/sources">Manage</Link>}>
              <HealthList
                loading={!sources.data}
                error={sources.error}
                empty={
                  <>
                    No source yet. <Link to="/sources">Add a folder or a database</Link>
                  </>
                }
                rows={(sources.data ?? []).map((x) => ({
                  key: x.id,
                  name: x.name,
                  sandbox: x.sandbox,
                  health: sourceHealth(x),
                  detail:
                    x.filesWaiting > 0
                      ? `${x.filesWaiting} file${x.filesWaiting === 1 ? '' : 's'} waiting`
                      : x.lastFile
                        ? `Last file: ${fileName(x.lastFile)}`
                        : x.kind === 'folder'
                          ? 'No file synced yet'
                          : null,
                }))}
              />
            </Card>
          </div>

          <div className="grid-2 equal">
            <Card title="Next runs" actions={<Link to="/jobs">All jobs</Link>}>
              <NextRuns jobs={jobs.data} error={jobs.error} sourceName={sourceName} sourceKind={sourceKind} sandbox={sandbox} paused={s.pausedUntil !== null} />
            </Card>
            <Card title="Latest runs" actions={<Link to="/history">Full history</Link>}>
              {runs.error ? (
                <ErrorState message={runs.error} onRetry={runs.reload} />
              ) : !runs.data ? (
                <Loading what="runs" />
              ) : runs.data.length === 0 ? (
                <p className="muted">No runs yet. A run appears here as soon as a job runs on its schedule, on a new file, or when you press “Run now”.</p>
              ) : (
                <ul className="list run-list">
                  {runs.data.map((r) => (
                    <li key={r.id}>
                      <Badge tone={runBadge(r).tone}>{runBadge(r).label}</Badge>{' '}
                      <Link to={`/history/${r.id}`}>{r.jobName}</Link> {sandbox.job(r.jobId) && <SandboxLabel />}
                      <div className="muted small">
                        {formatTime(r.startedAt)}
                        {r.file ? ` · ${fileName(r.file)}` : ''} · {runOutcome(r, jobs.data?.find((j) => j.id === r.jobId)?.type ?? null)}
                      </div>
                    </li>
                  ))}
                </ul>
              )}
            </Card>
          </div>

          <Card title="Activity, last 30 days">
            {activity.error ? <ErrorState message={activity.error} /> : activity.data ? <ActivityChart days={activity.data} /> : <Loading what="activity" />}
          </Card>
        </>
      )}
      <p className="muted small">
        Agent {s.version} · {s.mode === 'desktop' ? 'desktop app' : 'headless'} · running since {formatTime(s.startedAt)}
      </p>
    </>
  );
}

function HealthList({
  rows,
  loading,
  error,
  empty,
}: {
  rows: { key: string; name: string; sandbox: boolean; health: { tone: Tone; text: string }; detail: string | null }[];
  loading: boolean;
  error: string | null;
  empty: ReactNode;
}) {
  if (error) return <ErrorState message={error} />;
  if (loading) return <Loading what="the list" />;
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="list health-list">
      {rows.map((r) => (
        <li key={r.key}>
          <span className="health-name">
            {r.name} {r.sandbox && <SandboxLabel />}
          </span>
          <Badge tone={r.health.tone}>{r.health.text}</Badge>
          {r.detail && <span className="muted small health-detail">{r.detail}</span>}
        </li>
      ))}
    </ul>
  );
}

function NextRuns({
  jobs,
  error,
  sourceName,
  sourceKind,
  sandbox,
  paused,
}: {
  jobs: JobInfo[] | undefined;
  error: string | null;
  sourceName: Map<string, string>;
  sourceKind: Map<string, 'folder' | 'database'>;
  sandbox: SandboxIds;
  paused: boolean;
}) {
  if (error) return <ErrorState message={error} />;
  if (!jobs) return <Loading what="jobs" />;
  const active = jobs.filter((j) => !j.paused);
  if (active.length === 0) {
    return (
      <p className="muted">
        {jobs.length ? 'Every job is paused.' : 'No jobs yet.'} <Link to="/jobs">{jobs.length ? 'Resume one on the Jobs page' : 'Create a job'}</Link> to sync on a schedule or
        whenever a new file arrives.
      </p>
    );
  }
  const scheduled = active.filter((j) => j.nextRunAt).sort((a, b) => (a.nextRunAt ?? '').localeCompare(b.nextRunAt ?? ''));
  // A job with no schedule runs on a new file only if its source is a folder; otherwise only by hand.
  const onFile = active.filter((j) => !j.nextRunAt && j.sourceId && sourceKind.get(j.sourceId) === 'folder');
  const byHand = active.filter((j) => !j.nextRunAt && !onFile.includes(j));
  return (
    <ul className="list">
      {scheduled.slice(0, 6).map((j) => (
        <li key={j.id}>
          <strong>{formatTimeInZone(j.nextRunAt, j.timezone)}</strong> · {j.name} {sandbox.job(j.id) && <SandboxLabel />}
          {j.nextRunIsRetry ? <div className="muted small">Automatic retry of a scheduled run that failed</div> : j.scheduleText && <div className="muted small">{j.scheduleText}</div>}
        </li>
      ))}
      {onFile.slice(0, 6).map((j) => (
        <li key={j.id}>
          <strong>On the next new file</strong> · {j.name} {sandbox.job(j.id) && <SandboxLabel />}
          <div className="muted small">Watching “{sourceName.get(j.sourceId ?? '') ?? 'its folder'}”</div>
        </li>
      ))}
      {byHand.slice(0, 6).map((j) => (
        <li key={j.id}>
          <strong>Only when run by hand</strong> · {j.name} {sandbox.job(j.id) && <SandboxLabel />}
          <div className="muted small">No schedule: Run now on the Jobs page</div>
        </li>
      ))}
      {paused && <li className="muted small">Syncs are paused: these runs wait until you resume.</li>}
    </ul>
  );
}
