import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { Link } from 'react-router-dom';
import type { RunSummary } from '../../shared/api';
import { formatDuration, formatNumber, formatTime, statusLabel, statusTone } from '../format';
import { Badge } from './ui';

// The status column fits the longest label ("Succeeded with rejected rows") and the start time one line.
const COLUMNS = 'minmax(3.5rem,5rem) minmax(8rem,2fr) minmax(4.5rem,0.8fr) minmax(14rem,1.6fr) minmax(12rem,1.4fr) minmax(3.5rem,0.8fr) repeat(4, minmax(4.6rem, 0.8fr))';

/** Virtualized: only the visible rows are in the DOM, so 100,000 runs scroll as fast as 10. */
export function RunTable({ runs, onEndReached, height = 480 }: { runs: RunSummary[]; onEndReached?: () => void; height?: number }) {
  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: runs.length, getScrollElement: () => parentRef.current, estimateSize: () => 44, overscan: 10 });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  if (onEndReached && last && last.index >= runs.length - 5) queueMicrotask(onEndReached);
  return (
    <div className="vtable" role="table" aria-label="Runs" aria-rowcount={runs.length + 1}>
      <div className="vtable-head" role="row" style={{ gridTemplateColumns: COLUMNS }}>
        {['Run', 'Job', 'Trigger', 'Status', 'Started', 'Took', 'Read', 'Sent', 'Unchanged', 'Rejected'].map((h, i) => (
          <div role="columnheader" key={h} className={i >= 6 ? 'num' : undefined}>
            {h}
          </div>
        ))}
      </div>
      <div ref={parentRef} className="vtable-body" style={{ height: Math.min(height, runs.length * 44 + 2) }}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const r = runs[item.index]!;
            return (
              <div
                key={r.id}
                role="row"
                aria-rowindex={item.index + 2}
                className="vtable-row"
                style={{ gridTemplateColumns: COLUMNS, transform: `translateY(${item.start}px)`, height: item.size }}
              >
                <div role="cell">
                  <Link to={`/history/${r.id}`}>#{r.id}</Link>
                </div>
                <div role="cell" className="truncate" title={r.jobName}>
                  {r.jobName}
                </div>
                <div role="cell">{r.trigger}</div>
                <div role="cell">
                  <Badge tone={statusTone(r.status)}>{statusLabel[r.status]}</Badge>
                </div>
                <div role="cell" className="truncate" title={r.startedAt}>
                  {formatTime(r.startedAt)}
                </div>
                <div role="cell">{formatDuration(r.startedAt, r.finishedAt)}</div>
                <div role="cell" className="num">{formatNumber(r.read)}</div>
                <div role="cell" className="num">{formatNumber(r.created + r.updated + r.deleted)}</div>
                <div role="cell" className="num">{formatNumber(r.unchanged)}</div>
                <div role="cell" className="num">{formatNumber(r.rejected)}</div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
