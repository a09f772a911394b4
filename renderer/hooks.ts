import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventName, MethodName, Params, Result } from '../shared/api';
import { ApiError } from '../shared/rpc';
import { client } from './bridge/client';

export interface Query<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Calls an engine method and keeps the answer fresh: it reloads when any of `refreshOn`
 * events arrives, so pages show live engine state without polling.
 */
export function useEngine<M extends MethodName>(method: M, params: Params<M>, refreshOn: EventName[] = []): Query<Result<M>> {
  const [data, setData] = useState<Result<M>>();
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const key = JSON.stringify(params);
  const seq = useRef(0);

  const load = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    client
      .call(method, JSON.parse(key) as Params<M>)
      .then((result) => {
        if (mine !== seq.current) return;
        setData(result);
        setError(null);
      })
      .catch((err: unknown) => {
        if (mine !== seq.current) return;
        setError(err instanceof ApiError || err instanceof Error ? err.message : String(err));
      })
      .finally(() => {
        if (mine === seq.current) setLoading(false);
      });
  }, [method, key]);

  useEffect(() => {
    load();
    const offs = refreshOn.map((e) => client.on(e, () => load()));
    return () => offs.forEach((off) => off());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [load, refreshOn.join(',')]);

  return { data, error, loading, reload: load };
}

/** For buttons: runs an engine call, exposes busy/error so the UI can say what happened. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clearError: () => setError(null) };
}
