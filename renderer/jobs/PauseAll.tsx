import { useEffect, useRef, useState } from 'react';
import { client } from '../bridge/client';
import { formatTime } from '../format';
import { useAction, useEngine } from '../hooks';

type FocusNext = 'resume' | 'pause' | null;

const DURATIONS = [
  { value: '60', label: 'for 1 hour' },
  { value: '240', label: 'for 4 hours' },
  { value: '1440', label: 'for 24 hours' },
  { value: 'forever', label: 'until I resume them' },
] as const;

/**
 * The agent-wide pause (engine.pause / engine.resume), shared by the header control and the
 * banner. Whichever control acted disappears once the agent answers, so focus is handed to the
 * one that takes its place (Pause → Resume syncs, Resume syncs → Pause) instead of falling to
 * the page; and both ways end with a status message.
 */
export function useGlobalPause() {
  const status = useEngine('engine.status', {}, ['engine.changed']);
  const action = useAction();
  const [message, setMessage] = useState<string | null>(null);
  const focusNext = useRef<FocusNext>(null);
  const pauseRef = useRef<HTMLButtonElement>(null);
  const resumeRef = useRef<HTMLButtonElement>(null);
  const pausedUntil = status.data?.pausedUntil ?? null;
  const { busy } = action;

  useEffect(() => {
    // Focus moves once the new control is there and enabled (it is disabled while the call runs).
    if (busy) return;
    if (focusNext.current === 'resume' && pausedUntil) resumeRef.current?.focus();
    else if (focusNext.current === 'pause' && !pausedUntil) pauseRef.current?.focus();
    else return;
    focusNext.current = null;
  }, [pausedUntil, busy]);

  return {
    known: status.data !== undefined,
    pausedUntil,
    busy,
    error: action.error,
    message,
    pauseRef,
    resumeRef,
    dismiss: () => {
      setMessage(null);
      pauseRef.current?.focus();
    },
    pause: async (minutes: number | null) => {
      setMessage(null);
      focusNext.current = 'resume';
      const r = await action.run(() => client.call('engine.pause', { minutes }));
      if (r === undefined) focusNext.current = null;
    },
    resume: async () => {
      setMessage(null);
      focusNext.current = 'pause';
      const r = await action.run(() => client.call('engine.resume', {}));
      if (r === undefined) focusNext.current = null;
      else setMessage('All syncs resumed: schedules and file arrivals run again.');
    },
  };
}

export type GlobalPause = ReturnType<typeof useGlobalPause>;

/**
 * "Pause all syncs" for an hour, four, a day, or until resumed. Choosing the duration does
 * nothing by itself (arrow keys change a select's value as they move); the Pause button acts.
 */
export function PauseAllControl({ g }: { g: GlobalPause }) {
  const [duration, setDuration] = useState<string>(DURATIONS[0].value);
  if (!g.known || g.pausedUntil) return null;
  return (
    <div className="pause-control">
      <label htmlFor="pause-all" className="pause-control-label">
        Pause all syncs
      </label>
      <select id="pause-all" value={duration} onChange={(e) => setDuration(e.target.value)}>
        {DURATIONS.map((d) => (
          <option key={d.value} value={d.value}>
            {d.label}
          </option>
        ))}
      </select>
      <button
        ref={g.pauseRef}
        type="button"
        className="button"
        disabled={g.busy}
        onClick={() => void g.pause(duration === 'forever' ? null : Number(duration))}
      >
        {g.busy ? 'Pausing…' : 'Pause'}
      </button>
    </div>
  );
}

/**
 * While the agent is paused: until when, what that means, and the way out; after resuming, that
 * it is resumed. The live region stays in the page so each change is announced.
 */
export function PausedBanner({ g }: { g: GlobalPause }) {
  return (
    <div role="status" className="pause-status">
      {g.pausedUntil ? (
        <div className="banner banner-warn">
          <span>
            All syncs are paused {g.pausedUntil === 'forever' ? 'until you resume them' : `until ${formatTime(g.pausedUntil)}`}. Schedules and file arrivals wait; Run now still works.
          </span>
          <button ref={g.resumeRef} type="button" className="button small" disabled={g.busy} onClick={() => void g.resume()}>
            Resume syncs
          </button>
        </div>
      ) : (
        g.message && (
          <div className="banner banner-ok">
            <span>{g.message}</span>
            <button type="button" className="button small" onClick={g.dismiss}>
              Dismiss
            </button>
          </div>
        )
      )}
      {g.error && <div className="banner banner-bad">{g.error}</div>}
    </div>
  );
}
