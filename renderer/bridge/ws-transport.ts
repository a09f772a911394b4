import { agentAuthHeaders, agentToken } from './agent-token';
import { WS_PROTOCOL, WS_TOKEN_PREFIX, WsServerFrame, type CallResponse, type Transport, type TransportStatus } from '../../shared/rpc';

type Status = TransportStatus;

/**
 * The browser bridge to `esg-sync agent`: one WebSocket, requests matched to replies by id,
 * events fanned out, and automatic reconnection with backoff when the agent restarts.
 * A browser's WebSocket cannot send an Authorization header: the token rides in the subprotocol
 * offer (WS_TOKEN_PREFIX + token beside WS_PROTOCOL; the agent echoes WS_PROTOCOL only and refuses
 * the handshake without a valid token; see main/agent/control-server.ts for why not a first frame).
 */
export function createWsTransport(url = defaultUrl(), token = agentToken()): Transport {
  let socket: WebSocket | null = null;
  let nextId = 1;
  let status: Status = 'connecting';
  let retryMs = 500;
  const pending = new Map<number, { resolve: (r: CallResponse) => void; frame: string }>();
  const listeners = new Set<(event: string, payload: unknown) => void>();
  const statusListeners = new Set<(s: Status) => void>();
  const queue: string[] = [];

  const setStatus = (s: Status) => {
    status = s;
    for (const l of statusListeners) l(s);
  };

  function connect() {
    if (status !== 'unauthorized') setStatus('connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, [WS_PROTOCOL, WS_TOKEN_PREFIX + token]);
    } catch {
      // Not a token the agent could have made (characters a protocol name cannot hold).
      setStatus('unauthorized');
      return;
    }
    socket = ws;
    ws.onopen = () => {
      retryMs = 500;
      setStatus('open');
      for (const frame of queue.splice(0)) ws.send(frame);
    };
    ws.onmessage = (msg) => {
      let data: unknown;
      try {
        data = JSON.parse(String(msg.data));
      } catch {
        return;
      }
      const frame = WsServerFrame.safeParse(data);
      if (!frame.success) return;
      const f = frame.data;
      if ('event' in f) {
        for (const l of listeners) l(f.event, f.payload);
        return;
      }
      const p = pending.get(f.id);
      if (!p) return;
      pending.delete(f.id);
      p.resolve(f.ok ? { ok: true, result: f.result } : { ok: false, error: f.error });
    };
    ws.onclose = () => {
      socket = null;
      const wasOpen = status === 'open';
      if (status !== 'unauthorized') setStatus('closed');
      // Calls in flight when the agent went away are resent once it is back.
      for (const p of pending.values()) queue.push(p.frame);
      // A refused WebSocket says nothing of why: ask the agent. A restarted agent has a new token
      // and answers 401; then only the person can help (the current address).
      if (!wasOpen) {
        void fetch('/api/session', { headers: agentAuthHeaders(), cache: 'no-store' })
          .then((r) => {
            if (r.status === 401) setStatus('unauthorized');
          })
          .catch(() => undefined);
      }
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  }
  // Opened without a token (a new tab, a bookmark): nothing to try until the person opens the
  // current address.
  if (token === null) setStatus('unauthorized');
  else connect();

  return {
    call(method, params) {
      const id = nextId++;
      const frame = JSON.stringify({ id, method, params });
      return new Promise<CallResponse>((resolve) => {
        pending.set(id, { resolve, frame });
        if (socket && socket.readyState === WebSocket.OPEN) socket.send(frame);
        else queue.push(frame);
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
  };
}

function defaultUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/api/ws`;
}
