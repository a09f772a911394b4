import { Badge, Card, EmptyState, ErrorState, Loading, PageHeader, SandboxLabel } from '../components/ui';
import { formatTime } from '../format';
import { useEngine } from '../hooks';

const platformName = { 'esg-api': 'ESG platform (API-IN/OUT)', altruistiq: 'Altruistiq', pact: 'PACT data exchange' } as const;

export function Connections() {
  const list = useEngine('connections.list', {}, ['connection.status']);
  return (
    <>
      <PageHeader title="Connections" description="The platform service accounts this agent acts as. Secrets are kept in the system keychain and never shown again." />
      {list.error ? (
        <ErrorState message={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading what="connections" />
      ) : list.data.length === 0 ? (
        <EmptyState title="No connections yet">
          A connection is a service account on your ESG platform: a client ID and a secret created by an administrator in the platform's API settings.
        </EmptyState>
      ) : (
        <Card>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Platform</th>
                <th scope="col">Client ID</th>
                <th scope="col">Permissions</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <tr key={c.id}>
                  <td>
                    {c.name} {c.sandbox && <SandboxLabel />}
                  </td>
                  <td>{platformName[c.kind]}</td>
                  <td>
                    <code>{c.clientId}</code>
                  </td>
                  <td>{c.scopes.join(', ') || '—'}</td>
                  <td>{formatTime(c.createdAt)}</td>
                  <td>{formatTime(c.lastUsedAt)}</td>
                  <td>
                    {c.lastTestOk === null ? (
                      <Badge tone="neutral">Not tested</Badge>
                    ) : c.lastTestOk ? (
                      <Badge tone="ok">Working</Badge>
                    ) : (
                      <Badge tone="bad">{c.lastTestMessage ?? 'Failing'}</Badge>
                    )}
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
