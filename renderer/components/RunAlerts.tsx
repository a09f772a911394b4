import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import type { RunSummary } from '../../shared/api';
import { client } from '../bridge/client';

/** At most this many banners at once; older ones fold into "and N more". */
const MAX_SHOWN = 3;
const MAX_REASON = 180;

interface Alert {
  runId: number;
  jobName: string;
  status: 'failed' | 'needs_attention';
  reason: string | null;
}

function reasonOf(run: RunSummary): string | null {
  const r = run.error?.trim();
  if (!r) return null;
  return r.length > MAX_REASON ? `${r.slice(0, MAX_REASON - 1)}…` : r;
}

/**
 * The browser UI's counterpart of the desktop notification: a dismissible banner for each run
 * that failed or needs attention while the UI is open, when Settings → "Notify me" is on.
 * The setting is read when a run finishes, so a change on the Settings page applies at once.
 */
export function RunAlerts() {
  const [alerts, setAlerts] = useState<Alert[]>([]);

  useEffect(() => {
    let live = true;
    const off = client.on('run.finished', (run) => {
      if (run.status !== 'failed' && run.status !== 'needs_attention') return;
      const status = run.status;
      client
        .call('settings.get', {})
        .then((s) => s.notifyOnFailure)
        // If the setting cannot be read, a failure is still worth saying.
        .catch(() => true)
        .then((notify) => {
          if (!live || !notify) return;
          setAlerts((prev) => [{ runId: run.id, jobName: run.jobName, status, reason: reasonOf(run) }, ...prev.filter((a) => a.runId !== run.id)]);
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
