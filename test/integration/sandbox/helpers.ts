/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk untyped JSON responses and the parsed OpenAPI document */
/** Raw HTTP helpers for talking to the sandbox without the engine's client, so its contract is tested on its own. */
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../../main/sandbox';

export interface RawResponse {
  status: number;
  headers: Headers;
  body: any;
}

export async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: opts.json !== undefined ? JSON.stringify(opts.json) : undefined,
    signal: opts.signal,
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, headers: res.headers, body };
}

export async function token(base: string, clientId = 'sandbox-client', secret = 'sandbox-secret', scope?: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope) form.set('scope', scope);
  const res = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    body: form.toString(),
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export function submission(over: Partial<Record<string, unknown>> = {}) {
  return {
    metric_id: 'met_elec_cons',
    entity_id: 'ent_lon01',
    period_start: '2024-01-01',
    period_end: '2024-01-31',
    value: 1000,
    unit: 'kWh',
    ...over,
  };
}

/** Month n (0-based from Jan 2020) as a period, so generated submissions have distinct natural keys. */
export function monthPeriod(n: number): { period_start: string; period_end: string } {
  const y = 2020 + Math.floor(n / 12);
  const m = n % 12;
  const start = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  const end = new Date(Date.UTC(y, m + 1, 0)).toISOString().slice(0, 10);
  return { period_start: start, period_end: end };
}

export async function withSandbox<T>(opts: SandboxOptions, fn: (s: RunningSandbox) => Promise<T>): Promise<T> {
  const s = await startSandbox(opts);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** Polls until `check` holds, failing after `timeoutMs`; used instead of fixed sleeps. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
