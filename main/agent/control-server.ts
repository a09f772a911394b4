import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { CallRequest, WS_PROTOCOL, WS_TOKEN_PREFIX, WsClientFrame } from '../../shared/rpc';
import type { EngineEvents } from '../engine/events';
import type { Logger } from '../engine/log';
import type { Dispatch } from '../engine/rpc-dispatch';

/** How long a download ticket (see tickets below) may wait for its one use. */
const TICKET_MS = 60_000;
/** At most this many unused tickets are kept; the oldest goes first. */
const MAX_TICKETS = 64;
const MAX_BODY_BYTES = 1024 * 1024;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface ControlServerOptions {
  port: number;
  host?: string;
  dispatch: Dispatch;
  events: EngineEvents;
  /** Folder holding the built renderer (index.html + assets). */
  staticDir: string | null;
  token?: string;
  logger?: Logger;
  /** Extra GET routes under /api/ (e.g. CSV downloads) that stream their own response. */
  downloads?: (path: string, res: ServerResponse) => boolean | Promise<boolean>;
  /** Routes under /api/uploads/ that read their own (streamed) request body. */
  uploads?: (req: IncomingMessage, res: ServerResponse, path: string, headers: Record<string, string>) => boolean | Promise<boolean>;
}

export interface ControlServer {
  url: string;
  /** The address to open, token included; print it, never log it. */
  launchUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * How the agent proves it is the agent before a CLI sends it the token or a secret: anyone can
 * listen on the agent's port once the agent is gone (agent.json outlives a crash), so the CLI sends
 * a random challenge to /healthz and expects this HMAC of it, keyed by the token it read from
 * agent.json. The prefix keeps the MAC from meaning anything anywhere else.
 */
export const AGENT_PROOF = 'hmac-sha256-v1';

export function agentProof(token: string, challenge: string): string {
  return createHmac('sha256', token).update(`esg-sync-agent-proof:${challenge}`).digest('hex');
}

/** A challenge is what the CLI makes (32 random bytes, base64url); anything else is refused unread. */
export const ProofChallenge = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/);

