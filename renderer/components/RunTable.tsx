import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { Link } from 'react-router-dom';
import type { RunSummary } from '../../shared/api';
import { useSandboxIds } from '../firstrun/sandbox';
import { exportCounts } from '../../shared/run-counts';
import { formatDuration, formatNumber, formatTime, runBadge } from '../format';
import { Badge, SandboxLabel } from './ui';
import './run-table.css';

const ROW_HEIGHT = 44;

/** Start time without the year when it is this year's, so it fits one line of a narrow column. */
function startedText(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (d.getFullYear() !== new Date().getFullYear()) return formatTime(iso);
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
}

const HEADERS: { col: string; label: string; num?: boolean }[] = [
  { col: 'run', label: 'Run' },
  { col: 'job', label: 'Job' },
  { col: 'trigger', label: 'Trigger' },
  { col: 'status', label: 'Status' },
  { col: 'started', label: 'Started' },
  { col: 'took', label: 'Took' },
  { col: 'read', label: 'Read', num: true },
  { col: 'sent', label: 'Sent', num: true },
  { col: 'unchanged', label: 'Unchanged', num: true },
  { col: 'rejected', label: 'Rejected', num: true },
];

/**
 * Virtualized: only the visible rows are in the DOM, so 100,000 runs scroll as fast as 10.
 * Column widths and the narrow-window layout live in run-table.css.
 */
export function RunTable({ runs, onEndReached, height = 480 }: { runs: RunSummary[]; onEndReached?: () => void; height?: number }) {
  const parentRef = useRef<HTMLDivElement>(null);
  const sandbox = useSandboxIds();
  const virtualizer = useVirtualizer({ count: runs.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW_HEIGHT, overscan: 10 });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  if (onEndReached && last && last.index >= runs.length - 5) queueMicrotask(onEndReached);
  return (
    <div className="vtable run-table" role="table" aria-label="Runs" aria-rowcount={runs.length + 1}>
      <div className="vtable-head" role="row">
        {HEADERS.map((h) => (
          <div role="columnheader" key={h.col} data-col={h.col} className={h.num ? 'num' : undefined}>
            {h.label}
          </div>
        ))}
      </div>
      <div ref={parentRef} className="vtable-body" style={{ height: Math.min(height, runs.length * ROW_HEIGHT + 2) }}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const r = runs[item.index]!;
            return (
              <div key={r.id} role="row" aria-rowindex={item.index + 2} className="vtable-row" style={{ transform: `translateY(${item.start}px)`, height: item.size }}>
                <div role="cell" data-col="run">
                  <Link to={`/history/${r.id}`}>#{r.id}</Link>
                </div>
                <div role="cell" data-col="job" className="run-job">
                  <span title={r.jobName}>{r.jobName}</span>
                  {sandbox.job(r.jobId) && <SandboxLabel />}
                </div>
                <div role="cell" data-col="trigger">
                  {r.trigger}
                </div>
                <div role="cell" data-col="status">
                  <Badge tone={runBadge(r).tone}>{runBadge(r).label}</Badge>
                </div>
                <div role="cell" data-col="started" className="run-started" title={formatTime(r.startedAt)}>
                  {startedText(r.startedAt)}
                </div>
                <div role="cell" data-col="took">
                  {formatDuration(r.startedAt, r.finishedAt)}
                </div>
                <div role="cell" data-col="read" className="num">
                  {r.jobType === 'export' ? (
                    // An export reads the platform's rows to write them: said as rows written.
                    <span title="Rows this export wrote to its file or table">
                      {formatNumber(exportCounts(r).written)}
                      <span className="muted small"> written</span>
                    </span>
                  ) : (
                    formatNumber(r.read)
                  )}
                </div>
                <div role="cell" data-col="sent" className="num">
                  {/* An export sends nothing: its rows written are its Read. */}
                  {r.jobType === 'export' ? (
                    <span title="An export writes the rows it reads from the platform; it sends nothing.">—</span>
                  ) : (
                    <>
                      {formatNumber(r.created + r.updated)}
                      {/* A mirror's deletions send no value: apart, as with held rows. */}
                      {r.deleted > 0 && <span className="muted small" title="Values deleted on the platform because they are no longer in the source (the job mirrors it)"> −{formatNumber(r.deleted)} deleted</span>}
                    </>
                  )}
                </div>
                <div role="cell" data-col="unchanged" className="num">
                  {r.jobType === 'export' ? <span title="An export does not compare values with the platform; it writes them.">—</span> : formatNumber(r.unchanged)}
                </div>
                <div role="cell" data-col="rejected" className="num">
                  {/* Held rows are counted among the rejected; here, as on the run's page, they are apart. */}
                  {formatNumber(r.rejected - r.held)}
                  {r.held > 0 && <span className="muted small" title="Held rows wait for a code to be mapped or a period to end; they are sent later"> +{formatNumber(r.held)} held</span>}
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
