import { useEffect, useReducer, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { renameProfileColumns } from '../../shared/mapping/rename';
import { ErrorState, Loading, PageHeader } from '../components/ui';
import { errorText, wizardApi } from '../wizard/api';
import { DriftSummary } from '../wizard/DriftNotice';
import { readSample } from '../wizard/load';
import { useLeaveGuard } from '../wizard/leave-guard';
import { STEPS, fromDatabase, hasChanges, hasColumns, initialState, reducer, stepProblems, workOf } from '../wizard/state';
import { sourceWords } from '../wizard/labels';
import { StepColumns } from '../wizard/StepColumns';
import { StepPreview } from '../wizard/StepPreview';
import { StepSave } from '../wizard/StepSave';
import { StepSites } from '../wizard/StepSites';
import { StepSource } from '../wizard/StepSource';
import { StepStructure } from '../wizard/StepStructure';
import { StepUnits } from '../wizard/StepUnits';

const STEP_COMPONENTS = [StepSource, StepStructure, StepColumns, StepSites, StepUnits, StepPreview, StepSave];

/** The mapping wizard: one reducer holds every step's state, so going back and forth loses nothing. */
export function MappingWizard() {
  const { mappingId } = useParams();
  // /mappings/new?sourceId=…&connectionId=…&file=… opens the wizard on that source and file (first-run tour).
  const [query] = useSearchParams();
  // /mappings/:id/edit?run=N: update the mapping for the file run N stopped on (changed columns).
  const fromRun = Number(query.get('run')) || null;
  // ?step=sites: opened to map codes a run held, so it opens where codes are mapped.
  const openAt = query.get('step') === 'sites' ? STEPS.indexOf('Sites & periods') : null;
  const [state, dispatch] = useReducer(reducer, initialState, (init) => {
    const opened = {
      ...init,
      sourceId: query.get('sourceId') ?? init.sourceId,
      connectionId: query.get('connectionId') ?? init.connectionId,
      file: query.get('file') ?? init.file,
    };
    // A new mapping's work starts from what it was opened with; an edited one's when it is loaded.
    return { ...opened, opened: mappingId ? null : workOf(opened) };
  });
  // Leaving (another page, Back, closing the tab) asks first once anything was changed.
  const leaveDialog = useLeaveGuard(hasChanges(state), mappingId ? 'This mapping' : 'The new mapping');
  // The step whose problems are shown (set when Next was refused); the list itself is worked out
  // from the state on each render, so a problem disappears as soon as it is fixed.
  const [checkedStep, setCheckedStep] = useState<number | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(!mappingId);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);

  // Editing: load the saved profile, then re-read the sample so headers and site codes show.
  // Only failing to load the mapping itself is a dead end; a sample that cannot be read (its folder's
  // files were processed and moved away, the normal state after a run) is step 1's to say, where
  // another can be chosen or dropped. A local flag, not `loaded`: this closure only sees the first render's state.
  useEffect(() => {
    if (!mappingId) return;
    let cancelled = false;
    (async () => {
      let profile: Awaited<ReturnType<typeof wizardApi.get>>['profile'];
      let file: string | null;
      try {
        const got = await wizardApi.get(mappingId);
        // Opened from a run whose file's columns changed: start from that file, with renamed columns followed.
        const drift = fromRun ? await wizardApi.drift(fromRun) : null;
        const useDrift = drift && drift.mappingId === got.info.id ? drift : null;
        profile = useDrift ? renameProfileColumns(got.profile, Object.fromEntries(useDrift.renamed.map((r) => [r.from, r.to]))) : got.profile;
        file = useDrift?.fileAvailable && useDrift.sourceKind !== 'database' ? useDrift.file : null;
        if (cancelled) return;
        dispatch({ type: 'loaded', mappingId, version: got.info.version, profile });
        dispatch({ type: 'patch', patch: { drift: useDrift, file } });
        setLoaded(true);
      } catch (err) {
        if (cancelled) return;
        setLoadError(errorText(err));
        return;
      }
      try {
        await readSample(
          {
            sourceId: profile.sourceId,
            connectionId: profile.connectionId,
            file,
            upload: null,
            headerRow: profile.read?.headerRow ?? null,
            headerRows: profile.read?.headerRows ?? null,
            sheet: profile.read?.sheet ?? null,
            mappingId,
          },
          (a) => {
            if (!cancelled) dispatch(a);
          },
        );
        if (!cancelled && openAt !== null) dispatch({ type: 'goto', step: openAt });
      } catch (err) {
        if (cancelled) return;
        dispatch({ type: 'error', step: 0, message: `The saved mapping is open, but no sample was read: ${errorText(err)}` });
        // The platform's sites and metrics are still needed to show and change what the mapping maps.
        try {
          const catalogue = await wizardApi.catalogue(profile.connectionId);
          if (!cancelled) dispatch({ type: 'patch', patch: { catalogue } });
        } catch {
          // Said where it matters: a step that needs the catalogue shows empty pickers, and the preview says why.
        }
      }
    })();
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [mappingId]);

  // Focus follows the step, so keyboard and screen-reader users land on the new step's heading.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    headingRef.current?.focus();
  }, [state.step]);

  if (loadError) return <ErrorState message={loadError} />;
  if (!loaded) return <Loading what="the mapping" />;

  const go = (step: number) => {
    if (step > state.step) {
      for (let s = state.step; s < step; s++) {
        if (stepProblems(state, s).length) {
          setCheckedStep(s);
          if (s !== state.step) dispatch({ type: 'goto', step: s });
          return;
        }
      }
    }
    setCheckedStep(null);
    dispatch({ type: 'goto', step });
  };

  const Step = STEP_COMPONENTS[state.step]!;
  const problems = checkedStep === state.step ? stepProblems(state, state.step) : [];
  const title = state.mappingId ? `Edit mapping${state.name ? `: ${state.name}` : ''}` : 'New mapping';
  return (
    <>
      <PageHeader
        title={title}
        description={sourceWords(fromDatabase(state), Boolean(state.source?.query)).intro}
        actions={
          <Link className="button" to="/mappings">
            Cancel
          </Link>
        }
      />
      <div className="wizard">
        <nav aria-label="Wizard steps" className="wizard-steps">
          <ol>
            {STEPS.map((label, i) => (
              <li key={label} className={i === state.step ? 'current' : i < state.step ? 'done' : undefined}>
                <button type="button" aria-current={i === state.step ? 'step' : undefined} onClick={() => go(i)} disabled={i > state.step + 1 && !hasColumns(state)}>
                  <span className="wizard-step-num" aria-hidden="true">
                    {i + 1}
                  </span>
                  {label}
                </button>
              </li>
            ))}
          </ol>
        </nav>
        <section className="card wizard-card" aria-labelledby="wizard-step-heading">
          <h2 id="wizard-step-heading" ref={headingRef} tabIndex={-1} className="wizard-heading">
            <span className="muted">
              Step {state.step + 1} of {STEPS.length}:
            </span>{' '}
            {STEPS[state.step]}
          </h2>
          {state.drift?.hasDrift && <DriftSummary drift={state.drift} heading={`Columns changed in the ${state.drift.sourceKind === 'database' ? 'table' : 'file'} this mapping stopped on`} level={3} />}
          <Step state={state} dispatch={dispatch} />
          {problems.length > 0 && (
            // The alert wraps the list: role="alert" on the <ul> itself would take its list semantics away.
            <div className="wizard-error" role="alert" aria-label="Before you continue">
              <ul style={{ margin: 0, paddingLeft: '0.9rem' }}>
                {problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            </div>
          )}
          <div className="wizard-nav">
            <button type="button" className="button" onClick={() => go(state.step - 1)} disabled={state.step === 0}>
              Back
            </button>
            {state.step < STEPS.length - 1 && (
              <button type="button" className="button primary" onClick={() => go(state.step + 1)}>
                Next: {STEPS[state.step + 1]}
              </button>
            )}
          </div>
        </section>
      </div>
      {leaveDialog}
    </>
  );
}
