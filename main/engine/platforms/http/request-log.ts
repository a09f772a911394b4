/**
 * The observer a run hands its adapter: it counts every platform request and retry for the run
 * summary and passes each one on to run history (method, host, path, status or error, duration,
 * attempt — never a body, never a header value).
 *
 * A runaway run (say, a million-page export) must not flood the store, so only the first
 * `maxStored` requests are itemised; the counts stay exact and `onCapReached` says where the
 * itemised list stopped.
 */
import type { RequestLogEntry } from '../types';

export interface RequestRecorderOptions {
  /** Where itemised entries go (run history). */
  sink: (entry: RequestLogEntry) => void;
  /** Itemise at most this many requests (default 20,000). */
  maxStored?: number;
  /** Called once, when the first request past the cap arrives. */
  onCapReached?: (maxStored: number) => void;
}

export interface RequestRecorder {
  /** Pass as `onRequest` to the HttpClient (per adapter) so token calls are recorded too. */
  readonly observe: (entry: RequestLogEntry) => void;
  /** Every HTTP attempt, retries and token calls included. */
  readonly requests: number;
  /** Attempts after the first of the same request. */
  readonly retries: number;
  readonly stored: number;
}

export const DEFAULT_MAX_STORED_REQUESTS = 20_000;

export function createRequestRecorder(opts: RequestRecorderOptions): RequestRecorder {
  const max = Math.max(0, opts.maxStored ?? DEFAULT_MAX_STORED_REQUESTS);
  let requests = 0;
  let retries = 0;
  let stored = 0;
  let capped = false;
  return {
    observe(entry) {
      requests++;
      if (entry.attempt > 1) retries++;
      if (stored < max) {
        stored++;
        opts.sink(entry);
      } else if (!capped) {
        capped = true;
        opts.onCapReached?.(max);
      }
    },
    get requests() {
      return requests;
    },
    get retries() {
      return retries;
    },
    get stored() {
      return stored;
    },
  };
}
