// Loads something from the api for a component: data, the error to show, and a reload function.
'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../lib/api-client.ts';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => Promise<void>;
}

const asApiError = (err: unknown): ApiError =>
  err instanceof ApiError ? err : new ApiError(0, 'UNEXPECTED', (err as Error)?.message ?? String(err));

/** Fetches on mount (and every `pollMs` while the page is visible, when given). */
export function useResource<T>(load: () => Promise<T>, pollMs?: number): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const alive = useRef(true);

  const reload = useCallback(async () => {
    setLoading(true);
    try {
      const value = await loadRef.current();
      if (!alive.current) return;
      setData(value);
      setError(undefined);
    } catch (err) {
      if (alive.current) setError(asApiError(err));
    } finally {
      if (alive.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    alive.current = true;
    void reload();
    let timer: ReturnType<typeof setInterval> | undefined;
    if (pollMs !== undefined) {
      timer = setInterval(() => {
        if (document.visibilityState === 'visible') void reload();
      }, pollMs);
    }
    return () => {
      alive.current = false;
      if (timer) clearInterval(timer);
    };
  }, [reload, pollMs]);

  return { data, error, loading, reload };
}
