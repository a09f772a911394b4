/**
 * The browser's proof that it may use the agent: the per-launch token `esg-sync ui` prints in the
 * address (#token=…, or the older ?token=…). The page takes it from there, keeps it in
 * sessionStorage (per origin, so per port, and per tab) and removes it from the address bar and
 * the tab's back/forward list. (The browser's own history of visited addresses keeps the address it
 * was opened with; that token dies when the agent restarts.) It is never a cookie: cookies are not kept apart by port, so the browser would send it
 * to every other web server on 127.0.0.1 it visits.
 */
const KEY = 'esg-sync.token';
let current: string | null | undefined;

function tokenInAddress(): { token: string; rest: string } | null {
  const url = new URL(window.location.href);
  const inHash = new URLSearchParams(url.hash.slice(1)).get('token');
  const inQuery = url.searchParams.get('token');
  const token = inHash ?? inQuery;
  if (token === null) return null;
  url.searchParams.delete('token');
  if (inHash !== null) url.hash = '';
  return { token, rest: url.pathname + url.search + url.hash };
}

function keep(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    /* storage switched off: the token lives as long as the page */
  }
}

/** The token for this tab, taken from the address on first use; null when the page was opened without one. */
export function agentToken(): string | null {
  if (current !== undefined) return current;
  const found = tokenInAddress();
  if (found) {
    history.replaceState(history.state, '', found.rest);
    keep(found.token);
    current = found.token;
  } else {
    try {
      current = sessionStorage.getItem(KEY);
    } catch {
      current = null;
    }
  }
  // The current address pasted into a tab already showing the UI changes only the fragment: no
  // new page load. Keep the new token and load the page again, so every connection uses it.
  window.addEventListener('hashchange', () => {
    const next = tokenInAddress();
    if (!next) return;
    history.replaceState(history.state, '', next.rest);
    keep(next.token);
    window.location.reload();
  });
  return current;
}

/** The Authorization header for the agent's HTTP API (empty without a token: the agent says 401). */
export function agentAuthHeaders(): Record<string, string> {
  const token = agentToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * Downloads a file from the agent's HTTP API (`path` under /api/) to the browser's downloads. A
 * link cannot carry the Authorization header and fetching the file into a blob would hold all of
 * it in memory (an error CSV of 100,000 rows and more), so the page asks for a single-use ticket
 * for this address and lets the browser fetch it with ?ticket=: the file streams to disk.
 */
export async function downloadFromAgent(path: string, fileName: string): Promise<void> {
  const res = await fetch('/api/download-ticket', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...agentAuthHeaders() },
    body: JSON.stringify({ path }),
    cache: 'no-store',
  });
  const body = (await res.json().catch(() => null)) as { ok?: boolean; result?: { ticket?: string }; error?: { message?: string } } | null;
  const ticket = body?.ok ? body.result?.ticket : undefined;
  if (!ticket) throw new Error(body?.error?.message ?? `The agent did not hand out ${fileName} (HTTP ${res.status}). Try again; if it keeps failing, reopen the address \`esg-sync ui\` prints.`);
  const link = document.createElement('a');
  link.href = `${path}${path.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}`;
  link.download = fileName;
  link.rel = 'noreferrer';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}
