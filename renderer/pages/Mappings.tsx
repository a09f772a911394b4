import { useState } from 'react';
import { Link, useLocation } from 'react-router-dom';
import type { MappingInfo } from '../../shared/dto';
import { Card, EmptyState, ErrorState, Loading, PageHeader, SandboxLabel } from '../components/ui';
import { useSandboxIds } from '../firstrun/sandbox';
import { formatTime } from '../format';
import { useEngine } from '../hooks';
import { RemoveMappingDialog } from '../mappings/RemoveMappingDialog';
import { errorText } from '../wizard/api';
import { RetryOutcome, useRetryFile } from '../wizard/DriftNotice';
import { downloadProfile, ImportProfile } from '../wizard/ProfileFiles';

/**
 * After a mapping was updated from a run's page: send that run's file now. A run that stopped
 * on changed columns sends the file; one that held values for unmapped codes sends those.
 */
function RetryFile({ runId, held }: { runId: number; held: boolean }) {
  const { retry, retryNow } = useRetryFile(runId);
  const done = retry.runId !== null;
  return (
    <div className="banner banner-info">
      <p>
        {held
          ? `Run #${runId} held values whose site or metric codes were not mapped. If the mapping now maps them, send them:`
          : `Run #${runId} stopped because the file’s columns changed. The mapping now matches it: send the file again?`}{' '}
        <button type="button" className="button primary small" disabled={retry.busy || done} onClick={() => void retryNow()}>
          {retry.busy ? 'Sending…' : held ? `Send the held rows of run #${runId}` : `Send the file of run #${runId}`}
        </button>
      </p>
      <RetryOutcome retry={retry} />
    </div>
  );
}

export function Mappings() {
  const list = useEngine('mappings.list', {});
  const sources = useEngine('sources.list', {});
  // Which jobs use a mapping, for the removal dialog (the engine checks again when removing).
  const jobs = useEngine('jobs.list', {});
  const sandbox = useSandboxIds();
  const location = useLocation();
  // What was just imported or removed; it replaces a message the page was opened with.
  const [notice, setNotice] = useState<string | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  // Kept after the dialog closes, so its text stays put while it closes.
  const [removing, setRemoving] = useState<{ mapping: MappingInfo; open: boolean } | null>(null);
  const message = fileError ? null : (notice ?? (location.state as { message?: string } | null)?.message);
  const { retryRun, retryHeld } = (location.state as { retryRun?: number; retryHeld?: boolean } | null) ?? {};
  const sourceName = (id: string | null) => sources.data?.find((s) => s.id === id)?.name ?? '—';
  const newButton = (
    <Link className="button primary" to="/mappings/new">
      New mapping
    </Link>
  );
  const actions = (
    <div className="form-actions" style={{ margin: 0 }}>
      <ImportProfile
        onDone={(m) => {
          setNotice(m);
          list.reload();
        }}
        onError={setFileError}
      />
      {newButton}
    </div>
  );
  return (
    <>
      <PageHeader
        title="Mappings"
        description="How the columns of your files and tables become platform metrics, sites and periods. Set up once per data feed."
        actions={actions}
      />
      {message && (
        <div className="banner banner-ok" role="status">
          {message}
        </div>
      )}
      {typeof retryRun === 'number' && !notice && <RetryFile runId={retryRun} held={retryHeld === true} />}
      {fileError && (
        <div className="banner banner-bad wizard-pre" role="alert">
          {fileError}
        </div>
      )}
      {list.error ? (
        <ErrorState message={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading what="mappings" />
      ) : list.data.length === 0 ? (
        <EmptyState title="No mappings yet" action={newButton}>
          A mapping tells the agent, once, which column holds which metric, which site codes are which platform sites, and how to read the periods and units.
        </EmptyState>
      ) : (
        <Card>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Source</th>
                <th scope="col">Version</th>
                <th scope="col">Last changed</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((m) => (
                <tr key={m.id}>
                  <td>
                    {m.name} {sandbox.mapping(m.id) && <SandboxLabel />}
                  </td>
                  <td>{sourceName(m.sourceId)}</td>
                  <td className="num">{m.version}</td>
                  <td>{formatTime(m.updatedAt)}</td>
                  <td>
                    <Link className="button small" to={`/mappings/${encodeURIComponent(m.id)}/edit`} aria-label={`Edit ${m.name}`}>
                      Edit
                    </Link>{' '}
                    <button
                      type="button"
                      className="button small"
                      aria-label={`Export ${m.name}`}
                      onClick={() => {
                        setFileError(null);
                        downloadProfile(m.id).catch((e: unknown) => setFileError(errorText(e)));
                      }}
                    >
                      Export
                    </button>{' '}
                    <button
                      type="button"
                      className="button small danger"
                      aria-label={`Remove ${m.name}`}
                      onClick={() => {
                        setFileError(null);
                        jobs.reload();
                        setRemoving({ mapping: m, open: true });
                      }}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      <RemoveMappingDialog
        mapping={removing?.mapping ?? null}
        open={removing?.open ?? false}
        jobs={jobs.data}
        onClose={() => setRemoving((r) => r && { ...r, open: false })}
        onRemoved={(name) => {
          setRemoving((r) => r && { ...r, open: false });
          setNotice(`Removed the mapping “${name}”.`);
          list.reload();
        }}
        onRefused={jobs.reload}
      />
    </>
  );
}
