import type { MethodName, Params, Result } from '../../../shared/api';
import { ApiError } from '../../../shared/rpc';
import type { Dispatch } from '../rpc-dispatch';

/**
 * One engine method called the way the UI calls it (params checked against the contract by the
 * dispatcher): export and import are made of these, so they behave exactly as the methods do.
 */
export type EngineCall = <M extends MethodName>(method: M, params: Params<M>) => Promise<Result<M>>;

/**
 * An EngineCall over a dispatcher. A failure is thrown as an ApiError in the words the command
 * line gives it (main/agent/engine-call.ts): an import item's note is that one sentence.
 */
export function callThrough(dispatch: Dispatch): EngineCall {
  return async (method, params) => {
    const response = await dispatch(method, params);
    if (response.ok) return response.result as Result<typeof method>;
    const { code, message, details } = response.error;
    const detail = details?.length ? ` (${details.map((d) => `${d.path}: ${d.message}`).join('; ')})` : '';
    const head = code === 'invalid_params' && detail ? 'Some of the values given are not valid.' : message;
    throw new ApiError(code, head + detail);
  };
}

/** An engine call's failure as one line, for the summary (the whole import goes on). */
export const failure = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
