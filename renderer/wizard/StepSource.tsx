import { useState } from 'react';
import { Badge } from '../components/ui';
import { useEngine } from '../hooks';
import { errorText, wizardApi } from './api';
import type { StepProps } from './step';

const DELIMITERS: Record<string, string> = { ',': 'comma (,)', ';': 'semicolon (;)', '\t': 'tab', '|': 'pipe (|)' };

/** Step 1: where the data comes from, and what the agent read from a sample of it. */
export function StepSource({ state, dispatch }: StepProps) {
  const connections = useEngine('connections.list', {});
  const sources = useEngine('sources.list', {});
  const [busy, setBusy] = useState(false);

  const load = async () => {
    setBusy(true);
    dispatch({ type: 'error', step: 0, message: null });
    try {
      const [suggested, catalogue] = await Promise.all([
        wizardApi.suggest({ sourceId: state.sourceId, connectionId: state.connectionId, file: state.file }),
        wizardApi.catalogue(state.connectionId),
      ]);
      dispatch({ type: 'patch', patch: { catalogue, file: suggested.sample.file } });
      dispatch({ type: 'suggested', sample: suggested.sample, suggestion: suggested.suggestion, draft: suggested.draft, keepEdits: Boolean(state.mappingId) });
    } catch (err) {
      dispatch({ type: 'error', step: 0, message: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const info = state.sample?.info;
  const editing = Boolean(state.mappingId);
  return (
    <div className="wizard-step-body">
      <div className="wizard-row">
        <label className="field">
          <span>Platform connection</span>
          <select
            value={state.connectionId}
            disabled={editing}
            onChange={(e) => dispatch({ type: 'patch', patch: { connectionId: e.target.value, sample: null, catalogue: null, preview: null } })}
          >
            <option value="">Choose a connection…</option>
            {connections.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
                {c.sandbox ? ' (sandbox)' : ''}
              </option>
            ))}
          </select>
          {connections.error && <small className="field-error">{connections.error}</small>}
        </label>
        <label className="field">
          <span>Source</span>
          <select
            value={state.sourceId}
            disabled={editing}
            onChange={(e) => dispatch({ type: 'patch', patch: { sourceId: e.target.value, file: null, sample: null, preview: null } })}
          >
            <option value="">Choose a source…</option>
            {sources.data?.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} — {s.location}
              </option>
            ))}
          </select>
          {sources.error && <small className="field-error">{sources.error}</small>}
        </label>
      </div>
      <label className="field">
        <span>Sample file in the folder</span>
        <input
          type="text"
          value={state.file ?? ''}
          placeholder="Leave empty to use the newest file"
          onChange={(e) => dispatch({ type: 'patch', patch: { file: e.target.value.trim() || null } })}
        />
      </label>
      <div className="form-actions">
        <button type="button" className="button" disabled={!state.sourceId || !state.connectionId || busy} onClick={() => void load()}>
          {busy ? 'Reading the sample…' : state.sample ? 'Read the sample again' : 'Read the sample'}
        </button>
        {busy && <span className="spinner" aria-hidden="true" />}
      </div>
      {state.errors[0] && (
        <div className="wizard-error" role="alert">
          {state.errors[0]}
        </div>
      )}
      {info && state.sample && (
        <section className="wizard-panel" aria-label="What was read">
          <h3>
            Sample: <code>{state.sample.file ?? 'preview rows'}</code>
          </h3>
          <dl className="facts">
            <dt>Format</dt>
            <dd>{info.format.toUpperCase()}</dd>
            {info.encoding && (
              <>
                <dt>Encoding</dt>
                <dd>{info.encoding}</dd>
              </>
            )}
            {info.delimiter && (
              <>
                <dt>Delimiter</dt>
                <dd>{DELIMITERS[info.delimiter] ?? info.delimiter}</dd>
              </>
            )}
            <dt>Header row</dt>
            <dd>{info.headerRow ? `line ${info.headerRow}` : 'first line'}</dd>
            {info.sheet && (
              <>
                <dt>Sheet</dt>
                <dd>
                  {info.sheet}
                  {info.sheets.length > 1 && <span className="muted"> (of {info.sheets.join(', ')})</span>}
                </dd>
              </>
            )}
            <dt>Columns</dt>
            <dd>{info.headers.length}</dd>
            <dt>Rows in the sample</dt>
            <dd>{state.sample.rows.length}</dd>
          </dl>
          {info.warnings.length > 0 && (
            <ul className="wizard-warnings" aria-label="Warnings about the file">
              {info.warnings.map((w) => (
                <li key={w}>
                  <Badge tone="warn">Note</Badge> {w}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
