/**
 * A run's outcome in words, the same everywhere it is shown (run page, History, Jobs, Dashboard,
 * timeline, CLI). A run whose only "rejected" rows are held (codes not mapped yet, periods not
 * over) went through: it reads "succeeded, some rows held", not "with rejected rows".
 */
import type { RunStatus } from './domain';

type Counted = { status: RunStatus; rejected?: number; held?: number };

/** Every row it did not send is held, to be sent later: nothing was refused. */
export function onlyHeld(r: Counted): boolean {
  // A run whose held rows only wait for their period to end is 'succeeded' (nothing for a person to do).
  return (r.status === 'succeeded_with_rejections' || r.status === 'succeeded') && (r.held ?? 0) > 0 && (r.held ?? 0) >= (r.rejected ?? 0);
}

/** "succeeded, some rows held", "succeeded with rejections", "needs attention"…: for sentences and the CLI. */
export function runStatusWords(r: Counted): string {
  return onlyHeld(r) ? 'succeeded, some rows held' : r.status.replace(/_/g, ' ');
}
