import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { client } from '../bridge/client';
import { alertOf, isSettled, noteSettled, raise, settle, settles, type RunAlert } from './run-alerts';

/** At most this many banners at once; older ones fold into "and N more". */
const MAX_SHOWN = 3;

/**
 * The browser UI's counterpart of the desktop notification: a dismissible banner for each run
 * that failed or needs attention while the UI is open, when Settings → "Notify me" is on.
 * The setting is read when a run finishes, so a change on the Settings page applies at once.
 * A banner goes by itself once a later run of the same job went through (succeeded, with or
 * without rejected rows): the problem it reported is over.
 */
export function RunAlerts() {
  const [alerts, setAlerts] = useState<RunAlert[]>([]);
  // Each job's latest run that went through, so a failure whose setting is still being read cannot come back after it.
  const settled = useRef(new Map<string, number>());

  useEffect(() => {
    let live = true;
    const off = client.on('run.finished', (run) => {
      if (settles(run)) {
        noteSettled(settled.current, run);
        setAlerts((prev) => settle(prev, run));
        return;
      }
      const alert = alertOf(run);
      if (!alert) return;
      client
        .call('settings.get', {})
        .then((s) => s.notifyOnFailure)
        // If the setting cannot be read, a failure is still worth saying.
        .catch(() => true)
        .then((notify) => {
          if (!live || !notify || isSettled(alert, settled.current)) return;
          setAlerts((prev) => raise(prev, alert));
        });
    });
    return () => {
      live = false;
      off();
    };
  }, []);

  if (alerts.length === 0) return null;
  const dismiss = (runId: number) => setAlerts((prev) => prev.filter((a) => a.runId !== runId));
  const shown = alerts.slice(0, MAX_SHOWN);
  const hidden = alerts.length - shown.length;

  return (
    <div className="run-alerts" aria-label="Run alerts" role="region">
      {shown.map((a) => (
        <div key={a.runId} className={`banner ${a.status === 'failed' ? 'banner-bad' : 'banner-warn'}`} role="alert" data-run-id={a.runId}>
          <span style={{ flex: '1 1 20rem' }}>
            <strong>
              Run of {a.jobName} {a.status === 'failed' ? 'failed' : 'needs attention'}
            </strong>
            {a.reason ? ` — ${a.reason}` : ''}
          </span>
          <Link className="button small" to={`/history/${a.runId}`} onClick={() => dismiss(a.runId)}>
            Open run
          </Link>
          <button type="button" className="button small" onClick={() => dismiss(a.runId)} aria-label={`Dismiss the alert for run #${a.runId} of ${a.jobName}`}>
            Dismiss
          </button>
        </div>
      ))}
      {hidden > 0 && (
        <div className="banner banner-warn" role="status">
          <span style={{ flex: 1 }}>
            And {hidden} more run{hidden === 1 ? '' : 's'} that failed or need attention. <Link to="/history">See history</Link>
          </span>
          <button type="button" className="button small" onClick={() => setAlerts([])}>
            Dismiss all
          </button>
        </div>
      )}
    </div>
  );
}
