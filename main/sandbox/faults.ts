/**
 * Fault injection for the sandbox platform: the misbehaviour a real platform shows on a bad day,
 * on demand, so retry, token refresh and idempotency are proven rather than assumed.
 */
import { z } from 'zod';

export const FaultSpec = z.object({
  /** Added to every response, in milliseconds. */
  latency: z.number().int().min(0).max(600_000).default(0),
  /** Share of requests answered 500. */
  error500: z.number().min(0).max(1).default(0),
  /** Share of requests answered 429 with Retry-After. */
  rate429: z.number().min(0).max(1).default(0),
  /** Retry-After seconds sent with a 429. */
  retryAfter: z.number().int().min(0).max(3600).default(1),
  /** Share of requests whose connection is destroyed without an answer. */
  reset: z.number().min(0).max(1).default(0),
  /** Share of requests held for `stallMs` before anything is sent. */
  stall: z.number().min(0).max(1).default(0),
  stallMs: z.number().int().min(0).max(3_600_000).default(30_000),
  /** Tokens stop working this many seconds after issue, whatever `expires_in` said (0 = off). */
  tokenExpiry: z.number().min(0).default(0),
  /**
   * For writes hit by a 500, reset or stall: the share where the fault strikes after the batch
   * committed, so the client never learns it succeeded and must resend with the same key.
   */
  afterCommit: z.number().min(0).max(1).default(0.5),
  /** Whether the token endpoint gets faults too (a real one does; some tests want only the API). */
  faultTokenEndpoint: z.boolean().default(true),
});
export type FaultSpec = z.infer<typeof FaultSpec>;
export type FaultSpecInput = z.input<typeof FaultSpec>;

export const noFaults = (): FaultSpec => FaultSpec.parse({});

export class FaultSpecError extends Error {
  readonly code = 'invalid_fault_spec';
  constructor(message: string) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

const KEYS = Object.keys(FaultSpec.shape) as (keyof FaultSpec)[];

/**
 * Parses `latency=50,error500=0.2,rate429=0.05,retryAfter=1,reset=0.05,stall=0.02,stallMs=30000,tokenExpiry=30`.
 * Shares may be written as fractions (0.2) or percentages (20%).
 */
export function parseFaultSpec(text: string): FaultSpec {
  const raw: Record<string, number | boolean> = {};
  for (const part of text.split(/[,;]/)) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new FaultSpecError(`Fault spec item "${item}" is not name=value. Example: latency=50,error500=0.2,rate429=0.05`);
    const name = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    const key = KEYS.find((k) => k.toLowerCase() === name.toLowerCase());
    if (!key) throw new FaultSpecError(`Unknown fault "${name}". Known faults: ${KEYS.join(', ')}.`);
    if (key === 'faultTokenEndpoint') {
      if (!/^(true|false|1|0)$/i.test(value)) throw new FaultSpecError(`Fault "${name}" takes true or false, not "${value}".`);
      raw[key] = /^(true|1)$/i.test(value);
      continue;
    }
    const pct = value.endsWith('%');
    const n = Number(pct ? value.slice(0, -1) : value);
    if (value === '' || !Number.isFinite(n)) throw new FaultSpecError(`Fault "${name}" needs a number, got "${value}".`);
    raw[key] = pct ? n / 100 : n;
  }
  const parsed = FaultSpec.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FaultSpecError(`Fault "${String(issue?.path[0] ?? '?')}" is out of range: ${issue?.message ?? 'invalid'}.`);
  }
  return parsed.data;
}

export type FaultKind = 'error500' | 'rate429' | 'reset' | 'stall';
export interface FaultDecision {
  kind: FaultKind | null;
  /** Only meaningful for writes: strike after the commit instead of before it. */
  afterCommit: boolean;
}

/** One draw per request so the shares are exact expectations and faults never stack. */
export function decideFault(spec: FaultSpec, random: () => number = Math.random): FaultDecision {
  const r = random();
  let edge = 0;
  let kind: FaultKind | null = null;
  for (const k of ['error500', 'rate429', 'reset', 'stall'] as const) {
    edge += spec[k];
    if (r < edge) {
      kind = k;
      break;
    }
  }
  // Rate limiting happens at the door, before any work: never after a commit.
  const afterCommit = kind !== null && kind !== 'rate429' && random() < spec.afterCommit;
  return { kind, afterCommit };
}
