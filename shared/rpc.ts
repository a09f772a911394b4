/**
 * The transport-independent half of the bridge: a typed client over any transport
 * (Electron IPC or WebSocket) and the wire shapes both transports carry.
 */
import { z } from 'zod';
import { events, methods, type EventName, type EventPayload, type MethodName, type Params, type Result } from './api';

export const ApiErrorCode = z.enum([
  'invalid_params',
  'unknown_method',
  'not_found',
  'conflict',
  'unauthorized',
  'platform',
  'store',
  'secrets',
  'source',
  'busy',
  'internal',
]);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

export const ApiErrorBody = z.object({
  code: ApiErrorCode,
  message: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** An error the engine means a person to read; everything else is reported as 'internal'. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
  toBody(): ApiErrorBody {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export const CallRequest = z.object({
  method: z.string().max(100),
  params: z.unknown(),
});
export const CallResponse = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorBody }),
]);
export type CallResponse = z.infer<typeof CallResponse>;

/** WebSocket frames: requests carry an id, replies echo it, events have none. */
export const WsClientFrame = z.object({ id: z.number().int(), method: z.string().max(100), params: z.unknown() });
export const WsServerFrame = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: ApiErrorBody }),
  z.object({ event: z.string(), payload: z.unknown() }),
]);

export interface Transport {
  call(method: string, params: unknown): Promise<CallResponse>;
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
  /**
   * Connection state of the transport itself (the WebSocket may drop and reconnect);
   * 'unauthorized': the agent refuses this page's token (it changes at every start), or the page
   * was opened without one.
   */
  onStatus?(listener: (status: TransportStatus) => void): () => void;
}

/**
 * The WebSocket subprotocol of the agent's UI socket. A browser cannot set headers on a WebSocket,
 * so the page offers a second protocol carrying the per-launch token (WS_TOKEN_PREFIX + token);
 * the agent answers with WS_PROTOCOL alone, never echoing the token.
 */
export const WS_PROTOCOL = 'esg-sync';
export const WS_TOKEN_PREFIX = 'esg-sync.token.';

export type TransportStatus = 'connecting' | 'open' | 'closed' | 'unauthorized';

export interface EngineClient {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  onStatus(listener: (status: TransportStatus) => void): () => void;
}

export function createClient(transport: Transport): EngineClient {
  return {
    async call(method, params) {
      const response = await transport.call(method, params);
      if (!response.ok) throw new ApiError(response.error.code, response.error.message, response.error.details);
      // The result is parsed here too so a renderer never renders an unchecked shape.
      return methods[method].result.parse(response.result) as Result<typeof method>;
    },
    on(event, listener) {
      return transport.subscribe((name, payload) => {
        if (name !== event) return;
        const parsed = events[event].safeParse(payload);
        if (parsed.success) listener(parsed.data as EventPayload<typeof event>);
      });
    },
    onStatus(listener) {
      return transport.onStatus ? transport.onStatus(listener) : () => undefined;
    },
  };
}
