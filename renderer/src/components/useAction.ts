// Runs an API call from a button: tracks which action is in flight and keeps the last error (ApiError).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../../../shared/api';
import { toApiError } from '../api/errors';

export interface Action {
  /** The name of the action in flight, or null. */
  busy: string | null;
  error: ApiError | null;
  clearError(): void;
  run<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;
}

export function useAction(): Action {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async <T,>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(name);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      if (mounted.current) setError(toApiError(e));
      return undefined;
    } finally {
      if (mounted.current) setBusy(null);
    }
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { busy, error, clearError, run };
}
