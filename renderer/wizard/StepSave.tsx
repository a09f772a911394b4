import { useState } from 'react';
import { ApiError } from '../../shared/rpc';
import { useNavigate } from 'react-router-dom';
import type { UnknownValuePolicy } from '../../shared/mapping/profile';
import { errorText, wizardApi } from './api';
import { onGuardEntry } from './leave-guard';
import { sourceWords } from './labels';
import { STEPS, buildProfile, fromDatabase, type KeyField } from './state';
import type { StepProps } from './step';

const KEY_FIELDS: Array<{ id: KeyField; label: string }> = [
  { id: 'metric', label: 'Metric' },
  { id: 'entity', label: 'Site' },
  { id: 'period', label: 'Period' },
  { id: 'unit', label: 'Unit' },
];

/** Where a problem the engine found in the profile is fixed, by the profile field it names. */
const STEP_OF_FIELD: Record<string, number> = { shape: 1, metric: 2, entity: 3, period: 3, constants: 3, unit: 4, transforms: 4, name: 6, naturalKey: 6 };

export function stepForIssue(text: string): number | null {
  const field = /^(\w+)[.:]/.exec(text.trim())?.[1];
  return field && field in STEP_OF_FIELD ? STEP_OF_FIELD[field]! : null;
}

/** Step 7: name, natural key and unknown-value behaviour, then save a (new version of the) mapping. */
export function StepSave({ state, dispatch }: StepProps) {
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  /** The engine refused the mapping as not fitting the platform: it may still be saved, to correct later. */
  const [refused, setRefused] = useState(false);
  const patch = (p: Partial<typeof state>) => dispatch({ type: 'patch', patch: p });
  const words = sourceWords(fromDatabase(state), state.source?.query);

  const save = async (force = false) => {
    if (!state.name.trim()) {
      dispatch({ type: 'error', step: 6, message: 'Give the mapping a name.' });
      return;
    }
    setBusy(true);
    setRefused(false);
    dispatch({ type: 'error', step: 6, message: null });
    try {
      const saved = await wizardApi.save({ profile: buildProfile(state), id: state.mappingId, force });
      // Opened from a run that stopped on changed columns: offer to read that file again.
      // Saved: nothing to ask about. The wizard's guard entry (see leave-guard) is replaced, so Back does not land on it.
      navigate('/mappings', { replace: onGuardEntry(), state: { message: `Saved “${saved.name}” (version ${saved.version}).${saved.warnings?.length ? ` Still to correct: ${saved.warnings.join(' ')}` : ''}`, retryRun: state.drift?.fileAvailable ? state.drift.runId : undefined, retryHeld: state.drift ? !state.drift.hasDrift : undefined } });
    } catch (err) {
      setRefused(err instanceof ApiError && err.code === 'conflict');
      dispatch({ type: 'error', step: 6, message: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const errorStep = state.errors[6] ? stepForIssue(state.errors[6].split('\n- ')[1] ?? '') : null;
  return (
    <form
      className="wizard-step-body"
      aria-label="Save the mapping"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label className="field">
        <span>Name of the mapping</span>
        <input type="text" required value={state.name} onChange={(e) => patch({ name: e.target.value })} placeholder="e.g. Monthly electricity by site" />
      </label>
      <fieldset className="field">
        <legend>A value is the same record as one sent before when these match (natural key)</legend>
        {KEY_FIELDS.map((k) => (
          <label key={k.id} className="checkbox">
            <input
              type="checkbox"
              checked={state.naturalKey.includes(k.id)}
              onChange={(e) => patch({ naturalKey: e.target.checked ? [...state.naturalKey, k.id] : state.naturalKey.filter((x) => x !== k.id) })}
            />
            {k.label}
          </label>
        ))}
      </fieldset>
      {state.entityMode === 'column' && (
        <label className="field">
          <span>When a new site code appears in {words.later}</span>
          <select value={state.unknownEntity} onChange={(e) => patch({ unknownEntity: e.target.value as UnknownValuePolicy })}>
            <option value="hold">Hold those rows and ask me</option>
            <option value="skip">Skip those rows</option>
            <option value="reject">Reject those rows as errors</option>
          </select>
          {state.entityMatchCatalogue && <small className="muted">Unless the code is exactly a platform {state.entityLabel || 'site'}’s reference or name: it is then taken as that {state.entityLabel || 'site'} (see the Sites & periods step).</small>}
        </label>
      )}
      {Object.values(state.roles).includes('metric') && !(state.shape === 'wide' && state.wideKind === 'per-metric') && (
        <label className="field">
          <span>When a new metric name appears in {words.later}</span>
          <select value={state.unknownMetric} onChange={(e) => patch({ unknownMetric: e.target.value as UnknownValuePolicy })}>
            <option value="hold">Hold those rows and ask me</option>
            <option value="skip">Skip those rows</option>
            <option value="reject">Reject those rows as errors</option>
          </select>
        </label>
      )}
      {Object.values(state.roles).includes('metric') && !(state.shape === 'wide' && state.wideKind === 'per-metric') && (
        <label className="checkbox">
          <input type="checkbox" checked={state.metricMatchCatalogue} onChange={(e) => patch({ metricMatchCatalogue: e.target.checked })} />
          But first look a new metric name up in the platform’s metric library (by its code or name)
        </label>
      )}
      {state.mappingId && <p className="muted">Saving creates version {(state.baseVersion ?? 0) + 1} of this mapping; jobs use the newest version from their next run.</p>}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Saving…' : state.mappingId ? 'Save new version' : 'Save mapping'}
        </button>
      </div>
      {state.errors[6] && (
        <div className="wizard-error" role="alert">
          <p className="wizard-pre">{state.errors[6]}</p>
          {refused && (
            <button type="button" className="button small" disabled={busy} onClick={() => void save(true)}>
              Save anyway
            </button>
          )}
          {errorStep !== null && (
            <button type="button" className="button small" onClick={() => dispatch({ type: 'goto', step: errorStep })}>
              Go to “{STEPS[errorStep]}”
            </button>
          )}
        </div>
      )}
    </form>
  );
}
