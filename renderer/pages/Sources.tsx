import { Badge, Card, EmptyState, ErrorState, Loading, PageHeader, SandboxLabel } from '../components/ui';
import { useEngine } from '../hooks';

const tone = (s: string) => (s === 'watching' || s === 'idle' ? 'ok' : s === 'paused' ? 'neutral' : s === 'missing' || s === 'error' ? 'bad' : 'info');

export function Sources() {
  const list = useEngine('sources.list', {}, ['source.changed']);
  return (
    <>
      <PageHeader title="Sources" description="Folders the agent watches for new files, and databases it reads from." />
      {list.error ? (
        <ErrorState message={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading what="sources" />
      ) : list.data.length === 0 ? (
        <EmptyState title="No sources yet">
          A source is where your data already lives: a shared folder that utility-bill exports or ERP dumps are saved into, or a table in a local database.
        </EmptyState>
      ) : (
        <Card>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Location</th>
                <th scope="col">Status</th>
                <th scope="col">Last file or watermark</th>
                <th scope="col">Files waiting</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((s) => (
                <tr key={s.id}>
                  <td>
                    {s.name} {s.sandbox && <SandboxLabel />}
                  </td>
                  <td>{s.kind === 'folder' ? 'Watched folder' : 'Database'}</td>
                  <td>
                    <code>{s.location}</code>
                  </td>
                  <td>
                    <Badge tone={tone(s.paused ? 'paused' : s.status)}>{s.paused ? 'paused' : s.status}</Badge>
                    {s.statusMessage && <div className="muted small">{s.statusMessage}</div>}
                  </td>
                  <td>{s.lastFile ?? s.lastWatermark ?? '—'}</td>
                  <td className="num">{s.filesWaiting}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
