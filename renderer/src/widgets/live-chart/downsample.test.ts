// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { downsampleMinMax, visibleWindow } from './downsample.js';

const range = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));

describe('downsampleMinMax', () => {
  it('returns small inputs unchanged, NaN as null', () => {
    const d = downsampleMinMax([1, 2, 3], [5, NaN, 7], 10);
    expect(d).toEqual({ x: [1, 2, 3], y: [5, null, 7] });
  });

  it('handles empty input', () => {
    expect(downsampleMinMax([], [], 100)).toEqual({ x: [], y: [] });
  });

  it('emits at most two points per bucket', () => {
    const n = 86_400;
    const xs = range(n, (i) => 1_700_000_000 + i);
    const ys = range(n, (i) => Math.sin(i / 100) * 1000);
    const d = downsampleMinMax(xs, ys, 800);
    expect(d.x.length).toBeLessThanOrEqual(1600);
    expect(d.x.length).toBeGreaterThan(800);
    expect(d.x.length).toBe(d.y.length);
  });

  it('keeps x sorted and within the input range', () => {
    const n = 10_000;
    const xs = range(n, (i) => i * 2);
    const ys = range(n, (i) => (i * 7919) % 1000);
    const d = downsampleMinMax(xs, ys, 100);
    for (let i = 1; i < d.x.length; i++) expect(d.x[i]!).toBeGreaterThan(d.x[i - 1]!);
    expect(d.x[0]).toBeGreaterThanOrEqual(0);
    expect(d.x[d.x.length - 1]).toBeLessThanOrEqual(xs[n - 1]!);
  });

  it('keeps every spike and dip (the global min and max survive)', () => {
    const n = 50_000;
    const xs = range(n, (i) => i);
    const ys = range(n, () => 100);
    ys[12_345] = 99_999; // a one-second spike
    ys[40_000] = -5; // a one-second dip
    const d = downsampleMinMax(xs, ys, 200);
    expect(Math.max(...(d.y as number[]))).toBe(99_999);
    expect(Math.min(...(d.y as number[]))).toBe(-5);
    expect(d.x[d.y.indexOf(99_999)]).toBe(12_345);
    expect(d.x[d.y.indexOf(-5)]).toBe(40_000);
  });

  it('keeps min and max of each bucket in time order', () => {
    // 4 buckets of 10 points over time 0..39: values rise then fall within each bucket.
    const xs = range(40, (i) => i);
    const ys = range(40, (i) => (i % 10 < 5 ? i % 10 : 10 - (i % 10)) + Math.floor(i / 10) * 100);
    const d = downsampleMinMax(xs, ys, 4);
    // Each bucket: min at its first point (value b*100), max at the 5th (b*100 + 5).
    expect(d.x.length).toBe(8);
    expect(d.y.slice(0, 2)).toEqual([0, 5]);
    expect(d.x.slice(0, 2)).toEqual([0, 5]);
  });

  it('keeps gaps: a bucket with no values becomes a null point', () => {
    const n = 1000;
    const xs = range(n, (i) => i);
    const ys = range(n, (i) => (i >= 400 && i < 600 ? NaN : 1));
    const d = downsampleMinMax(xs, ys, 10);
    const nulls = d.y.filter((v) => v === null).length;
    expect(nulls).toBeGreaterThanOrEqual(1);
    const firstNull = d.y.indexOf(null);
    expect(d.x[firstNull]).toBeGreaterThanOrEqual(400);
    expect(d.x[firstNull]).toBeLessThan(600);
  });

  it('buckets by time, so sparse stretches take few points', () => {
    // 1,000 dense samples, then one sample far later.
    const xs = [...range(1000, (i) => i), 1_000_000];
    const ys = [...range(1000, (i) => i), 1];
    const d = downsampleMinMax(xs, ys, 100);
    expect(d.x[d.x.length - 1]).toBe(1_000_000);
    expect(d.x.length).toBeLessThanOrEqual(200);
  });

  it('survives identical timestamps and a single bucket', () => {
    const xs = range(10, () => 5);
    const ys = range(10, (i) => i);
    expect(downsampleMinMax(xs, ys, 1)).toEqual({ x: [5, 5], y: [0, 9] });
  });
});

describe('visibleWindow', () => {
  it('ends at the newest sample', () => {
    expect(visibleWindow(300, 1000, 5000)).toEqual({ from: 4700, to: 5000 });
  });
  it('starts at the first sample when the samples cover less than the range', () => {
    expect(visibleWindow(300, 4800, 5000)).toEqual({ from: 4800, to: 5000 });
    expect(visibleWindow(3_600, 2000, 5000)).toEqual({ from: 2000, to: 5000 });
  });
  it('spans at least a minute from the first sample, so a few fresh samples are not stretched', () => {
    expect(visibleWindow(300, 4980, 5000)).toEqual({ from: 4980, to: 5040 });
    expect(visibleWindow(300, 5000, 5000)).toEqual({ from: 5000, to: 5060 });
    expect(visibleWindow(300, 4980, 5000, 10)).toEqual({ from: 4980, to: 5000 });
  });
  it('shows everything for "all"', () => {
    expect(visibleWindow(null, 1000, 5000)).toEqual({ from: 1000, to: 5000 });
    expect(visibleWindow(null, 1000, 1000)).toEqual({ from: 1000, to: 1060 });
  });
  it('is null without samples', () => {
    expect(visibleWindow(300, null, null)).toBeNull();
  });
});
