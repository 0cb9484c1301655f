// Reduces a time series to at most ~2 points per pixel column so hours of 1 Hz samples draw fast and
// still show every spike: each time bucket keeps its minimum and its maximum, in time order.

export interface Downsampled {
  x: number[];
  /** null where there was no value (uPlot draws a gap). */
  y: (number | null)[];
}

/**
 * Min/max bucketing by time. `xs` must be sorted ascending; NaN in `ys` means "missing".
 * When the input already has at most 2 × buckets points it is returned as is (NaN → null).
 * A bucket that holds samples but no value yields one null point, so gaps survive downsampling.
 */
export function downsampleMinMax(xs: ArrayLike<number>, ys: ArrayLike<number>, buckets: number): Downsampled {
  const n = Math.min(xs.length, ys.length);
  const b = Math.max(1, Math.floor(buckets));
  const x: number[] = [];
  const y: (number | null)[] = [];
  if (n <= b * 2) {
    for (let i = 0; i < n; i++) {
      const v = ys[i]!;
      x.push(xs[i]!);
      y.push(Number.isNaN(v) ? null : v);
    }
    return { x, y };
  }
  const t0 = xs[0]!;
  const t1 = xs[n - 1]!;
  const span = t1 - t0;
  const width = span > 0 ? span / b : 1;

  let bucket = -1;
  let minI = -1;
  let maxI = -1;
  let firstI = -1;

  const flush = () => {
    if (firstI < 0) return;
    if (minI < 0) {
      x.push(xs[firstI]!);
      y.push(null);
    } else if (minI === maxI) {
      x.push(xs[minI]!);
      y.push(ys[minI]!);
    } else {
      const a = Math.min(minI, maxI);
      const c = Math.max(minI, maxI);
      x.push(xs[a]!, xs[c]!);
      y.push(ys[a]!, ys[c]!);
    }
  };

  for (let i = 0; i < n; i++) {
    const k = Math.min(b - 1, Math.floor((xs[i]! - t0) / width));
    if (k !== bucket) {
      flush();
      bucket = k;
      minI = -1;
      maxI = -1;
      firstI = i;
    }
    const v = ys[i]!;
    if (Number.isNaN(v)) continue;
    if (minI < 0 || v < ys[minI]!) minI = i;
    if (maxI < 0 || v > ys[maxI]!) maxI = i;
  }
  flush();
  return { x, y };
}

/** The narrowest window shown (seconds), so a few fresh samples are not stretched across the chart. */
export const MIN_WINDOW_SECONDS = 60;

/**
 * Visible time window [from, to] (unix seconds). It ends at the newest sample and spans the range; when
 * the samples cover less than the range it starts at the first sample instead (so a fresh job's line is
 * not squeezed into the right edge), spanning at least `minSpan` so the line grows from the left edge
 * rather than being stretched. "All" (rangeSeconds null) starts at the first sample.
 */
export function visibleWindow(
  rangeSeconds: number | null,
  firstTs: number | null,
  lastTs: number | null,
  minSpan = MIN_WINDOW_SECONDS,
): { from: number; to: number } | null {
  if (firstTs === null || lastTs === null) return null;
  const from = rangeSeconds === null ? firstTs : Math.max(firstTs, lastTs - rangeSeconds);
  return { from, to: Math.max(lastTs, from + minSpan) };
}
