import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { Result, RunRequestDto } from '../../shared/api';
import { downloadFromAgent } from '../bridge/agent-token';
import { client } from '../bridge/client';
import { saveCsvAs } from '../bridge/save-file';
import { Badge, Card, ErrorState, Loading, PageHeader, SandboxLabel, Stat } from '../components/ui';
import { useSandboxIds } from '../firstrun/sandbox';
import { reasonAlone } from '../../shared/mapping/messages';
import { cursorText, exportOutput } from '../export-run';
import { formatDuration, formatNumber, formatTime, formatTimeExact, runBadge, triggerSentence, watermarkText } from '../format';
import { useAction, useEngine } from '../hooks';
import { DriftNotice, MappingFixNotice } from '../wizard/DriftNotice';
import { HeldNotice } from '../wizard/HeldNotice';
import { RunLinks } from '../components/RunLinks';
import { ErrorGroupsCard, type ErrorKindGroup } from '../components/ErrorGroups';
import { errorsCsvFileName } from '../../shared/mapping/error-groups';
import { runCountStats } from '../../shared/run-counts';

type ErrorRow = Result<'history.errors'>[number];

/** The error table shows this many rows; the CSV has them all. */
const ERROR_ROWS_SHOWN = 500;
/** A running run reports progress many times a second; the page refreshes its facts at most this often. */
const PROGRESS_REFRESH_MS = 1000;

