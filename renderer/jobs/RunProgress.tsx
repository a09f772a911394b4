import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import type { EventPayload, RunSummary } from '../../shared/api';
import { client } from '../bridge/client';
import { exportCountsPhrase } from '../../shared/run-counts';
import { Badge } from '../components/ui';
import { formatNumber, runBadge } from '../format';

type Progress = EventPayload<'run.progress'>;

/** What the Jobs page knows about a job's current (or just finished) run. */
export type RunState = { phase: 'running'; runId: number; progress: Progress | null } | { phase: 'finished'; run: RunSummary };

/**
 * Live run state by job, from the engine's events: started → progress → finished. A finished run
 * stays shown (bar full, with its counts) until the job's next run starts, so a person who looks
 * away still sees how it ended. Runs already going when the page opens are picked up from history.
 */
export function useRunStates(): Map<string, RunState> {
  const [states, setStates] = useState(new Map<string, RunState>());
  useEffect(() => {
    const put = (jobId: string | null, state: RunState) => {
      if (jobId) setStates((prev) => new Map(prev).set(jobId, state));
    };
    let live = true;
    client
      .call('history.list', { status: 'running', limit: 100 })
      .then((runs) => {
        if (!live) return;
        setStates((prev) => {
          const next = new Map(prev);
          for (const r of runs) if (r.jobId && !next.has(r.jobId)) next.set(r.jobId, { phase: 'running', runId: r.id, progress: null });
          return next;
        });
      })
      .catch(() => undefined); // the list still works without it
    const offs = [
      client.on('run.started', (r) => put(r.jobId, { phase: 'running', runId: r.id, progress: null })),
      client.on('run.progress', (p) => put(p.jobId, { phase: 'running', runId: p.runId, progress: p })),
      client.on('run.finished', (r) => put(r.jobId, { phase: 'finished', run: r })),
    ];
    return () => {
      live = false;
      offs.forEach((off) => off());
    };
  }, []);
  return states;
}

function eta(seconds: number | null): string {
  if (seconds === null || seconds <= 0) return '';
  return seconds < 90 ? `, about ${seconds} s left` : `, about ${Math.round(seconds / 60)} min left`;
}

/** A progress bar for one job's run: moving while it runs, full with the outcome when it ends. */
export function RunProgressBar({ state, jobName }: { state: RunState; jobName: string }) {
  if (state.phase === 'finished') {
    const r = state.run;
    return (
      <div className="progress run-progress">
        <div className="progress-track" role="progressbar" aria-label={`Run progress of ${jobName}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={100} aria-valuetext={`Run #${r.id} finished: ${runBadge(r).label}`}>
          <div className={`progress-fill progress-${runBadge(r).tone}`} style={{ width: '100%' }} />
        </div>
        <span className="small">
          <Badge tone={runBadge(r).tone}>{runBadge(r).label}</Badge> Run #{r.id} finished:{' '}
          {r.jobType === 'export'
            ? exportCountsPhrase(r, formatNumber)
            : `${formatNumber(r.read)} read, ${formatNumber(r.created)} created, ${formatNumber(r.updated)} updated, ${formatNumber(r.deleted)} deleted, ${formatNumber(r.unchanged)} unchanged, ${formatNumber(r.rejected - r.held)} rejected${r.held > 0 ? `, ${formatNumber(r.held)} held` : ''}`}
          . <Link to={`/history/${r.id}`}>Open in History</Link>
        </span>
      </div>
    );
  }
  const p = state.progress;
  // The engine's share covers reading and sending; bytes alone reached 100% before a value was sent.
  const share = p ? (p.share ?? null) : null;
  return (
    <div className="progress run-progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={`Run progress of ${jobName}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={share === null ? undefined : Math.round(share * 100)}
        aria-valuetext={`Run #${state.runId} running`}
      >
        <div className={`progress-fill ${share === null ? 'indeterminate' : ''}`} style={share === null ? undefined : { width: `${share * 100}%` }} />
      </div>
      <span className="muted small" aria-live="polite">
        Run #{state.runId} running
        {p ? `: ${formatNumber(p.read)} rows read, ${formatNumber(p.accepted)} accepted, ${formatNumber(p.rejected)} rejected${p.rowsPerSecond ? `, ${formatNumber(p.rowsPerSecond)} rows/s` : ''}${eta(p.etaSeconds)}` : '…'}
      </span>
    </div>
  );
}
