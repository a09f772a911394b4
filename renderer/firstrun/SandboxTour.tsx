import { useEffect, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { client } from '../bridge/client';
import { Badge, ErrorState } from '../components/ui';
import { formatNumber, runBadge } from '../format';
import { useAction, useEngine } from '../hooks';
import { RemoveSandbox } from './RemoveSandbox';
import { useDemo, wizardPathFor, type DemoStatus } from './sandbox';

const STEP_NUMBER = { map: 2, drop: 3, done: 3 } as const;
const HIDDEN_KEY = 'esg-sync.sandbox-tour.hidden';

/**
 * "Hide tour" is a preference of this computer's user, kept across sessions and restarts in the
 * renderer's localStorage (the agent's settings are about syncing, not about the UI). Storage
 * that is unavailable (a locked-down browser) means the tour is simply shown.
 */
function readHidden(): boolean {
  try {
    return localStorage.getItem(HIDDEN_KEY) === '1';
  } catch {
    return false;
  }
}

function writeHidden(hidden: boolean): void {
  try {
    if (hidden) localStorage.setItem(HIDDEN_KEY, '1');
    else localStorage.removeItem(HIDDEN_KEY);
  } catch {
    // Not kept: it still holds for this page.
  }
}

/** The hidden preference, following other windows of the app that change it. */
function useTourHidden(): [boolean, (hidden: boolean) => void] {
  const [hidden, setHidden] = useState(readHidden);
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key === HIDDEN_KEY || e.key === null) setHidden(readHidden());
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);
  return [
    hidden,
    (value: boolean) => {
      writeHidden(value);
      setHidden(value);
    },
  ];
}

/**
 * The sandbox tour's guide, on every page while the tour runs: what to do next, the one button
 * that does it, and the way out. It follows the person from the dashboard to the wizard and back.
 */
export function SandboxTour() {
  const demo = useDemo();
  const location = useLocation();
  const [hidden, setHidden] = useTourHidden();
  // Where focus goes when the button that was pressed goes away: "Show tour" ↔ "Hide tour".
  const focusNext = useRef<'show' | 'hide' | null>(null);
  const showRef = useRef<HTMLButtonElement>(null);
  const hideRef = useRef<HTMLButtonElement>(null);
  const status = demo.data;
  const reload = demo.reload;
  // Saving a mapping announces no event; moving between pages (the wizard returns to Mappings) re-reads the tour.
  useEffect(() => reload(), [location.pathname, reload]);
  useEffect(() => {
    if (!focusNext.current) return;
    const target = focusNext.current === 'show' ? (showRef.current ?? document.getElementById('main')) : hideRef.current;
    target?.focus();
    focusNext.current = null;
  }, [hidden]);
  if (!status) return null;
  if (status.step === 'start') return <SandboxLeftovers status={status} />;
  if (hidden) {
    // A hidden tour stays hidden; the dashboard keeps one line to bring it back.
    if (location.pathname !== '/') return null;
    return (
      <section className="tour tour-compact" aria-labelledby="tour-title">
        <h2 id="tour-title" className="tour-title">
          Sandbox tour (hidden) — step {STEP_NUMBER[status.step]} of 3
        </h2>
        <span className="muted small">You are trying the agent on the built-in sandbox platform.</span>
        <button
          ref={showRef}
          type="button"
          className="button small"
          onClick={() => {
            focusNext.current = 'hide';
            setHidden(false);
          }}
        >
          Show tour
        </button>
      </section>
    );
  }
  return (
    <section className="tour" aria-labelledby="tour-title">
      <div className="tour-head">
        <h2 id="tour-title" className="tour-title">
          Sandbox tour — step {STEP_NUMBER[status.step]} of 3
        </h2>
        <button
          ref={hideRef}
          type="button"
          className="button small"
          onClick={() => {
            focusNext.current = 'show';
            setHidden(true);
          }}
        >
          Hide tour
        </button>
      </div>
      <TourStep status={status} onWizard={location.pathname.startsWith('/mappings/new')} />
      <div className="tour-foot">
        <span className="muted small">
          Practice data on the built-in sandbox platform at <code>{status.url ?? 'not running'}</code>; nothing is sent anywhere else.
        </span>
        <RemoveSandbox status={status} />
      </div>
    </section>
  );
}

