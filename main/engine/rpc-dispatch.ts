import { z } from 'zod';
import { isMethodName, methods, type MethodName, type ParsedParams, type Result } from '../../shared/api';
import { ApiError, type CallResponse } from '../../shared/rpc';
import type { Logger } from './log';
import { describeStoreFault, storeFaultOf } from './store-faults';

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
      // The disk or a lock under the store is not a bug of the method: say what to do about it.
      const fault = storeFaultOf(err);
      if (fault) {
        logger?.warn({ err: err instanceof Error ? err.message : String(err), method, fault }, 'store fault in API method');
        return { ok: false, error: { code: 'store', message: describeStoreFault(fault, null, err) } };
      }
      logger?.error({ err, method }, 'unexpected error in API method');
      return {
        ok: false,
        error: { code: 'internal', message: `Something went wrong in ${method}: ${err instanceof Error ? err.message : String(err)}` },
      };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
