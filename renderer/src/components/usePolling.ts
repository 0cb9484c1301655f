// Calls `fn` every `intervalMs` while `active`; the latest `fn` is used, without restarting the timer.
import { useEffect, useRef } from 'react';

export function usePolling(active: boolean, intervalMs: number, fn: () => void): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => latest.current(), intervalMs);
    return () => clearInterval(t);
  }, [active, intervalMs]);
}
