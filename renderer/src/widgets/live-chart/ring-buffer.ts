// A fixed-capacity ring of time-stamped samples with several numeric series, stored in typed arrays.
// When full, pushing drops the oldest sample. Missing values are stored as NaN.
import type { MetricPoint } from '../../../../shared/api.js';

/** 24 hours at one sample per second. */
export const DEFAULT_CAPACITY = 86_400;

export class TimeSeriesRing {
  readonly capacity: number;
  readonly seriesCount: number;
  private readonly ts: Float64Array;
  private readonly values: Float64Array[];
  /** Physical index of the oldest sample. */
  private head = 0;
  private len = 0;

  constructor(capacity: number, seriesCount: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    if (!Number.isInteger(seriesCount) || seriesCount < 1) throw new RangeError(`seriesCount must be a positive integer, got ${seriesCount}`);
    this.capacity = capacity;
    this.seriesCount = seriesCount;
    this.ts = new Float64Array(capacity);
    this.values = Array.from({ length: seriesCount }, () => new Float64Array(capacity));
  }

  get length(): number {
    return this.len;
  }

  /** Timestamp of the newest sample, or null when empty. */
  get lastTs(): number | null {
    return this.len === 0 ? null : this.ts[this.phys(this.len - 1)]!;
  }

  /** Timestamp of the oldest sample, or null when empty. */
  get firstTs(): number | null {
    return this.len === 0 ? null : this.ts[this.head]!;
  }

  private phys(i: number): number {
    const p = this.head + i;
    return p >= this.capacity ? p - this.capacity : p;
  }

  /**
   * Appends one sample. Samples must arrive in increasing time order: one not newer than the newest held
   * (a duplicate from an overlapping history query, say) is ignored and false is returned.
   */
  push(ts: number, values: ArrayLike<number | null | undefined>): boolean {
    if (!Number.isFinite(ts)) return false;
    const last = this.lastTs;
    if (last !== null && ts <= last) return false;
    let p: number;
    if (this.len < this.capacity) {
      p = this.phys(this.len);
      this.len++;
    } else {
      p = this.head;
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    }
    this.ts[p] = ts;
    for (let s = 0; s < this.seriesCount; s++) {
      const v = values[s];
      this.values[s]![p] = typeof v === 'number' && Number.isFinite(v) ? v : NaN;
    }
    return true;
  }

  clear(): void {
    this.head = 0;
    this.len = 0;
  }

  /** Timestamp of the i-th oldest sample. */
  tsAt(i: number): number {
    if (i < 0 || i >= this.len) throw new RangeError(`index ${i} out of range 0..${this.len - 1}`);
    return this.ts[this.phys(i)]!;
  }

  /** Value of series s at the i-th oldest sample (NaN when missing). */
  valueAt(s: number, i: number): number {
    if (i < 0 || i >= this.len) throw new RangeError(`index ${i} out of range 0..${this.len - 1}`);
    return this.values[s]![this.phys(i)]!;
  }

  /** The logical index of the first sample with ts >= t (length when none). */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[this.phys(mid)]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The logical index of the first sample with ts > t (length when none). */
  upperBound(t: number): number {
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[this.phys(mid)]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The newest non-missing value of series s, with its timestamp; null when the series has none. */
  latest(s: number): { ts: number; value: number } | null {
    for (let i = this.len - 1; i >= 0; i--) {
      const p = this.phys(i);
      const v = this.values[s]![p]!;
      if (!Number.isNaN(v)) return { ts: this.ts[p]!, value: v };
    }
    return null;
  }

  /** Whether series s has at least one non-missing value. */
  hasValues(s: number): boolean {
    return this.latest(s) !== null;
  }

  /**
   * Copies the samples with from <= ts <= to (all when omitted) into linear arrays, oldest first:
   * `ts` and one array per series.
   */
  slice(from = -Infinity, to = Infinity): { ts: Float64Array; series: Float64Array[] } {
    const start = this.lowerBound(from);
    const end = this.upperBound(to);
    const n = Math.max(0, end - start);
    const ts = new Float64Array(n);
    const series = this.values.map(() => new Float64Array(n));
    // Copy in at most two contiguous runs.
    const p0 = this.phys(start);
    const firstRun = Math.min(n, this.capacity - p0);
    ts.set(this.ts.subarray(p0, p0 + firstRun), 0);
    if (n > firstRun) ts.set(this.ts.subarray(0, n - firstRun), firstRun);
    this.values.forEach((src, s) => {
      const dst = series[s]!;
      dst.set(src.subarray(p0, p0 + firstRun), 0);
      if (n > firstRun) dst.set(src.subarray(0, n - firstRun), firstRun);
    });
    return { ts, series };
  }
}

/** The three series of a job's live charts, in this order. */
export const METRIC_SERIES = ['rowsPerSecond', 'eventsPerSecond', 'lagSeconds'] as const;
export type MetricSeries = (typeof METRIC_SERIES)[number];

/** A ring of MetricPoints: series 0 rows/s, 1 events/s, 2 lag seconds. */
export class MetricRing extends TimeSeriesRing {
  constructor(capacity = DEFAULT_CAPACITY) {
    super(capacity, METRIC_SERIES.length);
  }

  pushPoint(p: MetricPoint): boolean {
    return this.push(p.ts, [p.rowsPerSecond, p.eventsPerSecond, p.lagSeconds]);
  }

  /** Appends points (sorted by ts first); returns how many were kept. */
  pushPoints(points: readonly MetricPoint[]): number {
    let sorted = true;
    for (let i = 1; i < points.length; i++) {
      if (points[i]!.ts < points[i - 1]!.ts) {
        sorted = false;
        break;
      }
    }
    const list = sorted ? points : [...points].sort((a, b) => a.ts - b.ts);
    let kept = 0;
    for (const p of list) if (this.pushPoint(p)) kept++;
    return kept;
  }
}
