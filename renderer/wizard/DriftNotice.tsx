import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { errorText, wizardApi } from './api';
import type { DriftReport } from './types';

/** Exactly what changed in a file's columns since its mapping was saved. */
export function DriftSummary({ drift, heading, level = 2 }: { drift: DriftReport; heading: string; level?: 2 | 3 }) {
  const H = level === 2 ? 'h2' : 'h3';
  return (
    <section className="wizard-drift" aria-label={heading}>
      <H>{heading}</H>
      {drift.renamed.length > 0 && (
        <>
          <p>Renamed (the mapping follows the new name once you save it):</p>
          <ul aria-label="Renamed columns">
            {drift.renamed.map((r) => (
              <li key={r.from}>
                <q>{r.from}</q> → <q>{r.to}</q>
                {unitNote(r.unit)}
              </li>
            ))}
          </ul>
        </>
      )}
      {drift.missing.length > 0 && (
        <>
          <p>Missing from the {drift.sourceKind === 'database' ? 'table' : 'file'}{drift.affectsMapping.length ? ' (columns the mapping reads are marked)' : ''}:</p>
          <ul aria-label="Missing columns">
            {drift.missing.map((c) => (
              <li key={c}>
                <q>{c}</q>
                {drift.affectsMapping.includes(c) ? ' — used by the mapping: choose another column for its role' : ''}
              </li>
            ))}
          </ul>
        </>
      )}
      {drift.added.length > 0 && (
        <>
          <p>New in the file (not used until you give them a role):</p>
          <ul aria-label="New columns">
            {drift.added.map((c) => (
              <li key={c}>
                <q>{c}</q>
              </li>
            ))}
          </ul>
        </>
      )}
      {drift.reordered && <p>The columns are in a different order.</p>}
    </section>
  );
}

/**
 * On a run that stopped as "needs attention": the column changes of its file, read again now,
 * and the way to update the mapping (or, once it matches, to send the file).
 */
/** Reads a run's file again with the mapping as it is now, as a new run, and says how it went. */
export function useRetryFile(runId: number) {
  const [retry, setRetry] = useState<{ busy: boolean; message: string | null; runId: number | null }>({ busy: false, message: null, runId: null });
  const retryNow = async () => {
    setRetry({ busy: true, message: null, runId: null });
    try {
      const r = await wizardApi.retryFile(runId);
      setRetry({ busy: false, message: r.run ? `Run #${r.run.id} finished: ${r.run.status.replace(/_/g, ' ')}.` : 'The run was queued.', runId: r.run?.id ?? null });
    } catch (e) {
      setRetry({ busy: false, message: errorText(e), runId: null });
    }
  };
  return { retry, retryNow };
}

export function RetryOutcome({ retry }: { retry: ReturnType<typeof useRetryFile>['retry'] }) {
  if (!retry.message) return null;
  return (
    <p role="status">
      {retry.message} {retry.runId !== null && <Link to={`/history/${retry.runId}`}>Open run #{retry.runId}</Link>}
    </p>
  );
}

export function DriftNotice({ runId }: { runId: number }) {
  const [drift, setDrift] = useState<DriftReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { retry, retryNow } = useRetryFile(runId);

  useEffect(() => {
    let cancelled = false;
    wizardApi
      .drift(runId)
      .then((d) => !cancelled && setDrift(d))
      .catch((e: unknown) => !cancelled && setError(errorText(e)));
    return () => {
      cancelled = true;
    };
  }, [runId]);

  if (error) return <p className="muted">{error}</p>;
  if (!drift) return null;
  const database = drift.sourceKind === 'database';
  const what = database ? 'the table' : 'the file';
  return (
    <div>
      {drift.hasDrift && !drift.reordered ? (
        <DriftSummary drift={drift} heading={`What changed in ${what} since “${drift.mappingName}” (version ${drift.mappingVersion}) was saved`} />
      ) : drift.hasDrift ? (
        <DriftSummary drift={drift} heading={`The columns of ${what} moved`} />
      ) : database ? (
        // Nothing to send again by hand: the stopped run kept its watermark, so the next run reads the same rows.
        <p className="banner banner-ok">
          The table now matches “{drift.mappingName}” (version {drift.mappingVersion}): the job’s next run reads the rows this run stopped on. To read them now, use Run now on the <Link to="/jobs">Jobs</Link> page.
        </p>
      ) : (
        <p className="banner banner-ok">
          {drift.fileAvailable ? `The file now matches “${drift.mappingName}” (version ${drift.mappingVersion}).` : `The file ${drift.file} is no longer there.`}
        </p>
      )}
      <p className="form-actions">
        {drift.hasDrift && (
          <Link className="button primary" to={`/mappings/${encodeURIComponent(drift.mappingId)}/edit?run=${runId}`}>
            Update mapping
          </Link>
        )}
        {drift.fileAvailable && !drift.missing.length && !drift.renamed.length && !drift.added.length && (
          <button type="button" className="button primary" disabled={retry.busy} onClick={() => void retryNow()}>
            {retry.busy ? 'Sending the file…' : 'Send the file now'}
          </button>
        )}
      </p>
      <RetryOutcome retry={retry} />
    </div>
  );
}

/**
 * On a run stopped because its file contradicts a mapping setting that no column change shows
 * (the decimal separator): open the mapping on this file, then send the file again.
 */
export function MappingFixNotice({ runId, mappingId }: { runId: number; mappingId: string | null }) {
  const { retry, retryNow } = useRetryFile(runId);
  return (
    <div>
      <p className="form-actions">
        {mappingId && (
          <Link className="button primary" to={`/mappings/${encodeURIComponent(mappingId)}/edit?run=${runId}`}>
            Update mapping
          </Link>
        )}
        <button type="button" className="button" disabled={retry.busy} onClick={() => void retryNow()}>
          {retry.busy ? 'Sending the file…' : 'Send the file again'}
        </button>
      </p>
      <RetryOutcome retry={retry} />
    </div>
  );
}

/**
 * A renamed value column whose name now gives another unit: said, as the mapping will read it so.
 * The engine leaves `unit` out where a unit column gives each row's unit and the name changes nothing.
 */
function unitNote(unit: DriftReport['renamed'][number]['unit']): string {
  if (!unit) return '';
  return unit.from ? ` — its values are now in ${unit.to}, not ${unit.from}: the mapping reads them in ${unit.to}` : ` — its name gives the unit ${unit.to}: the mapping reads its values in ${unit.to}`;
}
