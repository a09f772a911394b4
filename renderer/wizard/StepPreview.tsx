import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { reasonAlone } from '../../shared/mapping/messages';
import { Stat } from '../components/ui';
import { formatMeasure, formatNumber } from '../format';
import { errorText, wizardApi } from './api';
import { entityName, formatPeriod, metricName } from './labels';
import { sampleRef } from './load';
import type { StepProps } from './step';
import { buildProfile } from './state';

type Line =
  | { kind: 'ok'; line: number; column: string; site: string; metric: string; period: string; value: string; exact: string | null }
  | { kind: 'error'; line: number; column: string; value: string; reason: string };

const COLUMNS = '4.5rem 9rem 1.2fr 1.4fr 7rem 8rem';
const ROW = 40;

/** Step 6: the real pipeline over the sample — exactly what would be sent, and what would not. */
export function StepPreview({ state, dispatch }: StepProps) {
  const [busy, setBusy] = useState(false);
  const [onlyErrors, setOnlyErrors] = useState(false);
  const parentRef = useRef<HTMLDivElement>(null);
  const p = state.preview;
  const metrics = state.catalogue?.metrics;
  const entities = state.catalogue?.entities;

  const run = async () => {
    setBusy(true);
    dispatch({ type: 'error', step: 5, message: null });
    try {
      // The same sample step 1 read: an upload by its id, else the folder's file that was read.
      const sample = sampleRef({ upload: state.upload, file: state.sample?.file ?? state.file });
      const preview = await wizardApi.preview({ profile: buildProfile(state), sourceId: state.sourceId, ...sample, limit: 1000 });
      dispatch({ type: 'patch', patch: { preview } });
    } catch (err) {
      dispatch({ type: 'error', step: 5, message: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const lines = useMemo<Line[]>(() => {
    if (!p) return [];
    const ok: Line[] = p.payload.map((r) => ({
      kind: 'ok',
      line: r.line,
      column: r.column,
      site: entityName(entities, r.record.entityId),
      metric: metricName(metrics, r.record.metricId),
      period: formatPeriod(r.record.periodStart, r.record.periodEnd),
      // Rounded for reading only: the payload keeps every digit, and the tooltip shows them.
      value: `${typeof r.record.value === 'number' ? formatMeasure(r.record.value) : String(r.record.value)} ${r.record.unit}`,
      exact: typeof r.record.value === 'number' && Number(formatMeasure(r.record.value, 'en-US').replace(/,/g, '')) !== r.record.value ? `${r.record.value} ${r.record.unit}` : null,
    }));
    const bad: Line[] = p.rejected.map((e) => ({ kind: 'error', line: e.line ?? 0, column: e.column ?? '', value: e.value ?? '', reason: reasonAlone(e) }));
    return [...bad, ...ok].sort((a, b) => a.line - b.line || (a.kind === 'error' ? -1 : 1));
  }, [p, metrics, entities]);
  const shown = onlyErrors ? lines.filter((l) => l.kind === 'error') : lines;
  const virtualizer = useVirtualizer({ count: shown.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW, overscan: 12 });

  return (
    <div className="wizard-step-body">
      <div className="form-actions">
        <button type="button" className="button primary" onClick={() => void run()} disabled={busy}>
          {busy ? 'Running the preview…' : p ? 'Run the preview again' : 'Run the preview'}
        </button>
        {busy && <span className="spinner" aria-hidden="true" />}
      </div>
      {state.errors[5] && (
        <div className="wizard-error" role="alert">
          {state.errors[5]}
        </div>
      )}
      {p && (
        <>
          <div className="stats" aria-label="Preview summary">
            <Stat label="Rows in" value={p.summary.rowsIn} />
            <Stat label="Values out" value={p.summary.recordsOut} tone="ok" />
            <Stat label="Rejected" value={p.summary.rejected} tone={p.summary.rejected ? 'bad' : undefined} />
            <Stat label="Metrics touched" value={p.summary.metricsTouched.length} />
            <Stat label="Period range" value={p.summary.periodRange ? formatPeriod(p.summary.periodRange.start, p.summary.periodRange.end) : '—'} />
          </div>
          {p.notes.length > 0 && (
            <div className="wizard-error" role="note" aria-label="Notes on the preview">
              {p.notes.map((n) => (
                <div key={n}>{n}</div>
              ))}
            </div>
          )}
          {p.summary.metricsTouched.length > 0 && (
            <p className="muted small">Metrics: {p.summary.metricsTouched.map((m) => metricName(metrics, m)).join(', ')}</p>
          )}
          {p.summary.addedUp.values > 0 && (
            <p className="muted small">
              {formatNumber(p.summary.addedUp.rows)} rows share a metric, site and period and are added up into {formatNumber(p.summary.addedUp.values)} value
              {p.summary.addedUp.values === 1 ? '' : 's'}, as this mapping says; each shows its first line.
            </p>
          )}
          {p.summary.skippedRows > 0 && (
            <p className="muted small">
              {p.summary.skippedRows === 1 ? '1 row is' : `${formatNumber(p.summary.skippedRows)} rows are`} skipped, as this mapping says (a totals row, a blank row,
              or a value it is told to skip); nothing is sent or rejected for {p.summary.skippedRows === 1 ? 'it' : 'them'}.
            </p>
          )}
          {p.summary.blankValues > 0 && (
            <p className="muted small">
              {p.summary.blankValues === 1 ? '1 value cell is' : `${p.summary.blankValues} value cells are`} empty (or a placeholder such as ‘n/a’ or ‘-’) and
              skipped, as this mapping says; they are neither sent nor rejected.
            </p>
          )}
          {p.held.length > 0 && (
            <div className="wizard-error wizard-held" role="status">
              Held for you to map:{' '}
              {p.held.map((h) => `${h.kind === 'entity' ? 'site' : 'metric'} ‘${h.value}’ (${h.rows} row${h.rows === 1 ? '' : 's'}, first on line ${h.firstLine})`).join('; ')}. Map them in
              “Sites & periods”.
            </div>
          )}
          <label className="checkbox">
            <input type="checkbox" checked={onlyErrors} onChange={(e) => setOnlyErrors(e.target.checked)} />
            Show only rejected rows ({p.rejected.length})
          </label>
          {shown.length === 0 ? (
            <p className="muted">{onlyErrors ? 'No rejected rows.' : 'Nothing would be sent from this sample.'}</p>
          ) : (
            <div className="vtable" role="table" aria-label="Values that would be sent" aria-rowcount={shown.length + 1}>
              <div className="vtable-head" role="row" style={{ gridTemplateColumns: COLUMNS }}>
                <span role="columnheader">Line</span>
                <span role="columnheader">Column</span>
                <span role="columnheader">Site</span>
                <span role="columnheader">Metric</span>
                <span role="columnheader">Period</span>
                <span role="columnheader" className="num">
                  Value
                </span>
              </div>
              {/* Focusable so keyboard users can scroll the virtualized rows with the arrow keys. */}
              <div ref={parentRef} className="vtable-body" role="rowgroup" tabIndex={0} aria-label="Rows (scroll with the arrow keys)" style={{ height: Math.min(420, shown.length * ROW + 2) }}>
                <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
                  {virtualizer.getVirtualItems().map((item) => {
                    const l = shown[item.index]!;
                    return (
                      <div
                        key={item.key}
                        role="row"
                        aria-rowindex={item.index + 2}
                        className={`vtable-row ${l.kind === 'error' ? 'wizard-rejected' : ''}`}
                        style={{ gridTemplateColumns: COLUMNS, transform: `translateY(${item.start}px)`, height: item.size }}
                      >
                        <span role="cell" className="num muted">
                          {l.line}
                        </span>
                        <span role="cell" className="truncate">
                          {l.column}
                        </span>
                        {l.kind === 'ok' ? (
                          <>
                            <span role="cell" className="truncate">
                              {l.site}
                            </span>
                            <span role="cell" className="truncate">
                              {l.metric}
                            </span>
                            <span role="cell">{l.period}</span>
                            <span role="cell" className="num" title={l.exact ? `Sent as ${l.exact}` : undefined}>
                              {l.value}
                            </span>
                          </>
                        ) : (
                          <span role="cell" className="wizard-reason truncate" title={l.reason}>
                            Rejected{l.value ? ` ‘${l.value}’` : ''}: {l.reason}
                          </span>
                        )}
                      </div>
                    );
                  })}
                </div>
              </div>
            </div>
          )}
        </>
      )}
    </div>
  );
}
