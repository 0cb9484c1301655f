// The per-partition lag of a consumer-group job over time, gathered from the status the dashboard
// receives (about once a second): a bounded history (the last MAX_POINTS samples), one series per
// topic-partition, in messages. Pure functions plus a hook.
import { useEffect, useRef, useState } from 'react';
import type { JobStatus } from '../../../../shared/api';

export const MAX_POINTS = 600;

export interface LagPoint {
  /** ms */
  ts: number;
  /** "topic [partition]" → lag in messages (null: unknown). */
  lags: Record<string, number | null>;
}

export const partitionLabel = (p: { topic: string; partition: number }): string => `${p.topic} [${p.partition}]`;

/** The sample a status holds: every partition of every process; null when the job has no consumers. */
export function lagSample(status: Pick<JobStatus, 'consumers' | 'updatedAt'>, now = Date.now()): LagPoint | null {
  if (!status.consumers?.length) return null;
  const lags: Record<string, number | null> = {};
  for (const c of status.consumers) for (const p of c.partitions) lags[partitionLabel(p)] = p.lag;
  return { ts: now, lags };
}

/** The history with one more sample (kept in time order, at most `max`). */
export function appendLag(history: readonly LagPoint[], point: LagPoint, max = MAX_POINTS): LagPoint[] {
  const next = history.length && history[history.length - 1]!.ts >= point.ts ? [...history.slice(0, -1), point] : [...history, point];
  return next.length > max ? next.slice(next.length - max) : next;
}

/** Every series name in the history, sorted. */
export function seriesOf(history: readonly LagPoint[]): string[] {
  const names = new Set<string>();
  for (const p of history) for (const k of Object.keys(p.lags)) names.add(k);
  return [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * Follows a job's status: a new sample on each status that carries consumers, and, while the job runs,
 * one every `everyMs` from the latest status (the host pushes a status only when it changed, so an
 * unchanged lag is still drawn on as time passes).
 */
export function useLagHistory(status: JobStatus | null, everyMs = 1000): LagPoint[] {
  const [history, setHistory] = useState<LagPoint[]>([]);
  const latest = useRef(status);
  latest.current = status;
  const job = status?.name;
  const running = status?.state === 'running' && !!status.consumers?.length;
  useEffect(() => setHistory([]), [job]);
  useEffect(() => {
    if (!status) return;
    const point = lagSample(status);
    if (point) setHistory((h) => appendLag(h, point));
  }, [status]);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      const s = latest.current;
      const point = s ? lagSample(s) : null;
      if (point) setHistory((h) => appendLag(h, point));
    }, everyMs);
    return () => clearInterval(timer);
  }, [running, everyMs, job]);
  return history;
}
