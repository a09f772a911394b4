import { useCallback, useEffect, useState } from 'react';
import type { RunSummary } from '../../shared/api';
import { RunStatus, RunTrigger } from '../../shared/domain';
import { client } from '../bridge/client';
import { RunTable } from '../components/RunTable';
import { EmptyState, ErrorState, Loading, PageHeader } from '../components/ui';
import { formatNumber, statusLabel, triggerLabel } from '../format';
import { plural } from '../../shared/plural';
import { useEngine } from '../hooks';

const PAGE = 200;

export function History() {
  const jobs = useEngine('jobs.list', {});
  const [filter, setFilter] = useState<{ jobId?: string; status?: RunStatus; trigger?: RunTrigger; from?: string; to?: string }>({});
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);

  const query = useCallback(
    (beforeId?: number) =>
      client.call('history.list', {
        ...filter,
        // The dates are the user's calendar days: local midnight to the midnight after "To".
        from: filter.from ? localMidnight(filter.from, 0) : undefined,
        to: filter.to ? localMidnight(filter.to, 1) : undefined,
        beforeId,
        limit: PAGE,
      }),
    [filter],
  );

  const reload = useCallback(() => {
    setError(null);
    query()
      .then((r) => {
        setRuns(r);
        setDone(r.length < PAGE);
      })
      .catch((e: Error) => setError(e.message));
  }, [query]);

  useEffect(() => {
    reload();
    const offs = [client.on('run.started', reload), client.on('run.finished', reload)];
    return () => offs.forEach((o) => o());
  }, [reload]);

  const loadMore = useCallback(() => {
    if (done || loadingMore || !runs?.length) return;
    setLoadingMore(true);
    query(runs[runs.length - 1]!.id)
      .then((more) => {
        setRuns((prev) => [...(prev ?? []), ...more]);
        setDone(more.length < PAGE);
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => setLoadingMore(false));
  }, [done, loadingMore, runs, query]);

  return (
    <>
      <PageHeader title="History" description="Every run, newest first, with what it read, sent and rejected." />
      <form className="filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Job
          <select value={filter.jobId ?? ''} onChange={(e) => setFilter({ ...filter, jobId: e.target.value || undefined })}>
            <option value="">All jobs</option>
            {jobs.data?.map((j) => (
              <option key={j.id} value={j.id}>
                {j.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={filter.status ?? ''} onChange={(e) => setFilter({ ...filter, status: (e.target.value || undefined) as RunStatus | undefined })}>
            <option value="">Any status</option>
            {RunStatus.options.map((s) => (
              <option key={s} value={s}>
                {statusLabel[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Trigger
          <select value={filter.trigger ?? ''} onChange={(e) => setFilter({ ...filter, trigger: (e.target.value || undefined) as RunTrigger | undefined })}>
            <option value="">Any trigger</option>
            {RunTrigger.options.map((t) => (
              <option key={t} value={t}>
                {triggerLabel[t]}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={filter.from ?? ''} onChange={(e) => setFilter({ ...filter, from: e.target.value || undefined })} />
        </label>
        <label>
          To
          <input type="date" value={filter.to ?? ''} min={filter.from} onChange={(e) => setFilter({ ...filter, to: e.target.value || undefined })} />
        </label>
        {Object.values(filter).some(Boolean) && (
          <button type="button" className="button" onClick={() => setFilter({})}>
            Clear filters
          </button>
        )}
      </form>
      {filter.from && filter.to && filter.to < filter.from && (
        <p className="field-error" role="alert">
          The “To” date is before the “From” date, so no run can match. Pick a “To” date on or after {filter.from}.
        </p>
      )}
      {error ? (
        <ErrorState message={error} onRetry={reload} />
      ) : runs === null ? (
        <Loading what="history" />
      ) : runs.length === 0 ? (
        <EmptyState title={Object.values(filter).some(Boolean) ? 'No runs match these filters' : 'No runs yet'}>
          {Object.values(filter).some(Boolean)
            ? 'Change or clear the filters above.'
            : 'Each time a job runs — on its schedule, when a file arrives, or when you press “Run now” — it is recorded here.'}
        </EmptyState>
      ) : (
        <>
          <p className="muted small" aria-live="polite">
            Showing {plural(runs.length, 'run', 'runs', formatNumber)}{done ? '' : ' (scroll for more)'}
          </p>
          <RunTable runs={runs} onEndReached={loadMore} height={560} />
        </>
      )}
    </>
  );
}

/** ISO instant of local midnight at the start of `date` (YYYY-MM-DD) plus `addDays`. */
function localMidnight(date: string, addDays: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y!, m! - 1, d! + addDays).toISOString();
}