function TourStep({ status, onWizard }: { status: DemoStatus; onWizard: boolean }) {
  const drop = useAction();
  if (status.step === 'map') {
    return (
      <div className="tour-body">
        <p>
          The sandbox platform is running and a sample folder is ready. Now tell the agent once how the monthly electricity report becomes platform values:
          which column is the site, which the month, which columns are metrics.
        </p>
        {onWizard ? (
          <p className="muted small">Press “Read the sample”: the wizard reads the report and suggests a mapping. Check each step, then save it on the last one.</p>
        ) : (
          <Link className="button primary" to={wizardPathFor(status)}>
            Map the electricity report
          </Link>
        )}
      </div>
    );
  }
  if (status.step === 'drop') {
    return (
      <div className="tour-body">
        <p>
          Your mapping is saved. In real life, your energy broker's next report would land in the watched folder. Drop next month's report
          {status.nextFile ? (
            <>
              {' '}
              (<code>{status.nextFile}</code>)
            </>
          ) : null}{' '}
          into it now and watch the agent pick it up, map it and send it to the platform.
        </p>
        <button type="button" className="button primary" disabled={drop.busy} onClick={() => void drop.run(() => client.call('demo.dropNext', {}))}>
          {drop.busy ? 'Dropping the file…' : 'Drop the next sample file'}
        </button>
        {drop.error && <ErrorState message={drop.error} />}
      </div>
    );
  }
  return <LiveRuns jobId={status.jobId} />;
}

/** The tour job's runs as they happen: queued, running, then what was sent. */
function LiveRuns({ jobId }: { jobId: string | null }) {
  const runs = useEngine('history.list', jobId ? { jobId, limit: 5 } : { limit: 1 }, ['run.started', 'run.progress', 'run.finished']);
  const list = jobId ? (runs.data ?? []) : [];
  return (
    <div className="tour-body">
      <p>
        The file is in the folder. The agent waits until it is completely written, then syncs it — this happens on its own, whenever a new report arrives.
      </p>
      {list.length === 0 ? (
        <p role="status">
          <span className="spinner" aria-hidden="true" /> Waiting for the agent to pick up the file…
        </p>
      ) : (
        <ul className="list" aria-live="polite">
          {list.map((r) => (
            <li key={r.id}>
              <Badge tone={runBadge(r).tone}>{runBadge(r).label}</Badge> <strong>{r.file ? r.file.split(/[\\/]/).pop() : r.jobName}</strong>{' '}
              {r.finishedAt ? (
                <span>
                  — {formatNumber(r.read)} rows read, {formatNumber(r.created)} values created
                  {r.updated ? `, ${formatNumber(r.updated)} updated` : ''}
                  {r.rejected ? `, ${formatNumber(r.rejected)} rejected` : ''}.{' '}
                </span>
              ) : (
                <span className="muted">— syncing now… </span>
              )}
              <Link to={`/history/${r.id}`}>See the run</Link>
            </li>
          ))}
        </ul>
      )}
      <p className="muted small">
        That's the whole loop. When you are ready, connect your real platform on the Connections page, and remove the sandbox data here.
      </p>
    </div>
  );
}

/**
 * The tour's connection was removed by hand, but sandbox sources, mappings or jobs are still
 * there: say so, and offer the one-click removal the tour would have offered.
 */
function SandboxLeftovers({ status }: { status: DemoStatus }) {
  const s = status.sandbox;
  const left = s.connectionIds.length + s.sourceIds.length + s.mappingIds.length + s.jobIds.length;
  if (left === 0) return null;
  return (
    <section className="tour" aria-labelledby="tour-leftovers-title">
      <h2 id="tour-leftovers-title" className="tour-title">
        Sandbox data is still here
      </h2>
      <div className="tour-foot">
        <span>
          The sandbox tour has ended, but {s.sourceIds.length} sandbox source{s.sourceIds.length === 1 ? '' : 's'}, {s.mappingIds.length} mapping
          {s.mappingIds.length === 1 ? '' : 's'} and {s.jobIds.length} job{s.jobIds.length === 1 ? '' : 's'} remain.
        </span>
        <RemoveSandbox status={status} />
      </div>
    </section>
  );
}