export function RunDetail() {
  const runId = Number(useParams().runId);
  const detail = useEngine('history.get', { runId }, []);
  const jobs = useEngine('jobs.list', {}, []);
  const mappings = useEngine('mappings.list', {}, []);
  const sandbox = useSandboxIds();
  const { reload } = detail;

  // Only this run's events refresh the page, and progress no more than once a second.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const offProgress = client.on('run.progress', (p) => {
      if (p.runId !== runId || timer) return;
      timer = setTimeout(() => {
        timer = null;
        reload();
      }, PROGRESS_REFRESH_MS);
    });
    const offFinished = client.on('run.finished', (r) => {
      if (r.id === runId) reload();
    });
    return () => {
      offProgress();
      offFinished();
      if (timer) clearTimeout(timer);
    };
  }, [runId, reload]);

  // "Show these rows" on a kind of error narrows the row table and its CSV to that kind.
  const [kind, setKind] = useState<ErrorKindGroup | null>(null);
  useEffect(() => setKind(null), [runId]);
  const rowsCard = useRef<HTMLDivElement>(null);
  const showKind = useCallback((g: ErrorKindGroup | null) => {
    setKind(g);
    if (g) rowsCard.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, []);

  const errors = useAppendingErrors(runId, kind ? kind.rows : (detail.data?.errorCount ?? 0), detail.data ? detail.data.run.finishedAt !== null : false, kind?.kind);

  if (!Number.isInteger(runId) || runId < 1) return <ErrorState message="That is not a run number." />;
  if (detail.error) return <ErrorState message={detail.error} onRetry={detail.reload} />;
  if (!detail.data) return <Loading what={`run #${runId}`} />;
  const { run, events, errorCount, requestCount } = detail.data;
  const isSandbox = sandbox.job(run.jobId);
  const job = jobs.data?.find((j) => j.id === run.jobId);
  const isExport = run.jobType === 'export' || job?.type === 'export';
  const written = isExport ? exportOutput(events) : null;
  const cursor = (v: string) => (isExport ? cursorText(v, formatTimeExact) : v);
  // The run counts held values among the rejected; they are neither rejected nor lost, so shown apart.
  const heldValues = detail.data.heldWhy ? Math.min(run.rejected, detail.data.heldWhy.codes + detail.data.heldWhy.periods) : 0;

  return (
    <>
      <PageHeader
        title={`Run #${run.id} — ${run.jobName}`}
        description={`${triggerSentence[run.trigger]} on ${formatTime(run.startedAt)}; ${run.finishedAt ? `took ${formatDuration(run.startedAt, run.finishedAt)}` : 'still running'}.${run.jobNameAtRun ? ` The job was named “${run.jobNameAtRun}” then.` : ''}`}
        actions={<Link to="/history" className="button">Back to history</Link>}
      />
      <p>
        <Badge tone={runBadge(run).tone}>{runBadge(run).label}</Badge>{' '}
        {isSandbox && <SandboxLabel />}
      </p>
      {run.error && (
        <div className="banner banner-bad" role="alert">
          <RunLinks text={run.error} />
        </div>
      )}
      {/* A file's run, or a database run (no file) whose table or query result changed. */}
      {run.status === 'needs_attention' && run.error?.includes('columns changed') && (run.file || job?.type === 'ingest') && <DriftNotice runId={run.id} />}
      {run.status === 'needs_attention' && run.file && run.error?.includes('as the decimal separator') && (
        <MappingFixNotice runId={run.id} mappingId={jobs.data?.find((j) => j.id === run.jobId)?.mappingId ?? null} />
      )}
      {run.file && run.finishedAt && run.held === 0 && (run.status === 'succeeded_with_rejections' || run.status === 'failed') && job?.type === 'ingest' && (
        <div className="banner banner-info resend-notice">
          <p>
            {run.status === 'failed' ? 'Once the cause is fixed' : 'Once the cause of the rejected rows is fixed'} in the mapping or on the platform, send the file again: values
            already on the platform are not sent twice. (A corrected file is simply dropped in the folder again.)
          </p>
          <MappingFixNotice runId={run.id} mappingId={job.mappingId} />
        </div>
      )}
      {run.held > 0 && run.file && run.finishedAt && run.status !== 'needs_attention' && <HeldNotice run={run} sentBy={detail.data.heldSentBy} why={detail.data.heldWhy} mappingId={jobs.data?.find((j) => j.id === run.jobId)?.mappingId ?? null} />}
      <div className="stats">
        {runCountStats({ ...run, held: heldValues }, isExport).map((s) => (
          <Stat key={s.label} label={s.label} value={formatNumber(s.value)} tone={s.tone} />
        ))}
      </div>
      <p className="muted small">
        {isExport
          ? 'An export writes rows, it sends nothing. Rows written counts every row this run wrote; of those, Deleted on the platform are the rows deleted there since the last export (listed with deleted_at in a file, removed from a table).' +
            (run.rejected > 0 ? ' Skipped footprints failed PACT validation and were left out: see them below.' : '')
          : 'Created, updated, deleted, unchanged and rejected count values: a row gives one value for each of its value columns.'}
        {heldValues > 0 ? ' Held values are not rejected: they wait for a code to be mapped or their period to end, and are sent then.' : ''}
      </p>
      <dl className="facts">
        {run.file && (
          <>
            <dt>File</dt>
            <dd>
              {run.file}
              {detail.data.fileRemovedAt ? (
                <div className="muted small">
                  removed from {detail.data.fileNow ?? 'there'} on {formatTime(detail.data.fileRemovedAt)} by the clean-up of old files (<Link to="/settings">Settings</Link> → Files in watched folders)
                </div>
              ) : (
                detail.data.fileNow && <div className="muted small">now at {detail.data.fileNow}</div>
              )}
            </dd>
          </>
        )}
        {(run.watermarkFrom || run.watermarkTo) &&
          (isExport ? (
            <>
              <dt>Rows after / up to</dt>
              <dd>
                {run.watermarkFrom ? cursor(run.watermarkFrom) : 'start'} → {run.watermarkTo ? cursor(run.watermarkTo) : '—'}
              </dd>
            </>
          ) : (
            <>
              <dt>Watermark</dt>
              <dd>{watermarkText(run)}</dd>
            </>
          ))}
        {written && (
          <>
            <dt>{written.kind === 'file' ? 'File written' : 'Table written'}</dt>
            <dd>{written.kind === 'file' ? written.path : written.table}</dd>
          </>
        )}
        {run.mappingId && (
          <>
            <dt>Mapping</dt>
            <dd>
              {mappings.data?.find((m) => m.id === run.mappingId)?.name ?? 'A mapping since removed'}, version {run.mappingVersion}
              {(() => {
                const now = mappings.data?.find((m) => m.id === run.mappingId);
                return now && now.version !== run.mappingVersion ? <span className="muted small"> (now version {now.version})</span> : null;
              })()}
            </dd>
          </>
        )}
        <dt>Service account</dt>
        <dd>{run.serviceAccount ?? '—'}</dd>
        <dt>Platform requests</dt>
        <dd>
          {formatNumber(run.requests)} ({formatNumber(run.retries)} retried)
        </dd>
        {/* A database read has no byte count (rows come from the driver), so it is not shown as 0 bytes. */}
        {(isExport || run.file !== null || run.bytes > 0) && (
          <>
            <dt>{isExport ? 'Data written' : 'Data read'}</dt>
            <dd>{formatNumber(run.bytes)} bytes</dd>
          </>
        )}
      </dl>
      <ErrorGroupsCard runId={run.id} errorCount={errorCount} finished={run.finishedAt !== null} shown={kind?.kind ?? null} onShow={showKind} />
      <Card title="Timeline">
        {events.length === 0 ? (
          <p className="muted">No events recorded.</p>
        ) : (
          <ol className="timeline">
            {events.map((e, i) => (
              <li key={i} className={`event-${e.level}`}>
                <time dateTime={e.at}>{formatTime(e.at)}</time> <RunLinks text={e.message} />
              </li>
            ))}
          </ol>
        )}
      </Card>
      <div ref={rowsCard} className="scroll-target">
      <Card title={kind ? `Row errors of one kind (${formatNumber(kind.rows)} of ${formatNumber(errorCount)})` : `Row errors (${formatNumber(errorCount)})`}>
        {kind && (
          <p className="error-kind-filter">
            <span>
              Only {kind.column ? <strong>column “{kind.column}”: </strong> : null}
              {kind.example}
              {kind.held ? ' (held)' : ''}
            </span>
            <button type="button" className="button small" onClick={() => setKind(null)}>
              Show every kind
            </button>
          </p>
        )}
        {errorCount > 0 && <DownloadErrors runId={run.id} kind={kind?.kind} />}
        {errors.error ? (
          <ErrorState message={errors.error} />
        ) : errorCount === 0 ? (
          <p className="muted">No row was rejected.</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                {/* A database row is named by its key (id=1042): a table has no line a person can find. */}
                <th scope="col">{errors.rows.some((e) => e.row) ? 'Row' : 'Line'}</th>
                <th scope="col">Column</th>
                <th scope="col">Value</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {errors.rows.map((e) => (
                <tr key={e.id}>
                  {e.row ? <td className="error-row-key">{e.row}</td> : <td className="num">{e.line ?? '—'}</td>}
                  <td>{e.column ?? '—'}</td>
                  <td className="error-value">{e.value ?? ''}</td>
                  <td>{reasonAlone(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {(kind ? kind.rows : errorCount) > errors.rows.length && (
          <p className="muted small">
            Showing the first {formatNumber(errors.rows.length)} of {formatNumber(kind ? kind.rows : errorCount)}; download the CSV for all.
          </p>
        )}
      </Card>
      </div>
      <Card title={`Platform requests (${formatNumber(run.requests)})`}>
        <RequestLog runId={run.id} total={run.requests} stored={requestCount} retries={run.retries} />
      </Card>
    </>
  );
}

const REQUEST_PAGE = 500;
const ROW_HEIGHT = 36;
const REQUEST_COLUMNS = 'minmax(6.5rem,0.8fr) minmax(4rem,0.5fr) minmax(12rem,3fr) minmax(6rem,0.8fr) minmax(5rem,0.6fr) minmax(4rem,0.5fr) minmax(8rem,1.6fr)';

/**
 * The first rows of the run's error table, in line order. While the run goes on and rejects more
 * rows, only the rows after the last one shown are fetched and appended (up to the cap), never the
 * whole table again. Rows found late with an earlier line (duplicates, platform rejections) would
 * land before the shown ones, so the table is read once more from the top when the run ends.
 */
function useAppendingErrors(runId: number, errorCount: number, finished: boolean, kind: string | undefined) {
  const [rows, setRows] = useState<ErrorRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const state = useRef({ runId, kind, rows: [] as ErrorRow[], busy: false });

  useEffect(() => {
    state.current = { runId, kind, rows: [], busy: false };
    setRows([]);
    setError(null);
  }, [runId, finished, kind]);

  useEffect(() => {
    const s = state.current;
    const wanted = Math.min(errorCount, ERROR_ROWS_SHOWN);
    if (s.busy || s.runId !== runId || s.kind !== kind || s.rows.length >= wanted) return;
    s.busy = true;
    const afterId = s.rows.length ? s.rows[s.rows.length - 1]!.id : 0;
    client
      .call('history.errors', { runId, afterId, limit: ERROR_ROWS_SHOWN - s.rows.length, ...(kind ? { kind } : {}) })
      .then((page) => {
        if (state.current !== s) return; // another run opened meanwhile
        s.rows = [...s.rows, ...page];
        setRows(s.rows);
        setError(null);
      })
      .catch((e: Error) => state.current === s && setError(e.message))
      .finally(() => {
        s.busy = false;
      });
  }, [runId, errorCount, finished, kind]);

  return { rows, error };
}

/**
 * "Download all as CSV". In a browser it is a link to the agent's download route, followed with a
 * single-use ticket (downloadFromAgent); the desktop page comes from file://, where that link goes
 * nowhere, so there the native save dialog picks a path and the engine writes the same CSV to it
 * (history.saveErrorsCsv).
 */
function DownloadErrors({ runId, kind }: { runId: number; kind: string | undefined }) {
  const action = useAction();
  const [saved, setSaved] = useState<Result<'history.saveErrorsCsv'> | null>(null);
  const fileName = errorsCsvFileName(runId, kind);
  const label = kind ? 'Download these as CSV' : 'Download all as CSV';
  if (!saveCsvAs) {
    // A link, so it reads as one; the click fetches a single-use ticket first (bridge/agent-token.ts).
    const href = `/api/runs/${runId}/errors.csv${kind ? `?kind=${kind}` : ''}`;
    return (
      <>
        <p>
          <a
            className="button"
            href={href}
            download={fileName}
            onClick={(e) => {
              e.preventDefault();
              void action.run(() => downloadFromAgent(href, fileName));
            }}
          >
            {label}
          </a>
        </p>
        {action.error && (
          <p className="field-error" role="alert">
            {action.error}
          </p>
        )}
      </>
    );
  }
  const pickAndSave = async () => {
    setSaved(null);
    const path = await action.run(() => saveCsvAs!(fileName));
    if (!path) return;
    const result = await action.run(() => client.call('history.saveErrorsCsv', { runId, path, ...(kind ? { kind } : {}) }));
    if (result) setSaved(result);
  };
  return (
    <div className="download-errors">
      <p>
        <button type="button" className="button" onClick={() => void pickAndSave()} disabled={action.busy}>
          {action.busy ? 'Saving…' : label}
        </button>
      </p>
      <div aria-live="polite">
        {saved && (
          <p className="muted small">
            Saved {formatNumber(saved.rows)} row error{saved.rows === 1 ? '' : 's'} to <code>{saved.path}</code>.
          </p>
        )}
        {action.error && (
          <p className="field-error" role="alert">
            {action.error}
          </p>
        )}
      </div>
    </div>
  );
}

function statusBadge(r: RunRequestDto) {
  if (r.status === null) return <Badge tone="bad">No answer</Badge>;
  const tone = r.status < 300 ? 'ok' : r.status === 401 || r.status === 429 || r.status === 408 ? 'warn' : 'bad';
  return <Badge tone={tone}>{r.status}</Badge>;
}

/** The client's error codes (main/engine/platforms/errors.ts) in words; a detail in brackets (e.g. ECONNRESET) is kept. */
const ERROR_WORDS: Record<string, string> = {
  dns: 'Host name not found',
  tls: 'TLS / certificate problem',
  connect: 'Connection failed',
  timeout: 'Timed out',
  invalid_client: 'Credentials rejected',
  forbidden_scope: 'Missing permission (scope)',
  unauthorized: 'Token rejected',
  not_found: 'Not found',
  rate_limited: 'Rate limited',
  server: 'Platform server error',
  bad_request: 'Request refused',
  conflict: 'Conflict',
  bad_response: 'Unexpected answer',
  aborted: 'Cancelled',
};

function errorWords(error: string): string {
  const m = /^([a-z_]+)(.*)$/.exec(error);
  const words = m ? ERROR_WORDS[m[1]!] : undefined;
  return words ? `${words}${m![2]}` : error;
}

const timeOfDay = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toLocaleTimeString(undefined, { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

/**
 * Every HTTP attempt the run made, oldest first. Virtualized and loaded a page at a time as it
 * scrolls, so a run with 20,000 requests opens as fast as one with 20.
 */
function RequestLog({ runId, total, stored, retries }: { runId: number; total: number; stored: number; retries: number }) {
  const [rows, setRows] = useState<RunRequestDto[]>([]);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const parentRef = useRef<HTMLDivElement>(null);
  // The rows loaded so far and whether a page is on its way, for this run; replaced when another run opens.
  const state = useRef({ runId, rows: [] as RunRequestDto[], done: false, busy: false });

  /** Fetches the next page after the last row loaded and appends it: scroll position and loaded pages stay. */
  const loadMore = useCallback(() => {
    const s = state.current;
    if (s.busy) return;
    s.busy = true;
    const afterId = s.rows.length ? s.rows[s.rows.length - 1]!.id : 0;
    client
      .call('history.requests', { runId: s.runId, afterId, limit: REQUEST_PAGE })
      .then((page) => {
        if (state.current !== s) return; // another run opened meanwhile
        s.rows = page.length ? [...s.rows, ...page] : s.rows;
        s.done = page.length < REQUEST_PAGE;
        setRows(s.rows);
        setDone(s.done);
        setError(null);
      })
      .catch((e: Error) => state.current === s && setError(e.message))
      .finally(() => {
        s.busy = false;
      });
  }, []);

  useEffect(() => {
    state.current = { runId, rows: [], done: false, busy: false };
    setRows([]);
    setDone(false);
    setError(null);
    loadMore();
  }, [runId, loadMore]);

  // A running run keeps adding requests. When everything stored so far is loaded, fetch just the
  // new ones; otherwise the rows further down load as the person scrolls to them.
  useEffect(() => {
    const s = state.current;
    if (s.done && s.rows.length < stored) {
      s.done = false;
      setDone(false);
      loadMore();
    }
  }, [stored, loadMore]);

  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (!done && last && last.index >= rows.length - 20) loadMore();
  }, [done, last, rows.length, loadMore]);

  if (error) return <ErrorState message={error} onRetry={loadMore} />;
  if (total === 0 && stored === 0) return <p className="muted">This run made no platform requests.</p>;
  const failedAttempts = rows.filter((r) => r.error !== null).length;
  const tokenCalls = rows.filter((r) => r.kind === 'token').length;
  return (
    <>
      <p className="muted small" aria-live="polite">
        {formatNumber(total)} request{total === 1 ? '' : 's'}, {formatNumber(retries)} of them retries
        {rows.length > 0 && `; of the ${formatNumber(rows.length)} loaded, ${formatNumber(failedAttempts)} failed and ${formatNumber(tokenCalls)} fetched a token`}.
        {' '}Only method, address and outcome are kept — never request or response bodies, never tokens.
        {stored < total && ` The first ${formatNumber(stored)} are listed.`}
      </p>
      <div className="vtable" role="table" aria-label="Platform requests" aria-rowcount={stored + 1}>
        <div className="vtable-head" role="row" style={{ gridTemplateColumns: REQUEST_COLUMNS }}>
          {['Time', 'Method', 'Path', 'Status', 'Duration', 'Attempt', 'Error'].map((h) => (
            <div role="columnheader" key={h} className={h === 'Duration' || h === 'Attempt' ? 'num' : undefined}>
              {h}
            </div>
          ))}
        </div>
        <div ref={parentRef} className="vtable-body" style={{ height: Math.min(420, rows.length * ROW_HEIGHT + 2) }}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const r = rows[item.index]!;
              return (
                <div
                  key={r.id}
                  role="row"
                  aria-rowindex={item.index + 2}
                  className="vtable-row"
                  style={{ gridTemplateColumns: REQUEST_COLUMNS, transform: `translateY(${item.start}px)`, height: item.size }}
                >
                  <div role="cell" className="num" title={r.startedAt}>
                    {timeOfDay(r.startedAt)}
                  </div>
                  <div role="cell">
                    <code>{r.method}</code>
                  </div>
                  <div role="cell" className="truncate" title={`${r.host}${r.path}`}>
                    {r.path}
                    {r.kind === 'token' && (
                      <>
                        {' '}
                        <Badge tone="info">token</Badge>
                      </>
                    )}
                  </div>
                  <div role="cell">{statusBadge(r)}</div>
                  <div role="cell" className="num">
                    {formatNumber(r.durationMs)} ms
                  </div>
                  <div role="cell" className="num">
                    {r.attempt > 1 ? `retry ${r.attempt - 1}` : '1st'}
                  </div>
                  <div role="cell" className="truncate" title={r.error ?? ''}>
                    {r.error ? errorWords(r.error) : ''}
                  </div>
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </>
  );
}

