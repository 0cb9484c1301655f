// Loads data with an API call when its key changes: the data, the error (ApiError), reload and set; and,
// when `poll` says so, fetches it again every so many ms (quietly: `loading` stays false). An answer
// for another key, an older request or an unmounted component is dropped.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../../../shared/api';
import { toApiError } from '../api/errors';
import { usePolling } from './usePolling';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
  set(data: T): void;
}

interface State<T> {
  key: string | null;
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
}

/** `poll(data)`: the interval to fetch again at, given the data now; null: no polling. */
export function useLoad<T>(key: string | null, load: () => Promise<T>, poll?: (data: T | undefined) => number | null): Loaded<T> {
  const [state, setState] = useState<State<T>>({ key, data: undefined, error: null, loading: key !== null });
  const latest = useRef(load);
  latest.current = load;
  const keyRef = useRef(key);
  keyRef.current = key;
  const seq = useRef(0);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const fetchNow = useCallback((quiet: boolean) => {
    const k = keyRef.current;
    if (k === null) return;
    const n = ++seq.current;
    if (!quiet) setState((s) => ({ key: k, data: s.key === k ? s.data : undefined, error: null, loading: true }));
    const current = () => mounted.current && seq.current === n && keyRef.current === k;
    latest.current().then(
      (data) => current() && setState({ key: k, data, error: null, loading: false }),
      (e: unknown) => current() && setState((s) => ({ key: k, data: s.key === k ? s.data : undefined, error: toApiError(e), loading: false })),
    );
  }, []);

  useEffect(() => {
    if (key === null) setState({ key, data: undefined, error: null, loading: false });
    else fetchNow(false);
  }, [key, fetchNow]);

  const own = state.key === key;
  const data = own ? state.data : undefined;
  const interval = poll && key !== null ? poll(data) : null;
  usePolling(interval !== null, interval ?? 1000, () => fetchNow(true));

  const reload = useCallback(() => fetchNow(false), [fetchNow]);
  const set = useCallback((d: T) => setState((s) => ({ ...s, data: d, error: null })), []);
  return { data, error: own ? state.error : null, loading: own ? state.loading : key !== null, reload, set };
}
