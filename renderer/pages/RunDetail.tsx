import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { Result } from '../../shared/api';
import { client } from '../bridge/client';
import { Badge, Card, ErrorState, Loading, PageHeader, Stat } from '../components/ui';
import { formatDuration, formatNumber, formatTime, statusLabel, statusTone } from '../format';
import { useEngine } from '../hooks';
import { DriftNotice } from '../wizard/DriftNotice';

type ErrorRow = Result<'history.errors'>[number];

export function RunDetail() {
  const runId = Number(useParams().runId);
  const detail = useEngine('history.get', { runId }, ['run.finished', 'run.progress']);
  const [errors, setErrors] = useState<ErrorRow[]>([]);
  const [errorsError, setErrorsError] = useState<string | null>(null);

  useEffect(() => {
    setErrors([]);
    client
      .call('history.errors', { runId, afterId: 0, limit: 500 })
      .then(setErrors)
      .catch((e: Error) => setErrorsError(e.message));
  }, [runId, detail.data?.errorCount]);

  if (!Number.isInteger(runId) || runId < 1) return <ErrorState message="That is not a run number." />;
  if (detail.error) return <ErrorState message={detail.error} onRetry={detail.reload} />;
  if (!detail.data) return <Loading what={`run #${runId}`} />;
  const { run, events, errorCount } = detail.data;

  return (
    <>
      <PageHeader
        title={`Run #${run.id} — ${run.jobName}`}
        description={`${run.trigger === 'catch-up' ? 'Catch-up run' : `Triggered by ${run.trigger}`}, started ${formatTime(run.startedAt)}, took ${formatDuration(run.startedAt, run.finishedAt)}.`}
        actions={<Link to="/history" className="button">Back to history</Link>}
      />
      <p>
        <Badge tone={statusTone(run.status)}>{statusLabel[run.status]}</Badge>
      </p>
      {run.error && (
        <div className="banner banner-bad" role="alert">
          {run.error}
        </div>
      )}
      {run.status === 'needs_attention' && run.file && run.error?.includes('columns changed') && <DriftNotice runId={run.id} />}
      <div className="stats">
        <Stat label="Read" value={formatNumber(run.read)} />
        <Stat label="Created" value={formatNumber(run.created)} />
        <Stat label="Updated" value={formatNumber(run.updated)} />
        <Stat label="Deleted" value={formatNumber(run.deleted)} />
        <Stat label="Unchanged" value={formatNumber(run.unchanged)} />
        <Stat label="Rejected" value={formatNumber(run.rejected)} tone={run.rejected ? 'warn' : undefined} />
      </div>
      <dl className="facts">
        {run.file && (
          <>
            <dt>File</dt>
            <dd>{run.file}</dd>
          </>
        )}
        {(run.watermarkFrom || run.watermarkTo) && (
          <>
            <dt>Rows after / up to</dt>
            <dd>
              {run.watermarkFrom ?? 'start'} → {run.watermarkTo ?? '—'}
            </dd>
          </>
        )}
        <dt>Service account</dt>
        <dd>{run.serviceAccount ?? '—'}</dd>
        <dt>Platform requests</dt>
        <dd>
          {formatNumber(run.requests)} ({formatNumber(run.retries)} retried)
        </dd>
        <dt>Data read</dt>
        <dd>{formatNumber(run.bytes)} bytes</dd>
      </dl>
      <Card title="Timeline">
        {events.length === 0 ? (
          <p className="muted">No events recorded.</p>
        ) : (
          <ol className="timeline">
            {events.map((e, i) => (
              <li key={i} className={`event-${e.level}`}>
                <time dateTime={e.at}>{formatTime(e.at)}</time> {e.message}
              </li>
            ))}
          </ol>
        )}
      </Card>
      <Card title={`Row errors (${formatNumber(errorCount)})`}>
        {errorCount > 0 && (
          <p>
            <a className="button" href={`/api/runs/${run.id}/errors.csv`} download={`run-${run.id}-errors.csv`}>
              Download all as CSV
            </a>
          </p>
        )}
        {errorsError ? (
          <ErrorState message={errorsError} />
        ) : errorCount === 0 ? (
          <p className="muted">No row was rejected.</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Column</th>
                <th scope="col">Value</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {errors.map((e) => (
                <tr key={e.id}>
                  <td className="num">{e.line ?? '—'}</td>
                  <td>{e.column ?? '—'}</td>
                  <td>{e.value ?? ''}</td>
                  <td>{e.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {errorCount > errors.length && <p className="muted small">Showing the first {errors.length} of {formatNumber(errorCount)}; download the CSV for all.</p>}
      </Card>
    </>
  );
}