export function isLoopbackAddress(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A broken %-escape in a path is the client's mistake, not a server error. */
function decodeOr(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

type Verdict = { ok: true } | { ok: false; status: number; reason: string };

/**
 * Every request passes two checks: a loopback Host on the agent's own port (DNS rebinding, and a
 * page on another local port passing as the agent's own) and no foreign Origin (cross-site pages).
 */
function checkOrigin(req: IncomingMessage, port: number): Verdict {
  const host = (req.headers.host ?? '').toLowerCase();
  const hostName = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  const hostPort = host.startsWith('[') ? host.slice(host.indexOf(']') + 2) : host.split(':')[1];
  if (!LOOPBACK_HOSTS.has(hostName)) {
    return { ok: false, status: 421, reason: 'This agent only answers requests addressed to 127.0.0.1 or localhost.' };
  }
  // The port is checked too: a page served on another local port must not pass as the agent's
  // own. An SSH tunnel therefore keeps the agent's port.
  if (hostPort !== undefined && hostPort !== String(port)) {
    return {
      ok: false,
      status: 421,
      reason: `This agent listens on port ${port}, but the request was addressed to port ${hostPort}. Through an SSH tunnel, use the same port on both ends (ssh -L ${port}:127.0.0.1:${port} SERVER), or start the agent with --port ${hostPort}.`,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let allowed: boolean;
    try {
      const u = new URL(origin);
      allowed = u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname === '::1' ? '[::1]' : u.hostname) && u.port === String(port);
    } catch {
      allowed = false;
    }
    if (!allowed) return { ok: false, status: 403, reason: 'Requests from other web sites are refused.' };
  }
  return { ok: true };
}

/**
 * The per-launch token, from the Authorization header or (WebSocket from a browser, which cannot
 * set headers) the Sec-WebSocket-Protocol offer. Never from a cookie: cookies are not kept apart
 * by port, so the browser would hand one to every other server on 127.0.0.1 it visits. A cookie
 * left by an older agent is not read at all.
 */
function checkToken(req: IncomingMessage, token: string, allowProtocol: boolean): Verdict {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) {
    return sameToken(auth.slice(7).trim(), token) ? { ok: true } : { ok: false, status: 401, reason: WRONG_TOKEN };
  }
  if (allowProtocol) {
    const offered = tokenInProtocols(req.headers['sec-websocket-protocol']);
    if (offered !== undefined) return sameToken(offered, token) ? { ok: true } : { ok: false, status: 401, reason: WRONG_TOKEN };
  }
  return { ok: false, status: 401, reason: MISSING_TOKEN };
}

function tokenInProtocols(header: string | undefined): string | undefined {
  for (const p of (header ?? '').split(',')) {
    const name = p.trim();
    if (name.startsWith(WS_TOKEN_PREFIX)) return name.slice(WS_TOKEN_PREFIX.length);
  }
  return undefined;
}

const MISSING_TOKEN =
  'Missing access token. Run `esg-sync ui` on the computer the agent runs on: it prints the address with the token (it ends with #token=…), and `esg-sync ui --open` opens it.';

/** The token changes at every start: a page left open across a restart lands here. */
const WRONG_TOKEN = 'Wrong access token. The token changes every time the agent starts: run `esg-sync ui` on the computer the agent runs on for the current address.';

function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy':
      `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; ` +
      `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Reads at most MAX_BODY_BYTES. Past that it keeps draining (discarding) so the client gets a
 * clean 413 instead of a reset connection; requestTimeout bounds how long a huge upload can last.
 */
async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  // A body declared too large is refused at once (and the connection closed after the answer):
  // draining gigabytes nobody will read would hold the connection until requestTimeout.
  if (declared > MAX_BODY_BYTES) throw Object.assign(new Error('too large'), { status: 413 });
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    if (tooLarge) continue;
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      tooLarge = true;
      chunks.length = 0;
      continue;
    }
    chunks.push(chunk as Buffer);
  }
  if (tooLarge) throw Object.assign(new Error('too large'), { status: 413 });
  return Buffer.concat(chunks).toString('utf8');
}

function serveStatic(staticDir: string, urlPath: string, res: ServerResponse, headers: Record<string, string>): void {
  const root = resolve(staticDir);
  const decoded = decodeOr(urlPath);
  if (decoded === null) {
    res.writeHead(400, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Bad address: it has a broken %-escape.');
    return;
  }
  let rel = decoded;
  if (rel === '/') rel = '/index.html';
  let file = normalize(join(root, rel));
  const found = file.startsWith(root + sep) && existsSync(file) && statSync(file).isFile();
  if (!found && rel !== '/index.html') {
    // The UI routes inside the hash (#/history/12) so the same build also runs from file:// in the
    // desktop app. A pasted path such as /history/12 would load the shell with its relative assets
    // resolved under /history/ and show a blank page: send it to the hash route instead. Missing
    // files with an extension are plain 404s.
    if (extname(rel)) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Not found.');
      return;
    }
    const route = rel.replace(/\/+$/, '').replace(/[^A-Za-z0-9/_\-.~]/g, '');
    res.writeHead(302, { ...headers, Location: `/#${route || '/'}` });
    res.end();
    return;
  }
  if (!found) file = join(root, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(503, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('The user interface has not been built. Run `npm run build` and start the agent again.');
    return;
  }
  const type = MIME[extname(file)] ?? 'application/octet-stream';
  const immutable = file.includes(`${sep}assets${sep}`);
  res.writeHead(200, { ...headers, 'Content-Type': type, ...(immutable ? { 'Cache-Control': 'public, max-age=31536000, immutable' } : {}) });
  createReadStream(file).pipe(res);
}

/**
 * The address that opens the UI. The token rides in the fragment, which the browser never sends to
 * a server (nor a reverse proxy writes to its log); the page takes it from there.
 */
export function launchUrlOf(url: string, token: string): string {
  return `${url}#token=${token}`;
}

