/**
 * Service accounts and OAuth 2.0 client-credentials tokens (RFC 6749 §4.4) for the sandbox.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { SandboxDb } from './db';

export const ALL_SCOPES = ['metrics:read', 'entities:read', 'submissions:write', 'submissions:read', 'portfolio:read'] as const;
export type Scope = (typeof ALL_SCOPES)[number];

export interface SandboxAccount {
  clientId: string;
  clientSecret: string;
  name: string;
  scopes: string[];
  organisation?: string | null;
}

export const DEMO_ACCOUNT: SandboxAccount = {
  clientId: 'sandbox-client',
  clientSecret: 'sandbox-secret',
  name: 'Sandbox sync agent',
  scopes: [...ALL_SCOPES],
  organisation: 'Acme Holdings plc (sandbox)',
};

export interface AccountRow {
  client_id: string;
  name: string;
  organisation: string | null;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
}

export interface IssuedToken {
  clientId: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
}

// A plain hash is enough for a local stand-in platform; what matters is that the secret is never stored.
const hashSecret = (secret: string): string => createHash('sha256').update(`esg-sandbox:${secret}`).digest('hex');

export function upsertAccounts(db: SandboxDb, accounts: SandboxAccount[], now: string): void {
  const stmt = db.prepare(
    `INSERT INTO accounts (client_id, name, organisation, secret_hash, scopes, created_at)
     VALUES (@clientId, @name, @organisation, @secretHash, @scopes, @now)
     ON CONFLICT (client_id) DO UPDATE SET name = excluded.name, organisation = excluded.organisation,
       secret_hash = excluded.secret_hash, scopes = excluded.scopes`,
  );
  db.transaction(() => {
    for (const a of accounts) {
      const unknown = a.scopes.filter((s) => !(ALL_SCOPES as readonly string[]).includes(s));
      if (unknown.length > 0) throw new Error(`Sandbox account ${a.clientId} has unknown scopes: ${unknown.join(', ')}. Known: ${ALL_SCOPES.join(', ')}.`);
      stmt.run({
        clientId: a.clientId,
        name: a.name,
        organisation: a.organisation ?? null,
        secretHash: hashSecret(a.clientSecret),
        scopes: a.scopes.join(' '),
        now,
      });
    }
  })();
}

export type TokenRequestOutcome =
  | { ok: true; token: string; expiresIn: number; scopes: string[] }
  | { ok: false; status: 400 | 401; error: string; description: string; basic: boolean };

export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly db: SandboxDb,
    private readonly ttlSeconds: () => number,
    /** Seconds after which tokens die early (fault injection); 0 = honour expires_in. */
    private readonly forcedExpirySeconds: () => number,
  ) {}

  /** Handles a token request given the decoded form body and Authorization header. */
  issue(form: URLSearchParams, authorization: string | undefined): TokenRequestOutcome {
    let clientId: string | null;
    let clientSecret: string | null;
    const basic = authorization !== undefined && /^basic\s/i.test(authorization);
    if (basic) {
      const decoded = Buffer.from(authorization!.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return { ok: false, status: 401, error: 'invalid_client', description: 'Malformed Basic credentials.', basic };
      // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
      clientId = safeDecode(decoded.slice(0, colon));
      clientSecret = safeDecode(decoded.slice(colon + 1));
      if (form.has('client_secret')) {
        return { ok: false, status: 400, error: 'invalid_request', description: 'Use either HTTP Basic or client_secret in the body, not both.', basic };
      }
    } else {
      clientId = form.get('client_id');
      clientSecret = form.get('client_secret');
    }
    const grant = form.get('grant_type');
    if (grant === null) return { ok: false, status: 400, error: 'invalid_request', description: 'grant_type is required.', basic };
    if (grant !== 'client_credentials') {
      return { ok: false, status: 400, error: 'unsupported_grant_type', description: `Only client_credentials is supported, not "${grant}".`, basic };
    }
    if (!clientId || clientSecret === null) {
      return { ok: false, status: 401, error: 'invalid_client', description: 'Client authentication is required (HTTP Basic or client_id/client_secret).', basic };
    }
    const row = this.db.prepare('SELECT secret_hash, scopes FROM accounts WHERE client_id = ?').get(clientId) as
      | { secret_hash: string; scopes: string }
      | undefined;
    const given = Buffer.from(hashSecret(clientSecret), 'hex');
    // Compare against a dummy hash for unknown clients so timing does not reveal which ids exist.
    const expected = Buffer.from(row?.secret_hash ?? hashSecret(randomBytes(16).toString('hex')), 'hex');
    if (!row || !timingSafeEqual(given, expected)) {
      return { ok: false, status: 401, error: 'invalid_client', description: 'Unknown client or wrong secret.', basic };
    }
    const granted = row.scopes.split(' ').filter(Boolean);
    const requestedRaw = form.get('scope');
    let scopes = granted;
    if (requestedRaw !== null && requestedRaw.trim() !== '') {
      const requested = requestedRaw.trim().split(/\s+/);
      const missing = requested.filter((s) => !granted.includes(s));
      if (missing.length > 0) {
        return { ok: false, status: 400, error: 'invalid_scope', description: `Not granted to this service account: ${missing.join(', ')}.`, basic };
      }
      scopes = [...new Set(requested)];
    }
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    const ttl = this.ttlSeconds();
    this.tokens.set(token, { clientId, scopes, issuedAt: now, expiresAt: now + ttl * 1000 });
    this.prune(now);
    return { ok: true, token, expiresIn: ttl, scopes };
  }

  /** Returns the token's grant, or why it does not work. */
  check(token: string): { ok: true; grant: IssuedToken } | { ok: false; reason: 'unknown' | 'expired' | 'forced' } {
    const grant = this.tokens.get(token);
    if (!grant) return { ok: false, reason: 'unknown' };
    const now = Date.now();
    if (now >= grant.expiresAt) return { ok: false, reason: 'expired' };
    const forced = this.forcedExpirySeconds();
    if (forced > 0 && now >= grant.issuedAt + forced * 1000) return { ok: false, reason: 'forced' };
    return { ok: true, grant };
  }

  get size(): number {
    return this.tokens.size;
  }

  private prune(now: number): void {
    if (this.tokens.size < 1000) return;
    for (const [k, v] of this.tokens) if (v.expiresAt <= now) this.tokens.delete(k);
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Reads the account for whoami and records this use; returns the previous last-used time. */
export function touchAccount(db: SandboxDb, clientId: string, now: string): AccountRow | null {
  const q = touchStatements(db);
  const row = q.get.get(clientId) as AccountRow | undefined;
  if (!row) return null;
  q.touch.run(now, clientId);
  return row;
}

// Every API request touches its account: compiling both statements each time cost more than running them.
const touchCache = new WeakMap<SandboxDb, { get: Statement; touch: Statement }>();
function touchStatements(db: SandboxDb) {
  let q = touchCache.get(db);
  if (!q) {
    q = {
      get: db.prepare('SELECT client_id, name, organisation, scopes, created_at, last_used_at FROM accounts WHERE client_id = ?'),
      touch: db.prepare('UPDATE accounts SET last_used_at = ? WHERE client_id = ?'),
    };
    touchCache.set(db, q);
  }
  return q;
}
