/**
 * The sandbox platform: a real HTTP server implementing docs/esg-api.openapi.yaml over its own
 * SQLite database, with fault injection. First-run "try it", the demo and the tests talk to it
 * exactly as they would talk to a production platform.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { constants as zlib, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Logger } from 'pino';
import { ALL_SCOPES, DEMO_ACCOUNT, TokenStore, touchAccount, upsertAccounts, type SandboxAccount } from './auth';
import { createClock, openSandboxDb, type SandboxDb } from './db';
import { BadQueryError, exportPortfolioMetrics, exportSubmissions, listEntities, listMetrics, type Granularity, type PageQuery } from './exports';
import { FaultSpec, decideFault, type FaultDecision, type FaultSpecInput } from './faults';
import { BodyTooLargeError, json, problem, readBody, type Reply } from './http-util';
import { BatchEnvelope, MAX_BATCH_ITEMS, SubmissionWriter, type BatchResponse } from './submissions';

export interface SandboxOptions {
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  /** Loopback by default; the sandbox has no TLS and demo credentials. */
  host?: string;
  /** SQLite file, or ':memory:' (default). */
  dbPath?: string;
  accounts?: SandboxAccount[];
  tokenTtlSeconds?: number;
  faults?: FaultSpecInput;
  logger?: Logger;
  /** Source of randomness for fault decisions (tests pass a seeded one). */
  random?: () => number;
}

export interface SandboxStats {
  requests: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, number>;
  faults: { error500: number; rate429: number; reset: number; stall: number; afterCommit: number; latency: number };
  /** Requests a 500, 429 or reset struck, by route ("POST /v1/submissions:batch"): each one a client must retry. */
  faultedByRoute: Record<string, number>;
  tokensIssued: number;
  tokensRejected: { unknown: number; expired: number; forced: number };
  batches: { applied: number; replayed: number; keyConflicts: number; items: number };
}

export interface SandboxSubmission {
  id: string;
  metricId: string;
  entityId: string;
  periodStart: string;
  periodEnd: string;
  value: number | string | boolean;
  unit: string;
  comment: string | null;
  evidence: string | null;
  version: number;
  createdBy: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export interface RunningSandbox {
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
  countSubmissions(opts?: { includeDeleted?: boolean }): number;
  listSubmissions(opts?: { includeDeleted?: boolean }): SandboxSubmission[];
  setFaults(spec: FaultSpecInput): void;
  faults(): FaultSpec;
  stats(): SandboxStats;
  resetStats(): void;
  /** For tests that need to look deeper than the helpers; treat as read-only. */
  readonly db: SandboxDb;
}

const SCOPE_FOR: Record<string, string> = {
  'GET /v1/metrics': 'metrics:read',
  'GET /v1/entities': 'entities:read',
  'POST /v1/submissions:batch': 'submissions:write',
  'GET /v1/submissions': 'submissions:read',
  'GET /v1/portfolio-metrics': 'portfolio:read',
};
const ROUTES: Record<string, string[]> = {
  '/oauth/token': ['POST'],
  '/v1/service-account': ['GET'],
  '/v1/metrics': ['GET'],
  '/v1/entities': ['GET'],
  '/v1/submissions:batch': ['POST'],
  '/v1/submissions': ['GET'],
  '/v1/portfolio-metrics': ['GET'],
};
const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

const emptyStats = (): SandboxStats => ({
  requests: 0,
  byStatus: {},
  byRoute: {},
  faults: { error500: 0, rate429: 0, reset: 0, stall: 0, afterCommit: 0, latency: 0 },
  faultedByRoute: {},
  tokensIssued: 0,
  tokensRejected: { unknown: 0, expired: 0, forced: 0 },
  batches: { applied: 0, replayed: 0, keyConflicts: 0, items: 0 },
});

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const log = options.logger;
  const random = options.random ?? Math.random;
  const db = openSandboxDb(options.dbPath ?? ':memory:');
  const clock = createClock(db);
  upsertAccounts(db, options.accounts ?? [DEMO_ACCOUNT], clock.now());
  let faults = FaultSpec.parse(options.faults ?? {});
  const ttl = options.tokenTtlSeconds ?? 3600;
  const tokens = new TokenStore(db, () => ttl, () => faults.tokenExpiry);
  const writer = new SubmissionWriter(db);
  let stats = emptyStats();
  const lifetime = new AbortController();
  const sockets = new Set<Socket>();

