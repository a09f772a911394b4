import { useEffect, useRef, useState } from 'react';
import { NoteList } from './NoteList';
import { useEngine } from '../hooks';
import { errorText } from './api';
import { DropZone } from './DropZone';
import { sourceWords } from './labels';
import { readSample } from './load';
import { hasChanges, sampleFromProcessed, workOf } from './state';
import type { StepProps } from './step';

const DELIMITERS: Record<string, string> = { ',': 'comma (,)', ';': 'semicolon (;)', '\t': 'tab', '|': 'pipe (|)' };

function formatBytes(n: number): string {
  return n < 1024 ? `${n} bytes` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Step 1: where the data comes from, and what the agent read from a sample of it. */
export function StepSource({ state, dispatch }: StepProps) {
  const connections = useEngine('connections.list', {});
  const sources = useEngine('sources.list', {});
  const [busy, setBusy] = useState(false);
  const source = sources.data?.find((s) => s.id === state.sourceId) ?? null;
  const isDatabase = source?.kind === 'database';

  const load = async (next: Partial<typeof state> = {}) => {
    setBusy(true);
    dispatch({ type: 'error', step: 0, message: null });
    try {
      await readSample({ ...state, ...next }, dispatch);
    } catch (err) {
      dispatch({ type: 'error', step: 0, message: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const info = state.sample?.info;
  const fromProcessed = !state.upload && sampleFromProcessed(state.sample?.file, source?.kind === 'folder' ? source.location : null);
  const editing = Boolean(state.mappingId);

  // The only real connection is chosen for the person, as the job form does; a sandbox one, kept
  // for trying things out, is never chosen for them. Not a change of theirs: leaving asks nothing.
  // Once only: a person who then empties the choice is not overruled.
  const chosenFor = useRef(false);
  useEffect(() => {
    if (chosenFor.current || editing || state.connectionId || !connections.data) return;
    const real = connections.data.filter((c) => !c.sandbox);
    if (real.length !== 1) return;
    chosenFor.current = true;
    const patch = { connectionId: real[0]!.id };
    dispatch({ type: 'patch', patch: { ...patch, opened: hasChanges(state) ? state.opened : workOf({ ...state, ...patch }) } });
  }, [connections.data, editing, state, dispatch]);

  const ready = Boolean(state.sourceId && state.connectionId);
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
            onChange={(e) =>
              dispatch({ type: 'patch', patch: { sourceId: e.target.value, file: null, upload: null, headerRow: null, sheet: null, topRows: [], sample: null, preview: null } })
            }
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

      {isDatabase ? (
        <p className="wizard-note">
          The sample is the first rows of this database source’s table or query (<code>{source.location}</code>); nothing is written to the database.
        </p>
      ) : state.upload ? (
        <div className="wizard-panel wizard-upload" role="group" aria-label="Dropped sample">
          <span>
            Using the dropped file <strong>{state.upload.name}</strong> ({formatBytes(state.upload.size)}) as the sample.
          </span>
          <button
            type="button"
            className="button"
            onClick={() => dispatch({ type: 'patch', patch: { upload: null, sample: null, topRows: [], headerRow: null, sheet: null, preview: null } })}
          >
            Use a file in the folder instead
          </button>
        </div>
      ) : (
        <>
          <label className="field">
            <span>Sample file in the folder</span>
            <input
              type="text"
              value={state.file ?? ''}
              placeholder="Leave empty to use the newest file"
              onChange={(e) => dispatch({ type: 'patch', patch: { file: e.target.value.trim() || null } })}
            />
          </label>
          <DropZone
            disabled={!ready || busy}
            onStored={(upload) => {
              const next = { upload, file: null, headerRow: null, sheet: null };
              dispatch({ type: 'patch', patch: { ...next, sample: null, topRows: [], preview: null } });
              void load(next);
            }}
            onError={(message) => dispatch({ type: 'error', step: 0, message })}
          />
        </>
      )}
      <div className="form-actions">
        <button type="button" className="button" disabled={!ready || busy} onClick={() => void load()}>
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
            Sample: <code>{state.upload ? state.upload.name : (state.sample.file ?? `first rows of ${source?.name ?? 'the database'}`)}</code>
            {fromProcessed && <span className="muted"> (already synced, from processed/)</span>}
          </h3>
          {fromProcessed && (
            <p className="muted small">
              The folder has no file waiting to be synced, so the newest one a run already synced is read. Reading a sample sends nothing.
            </p>
          )}
          <dl className="facts">
            <dt>Format</dt>
            <dd>{info.format === 'database' ? 'Database table or query' : info.format.toUpperCase()}</dd>
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
            {info.format !== 'database' && (
              <>
                <dt>Header row</dt>
                <dd>{info.headerRow ? `line ${info.headerRow}` : 'first line'}</dd>
              </>
            )}
            {info.sheet && (
              <>
                <dt>Sheet</dt>
                <dd>
                  {info.sheet}
                  {info.sheets && info.sheets.length > 1 && <span className="muted"> (of {info.sheets.join(', ')})</span>}
                </dd>
              </>
            )}
            <dt>Columns</dt>
            <dd>{info.headers.length}</dd>
            <dt>Rows in the sample</dt>
            <dd>{state.sample.rows.length}</dd>
          </dl>
          <NoteList label={sourceWords(isDatabase || info.format === 'database', source?.database?.query).readWarnings} notes={info.warnings} />
        </section>
      )}
    </div>
  );
}
