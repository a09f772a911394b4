import { WsServerFrame, type CallResponse, type Transport, type TransportStatus } from '../../shared/rpc';

type Status = TransportStatus;

/**
 * The browser bridge to `esg-sync agent`: one WebSocket, requests matched to replies by id,
 * events fanned out, and automatic reconnection with backoff when the agent restarts.
 * Authentication rides on the HttpOnly cookie the agent set when the page was opened.
 */
export function createWsTransport(url = defaultUrl()): Transport {
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
    const ws = new WebSocket(url);
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
      // A refused WebSocket says nothing of why: ask the page's address. A restarted agent has a
      // new token and answers 401; then only the person can help (the current address).
      if (!wasOpen) {
        void fetch(window.location.pathname, { credentials: 'same-origin', cache: 'no-store' })
          .then((r) => {
            if (r.status === 401) setStatus('unauthorized');
          })
          .catch(() => undefined);
      }
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  }
  connect();

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
