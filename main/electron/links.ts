/** The app page itself (any route inside its hash), the only place a window may navigate to. */
export function isAppPage(url: string, appUrl: string): boolean {
  return url.split('#')[0] === appUrl;
}

/**
 * The only links that leave the app: plain https to a named host, no credentials, no custom
 * port tricks onto this machine. Returns the normalised URL to open, or null to refuse.
 */
export function safeExternalUrl(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  const host = url.hostname.toLowerCase();
  if (!host.includes('.') || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return null;
  // Raw IP addresses (v4 or bracketed v6) are refused: a real documentation or platform link has a name.
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[')) return null;
  return url.href;
}

/** The hash route of a run in the renderer (renderer/App.tsx: /history/:runId). */
export function runRoute(runId: number): string {
  if (!Number.isSafeInteger(runId) || runId <= 0) throw new Error(`Not a run id: ${runId}`);
  return `/history/${runId}`;
}
