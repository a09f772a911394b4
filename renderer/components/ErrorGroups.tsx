import { useEffect, useRef } from 'react';
import type { Result } from '../../shared/api';
import { kindLines } from '../../shared/mapping/error-groups';
import { formatNumber } from '../format';
import { useEngine } from '../hooks';
import { Badge, Card, ErrorState } from './ui';

type Groups = Result<'history.errorGroups'>;
export type ErrorKindGroup = Groups['groups'][number];
type Group = ErrorKindGroup;

const KINDS_SHOWN = 8;
/** Grouping reads every error of the run; while it is still running, at most this often. */
const LIVE_REFRESH_MS = 5000;

/**
 * A run's row errors by kind, largest first: the card a person reads before (often instead of)
 * the row table. Shown when there are at least two errors, where grouping can say more than a row.
 */
export function ErrorGroupsCard({
  runId,
  errorCount,
  finished,
  shown,
  onShow,
}: {
  runId: number;
  errorCount: number;
  finished: boolean;
  /** The kind the row table is narrowed to, if any. */
  shown: string | null;
  /** Narrows the row table (and its CSV) to one kind, or back to all with null. */
  onShow: (group: Group | null) => void;
}) {
  const groups = useEngine('history.errorGroups', { runId, limit: KINDS_SHOWN }, []);
  const { reload } = groups;
  const loadedAt = useRef(Date.now());
  const seen = useRef({ errorCount, finished });

  // useEngine loads once on mount; later, new errors or the run's end load the groups again.
  useEffect(() => {
    if (seen.current.errorCount === errorCount && seen.current.finished === finished) return;
    seen.current = { errorCount, finished };
    const wait = finished ? 0 : Math.max(0, loadedAt.current + LIVE_REFRESH_MS - Date.now());
    const timer = setTimeout(() => {
      loadedAt.current = Date.now();
      reload();
    }, wait);
    return () => clearTimeout(timer);
  }, [errorCount, finished, reload]);

  if (errorCount < 2) return null;
  const data = groups.data;
  const kinds = data ? data.groups.length + data.otherKinds : 0;
  return (
    <Card title={data ? `Row errors by kind (${formatNumber(kinds)} kind${kinds === 1 ? '' : 's'})` : 'Row errors by kind'}>
      {groups.error ? (
        <ErrorState message={groups.error} onRetry={reload} />
      ) : !data ? (
        <p className="muted">Grouping the row errors…</p>
      ) : (
        <>
          <ul className="error-groups">
            {data.groups.map((g) => (
              <ErrorGroupItem key={g.kind} group={g} shown={shown === g.kind} onShow={onShow} />
            ))}
          </ul>
          {data.otherKinds > 0 && (
            <p className="muted small">
              And {formatNumber(data.otherKinds)} other kind{data.otherKinds === 1 ? '' : 's'} ({formatNumber(data.otherRows)} row{data.otherRows === 1 ? '' : 's'}); the row table and the CSV have them all.
            </p>
          )}
        </>
      )}
    </Card>
  );
}

function ErrorGroupItem({ group: g, shown, onShow }: { group: Group; shown: boolean; onShow: (group: Group | null) => void }) {
  return (
    <li className={`error-group${shown ? ' error-group-shown' : ''}`}>
      <div className="error-group-count">
        <strong>{formatNumber(g.rows)}</strong> {/* A row of a wide file gives a value, and so an error, per value column. */}
        {g.lines > 0 && g.lines < g.rows ? `values in ${formatNumber(g.lines)} row${g.lines === 1 ? '' : 's'}` : `row${g.rows === 1 ? '' : 's'}`}
        {g.held && (
          <div>
            <Badge tone="info">held</Badge>
          </div>
        )}
      </div>
      <div>
        <div className="error-group-what">
          {g.column && <span className="error-group-column">Column “{g.column}”: </span>}
          {g.example}
        </div>
        <div className="muted small error-group-facts">
          {g.values.some((v) => v.value !== null) && (
            <span>
              {g.values.length === 1 && g.moreValues === 0 ? 'Value ' : 'Values '}
              {g.values.map((v, i) => (
                <span key={i}>
                  {i > 0 && ', '}
                  {v.value === null ? <em>empty</em> : <code>{v.value}</code>}
                  {g.values.length > 1 || g.moreValues > 0 ? ` (${formatNumber(v.rows)})` : ''}
                </span>
              ))}
              {g.moreValues > 0 && ` and ${formatNumber(g.moreValues)} more`}
              {' · '}
            </span>
          )}
          {lineRange(g)}
        </div>
      </div>
      <div className="error-group-action">
        {shown ? (
          <button type="button" className="button small" onClick={() => onShow(null)} aria-pressed="true">
            Show every kind
          </button>
        ) : (
          <button type="button" className="button small" onClick={() => onShow(g)} aria-label={`Show only these ${formatNumber(g.rows)} rows in the row table${g.column ? ` (column ${g.column})` : ''}`}>
            Show these rows
          </button>
        )}
      </div>
    </li>
  );
}

function lineRange(g: Group): string {
  return kindLines(g, formatNumber);
}
