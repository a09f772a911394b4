/**
 * Retry delays. Full jitter (delay = random × min(cap, base × 2^n)) spreads the retries of many
 * clients that failed together, so a recovering platform is not hit by a synchronized wave.
 */
export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound for a server-requested Retry-After; a longer ask is clamped, not obeyed blindly. */
  maxRetryAfterMs: number;
  random: () => number;
}

/** Delay before retry number `retry` (1 = first retry). */
export function backoffDelay(retry: number, opts: BackoffOptions): number {
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const r = Math.min(1, Math.max(0, opts.random()));
  return Math.floor(r * exp);
}

/**
 * The server's Retry-After wins over our own backoff (it knows its load), clamped to
 * maxRetryAfterMs so a misconfigured server cannot park a run for hours.
 */
export function retryDelay(retry: number, retryAfterMs: number | null, opts: BackoffOptions): number {
  if (retryAfterMs !== null && Number.isFinite(retryAfterMs)) {
    return Math.min(Math.max(0, retryAfterMs), opts.maxRetryAfterMs);
  }
  return backoffDelay(retry, opts);
}

/** setTimeout as a promise that rejects with an AbortError when the signal fires. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error('The operation was aborted', { cause: reason });
  err.name = 'AbortError';
  return err;
}
