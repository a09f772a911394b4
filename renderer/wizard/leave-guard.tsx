/**
 * Asks before the wizard's unsaved work is thrown away. The app routes with a HashRouter, not a
 * data router, so react-router's useBlocker is not available; instead:
 * - a click on an in-app link (the sidebar, Cancel, a run link) is caught before the router sees
 *   it, and followed only once the person says so;
 * - the browser's Back is caught with a guard entry: once there is work, the wizard's own history
 *   entry is pushed a second time, so Back lands on the wizard again (which stays mounted, its
 *   state kept) and the question can be asked; leaving then goes back for real;
 * - closing or reloading the browser tab gets the browser's own prompt (beforeunload). Not in the
 *   desktop app: there, a prevented unload silently cancels quitting (Electron shows no prompt),
 *   and closing the window only hides it, the wizard kept as it is.
 */
import { useEffect, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { desktop } from '../bridge/client';
import { ConfirmDialog } from '../components/ui';

const GUARD = 'esgSyncWizardGuard';

/** Whether the history entry on top is the wizard's guard entry (see above). */
export function onGuardEntry(): boolean {
  const state = window.history.state as Record<string, unknown> | null;
  return state !== null && typeof state === 'object' && state[GUARD] === true;
}

/** The in-app route an anchor leads to ('#/jobs' → '/jobs'), or null for anything else. */
export function inAppTarget(href: string | null): string | null {
  if (!href || !href.startsWith('#/')) return null;
  return href.slice(1);
}

type Pending = { kind: 'link'; to: string } | { kind: 'back' };

/**
 * While `dirty`, leaving asks first. Returns the dialog to render (in the app's style).
 */
export function useLeaveGuard(dirty: boolean, what: string) {
  const navigate = useNavigate();
  const location = useLocation();
  const [pending, setPending] = useState<Pending | null>(null);
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  const here = useRef(location.pathname + location.search);
  here.current = location.pathname + location.search;
  const guarded = useRef(false);
  const leaving = useRef(false);

  const pushGuard = () => {
    window.history.pushState({ ...((window.history.state as object | null) ?? {}), [GUARD]: true }, '', window.location.href);
    guarded.current = true;
  };

  // Work exists: the guard entry goes on top (once), so Back can be asked about.
  useEffect(() => {
    if (dirty && !guarded.current && !onGuardEntry()) pushGuard();
    if (dirty && onGuardEntry()) guarded.current = true;
  }, [dirty]);

  // Back left the guard entry: ask (the router shows the same wizard, nothing was lost yet).
  useEffect(() => {
    const onPop = () => {
      if (leaving.current || !guarded.current || onGuardEntry()) return;
      guarded.current = false;
      if (dirtyRef.current) setPending({ kind: 'back' });
      else {
        // The work was undone since: Back means the page before the wizard.
        leaving.current = true;
        window.history.back();
      }
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  // In-app links: caught in the capture phase, before the router's own click handler.
  useEffect(() => {
    const onClick = (e: MouseEvent) => {
      if (!dirtyRef.current || leaving.current || e.defaultPrevented) return;
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const a = e.target instanceof Element ? e.target.closest('a[href]') : null;
      if (!a || (a.getAttribute('target') ?? '_self') !== '_self') return;
      const to = inAppTarget(a.getAttribute('href'));
      if (to === null || to === here.current) return;
      e.preventDefault();
      e.stopPropagation();
      setPending({ kind: 'link', to });
    };
    document.addEventListener('click', onClick, true);
    return () => document.removeEventListener('click', onClick, true);
  }, []);

  // Closing or reloading the browser tab.
  useEffect(() => {
    if (!dirty || desktop) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      // Older browsers prompt only when returnValue is set.
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);

  const stay = () => {
    if (pending?.kind === 'back') pushGuard();
    setPending(null);
  };
  const leave = () => {
    const p = pending;
    setPending(null);
    leaving.current = true;
    if (p?.kind === 'back') window.history.back();
    // The guard entry is replaced, so Back from there is the wizard's own entry, as without a guard.
    else if (p?.kind === 'link') navigate(p.to, { replace: onGuardEntry() });
  };

  return (
    <ConfirmDialog open={pending !== null} title="Leave without saving?" confirmLabel="Leave and discard changes" danger onConfirm={leave} onCancel={stay}>
      <p>
        {what} has changes that are not saved. If you leave now, they are lost. Choose Cancel to stay, then save in the last step.
      </p>
    </ConfirmDialog>
  );
}
