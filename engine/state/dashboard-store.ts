// What the dashboard reads from the state file beyond a job's status: chart points (copy and stream
// samples merged per second, downsampled for long ranges), log lines with search, and the errors
// that stay on screen until dismissed.
import type { JobError, LogLine, LogQuery, MetricPoint } from '../../shared/api.js';
import type { LogRow, StateStore } from './store.js';

const FIX = '\n  Fix: ';

/** Splits a stored error line (formatError's "message\n  Fix: fix") into its parts. */
export function splitFix(text: string): { message: string; fix: string | null } {
  const i = text.lastIndexOf(FIX);
  return i < 0 ? { message: text, fix: null } : { message: text.slice(0, i), fix: text.slice(i + FIX.length) };
}

export function logLine(r: LogRow): LogLine {
  return { id: r.id, ts: r.ts, level: r.level, job: r.job, table: r.tbl, message: r.message };
}

/**
 * Downsamples points to at most `max` buckets of equal time width: rates are averaged, lag keeps its
 * peak (a spike must not vanish when zoomed out).
 */
export function downsample(points: MetricPoint[], max: number): MetricPoint[] {
  if (points.length <= max || max < 1) return points;
  const first = points[0]!.ts;
  const span = points.at(-1)!.ts - first + 1;
  const width = Math.ceil(span / max);
  const out: MetricPoint[] = [];
  let bucket: MetricPoint[] = [];
  let bucketStart = first;
  const flush = (): void => {
    if (!bucket.length) return;
    const avg = (k: 'rowsPerSecond' | 'eventsPerSecond'): number | null => {
      const v = bucket.map((p) => p[k]).filter((x): x is number => x !== null);
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
    };
    const lags = bucket.map((p) => p.lagSeconds).filter((x): x is number => x !== null);
    out.push({ ts: bucket.at(-1)!.ts, rowsPerSecond: avg('rowsPerSecond'), eventsPerSecond: avg('eventsPerSecond'), lagSeconds: lags.length ? Math.max(...lags) : null });
    bucket = [];
  };
  for (const p of points) {
    if (p.ts >= bucketStart + width) {
      flush();
      bucketStart = first + Math.floor((p.ts - first) / width) * width;
    }
    bucket.push(p);
  }
  flush();
  return out;
}

export class DashboardStore {
  constructor(private readonly store: StateStore) {}

  private get db() {
    return this.store.db;
  }

  /** Chart points from `sinceTs` to `untilTs` (unix seconds, inclusive), one per second that has a sample. */
  points(jobId: number, sinceTs: number, untilTs = Number.MAX_SAFE_INTEGER): MetricPoint[] {
    const copy = this.db
      .prepare('SELECT ts, rows_per_s FROM metric_samples WHERE job_id = ? AND table_id IS NULL AND ts >= ? AND ts <= ? ORDER BY ts')
      .all(jobId, sinceTs, untilTs) as { ts: number; rows_per_s: number }[];
    const stream = this.db
      .prepare('SELECT ts, lag_seconds, inserts_per_s + updates_per_s + deletes_per_s AS events FROM stream_samples WHERE job_id = ? AND ts >= ? AND ts <= ? ORDER BY ts')
      .all(jobId, sinceTs, untilTs) as { ts: number; lag_seconds: number | null; events: number }[];
    const byTs = new Map<number, MetricPoint>();
    const at = (ts: number): MetricPoint => {
      let p = byTs.get(ts);
      if (!p) byTs.set(ts, (p = { ts, rowsPerSecond: null, eventsPerSecond: null, lagSeconds: null }));
      return p;
    };
    for (const c of copy) at(c.ts).rowsPerSecond = c.rows_per_s;
    for (const s of stream) {
      const p = at(s.ts);
      p.eventsPerSecond = s.events;
      p.lagSeconds = s.lag_seconds;
    }
    return [...byTs.values()].sort((a, b) => a.ts - b.ts);
  }

  logs(q: LogQuery): LogLine[] {
    return this.store.logs({ ...q, limit: Math.min(q.limit ?? 500, 5000) }).map(logLine);
  }

  /** The newest log id (0 when the log is empty). */
  lastLogId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM logs').get() as { id: number }).id;
  }

  /** Errors not yet dismissed, newest first (at most 100). */
  errors(job?: string): JobError[] {
    const rows = this.db
      .prepare(`SELECT * FROM logs WHERE level = 'error' AND dismissed_at IS NULL ${job ? 'AND job = ?' : ''} ORDER BY id DESC LIMIT 100`)
      .all(...(job ? [job] : [])) as LogRow[];
    return rows.map((r) => ({ id: r.id, ts: r.ts, job: r.job, table: r.tbl, ...splitFix(r.message) }));
  }

  /** Returns whether an undismissed error had that id. */
  dismissError(id: number): boolean {
    return this.db.prepare("UPDATE logs SET dismissed_at = ? WHERE id = ? AND level = 'error' AND dismissed_at IS NULL").run(Date.now(), id).changes > 0;
  }
}
