// A job's chart samples, loaded once and shared by the charts and the summary cards so both show the
// same numbers: the history first, then the points the host pushes. Samples live in a fixed-capacity
// ring buffer (24 h at 1 Hz); `version` changes at most once a second (redraws are batched).
import { useEffect, useMemo, useState } from 'react';
import type { CutoverApi, MetricPoint } from '../../../../shared/api.js';
import { METRIC_SERIES, MetricRing } from './ring-buffer.js';

/** Redraw at most this often. */
const FLUSH_MS = 1_000;

export interface MetricFeed {
  ring: MetricRing;
  /** Changes whenever new samples are in the ring. */
  version: number;
  loading: boolean;
  error: string | null;
}

/** The newest sample's values (null: that series has no value in it), and its time (unix s). */
export interface LatestSample {
  ts: number;
  rowsPerSecond: number | null;
  eventsPerSecond: number | null;
  lagSeconds: number | null;
}

/** The values of the newest sample in the ring (the one the charts end with), or null when empty. */
export function latestSample(ring: MetricRing): LatestSample | null {
  const ts = ring.lastTs;
  if (ts === null) return null;
  const at = (s: number): number | null => {
    const p = ring.latest(s);
    return p && p.ts === ts ? p.value : null;
  };
  return { ts, rowsPerSecond: at(METRIC_SERIES.indexOf('rowsPerSecond')), eventsPerSecond: at(METRIC_SERIES.indexOf('eventsPerSecond')), lagSeconds: at(METRIC_SERIES.indexOf('lagSeconds')) };
}

/** Follows a job's samples; `api` null: does nothing (another component feeds the charts). */
export function useMetricFeed(api: CutoverApi | null, job: string): MetricFeed {
  const ring = useMemo(() => new MetricRing(), [job]);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(api !== null);

  useEffect(() => {
    if (!api) return;
    ring.clear();
    setError(null);
    setLoading(true);
    setVersion((v) => v + 1);
    let active = true;
    let historyDone = false;
    const queued: MetricPoint[] = [];
    let lastFlush = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;

    // Leading + trailing throttle: the first change draws at once, then at most once per FLUSH_MS.
    const schedule = () => {
      if (!active || timer) return;
      const wait = lastFlush + FLUSH_MS - Date.now();
      const flush = () => {
        timer = null;
        if (!active) return;
        lastFlush = Date.now();
        setVersion((v) => v + 1);
      };
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    };

    const unsubscribe = api.subscribe(job, (ev) => {
      if (ev.type !== 'metrics' || ev.job !== job || ev.points.length === 0) return;
      if (!historyDone) {
        queued.push(...ev.points);
        return;
      }
      if (ring.pushPoints(ev.points) > 0) schedule();
    });

    api
      .call('history', job, { maxPoints: 2000 })
      .then(
        (points) => {
          if (active) ring.pushPoints(points);
        },
        (e: unknown) => {
          if (active) setError(e instanceof Error ? e.message : String(e));
        },
      )
      .finally(() => {
        if (!active) return;
        historyDone = true;
        // Points pushed while the history was loading; those the history already had are skipped.
        ring.pushPoints(queued);
        queued.length = 0;
        setLoading(false);
        schedule();
      });

    return () => {
      active = false;
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [api, job, ring]);

  return { ring, version, loading, error };
}
