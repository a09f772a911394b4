import { z } from 'zod';
import { isMethodName, methods, type MethodName, type ParsedParams, type Result } from '../../shared/api';
import { ApiError, type CallResponse } from '../../shared/rpc';
import type { Logger } from './log';

export type Handlers = { [M in MethodName]: (params: ParsedParams<M>) => Promise<Result<M>> | Result<M> };

function zodDetails(err: z.ZodError): { path: string; message: string }[] {
  return err.issues.slice(0, 20).map((i) => ({ path: i.path.join('.') || '(params)', message: i.message }));
}

/**
 * The single entry point both bridges call: validates the method name and params against the
 * contract, runs the handler, and turns every failure into a typed error body. Nothing a caller
 * sends can throw past this function.
 */
export function createDispatcher(handlers: Handlers, logger?: Logger) {
  return async function dispatch(method: string, rawParams: unknown): Promise<CallResponse> {
    if (typeof method !== 'string' || !isMethodName(method)) {
      return { ok: false, error: { code: 'unknown_method', message: `There is no method called "${String(method).slice(0, 100)}".` } };
    }
    const parsed = methods[method].params.safeParse(rawParams ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: { code: 'invalid_params', message: `Invalid parameters for ${method}.`, details: zodDetails(parsed.error) },
      };
    }
    try {
      const handler = handlers[method] as (p: unknown) => Promise<unknown> | unknown;
      const result = await handler(parsed.data);
      return { ok: true, result };
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, error: err.toBody() };
      logger?.error({ err, method }, 'unexpected error in API method');
      return {
        ok: false,
        error: { code: 'internal', message: `Something went wrong in ${method}: ${err instanceof Error ? err.message : String(err)}` },
      };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