  const idem = {
    get: db.prepare('SELECT body_hash, status, response_body FROM idempotency WHERE client_id = ? AND key = ?'),
    put: db.prepare('INSERT INTO idempotency (client_id, key, body_hash, status, response_body, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
    prune: db.prepare('DELETE FROM idempotency WHERE created_at < ?'),
  };

  const sleep = (ms: number, res: ServerResponse): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0) return resolve();
      const done = () => {
        clearTimeout(timer);
        res.off('close', done);
        lifetime.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      // A client that gave up (or a server shutting down) ends the wait early.
      res.once('close', done);
      lifetime.signal.addEventListener('abort', done, { once: true });
    });

  const send = (res: ServerResponse, reply: Reply): void => {
    if (res.destroyed || res.headersSent) return;
    stats.byStatus[reply.status] = (stats.byStatus[reply.status] ?? 0) + 1;
    res.writeHead(reply.status, { 'content-length': Buffer.byteLength(reply.body), ...reply.headers });
    res.end(reply.body);
  };

  const resetConnection = (req: IncomingMessage): void => {
    stats.faults.reset += 1;
    // resetAndDestroy sends a TCP RST where supported, the nastiest way a connection can end.
    const sock = req.socket as Socket & { resetAndDestroy?: () => void };
    if (typeof sock.resetAndDestroy === 'function') sock.resetAndDestroy();
    else sock.destroy();
  };

  /** Applies a fault decided for this request; returns true when the request must not go on. */
  const strike = async (decision: FaultDecision, req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (decision.kind !== null && decision.kind !== 'stall') {
      const route = `${(req.method ?? 'GET').toUpperCase()} ${new URL(req.url ?? '/', 'http://sandbox').pathname}`;
      stats.faultedByRoute[route] = (stats.faultedByRoute[route] ?? 0) + 1;
    }
    switch (decision.kind) {
      case null:
        return false;
      case 'error500':
        stats.faults.error500 += 1;
        send(res, problem(500, 'injected-fault', 'Injected fault: internal server error. Retry the request (writes with the same Idempotency-Key).'));
        return true;
      case 'rate429':
        stats.faults.rate429 += 1;
        send(res, problem(429, 'rate-limited', 'Too many requests for this service account; retry after the delay in Retry-After.', { 'retry-after': String(faults.retryAfter) }));
        return true;
      case 'reset':
        resetConnection(req);
        return true;
      case 'stall':
        stats.faults.stall += 1;
        await sleep(faults.stallMs, res);
        // A client that timed out is gone; nothing more to do for it.
        return res.destroyed || res.writableEnded || lifetime.signal.aborted;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    stats.requests += 1;
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const route = `${method} ${path}`;
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    res.on('finish', () => log?.debug({ method, path, status: res.statusCode, ms: Date.now() - started }, 'sandbox request'));

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        send(res, problem(413, 'body-too-large', err.message, { connection: 'close' }));
        return;
      }
      return; // client went away while sending
    }

    const spec = faults;
    const faultable = path !== '/oauth/token' || spec.faultTokenEndpoint;
    const decision: FaultDecision = faultable ? decideFault(spec, random) : { kind: null, afterCommit: false };
    if (spec.latency > 0) {
      stats.faults.latency += 1;
      await sleep(spec.latency, res);
      if (res.destroyed) return;
    }
    const isWrite = route === 'POST /v1/submissions:batch';
    const late = isWrite && decision.afterCommit;
    if (!late && (await strike(decision, req, res))) return;

    const reply = await route_(req, method, path, url, body);
    // A fault "after the commit" only exists when something was committed: a refused request
    // (dead token, bad body) is answered as it is, so each failure the client sees is counted once.
    if (late && reply.status < 300) {
      stats.faults.afterCommit += 1;
      if (await strike(decision, req, res)) return;
    }
    send(res, reply);
  };

  const route_ = async (req: IncomingMessage, method: string, path: string, url: URL, body: Buffer): Promise<Reply> => {
    const allowed = ROUTES[path];
    if (!allowed) return problem(404, 'not-found', `No such endpoint: ${path}. See docs/esg-api.openapi.yaml.`);
    if (!allowed.includes(method)) return problem(405, 'method-not-allowed', `${method} is not allowed on ${path}.`, { allow: allowed.join(', ') });

    if (path === '/oauth/token') return tokenEndpoint(req, body);

    const auth = req.headers.authorization;
    const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
    if (!m) {
      return problem(401, 'unauthorized', 'An access token is required: send "Authorization: Bearer <token>" from POST /oauth/token.', {
        'www-authenticate': 'Bearer realm="esg-sandbox"',
      });
    }
    const checked = tokens.check(m[1]!);
    if (!checked.ok) {
      stats.tokensRejected[checked.reason] += 1;
      const why = checked.reason === 'unknown' ? 'is not valid' : 'has expired';
      return problem(401, 'invalid-token', `The access token ${why}. Request a new one from POST /oauth/token.`, {
        'www-authenticate': `Bearer realm="esg-sandbox", error="invalid_token", error_description="The access token ${why}"`,
      });
    }
    const grant = checked.grant;
    const needed = SCOPE_FOR[`${method} ${path}`];
    if (needed && !grant.scopes.includes(needed)) {
      return problem(
        403,
        'insufficient-scope',
        `This service account's token lacks the scope "${needed}" needed for ${method} ${path}. Grant it to the service account and request a new token.`,
        { 'www-authenticate': `Bearer realm="esg-sandbox", error="insufficient_scope", scope="${needed}"` },
        { required_scope: needed },
      );
    }
    const account = touchAccount(db, grant.clientId, clock.now());
    if (!account) return problem(401, 'invalid-token', 'The service account behind this token no longer exists.');

    try {
      switch (path) {
        case '/v1/service-account':
          return json(200, {
            client_id: account.client_id,
            name: account.name,
            organisation: account.organisation,
            scopes: grant.scopes,
            created_at: account.created_at,
            last_used_at: account.last_used_at,
          });
        case '/v1/metrics':
          return json(200, listMetrics(db, pageQuery(url, false)));
        case '/v1/entities':
          return json(200, listEntities(db, pageQuery(url, false)));
        case '/v1/submissions':
          clock.fence();
          return json(200, exportSubmissions(db, { ...pageQuery(url, true), includeDeleted: boolParam(url, 'include_deleted') }));
        case '/v1/portfolio-metrics':
          clock.fence();
          return json(200, exportPortfolioMetrics(db, { ...pageQuery(url, true), granularity: granularityParam(url) }));
        case '/v1/submissions:batch':
          return batch(req, body, grant.clientId);
      }
    } catch (err) {
      if (err instanceof BadQueryError) return problem(400, 'bad-query', err.message);
      throw err;
    }
    return problem(404, 'not-found', `No such endpoint: ${path}.`);
  };

  const tokenEndpoint = (req: IncomingMessage, body: Buffer): Reply => {
    const ct = String(req.headers['content-type'] ?? '');
    if (!ct.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return json(400, { error: 'invalid_request', error_description: 'The token request must be application/x-www-form-urlencoded.' }, { 'cache-control': 'no-store' });
    }
    const outcome = tokens.issue(new URLSearchParams(body.toString('utf8')), req.headers.authorization);
    if (!outcome.ok) {
      const headers: Record<string, string> = { 'cache-control': 'no-store' };
      // RFC 6749 §5.2: a 401 from the token endpoint names the auth scheme the client may use.
      if (outcome.status === 401) headers['www-authenticate'] = 'Basic realm="esg-sandbox"';
      return json(outcome.status, { error: outcome.error, error_description: outcome.description }, headers);
    }
    stats.tokensIssued += 1;
    return json(
      200,
      { access_token: outcome.token, token_type: 'Bearer', expires_in: outcome.expiresIn, scope: outcome.scopes.join(' ') },
      { 'cache-control': 'no-store', pragma: 'no-cache' },
    );
  };

  const batch = (req: IncomingMessage, body: Buffer, clientId: string): Reply => {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.trim() === '' || key.length > 255) {
      return problem(400, 'idempotency-key-missing', 'The Idempotency-Key header is required on POST /v1/submissions:batch (1–255 characters, unique per batch).');
    }
    const ct = String(req.headers['content-type'] ?? '').toLowerCase();
    if (!ct.startsWith('application/json')) return problem(415, 'unsupported-media-type', 'Send the batch as application/json.');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return problem(400, 'malformed-json', 'The request body is not valid JSON.');
    }
    const envelope = BatchEnvelope.safeParse(parsed);
    if (!envelope.success) {
      const n = Array.isArray((parsed as { items?: unknown })?.items) ? (parsed as { items: unknown[] }).items.length : null;
      const detail =
        n !== null && n > MAX_BATCH_ITEMS
          ? `A batch holds at most ${MAX_BATCH_ITEMS} items; this one has ${n}. Split it.`
          : n === 0
            ? 'A batch needs at least one item.'
            : 'The body must be {"items": [...]} with 1 to 1000 items.';
      return problem(400, 'invalid-batch', detail);
    }
    // The fingerprint is the exact bytes: a resend of the same batch is byte-identical, and hashing
    // bytes costs a fraction of canonicalising a 1000-item body.
    const hash = createHash('sha256').update(body).digest('hex');
    // Look-up, writes and the stored answer commit together: a replay can never see half a batch.
    return db.transaction((): Reply => {
      const prior = idem.get.get(clientId, key) as { body_hash: string; status: number; response_body: Buffer } | undefined;
      if (prior) {
        if (prior.body_hash !== hash) {
          stats.batches.keyConflicts += 1;
          return problem(422, 'idempotency-key-reused', `The Idempotency-Key "${key}" was already used with a different request body. Use a new key for a new batch.`);
        }
        stats.batches.replayed += 1;
        return {
          status: prior.status,
          headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' },
          body: inflateRawSync(prior.response_body).toString('utf8'),
        };
      }
      const response: BatchResponse = writer.apply(envelope.data.items, { clientId, now: clock.now });
      const text = JSON.stringify(response);
      const now = clock.now();
      // Fastest level: a quarter of the default level's time per batch for about 5% more bytes;
      // inflating does not care which level wrote a stored answer.
      idem.put.run(clientId, key, hash, 200, deflateRawSync(text, { level: zlib.Z_BEST_SPEED }), now);
      stats.batches.applied += 1;
      stats.batches.items += envelope.data.items.length;
      if (stats.batches.applied % 500 === 0) idem.prune.run(new Date(Date.now() - IDEMPOTENCY_TTL_MS).toISOString());
      return { status: 200, headers: { 'content-type': 'application/json' }, body: text };
    })();
  };

  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log?.error({ err: err instanceof Error ? err.message : String(err) }, 'sandbox request failed');
      send(res, problem(500, 'internal', 'The sandbox failed to handle this request.'));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    // Port taken or refused: release the database too, so a caller that retries on another port
    // (the sandbox tour does) can open the same file again.
    lifetime.abort();
    db.close();
    throw err;
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The sandbox server did not get a TCP address.');
  const port = address.port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  log?.info({ url: `http://${urlHost}:${port}` }, 'sandbox platform listening');

  let closed: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    db,
    close() {
      closed ??= new Promise<void>((resolve) => {
        lifetime.abort();
        server.close(() => {
          db.close();
          resolve();
        });
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
    countSubmissions(opts = {}) {
      const sql = opts.includeDeleted ? 'SELECT COUNT(*) AS n FROM submissions' : 'SELECT COUNT(*) AS n FROM submissions WHERE deleted_at IS NULL';
      return (db.prepare(sql).get() as { n: number }).n;
    },
    listSubmissions(opts = {}) {
      const rows = db
        .prepare(`SELECT * FROM submissions ${opts.includeDeleted ? '' : 'WHERE deleted_at IS NULL'} ORDER BY seq`)
        .all() as Record<string, unknown>[];
      return rows.map((r) => ({
        id: String(r.id),
        metricId: String(r.metric_id),
        entityId: String(r.entity_id),
        periodStart: String(r.period_start),
        periodEnd: String(r.period_end),
        value: JSON.parse(String(r.value_json)) as number | string | boolean,
        unit: String(r.unit),
        comment: (r.comment as string | null) ?? null,
        evidence: (r.evidence as string | null) ?? null,
        version: Number(r.version),
        createdBy: String(r.created_by),
        updatedBy: String(r.updated_by),
        createdAt: String(r.created_at),
        updatedAt: String(r.updated_at),
        deletedAt: (r.deleted_at as string | null) ?? null,
      }));
    },
    setFaults(spec) {
      faults = FaultSpec.parse(spec);
    },
    faults: () => faults,
    stats: () => structuredClone(stats),
    resetStats() {
      stats = emptyStats();
    },
  };
}

function pageQuery(url: URL, withSince: boolean): PageQuery {
  const limitRaw = url.searchParams.get('limit');
  let limit = 100;
  if (limitRaw !== null) {
    if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 1000) throw new BadQueryError(`limit must be a whole number from 1 to 1000, not "${limitRaw}".`);
    limit = Number(limitRaw);
  }
  let updatedSince: string | null = null;
  const since = url.searchParams.get('updated_since');
  if (withSince && since !== null) {
    // RFC 3339 date-time with an offset; normalised to UTC so it compares with stored timestamps as text.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(since) || Number.isNaN(Date.parse(since))) {
      throw new BadQueryError(`updated_since must be an RFC 3339 date-time such as 2024-05-01T00:00:00Z, not "${since}".`);
    }
    updatedSince = new Date(since).toISOString();
  }
  return { limit, cursor: url.searchParams.get('cursor'), updatedSince };
}

function boolParam(url: URL, name: string): boolean {
  const v = url.searchParams.get(name);
  if (v === null) return false;
  if (/^(true|1)$/i.test(v)) return true;
  if (/^(false|0)$/i.test(v)) return false;
  throw new BadQueryError(`${name} must be true or false, not "${v}".`);
}

function granularityParam(url: URL): Granularity {
  const v = url.searchParams.get('granularity') ?? 'year';
  if (v === 'year' || v === 'quarter' || v === 'month') return v;
  throw new BadQueryError(`granularity must be year, quarter or month, not "${v}".`);
}

export { ALL_SCOPES, DEMO_ACCOUNT };
