/**
 * Turns whatever went wrong while proving a connection's credentials into a verdict a person can
 * act on: a short headline naming the kind of failure and the full message saying what to do.
 */
import { isPlatformError, type PlatformErrorCode } from '../platforms/errors';
import { SecretStoreError } from '../secrets';
import type { ServiceAccountInfo } from '../../../shared/domain';

export type TestFailureCode = PlatformErrorCode | 'missing_secret' | 'secrets' | 'config' | 'unknown';

export interface TestOutcome {
  ok: boolean;
  at: string;
  /** 'ok' on success, else what failed. */
  code: 'ok' | TestFailureCode;
  /** One short line for a badge or a list, e.g. "Client ID or secret rejected". */
  headline: string;
  /** What happened and what to do, standing alone (shown without the headline); never contains the secret. */
  message: string;
  status: number | null;
  account: ServiceAccountInfo | null;
}

const HEADLINES: Record<TestFailureCode, string> = {
  dns: 'Host name not found (DNS)',
  tls: 'Secure connection (TLS) failed',
  connect: 'Could not connect to the platform',
  timeout: 'The platform did not answer in time',
  invalid_client: 'Client ID or secret rejected (401 invalid_client)',
  forbidden_scope: 'Permission missing (403 scope)',
  unauthorized: 'Access token not accepted (401)',
  not_found: 'Wrong address (404)',
  rate_limited: 'Rate limited by the platform (429)',
  server: 'Platform error (5xx)',
  bad_request: 'Request rejected by the platform (400)',
  conflict: 'Conflict reported by the platform',
  bad_response: 'Unexpected answer from the platform',
  aborted: 'Cancelled',
  missing_secret: 'Secret missing from the keychain',
  secrets: 'Keychain not usable',
  config: 'Connection settings are not valid',
  unknown: 'The test failed',
};

export function headlineFor(code: TestFailureCode, status: number | null): string {
  if (code === 'server' && status !== null) return `Platform error (HTTP ${status})`;
  if (code === 'forbidden_scope' && status !== null && status !== 403) return `Permission missing (scope, HTTP ${status})`;
  return HEADLINES[code];
}

export function successOutcome(at: string, account: ServiceAccountInfo): TestOutcome {
  const who = account.organisation ? `${account.name} at ${account.organisation}` : account.name;
  return {
    ok: true,
    at,
    code: 'ok',
    headline: 'Working',
    message: `Signed in as ${who}${account.scopes.length ? ` with scopes ${account.scopes.join(', ')}` : ''}.`,
    status: null,
    account,
  };
}

/**
 * Classifies a failure. `secret` is scrubbed from the message as a last line of defence: no
 * code path is meant to put it there, but a platform echoing the request back must not leak it.
 */
export function failureOutcome(at: string, err: unknown, secret?: string): TestOutcome {
  let code: TestFailureCode = 'unknown';
  let status: number | null = null;
  let message: string;
  if (isPlatformError(err)) {
    code = err.code;
    status = err.status;
    message = err.message;
  } else if (err instanceof SecretStoreError) {
    code = 'secrets';
    message = err.message;
  } else if (err instanceof TypeError && /invalid url/i.test(err.message)) {
    code = 'config';
    message = `The base URL or auth URL is not a valid address (${err.message}). Use a full address such as https://api.example.com.`;
  } else {
    // Shown without the headline (which it would repeat for every other kind), so it says what failed itself.
    message = `The test failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  return { ok: false, at, code, headline: headlineFor(code, status), message: scrub(message, secret), status, account: null };
}

export function scrub(text: string, secret?: string): string {
  if (!secret || secret.length < 8) return text;
  return text.split(secret).join('[secret]');
}
