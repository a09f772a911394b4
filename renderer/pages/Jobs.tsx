import { Link } from 'react-router-dom';
import { Badge, Card, EmptyState, ErrorState, Loading, PageHeader } from '../components/ui';
import { formatTime, statusLabel, statusTone } from '../format';
import { useEngine } from '../hooks';

export function Jobs() {
  const list = useEngine('jobs.list', {}, ['run.started', 'run.finished']);
  return (
    <>
      <PageHeader title="Jobs" description="What is synced, when: ingest jobs send your data to the platform, export jobs bring platform data back." />
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
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
