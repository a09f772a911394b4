/**
 * Node ends a process only when nothing keeps its event loop alive. After the agent's shutdown
 * has closed everything it knows of, a handle something else left open (a keep-alive socket, a
 * timer of a library) would keep a stopped agent around for good, and a service manager or the
 * desktop shell would wait on it. So: exit with the code once the loop drains, or after a grace
 * period at the latest, naming what was still open so the leak can be found.
 */
export function exitAfterStop(code: number, opts: { graceMs?: number; onLinger?: (resources: string[]) => void } = {}): void {
  process.exitCode = code;
  const timer = setTimeout(() => {
    // Only what keeps the loop alive is listed (this unref'd timer is not).
    opts.onLinger?.(process.getActiveResourcesInfo());
    process.exit(code);
  }, opts.graceMs ?? 2000);
  // Unref'd: when nothing else is open the process ends at once, without waiting for the grace.
  timer.unref();
}