const EXPIRED_TICKET = 'This download link has expired or was already used. Click the download button on the page again.';

/**
 * Single-use download tickets. A link the browser follows (the error CSV of a run) cannot carry an
 * Authorization header, and fetching the file into the page to save it as a blob would hold all of
 * it (100,000 row errors and more) in the page's memory. So the page asks for a ticket (with its
 * token) for one exact address and lets the browser fetch that address with ?ticket=: the CSV
 * streams from the store to the disk. A ticket opens that one address once, within TICKET_MS; at
 * most MAX_TICKETS wait at a time, so an unused flood cannot grow the agent's memory.
 */
class DownloadTickets {
  private readonly open = new Map<string, { target: string; expires: number }>();

  private static target(url: URL): string {
    url.searchParams.delete('ticket');
    url.searchParams.sort();
    return url.pathname + url.search;
  }

  issue(url: URL): string {
    const now = Date.now();
    for (const [t, v] of this.open) if (v.expires <= now) this.open.delete(t);
    while (this.open.size >= MAX_TICKETS) this.open.delete(this.open.keys().next().value!);
    const ticket = randomBytes(24).toString('base64url');
    this.open.set(ticket, { target: DownloadTickets.target(url), expires: now + TICKET_MS });
    return ticket;
  }

  redeem(ticket: string, url: URL): boolean {
    const entry = this.open.get(ticket);
    if (!entry) return false;
    this.open.delete(ticket);
    return entry.expires > Date.now() && entry.target === DownloadTickets.target(new URL(url.href));
  }
}

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host)) {
    throw new Error(
      `The control server only listens on this computer (127.0.0.1); "${host}" was refused. ` +
        'To reach the agent from elsewhere, use an SSH tunnel or a reverse proxy you control.',
    );
  }
  const token = opts.token ?? randomBytes(32).toString('base64url');
  let port = opts.port;
  const tickets = new DownloadTickets();
  const sockets = new Set<WebSocket>();

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      opts.logger?.error({ err }, 'control server request failed');
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'internal', message: 'Internal error.' } });
      else res.destroy();
    });
  });
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = securityHeaders(port);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/healthz' && req.method === 'GET') {
      // Liveness for service managers; says nothing but that the process answers — or, asked with
      // a challenge by the CLI, that this process holds the token (see agentProof).
      const challenge = url.searchParams.get('challenge');
      if (challenge === null) {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      }
      const parsed = ProofChallenge.safeParse(challenge);
      res.writeHead(parsed.success ? 200 : 400, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
      res.end(parsed.success ? agentProof(token, parsed.data) : 'Bad challenge.');
      return;
    }
    const refuse = (verdict: { status: number; reason: string }) => {
      if (url.pathname.startsWith('/api/')) sendJson(res, verdict.status, { ok: false, error: { code: 'unauthorized', message: verdict.reason } }, headers);
      else {
        res.writeHead(verdict.status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(verdict.reason);
      }
    };
    const place = checkOrigin(req, port);
    if (!place.ok) return refuse(place);
    if (!url.pathname.startsWith('/api/')) {
      // The page and its scripts and styles hold no data: they load without the token (the page
      // reads it from its own address, see renderer/bridge/agent-token.ts). A ?token= in the
      // address is left for the page to take; the server does not trade it for anything.
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, headers);
        res.end();
        return;
      }
      if (!opts.staticDir) {
        res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('This agent was started without a user interface.');
        return;
      }
      return serveStatic(opts.staticDir, url.pathname, res, headers);
    }
    const ticket = url.searchParams.get('ticket');
    if (ticket !== null && req.method === 'GET' && req.headers.authorization === undefined) {
      url.searchParams.delete('ticket');
      if (!tickets.redeem(ticket, url)) return refuse({ status: 401, reason: EXPIRED_TICKET });
    } else {
      const verdict = checkToken(req, token, false);
      if (!verdict.ok) return refuse(verdict);
    }
    if (url.pathname === '/api/session' && req.method === 'GET') {
      // The page asks here why its WebSocket was refused: 401 means its token is stale.
      return sendJson(res, 200, { ok: true, result: {} }, headers);
    }
    if (url.pathname === '/api/download-ticket') {
      if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: { code: 'invalid_params', message: 'Use POST.' } }, headers);
      let path: unknown;
      try {
        path = (JSON.parse(await readBody(req)) as { path?: unknown }).path;
      } catch {
        path = undefined;
      }
      if (typeof path !== 'string' || !path.startsWith('/api/') || path.startsWith('/api/download-ticket')) {
        return sendJson(res, 400, { ok: false, error: { code: 'invalid_params', message: 'Expected {"path": "/api/…"}, the address of a download.' } }, headers);
      }
      return sendJson(res, 200, { ok: true, result: { ticket: tickets.issue(new URL(path, 'http://127.0.0.1')) } }, headers);
    }
    if (url.pathname === '/api/call') {
      if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: { code: 'invalid_params', message: 'Use POST.' } }, headers);
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return sendJson(res, 415, { ok: false, error: { code: 'invalid_params', message: 'Send application/json.' } }, headers);
      }
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (err) {
        const status = (err as { status?: number }).status ?? 400;
        return sendJson(
          res,
          status,
          { ok: false, error: { code: 'invalid_params', message: status === 413 ? 'Request body too large (1 MB at most).' : 'Malformed JSON.' } },
          status === 413 ? { ...headers, Connection: 'close' } : headers,
        );
      }
      const call = CallRequest.safeParse(body);
      if (!call.success) return sendJson(res, 400, { ok: false, error: { code: 'invalid_params', message: 'Expected {"method", "params"}.' } }, headers);
      const result = await opts.dispatch(call.data.method, call.data.params);
      return sendJson(res, result.ok ? 200 : result.error.code === 'internal' ? 500 : 400, result, headers);
    }
    if (url.pathname.startsWith('/api/uploads/') && opts.uploads) {
      if (await opts.uploads(req, res, url.pathname + url.search, headers)) return;
    }
    if (url.pathname.startsWith('/api/') && req.method === 'GET' && opts.downloads) {
      if (await opts.downloads(url.pathname + url.search, res)) return;
    }
    return sendJson(res, 404, { ok: false, error: { code: 'not_found', message: 'No such endpoint.' } }, headers);
  }

  // The browser's WebSocket cannot send an Authorization header. Of the two ways left (the token in
  // the subprotocol offer, or in a first frame) the offer is used: a socket without the token is
  // refused at the handshake as before, no unauthenticated socket is ever held open (or subscribed
  // to events) waiting for a frame, and the token stays out of the address, where proxies log it.
  // Only WS_PROTOCOL is echoed back, never the token.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_BODY_BYTES,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const place = checkOrigin(req, port);
    const verdict = place.ok ? checkToken(req, token, true) : place;
    if (url.pathname !== '/api/ws' || !verdict.ok) {
      const status = verdict.ok ? 404 : verdict.status;
      socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const unsubscribe = opts.events.subscribe((event, payload) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
      });
      ws.on('message', (data) => {
        let frame: ReturnType<typeof WsClientFrame.safeParse>;
        try {
          frame = WsClientFrame.safeParse(JSON.parse(data.toString()));
        } catch {
          ws.send(JSON.stringify({ id: -1, ok: false, error: { code: 'invalid_params', message: 'Malformed JSON.' } }));
          return;
        }
        if (!frame.success) {
          ws.send(JSON.stringify({ id: -1, ok: false, error: { code: 'invalid_params', message: 'Expected {"id", "method", "params"}.' } }));
          return;
        }
        const { id, method, params } = frame.data;
        void opts.dispatch(method, params).then((result) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, ...result }));
        });
      });
      ws.on('close', () => {
        unsubscribe();
        sockets.delete(ws);
      });
      ws.on('error', () => ws.terminate());
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    launchUrl: launchUrlOf(url, token),
    token,
    port,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
